"""Mask secrets with typed placeholders before text is indexed, embedded, prompted or written.

IP addresses and e-mail addresses are kept by default: they are usually what the
troubleshooting is about. Set CASEKIT_REDACT_IPS=1 / CASEKIT_REDACT_EMAILS=1 (or pass
`ips=True` / `emails=True`) to mask them too. The placeholder -> original mapping is
returned to the caller only when asked (`mapping=`), stays in memory, and never enters
the index or a draft.
"""
from __future__ import annotations

import os
import re

from .lang import Rx

_NOT_CJK = "\u3000-\u303f\u3400-\u9fff\uff00-\uffef"
# (type, pattern, group holding the secret; 0 = the whole match). `lang.Rx`: ASCII word
# boundaries, so a key right after Chinese text ('金鑰AKIA...') is found too.
_RULES: list[tuple[str, Rx, int]] = [
    ("private-key", Rx(r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----.*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|\Z)", re.S), 0),
    ("jwt", Rx(r"\beyJ[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]{6,}"), 0),
    ("bearer-token", Rx(r"(?i)\bbearer\s+([A-Za-z0-9._~+/-]{12,}=*)"), 1),
    ("aws-access-key", Rx(r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}\b"), 0),
    ("aws-secret-key", Rx(
        r"(?i)(?:aws_?secret_?access_?key|secret_?access_?key|secretaccesskey)[\"']?\s*[:=]\s*[\"']?([A-Za-z0-9/+=]{30,64})(?![A-Za-z0-9/+=])"), 1),
    ("url-password", Rx(r"\b[a-zA-Z][a-zA-Z0-9+.-]*://[^:/\s@]+:([^@\s/]+)@"), 1),
    ("password", Rx(
        r"(?i)(?:\b(?:password|passwd|pwd|passphrase|secret|client_secret|api[_-]?key|apikey|access[_-]?token|auth[_-]?token|token)|"
        rf"密碼|口令|密鑰)[\"']?\s*[:=]\s*[\"']?([^\s\"',;&{_NOT_CJK}]{{3,}})"), 1),
    ("github-token", Rx(r"\bgh[pousr]_[A-Za-z0-9]{30,}\b"), 0),
    ("slack-token", Rx(r"\bxox[abposr]-[A-Za-z0-9-]{10,}\b"), 0),
]
_EMAIL = ("email", Rx(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b"), 0)
_IP = ("ip", Rx(r"\b(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)\b"), 0)
PLACEHOLDER = Rx(r"\[REDACTED:[a-z-]+(?:#\d+)?\]")


def _flag(name: str) -> bool:
    return os.environ.get(name, "").lower() in ("1", "true", "yes")


def redact(text: str, mapping: dict[str, str] | None = None, *, emails: bool | None = None, ips: bool | None = None) -> str:
    """Text with secrets replaced by '[REDACTED:<type>]'.

    With `mapping`, placeholders are numbered ('[REDACTED:password#1]') and the
    originals recorded in it, so that the engineer can look them up locally.
    """
    if not text:
        return text
    rules = list(_RULES)
    if _flag("CASEKIT_REDACT_EMAILS") if emails is None else emails:
        rules.append(_EMAIL)
    if _flag("CASEKIT_REDACT_IPS") if ips is None else ips:
        rules.append(_IP)
    numbers: dict[str, str] = {}
    for kind, rx, group in rules:
        def sub(m: re.Match, kind=kind, group=group) -> str:
            secret = m.group(group)
            if PLACEHOLDER.fullmatch(secret) or secret.startswith("[REDACTED:"):
                return m.group(0)
            if mapping is None:
                tag = f"[REDACTED:{kind}]"
            else:
                if secret not in numbers:
                    numbers[secret] = f"[REDACTED:{kind}#{sum(1 for v in numbers.values() if f':{kind}#' in v) + 1}]"
                tag = numbers[secret]
                mapping[tag] = secret
            whole = m.group(0)
            start, end = m.start(group) - m.start(0), m.end(group) - m.start(0)
            return whole[:start] + tag + whole[end:]

        text = rx.sub(sub, text)
    return text

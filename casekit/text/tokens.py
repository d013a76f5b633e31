"""Words of a text: the tokenizer every lexical comparison shares, and the one way a text is
cut short for quoting.

The tokenizer keeps error codes and identifiers whole: 'CannotPullContainerError',
'i-0123456789abcdef0', 'nf_conntrack', 'ERR_SSL_PROTOCOL_ERROR', '504', 'arn:aws:ecs:...',
'HikariPool-1' stay one token (so an exact error string or resource id matches exactly),
and their parts are emitted too (so 'cannot pull' still matches 'CannotPullContainerError').

Chinese has no spaces: a run of Han characters gives its characters and its character
pairs (bigrams), after folding Traditional and Taiwan forms to Simplified (casekit.text.hanzi),
so '無法拉取映像檔' and '无法拉取镜像' share tokens. Measured on support cases, unigrams +
bigrams beat word segmenters (jieba splits Traditional text wrongly: '無/法拉/取').
Full-width letters and digits are read as ASCII (NFKC).
"""
from __future__ import annotations

import re
import unicodedata

from .hanzi import HAN_RUN, fold

_TOKEN = re.compile(r"[A-Za-z0-9_]+(?:[.\-:/@][A-Za-z0-9_]+)*")
_SPLIT = re.compile(r"[.\-:/@_]+")
_CAMEL = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
STOP = frozenset(
    "a an and are as at be been but by can could did do does for from had has have he her his how i if in into is it "
    "its me my no not of on or our she so than that the their them then there these they this to too up us was we "
    "were what when where which while who why will with would you your since after before about also just all any "
    "some very only out over".split()
)


def _norm(t: str) -> str:
    t = t.lower()
    if len(t) > 4 and t.isalpha() and t.endswith("s") and not t.endswith("ss"):
        t = t[:-1]
    return t


# Kana mark Japanese: its kanji share characters with Chinese but not words, so a Chinese
# query would match them by accident (the RFC 5246 copy in ../shared carries Japanese lines).
_KANA = re.compile("[\u3040-\u30ff]")
# Han characters too common to say anything on their own (they still count inside bigrams).
STOP_HAN = frozenset("的了是在我有和就不人都一也很到要说会这那你他她它们个吗吧呢啊着把被让给对与及或而")


def tokenize(text: str) -> list[str]:
    """Lowercased tokens: compound identifiers whole, plus their parts; Han characters and
    their pairs."""
    text = unicodedata.normalize("NFKC", text)
    out: list[str] = []
    if HAN_RUN.search(text) and not _KANA.search(text):
        for run in HAN_RUN.findall(fold(text)):
            out.extend(c for c in run if c not in STOP_HAN)
            out.extend(run[i : i + 2] for i in range(len(run) - 1))
    for m in _TOKEN.finditer(text):
        whole = m.group(0)
        parts = [p for p in _SPLIT.split(whole) if p]
        camel = [c for p in parts if re.search(r"[a-z][A-Z]|[A-Z]{2}[a-z]", p) for c in _CAMEL.findall(p)]
        pieces = {whole} | set(parts) | (set(camel) if len(camel) > 1 else set())
        for piece in sorted(pieces, key=lambda p: (p != whole, p)):
            t = _norm(piece)
            if len(t) >= 2 and t not in STOP and not (t.isdigit() and len(t) < 3):
                out.append(t)
    return out


_ID_CHAR = re.compile(r"[A-Za-z0-9:/._\-@=+]")


def short(text: str, n: int = 140) -> str:
    """Text folded to one line and cut at a word boundary, never inside an identifier (a
    cut ARN or instance id would read as another resource). Chinese text has no spaces:
    there the cut falls between characters, outside any ASCII token."""
    t = " ".join(text.split())
    if len(t) <= n:
        return t
    cut = t[: n - 1]
    if " " in cut[n // 2:]:
        return cut[: cut.rfind(" ")] + " …"
    p = n - 1
    while p > 0 and _ID_CHAR.match(t[p - 1]) and _ID_CHAR.match(t[p]):
        p -= 1
    if p < n // 3:  # one long token: keep it whole (up to its end) rather than cut it
        end = p
        while end < len(t) and _ID_CHAR.match(t[end]):
            end += 1
        p = end
    return t[:p].rstrip() + (" …" if p < len(t) else "")


_OPEN, _CLOSE = "([{", ")]}"


def balanced(text: str) -> str:
    """A quoted fragment of a line without the brackets it does not open or close itself: a
    JSON line quoted from the middle of an array ('{ "State": "active" } ]') reads as its own
    object. Brackets left unmatched inside the text stay (nothing is invented)."""
    t = text.strip()
    while True:
        stack, unmatched = [], set()
        for i, ch in enumerate(t):
            if ch in _OPEN:
                stack.append(i)
            elif ch in _CLOSE:
                if stack and t[stack[-1]] == _OPEN[_CLOSE.index(ch)]:
                    stack.pop()
                else:
                    unmatched.add(i)
        unmatched |= set(stack)
        if not unmatched:
            return t
        lead = min(unmatched) == 0 or not t[:min(unmatched)].strip()
        tail = max(unmatched) == len(t) - 1 or not t[max(unmatched) + 1:].strip(" ,;")
        if lead:
            t2 = t[min(unmatched) + 1:].strip().lstrip(",; ")
        elif tail:
            t2 = t[:max(unmatched)].strip().rstrip(",; ")
        else:
            return t
        if not t2:
            return t
        t = t2

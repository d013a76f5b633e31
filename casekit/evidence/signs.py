"""Signs: objective findings extracted from the Objective section and pasted logs.

A symptom is what the customer says (Subjective); a sign is what the data shows. This
module only ever reads Objective text, and every sign keeps its kind and line so the
draft can label each statement by its origin. Pure functions, bounded work: a 50 MB log
is read up to MAX_LINES lines and the draft says so.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import datetime, tzinfo

from ..rules import knowledge
from ..text.lang import Rx, detect_language, fold_width
from ..text.time import CLOCK, ZONE_WORDS, TimeError, clock, parse_stamp, resolve_zone, to_utc_iso, zone

MAX_LINES = 20_000
HEAD_LINES, TAIL_LINES = 15_000, 4_999  # of a huge Objective, what is kept (with the marker line: MAX_LINES)
MAX_SIGNS = 40
MAX_LEN = 200

# The kinds that name a failure precisely enough to match a source on (one home for the list).
TELLING = ("error", "exception", "code", "http_status", "exit_code", "kernel", "metric")
KINDS = ("error", "exception", "code", "http_status", "exit_code", "kernel", "metric", "resource", "timestamp", "warning")

# Every pattern here is a `lang.Rx`: ASCII word boundaries on the normalised line, so
# 'CannotPullContainerError' in '任務出現CannotPullContainerError錯誤' is a word, and '５０４'
# is 504. What a sign quotes of its line is the line as written.
EXCEPTION = Rx(r"\b(?:[a-z]+\.)*[A-Z][A-Za-z0-9]*(?:Exception|Error|Exceeded|Fault|Failure)\b")
CODE = Rx(
    r"\b(?:E[A-Z]{4,}|ERR_[A-Z0-9_]+|SERVFAIL|NXDOMAIN|REFUSED|OOMKilled|CrashLoopBackOff|ImagePullBackOff|ErrImagePull|"
    r"CreateContainerConfigError|Evicted|SIGKILL|SIGSEGV|SIGTERM|VcpuLimitExceeded|InsufficientInstanceCapacity|"
    r"RequestLimitExceeded|SlowDown|AccessDenied|Throttling|[A-Z][a-z]+(?:[A-Z][a-z]+)+(?:Exceeded|Denied|Failed|Limit))\b"
)
_HTTP_REASON = ("Bad Request|Unauthorized|Forbidden|Not Found|Request Timeout|Too Many Requests|Internal Server Error|"
                "Bad Gateway|Service Unavailable|Gateway Timeout|Slow Down|Conflict|Gone|Payload Too Large|Not Implemented")
_HTTP = Rx(
    rf"\b([1-5]\d\d)\s+({_HTTP_REASON})\b|"
    r"(?i:\b(?:HTTP/\d(?:\.\d)?\"?\s+|status(?:[ _-]?code)?\s*[:=]?\s*|elb_status_code\s*[:=]?\s*|target_status_code\s*[:=]?\s*|"
    r"HTTP\s+|returned\s+|returns\s+|returning\s+|(?<!exit )(?<!exit status )code\s+)|"
    r"(?:狀態碼|狀態|回傳|傳回|返回|回應|響應)\s*[:=]?\s*(?:為|是)?\s*(?:HTTP\s*)?)([1-5]\d\d)\b|"
    r"\bHTTPCode_(?:ELB|Target|Backend)_(\dXX|\d{3})(?:_Count)?\b"
)
_REASONS = {
    "400": "Bad Request", "401": "Unauthorized", "403": "Forbidden", "404": "Not Found", "408": "Request Timeout",
    "429": "Too Many Requests", "500": "Internal Server Error", "502": "Bad Gateway", "503": "Service Unavailable",
    "504": "Gateway Timeout",
}
_EXIT = Rx(r"(?i)(?:\b(?:exit(?:ed)?(?:\s+with)?\s*(?:code|status)?\s*[:=]?\s*|exit code:\s*|returned\s+exit\s+code\s+)|"
          r"(?:退出碼|退出代碼|結束代碼|結束碼|離開代碼)\s*[:=]?\s*(?:為|是)?\s*)(\d{1,3})\b")
_KERNEL = Rx(r"(?:\bkernel:|^\s*\[\s*\d+\.\d+\]|\bdmesg\b|Kernel panic|BUG:|Call Trace:|oom-kill|Out of memory:)")
_RESOURCE = Rx(
    r"\barn:aws[\w-]*:[\w-]+:[\w-]*:\d{12}:[^\s,;)\]\"'`\u3000-\u303f\u3400-\u9fff\uff00-\uffef]+|"
    r"\b(?:i|vol|subnet|sg|vpc|eni|nat|igw|rtb|acl|ami|snap|tgw|vpce|lt|eipalloc|pcx|r|db|fs|fsap)-[0-9a-f]{8,17}\b"
)
# a metric: an English name ('CPUUtilization', 'CPU 使用率') or a Chinese one ('記憶體使用'), a
# number and a unit
_METRIC = Rx(
    r"((?<![A-Za-z0-9_])[A-Za-z][A-Za-z0-9_./%-]{1,40}(?:\s?[\u4e00-\u9fff]{1,6})?|[\u4e00-\u9fff]{2,8})"
    r"\s*(?:[:=]|is|was|at|of|為|是|達到|達|約)?\s*(-?\d+(?:\.\d+)?)\s*"
    r"(%|ms|µs|us|s|sec|secs|seconds|min|minutes|MiB|GiB|KiB|MB|GB|KB|TB|Mbps|Gbps|Mbit/s|IOPS|iops|req/s|rps|pps|ops/s|"
    r"MB/s|GB/s|KB/s|MiB/s|credits|connections|conns|requests|errors|tokens|threads|count|毫秒|秒|分鐘)(?![A-Za-z])"
)
# a timestamp, with its zone written after it ('Z', '+08:00', 'UTC+8', '(台北時間)', 'JST') or before it
_ISO = Rx(
    rf"(?:({ZONE_WORDS})\s*:?\s*)?\b(\d{{4}}-\d{{2}}-\d{{2}})[T ](\d{{2}}:\d{{2}}(?::\d{{2}})?(?:[.,]\d+)?)"
    rf"(?:\s?(Z|[+-]\d{{2}}:?\d{{2}}\b|{ZONE_WORDS})|\s*[(]\s*({ZONE_WORDS})\s*[)])?"
)
# a Chinese date and time: '2025年6月3日 13:30', '6月3日 下午1點半', '2025年6月3日（二）14:05（台北時間）'
_ZH_STAMP = Rx(
    rf"(?:({ZONE_WORDS})\s*:?\s*)?(?:(\d{{4}})\s*年\s*)?(\d{{1,2}})\s*月\s*(\d{{1,2}})\s*[日號]\s*"
    r"(?:[(]?\s*(?:星期|週)[一二三四五六日天]\s*[)]?\s*|[(][一二三四五六日][)]\s*)?"
    rf"({CLOCK})(?::(\d{{2}}))?(?:\s*({ZONE_WORDS})|\s*[(]\s*({ZONE_WORDS})\s*[)])?"
)
_SYSLOG = Rx(r"^\s*(?:<\d+>)?([A-Z][a-z]{2})\s+(\d{1,2})\s+(\d{2}:\d{2}:\d{2})\b")
_APACHE = Rx(r"\[(?:[A-Z][a-z]{2}\s+)?([A-Z][a-z]{2})\s+(\d{1,2})\s+(\d{2}:\d{2}:\d{2})(?:\.\d+)?\s+(\d{4})\]")
_NOT_NAMES = frozenset("to at of from by is was for in on and or than about around over under after before since "
                       "with the a an only just up down every each per".split()
                       + "約 大約 大概 超過 只有 從 到 達到 共 總共 有 第 每 持續 最近 過去 其中 約為 高達 低於 高於".split())
_HAN_CHAR = re.compile("[\u4e00-\u9fff]")
_NAME_TAIL = re.compile("(?:約為|大約|達到|高達|約|為|是|達|到)$")
_MONTHS = {m: i for i, m in enumerate("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(), 1)}


@dataclass(frozen=True)
class Sign:
    """An objective finding: its text as found, its kind, the line it came from."""

    text: str
    kind: str
    line: int | None = None
    utc: str | None = None  # timestamps: the UTC instant

    def to_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v is not None}


def _clip(s: str) -> str:
    """Long lines keep their head and their tail: wrapped errors ('failed to do request:
    ...: dial tcp 52.119.1.1:443: i/o timeout') put the cause at the end."""
    s = " ".join(s.split())
    if len(s) <= MAX_LEN:
        return s
    head = MAX_LEN // 2
    return s[:head].rstrip() + " … " + s[-(MAX_LEN - head - 3):].lstrip()


def _template(s: str) -> str:
    """A line with its variable parts folded, so repeats of one message count once."""
    s = re.sub(r"\b[0-9a-f]{8,}\b", "#", s.lower())
    return re.sub(r"\d+", "#", s)


def _zone(name: str | None, default_tz: tzinfo, chinese: bool) -> tzinfo:
    return resolve_zone(name, chinese, default_tz) if name else default_tz


def _han(line: str) -> bool:
    return _HAN_CHAR.search(line) is not None


def stamp_of(line: str, default_tz: tzinfo, year: int, chinese: bool = False) -> datetime | None:
    """The time a line is stamped with, or None. A zone written beside the time wins over
    `default_tz` (the case's); 'CST' is read as China time in Chinese text (`chinese`, or a
    line with Chinese in it) or a UTC+8 case, else as US Central."""
    chinese = chinese or _han(line)  # a line written in Chinese is Chinese text
    m = _ISO.search(line)
    if m:
        before, date, time, after, paren = m.groups()
        after = after or paren
        try:
            if after and re.fullmatch(r"Z|[+-]\d{2}:?\d{2}", after):
                return parse_stamp(f"{date} {time} {after}", default_tz)
            return parse_stamp(f"{date} {time}", _zone(after or before, default_tz, chinese))
        except TimeError:
            return None
    m = _ZH_STAMP.search(line)
    if m:
        before, y, mo, d, hhmm, sec, after, paren = m.groups()
        after = after or paren
        hm = clock(hhmm)
        try:
            if hm is None:
                return None
            return datetime(int(y) if y else year, int(mo), int(d), hm[0], hm[1], int(sec or 0),
                            tzinfo=_zone(after or before, default_tz, chinese))
        except (ValueError, TimeError):
            return None
    m = _APACHE.search(line) or _SYSLOG.search(line)
    if m and m.group(1) in _MONTHS:
        y = int(m.group(4)) if m.re is _APACHE else year
        try:
            return datetime(y, _MONTHS[m.group(1)], int(m.group(2)), *map(int, m.group(3).split(":")), tzinfo=default_tz)
        except ValueError:
            return None
    return None


def is_chinese(text: str, language: str | None = None) -> bool:
    """Is a text Chinese for reading an ambiguous zone: the declared `language`, else detected
    (only when the text names such a zone at all)."""
    if language:
        return language.lower().startswith("zh")
    return "cst" in text.lower() and detect_language(text) != "en"


def extract(text: str, tz: str | None = None, year: int | None = None, limit: int = MAX_SIGNS,
            language: str | None = None) -> list[Sign]:
    """Signs in `text`, most telling kinds first, each message once.

    `tz` is the case's timezone (offset or IANA name): timestamps written without one
    are read in it and normalised to UTC. Without it they are read as UTC. `language` is
    the case's ('zh-Hant', 'en'; detected from `text` when not given).
    """
    try:
        default_tz = zone(tz) if tz else zone("UTC")
    except TimeError:
        default_tz = zone("UTC")
    year = year or datetime.now().year
    chinese = is_chinese(text[:100_000], language)
    kb = knowledge()
    found: dict[str, list[Sign]] = {k: [] for k in KINDS}
    seen: set[tuple[str, str]] = set()
    stamps: list[tuple[datetime, int, str]] = []
    lines = text.split("\n")
    truncated = len(lines) > MAX_LINES

    def add(kind: str, value: str, n: int, utc: str | None = None) -> None:
        key = (kind, _template(value) if kind in ("error", "warning", "kernel") else value.lower())
        if key not in seen:
            seen.add(key)
            found[kind].append(Sign(_clip(value), kind, n, utc))

    for n, line in enumerate(lines[:MAX_LINES], 1):
        if not line.strip() or line.strip().startswith("```"):
            continue
        body = line.strip().lstrip("$#> ").strip()
        for m in EXCEPTION.finditer(line):
            add("exception", m.group(0), n)
        for m in CODE.finditer(line):
            add("code", m.group(0), n)
        for m in _HTTP.finditer(line):
            code = fold_width(m.group(1) or m.group(3) or m.group(4))
            reason = m.group(2) or _REASONS.get(code, "")
            add("http_status", f"HTTP {code} {reason}".strip(), n)
        for m in _EXIT.finditer(line):
            add("exit_code", f"exit code {fold_width(m.group(1))}", n)
        for m in _RESOURCE.finditer(line):
            add("resource", m.group(0).rstrip("."), n)
        if _KERNEL.search(line):
            add("kernel", body, n)
        elif kb.joined("error").search(line):
            add("error", body, n)
        elif kb.joined("warning").search(line):
            add("warning", body, n)
        for m in _METRIC.finditer(line):
            name = _NAME_TAIL.sub("", fold_width(m.group(1))).strip() if not m.group(1).isascii() else m.group(1)
            if len(name) > 1 and not re.fullmatch(r"\d+|[A-Z]{3}|\d{4}-\d{2}-\d{2}", name) and name.lower() not in _NOT_NAMES:
                add("metric", f"{name} {fold_width(m.group(2))} {fold_width(m.group(3))}", n)
        dt = stamp_of(line, default_tz, year, chinese)
        if dt is not None:
            stamps.append((dt, n, line))
    if stamps:
        first, last = min(stamps, key=lambda s: (s[0], s[1])), max(stamps, key=lambda s: (s[0], -s[1]))
        for dt, n, _ in ([first] if first is last else [first, last]):
            found["timestamp"].append(Sign(f"{dt.isoformat(sep=' ', timespec='seconds')} (UTC {to_utc_iso(dt)})",
                                           "timestamp", n, to_utc_iso(dt)))
    # fair shares: each kind gets its first few before any kind gets more
    order = ["error", "kernel", "exception", "code", "http_status", "exit_code", "metric", "warning", "resource", "timestamp"]
    out: list[Sign] = []
    depth = 0
    while len(out) < limit and any(len(found[k]) > depth for k in order):
        for k in order:
            if depth < len(found[k]) and len(out) < limit:
                out.append(found[k][depth])
        depth += 1
    if truncated:
        out.append(Sign(f"only the first {MAX_LINES} of {len(lines)} lines were read", "warning", None))
    return out


def bounded(text: str) -> tuple[str, int]:
    """A huge pasted log cut to its first HEAD_LINES and last TAIL_LINES lines, once, before
    anything else (redaction, signs, evidence) reads it. Returns the kept text and the
    number of lines the whole had."""
    if text.count("\n") < MAX_LINES:
        return text, text.count("\n") + 1
    lines = text.split("\n")
    kept = lines[:HEAD_LINES] + [f"[... {len(lines) - HEAD_LINES - TAIL_LINES} lines not read ...]"] + lines[-TAIL_LINES:]
    return "\n".join(kept), len(lines)


def sign_in(sign: Sign, text: str) -> bool:
    """Does a text (a past case, a document) carry this sign's signature? The one matcher."""
    blob = " ".join(text.lower().split())
    t = " ".join(sign.text.lower().split())
    if sign.kind in ("exception", "code", "exit_code"):
        return t in blob
    if sign.kind == "http_status":  # ASCII boundaries: '502' in '回傳502錯誤' counts
        return re.search(rf"(?<![A-Za-z0-9_]){t.split()[1]}(?![A-Za-z0-9_])", blob) is not None
    if sign.kind in ("error", "kernel", "warning"):
        from ..text.tokens import tokenize

        toks = {x for x in tokenize(sign.text) if not any(c.isdigit() for c in x) and len(x) > 3}
        if not toks:
            return False
        hits = sum(1 for x in toks if x in blob)
        return hits >= max(2, -(-len(toks) // 2))
    return False

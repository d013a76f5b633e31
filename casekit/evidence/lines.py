"""Evidence: this case's own lines, of every kind, before any past case is read.

Signs (casekit.evidence.signs) are the error lines; evidence is every line of the Objective data
that can carry a hypothesis or rule one out: state and configuration (`key: value`, JSON
from CLI output, table rows), absence (`[]`, "has no", "inactive", DISABLED), limits against
usage, comparisons (what still works; two outputs of the same command for a healthy and a
broken resource, with the difference computed), and the timeline (changes, first failure)
in UTC. What the customer says (Subjective) is kept as `reported`, apart from what the
data shows (`observed`); what casekit computes (a diff, a ratio) is `inferred`.

Pure functions, bounded work: at most MAX_LINES lines are read.
"""
from __future__ import annotations

import re
from datetime import datetime

from ..rules import cues
from ..text.lang import Rx, han_count, normalize_text
from ..text.time import TimeError, to_utc_iso, zone
from .facts import _diffs, _limits, _timeouts
from .model import Evidence, _clip
from .signs import CODE, ERROR_WORDS, EXCEPTION, MAX_LINES, is_chinese, stamp_of

MAX_EVIDENCE = 80

_KV = Rx(r"""^\s*[-*(]?\s*["'`]?([A-Za-z\u4e00-\u9fff][\w .\-/`()\u4e00-\u9fff]{0,60}?)["'`]?\s*[:=]\s*\S""")
_JSONISH = re.compile(r"""["'][\w.\-]+["']\s*:""")
_TABLE = re.compile(r"\S\s*\|\s*\S.*\||\S\s{2,}\S.*\S\s{2,}\S|\t\S")
_FRAME = re.compile(r"""^(?:File "[^"]+", line \d+|at [\w.$<>]+\(|Traceback \(most recent call last\):?|\.\.\.|\^+|"""
                    r"""[\w.]+\.java:\d+\)?|goroutine \d+ \[)""")
_HHMM = Rx(r"(?<![\d:])([01]?\d|2[0-3]):([0-5]\d)(?![\d:])")
_COLONS = re.compile("[:：]+$")


def _is_command(line: str) -> str | None:
    m = cues.COMMAND.match(line)
    if m and cues.COMMAND_WORDS.match(m.group(1)):
        return m.group(1).strip()
    return None


def has_time(line: str) -> bool:
    """Does a line name a clock time ('13:30', '下午2點')?"""
    return bool(_HHMM.search(line) or cues.CLOCK_ZH.search(line))


def classify(line: str, has_time: bool, output: bool = False) -> str | None:
    """The kind of evidence a line is, or None when it bears on nothing."""
    body = normalize_text(line).strip()
    if len(body) < 2 or _FRAME.match(body):
        return None
    if cues.CHANGE.search(body) and (has_time or cues.DEPLOYED.search(body)):
        return "change"
    if cues.ABSENCE.search(body):
        return "absence"
    if (cues.LIMIT.search(body) and cues.QUANTITY.search(body)) or cues.SATURATED.search(body):
        return "limit"
    if cues.HEALTHY.search(body) and not ERROR_WORDS.search(body):
        return "comparison"
    if ERROR_WORDS.search(body) or EXCEPTION.search(body) or CODE.search(body):
        return "error"
    kv = _KV.match(body)
    if kv or _JSONISH.search(body) or _TABLE.search(body):
        key = kv.group(1) if kv else body
        return "configuration" if cues.CONFIG_KEYS.search(key) else "state"
    if has_time:
        return "timeline"
    return "state" if output else None


def extract(text: str, tz: str | None = None, year: int | None = None, affected: set[str] | None = None,
            section: str = "Objective", origin: str = "observed", language: str | None = None) -> list[Evidence]:
    """Evidence lines of a section, strongest kinds first, each line once. `language` is the
    case's (detected from `text` when not given): it decides how 'CST' is read."""
    try:
        default_tz = zone(tz) if tz else zone("UTC")
    except TimeError:
        default_tz = zone("UTC")
    year = year or datetime.now().year
    chinese = is_chinese(text[:100_000], language)
    found: list[Evidence] = []
    blocks: list[tuple[str, int, list[tuple[int, str]]]] = []
    plain: list[tuple[int, str, str]] = []
    context, fence, label, label_indent = "", False, "", 0
    for n, raw in enumerate(text.split("\n")[:MAX_LINES], 1):
        line = raw.rstrip()
        norm = normalize_text(line)  # 'Limits：' ends with ':' too
        if line.strip().startswith(("```", "~~~")):
            fence = not fence
            if not fence:
                context = ""
            continue
        if not line.strip():
            if not fence:
                context = ""
            continue
        cmd = _is_command(line)
        if cmd:
            context = cmd
            blocks.append((cmd, n, []))
            continue
        if norm.rstrip().endswith(":") and len(line) < 160:
            if not fence:
                context = _COLONS.sub("", line.strip())
                continue
            label = _COLONS.sub("", line.strip())  # 'Limits:' above indented 'memory: 512Mi'
            label_indent = len(line) - len(line.lstrip())
        elif fence and label and len(line) - len(line.lstrip()) <= label_indent:
            label = ""
        if blocks and context == blocks[-1][0]:
            blocks[-1][2].append((n, line.strip()))
        dt = stamp_of(line, default_tz, year, chinese)
        kind = classify(line, dt is not None or has_time(line), output=fence or bool(context))
        plain.append((n, line.strip(), f"{context} {label}".strip()))
        if kind:
            found.append(Evidence(_clip(line), kind, n, origin, section, to_utc_iso(dt) if dt else None,
                                  f"{context} {label}".strip() if label and not norm.rstrip().endswith(":") else context))
    if origin == "observed":
        found += _diffs(blocks, affected or set())
        found += _limits(plain, blocks)
        found += _timeouts(plain)
    seen, out = set(), []
    for e in sorted(found, key=lambda e: (-e.weight, e.line or 0)):
        key = (e.text, e.detail)
        if key not in seen:
            seen.add(key)
            out.append(e)
    return out[:MAX_EVIDENCE]


# Sentence ends: Chinese '。！？；' always; '.', '!', '?' before a space (not inside '3.9GiB').
SENTENCE_END = re.compile(r"(?<=[。！？；])\s*|(?<=[.!?])\s+")


def reported(subjective: str) -> list[Evidence]:
    """What the customer says, sentence by sentence, kept as `reported`."""
    out = []
    for n, raw in enumerate(subjective.split("\n"), 1):
        for sent in SENTENCE_END.split(raw):
            s = sent.strip()
            if len(s) + han_count(s) < 8:  # a Han character counts twice: '連線逾時' is a sentence
                continue
            kind = ("comparison" if cues.HEALTHY.search(s) and not ERROR_WORDS.search(s) else
                    "change" if cues.CHANGE.search(s) else
                    "error" if ERROR_WORDS.search(s) else None)
            if kind:
                out.append(Evidence(_clip(s), kind, n, "reported", "Subjective"))
    return out


def from_log(entries) -> tuple[list[Evidence], list[Evidence]]:
    """The case's log as evidence: `observed` and `result` entries like Objective lines,
    `reported` entries like Subjective ones, each with its time."""
    observed, said = [], []
    for e in entries:
        if e.kind in ("observed", "result"):
            kind = classify(e.text, False) or "state"
            observed.append(Evidence(_clip(e.text), kind, e.line, "observed", "Log", e.at_utc))
        elif e.kind == "reported":
            kind = "comparison" if cues.HEALTHY.search(e.text) else "change" if cues.CHANGE.search(e.text) else "error"
            said.append(Evidence(_clip(e.text), kind, e.line, "reported", "Log", e.at_utc))
    return observed, said

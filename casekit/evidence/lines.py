"""Evidence: this case's own lines, of every kind, before any past case is read.

Signs (casekit.evidence.signs) are the error lines; evidence is every line of the Objective
data that can carry a hypothesis or rule one out: state and configuration (`key: value`,
JSON from CLI output, table rows), absence (`[]`, "has no", a state that is off), limits
against usage, comparisons (what still works or is normal: is-not evidence; two outputs of
the same command for a healthy and a broken resource, with the difference computed), the
changes and the provider's own events, and the timeline in UTC. What the customer says
(Subjective) is kept as `reported`, apart from what the data shows (`observed`); what casekit
computes (a diff, a ratio) is `inferred`.

A line is read through its structure first (casekit.evidence.structure): a command is the
question, never evidence; brackets and table headers say nothing; a routine log line
(INFO, a checkpoint, a 200) is context. Then through the knowledge base (casekit.rules), in
an order that keeps negation straight: "no errors" is healthy, not an error; a query or a
scheduled notice is not a change.

Pure functions, bounded work: at most MAX_LINES lines are read.
"""
from __future__ import annotations

import dataclasses
from datetime import datetime

from ..rules import knowledge
from ..text.lang import Rx, normalize_text
from ..text.time import TimeError, has_time, to_utc_iso, zone
from .detectors import detect
from .facts import QUANTITY, _diffs, _limits, _timeouts
from .model import Evidence, clip
from .signs import CODE, EXCEPTION, MAX_LINES, is_chinese, stamp_of
from .structure import Line, is_prose, parse

MAX_EVIDENCE = 80
_PROBLEM_KEY = Rx(r"(?i)(?:^|\W)(?:error|err|exception|fault|fatal|failure|failed|reason|message|msg|warning|status|state|"
                  r"caused by)\w*\s*$|錯誤|原因|狀態")
_CHANGE_CONTEXT = Rx(r"(?i)\b(?:change(?:s|log| log| history| records?)|deploy(?:ment)?s?(?: log| history| pipeline)|"
                     r"deployments|releases?(?: history| notes| log)|rollout history|helm history|git log|cloudtrail|"
                     r"lookup-events|audit(?:-| )log|activity log|instance-refresh\w*|pipeline|event history|"
                     r"terraform (?:apply|plan)|ci/cd|change management)\b|變更紀錄|變更記錄|部署紀錄|部署記錄|發布紀錄|變更歷史")


def _strip_healthy(kb, text: str) -> str:
    """The line without its healthy phrases ('no errors', 'ThrottledRequests 0'): what is left
    is read for error words, so a negated problem is not a problem."""
    out = text
    for r in kb.of("healthy"):
        out = r.rx.re.sub(" ", normalize_text(out)) if (r.en or r.zh) else out
    return out


def _sentences(text: str) -> list[str]:
    """The statements of a note, each a verbatim piece of it (sentence ends: '。！？；', and '.',
    '!', '?' before a space)."""
    from .said import SENTENCE_END

    pieces = [p.strip() for p in SENTENCE_END.split(text.strip()) if p and p.strip()]
    return [p for p in pieces if len(p) >= 4] or [text.strip()]


_DATED = Rx(r"(?i)\b\d{4}-\d{2}-\d{2}\b|(?<![\d/.])\d{1,2}/\d{1,2}(?![\d/.])|\d{1,2}\s*月\s*\d{1,2}\s*[日號]|"
            r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? \d{1,2}\b|昨天|今天|前天|上週|yesterday|today|"
            r"this morning|last night")


_FAILED = Rx(r"(?i)\s*(?:\W\s*)?(?:error|fatal|exception|failed|failure)\b|\s*\w*(?:error|exception)\s*:")  # a line that reports a failure, not a change made


def read_line(line: Line, stamped: bool) -> tuple[str | None, str, str]:
    """(kind, sense, record): what a line of data is. kind is None for a line that bears on
    nothing (a routine line); sense is 'healthy' or 'peer' for is-not evidence."""
    kb = knowledge()
    text = line.text.strip()
    if len(text) < 2 or not line.evidence:
        return None, "", ""
    if kb.any("meta", text):
        return None, "", "meta"
    r = kb.first("absence", text)
    if r is not None and r.name == "absence.empty-result":
        return "absence", "", r.name
    healthy = kb.first("healthy", text)
    errors = kb.joined("error")
    rest = _strip_healthy(kb, text) if healthy else text
    if line.role in ("kv", "json") and line.value and not _PROBLEM_KEY.search(line.key):
        rest = _strip_healthy(kb, line.value) if healthy else line.value  # 'idle-timeout=7200': a key names no failure
    problem = bool(errors.search(rest) or EXCEPTION.search(rest) or CODE.search(rest)) or line.level in ("error", "fatal")
    peer = kb.first("works_elsewhere", text) or kb.first("works_elsewhere", line.context)
    if kb.first("provider_event", text) and not healthy:
        return "provider", "", kb.first("provider_event", text).name
    failed = line.level in ("error", "fatal") or bool(_FAILED.match(text))  # 'Error: ... UpdateClusterVersion ... 503'
    if not failed and not kb.any("not_change", text) and not kb.any("scheduled", text):
        ch = kb.first("change", text)
        if ch is not None and (stamped or _DATED.search(text) or _CHANGE_CONTEXT.search(line.context) or
                               _CHANGE_CONTEXT.search(text) or ch.name in ("change.apply", "change.api-call")):
            return "change", "", ch.name
    elif kb.any("scheduled", text):
        return None, "", "scheduled"
    if stamped and line.role in ("row", "log", "kv", "output") and _CHANGE_CONTEXT.search(line.context) and \
            not kb.any("not_change", text) and not errors.search(rest):
        return "change", "", "change.context"  # a dated row of a change record (a deploy history, CloudTrail)
    if healthy and not problem:
        return "comparison", "healthy", healthy.name
    if peer and not problem:
        return "comparison", "peer", peer.name
    off = kb.first("state_off", text)
    if off is not None and not healthy:
        return "absence", "", off.name
    if r is not None and not healthy:
        return "absence", "", r.name
    sat = kb.first("saturated", text)
    if sat is not None:
        return "limit", "", sat.name
    if kb.any("limit", text) and QUANTITY.search(text) and line.role in ("kv", "json", "row", "output", "note"):
        return "limit", "", "limit.words"
    if problem:
        return "error", "", "error.words"
    if line.role == "log" and (line.level in ("info", "debug") or kb.any("routine", text)):
        return None, "", "routine"
    if kb.any("routine", text):
        return None, "", "routine"
    if kb.any("warning", text) or line.level == "warn":
        return "error", "", "warning.words"
    if line.role in ("kv", "json", "row"):
        key = line.key or " ".join(h for h, _ in line.fields)
        return ("configuration" if kb.any("config_key", key) else "state"), "", ""
    if stamped:
        return "timeline", "", ""
    return ("state", "", "") if line.role == "output" else (None, "", "")


def classify(line: str, has_time: bool, output: bool = False) -> str | None:
    """The kind of evidence one line is on its own, or None when it bears on nothing (the log's
    lines, a line typed into the form)."""
    parsed = parse(line)
    if not parsed:
        return None
    ln = parsed[0]
    if output and ln.role == "note":
        ln = Line(ln.n, ln.text, "output")
    return read_line(ln, has_time)[0]


def extract(text: str, tz: str | None = None, year: int | None = None, affected: set[str] | None = None,
            section: str = "Objective", origin: str = "observed", language: str | None = None,
            opened_utc: str | None = None) -> list[Evidence]:
    """Evidence lines of a section, strongest kinds first, each line once, and the facts computed
    across them (casekit.evidence.detectors, facts). `language` is the case's (detected from
    `text` when not given): it decides how 'CST' is read; `opened_utc` is when the case was
    opened (a date before it has passed)."""
    try:
        default_tz = zone(tz) if tz else zone("UTC")
    except TimeError:
        default_tz = zone("UTC")
    year = year or datetime.now().year
    chinese = is_chinese(text[:100_000], language)
    found: list[Evidence] = []
    blocks: dict[int, tuple[str, int, list[tuple[int, str]]]] = {}
    plain: list[tuple[int, str, str]] = []
    parsed = parse(text, MAX_LINES)
    for ln in parsed:
        if ln.role == "command":
            if ln.block not in blocks or blocks[ln.block][0] != ln.context:
                blocks[ln.block] = (ln.context, ln.n, [])
            continue
        if not ln.evidence:
            continue
        if ln.block in blocks and ln.context.startswith(blocks[ln.block][0]):
            blocks[ln.block][2].append((ln.n, ln.text.strip()))
        dt = stamp_of(ln.text, default_tz, year, chinese)
        plain.append((ln.n, ln.text.strip(), ln.context))
        # a note a person typed may hold several statements ('The old subnets work. No errors.'): each is read
        parts = _sentences(ln.text) if ln.role == "note" else [ln.text.strip()]
        for part in parts:
            piece = dataclasses.replace(ln, text=part) if part != ln.text.strip() else ln
            kind, sense, record = read_line(piece, dt is not None or has_time(part))
            if kind:
                found.append(Evidence(clip(part), kind, ln.n, origin, section, to_utc_iso(dt) if dt else None,
                                      ln.context, sense=sense, detector=record, prose=ln.role == "note" and is_prose(part)))
    found = _dated_changes(found)
    if origin == "observed":
        ordered = [blocks[k] for k in sorted(blocks)]
        found += detect(parsed, opened_utc)
        found += _diffs(ordered, affected or set())
        found += _limits(plain, ordered)
        found += _timeouts(plain)
    seen, out = set(), []
    for e in sorted(found, key=lambda e: (-e.weight, e.line or 0)):
        key = (e.text, e.detail)
        if key not in seen:
            seen.add(key)
            out.append(e)
    return out[:MAX_EVIDENCE]


def _dated_changes(found: list[Evidence]) -> list[Evidence]:
    """An undated line of a change record ('aws_vpc_dhcp_options_association.core: Modifying...')
    takes the time of the dated line above it in the same record (the apply's header)."""
    out, last = [], {}
    for e in sorted(found, key=lambda e: e.line or 0):
        if e.utc:
            last[e.context] = e.utc
        elif e.kind == "change" and e.context in last:
            e = dataclasses.replace(e, utc=last[e.context])
        out.append(e)
    return out


def from_log(entries) -> tuple[list[Evidence], list[Evidence]]:
    """The case's log as evidence: `observed` and `result` entries like Objective lines,
    `reported` entries like Subjective ones, each with its time."""
    from .said import reported_kind

    observed, said = [], []
    action = None
    for e in sorted(entries, key=lambda e: (e.at_utc, e.line or 0)):
        if e.kind == "action":
            action = e
        elif e.kind in ("observed", "result"):
            kind = classify(e.text, False) or "state"
            sense = "healthy" if kind == "comparison" else ""
            if e.kind == "result" and sense and action is not None:
                # the action worked: it confirms what it addressed (the layers of the action's words)
                observed.append(Evidence(clip(e.text), "comparison", e.line, "inferred", "Log", e.at_utc,
                                         context=action.text, fact="fact.fix_worked",
                                         values=(("action", action.text[:160]), ("result", e.text[:160])),
                                         detector="fix-worked"))
                continue
            observed.append(Evidence(clip(e.text), kind, e.line, "observed", "Log", e.at_utc, sense=sense))
        elif e.kind == "reported":
            kind, sense = reported_kind(e.text)
            said.append(Evidence(clip(e.text), kind or "error", e.line, "reported", "Log", e.at_utc, sense=sense))
    return observed, said

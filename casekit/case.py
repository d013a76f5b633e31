"""The case file (SPEC.md section 1): parse, validate and write Markdown, JSON and JSONL.

One parser for every entry point (CLI, batch, importer, widgets). Problems are
`InputError`s that name the file and line; `parse_path` collects them so that a bad
record never hides the good ones. A key given twice (front matter, JSON, a JSONL line)
is an error at the line of its second occurrence, never a silently dropped value.

Section headings may be English (any case) or Chinese ('客觀', 'Subjective (主觀)',
'計畫：'; see `casekit.lang`); they are kept as written and looked up by their
canonical English name through `Case.section()`.

The log (SPEC.md section 3): a Markdown case may carry a `## Log` section (or '## 紀錄',
'## 工作記錄', ...), one entry a line::

    - 2026-03-02 14:40 +08:00 [result] added 0.0.0.0/0 route, tasks start
    - 2026-03-02 15:10 Asia/Taipei [reported] NAT gateway was deleted on Friday (answers: Was the route table changed?)

* the timestamp is ISO 8601 with an offset or an IANA tz name, as `opened`; one
  without a timezone is an error;
* the kind, in brackets, is one of reported, observed, action, result, agreement,
  handover (any case; written back in lower case);
* the text runs to the end of the line; an indented line right under an entry
  continues it (folded into one line with a space); blank lines are ignored; any other
  line in the section is an error naming its line;
* a trailing ` (answers: <question text>)` links the entry to the question it answers
  (the draft's `next_question.text` when written by `casekit log --answer`); it is
  `LogEntry.answers`, not part of `LogEntry.text`.

JSON and JSONL carry the same entries as a `log` list of objects
(`{"at": ..., "kind": ..., "text": ..., "answers": ...}`, `answers` optional) or of the
one-line strings above (with or without the leading '- '). The log is `Case.log`, kept
out of `sections`, so it never mixes with the Subjective/Objective text that signs are
read from. `append_log` adds one entry to a case file, leaving every other byte alone.
"""
from __future__ import annotations

import json
import os
import re
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any, Iterable

import yaml

from .errors import InputError
from .fsutil import MAX_CASE_BYTES as MAX_BYTES
from .lang import LANGUAGES, SAMPLE, canonical_section, detect_language, detect_script, normalize_language, section_key
from .timeutil import TimeError, parse_stamp, to_utc_iso, zone

INDUSTRIES = ("gaming", "iot", "crypto", "ecommerce", "finance", "media", "saas", "other")
SEVERITIES = ("low", "normal", "high", "urgent", "critical")
LAYERS = ("network", "os", "container", "storage", "application", "capacity", "provider", "unknown")
SIDES = ("customer", "provider", "third-party", "unknown")
SECTIONS = ("Subjective", "Objective", "Assessment", "Plan", "Resolution")
ENUMS = {"industry": INDUSTRIES, "severity": SEVERITIES, "layer": LAYERS, "side": SIDES}
LIST_FIELDS = ("resources", "tags")
TEXT_FIELDS = ("title", "service", "root_cause")
KNOWN = ("id", "title", "opened", *TEXT_FIELDS[1:], *ENUMS, *LIST_FIELDS)
LOG_KINDS = ("reported", "observed", "action", "result", "agreement", "handover")
LOG_SECTION = "Log"
ID_RE = re.compile(r"^[A-Za-z0-9._-]{1,128}$")
CASE_SUFFIXES = (".md", ".markdown", ".json", ".jsonl")


class LogSyntaxError(ValueError):
    """A log entry that cannot be read (the caller adds file and line)."""


def _fold(text: Any) -> str:
    """One line: newlines (and the spaces around them) folded into one space."""
    return re.sub(r"\s*[\r\n]+\s*", " ", str(text if text is not None else "")).strip()


_ANSWERS = re.compile(r"^(?P<text>.*?)\s*\(answers:\s*(?P<q>.*\S)\s*\)$", re.I)
_ENTRY = re.compile(r"^[-*+]\s+(?P<rest>.*)$")
_STAMP_KIND = re.compile(r"^(?P<at>[^\[\]]*?)\s*\[(?P<kind>[^\[\]]*)\]\s*(?P<text>.*)$")
ENTRY_EXAMPLE = "- 2026-03-02 14:40 +08:00 [observed] text"


@dataclass
class LogEntry:
    """One line of a case's log.

    `at` is the timestamp as written, `at_utc` the same instant in UTC
    ('2026-03-02T06:40:00Z'); `line` is the file line (None for JSON); `answers` is the
    text of the question this entry answers, when linked.
    """

    at: str
    at_utc: str
    kind: str
    text: str
    line: int | None = field(default=None, compare=False)
    answers: str | None = None

    @classmethod
    def make(cls, at: str, kind: str, text: str, answers: str | None = None, line: int | None = None) -> "LogEntry":
        """A checked entry; raises LogSyntaxError saying what is wrong."""
        at = " ".join(str(at if at is not None else "").split())
        if not at:
            raise LogSyntaxError(f"log entry has no timestamp (expected {ENTRY_EXAMPLE!r})")
        try:
            when = parse_stamp(at)
        except TimeError as e:
            raise LogSyntaxError(f"log entry time: {e}") from None
        k = str(kind if kind is not None else "").strip().lower()
        if k not in LOG_KINDS:
            raise LogSyntaxError(f"unknown log kind {str(kind)[:40]!r} (use {'|'.join(LOG_KINDS)})")
        text = _fold(text)
        if not text:
            raise LogSyntaxError("log entry has no text")
        return cls(at=at, at_utc=to_utc_iso(when), kind=k, text=text, line=line, answers=_fold(answers) or None)

    @classmethod
    def parse(cls, line_text: str, line: int | None = None) -> "LogEntry":
        """Read '- <timestamp> [<kind>] <text> (answers: <question>)' (the '- ' optional)."""
        s = " ".join(str(line_text).split())
        m = _ENTRY.match(s)
        rest = m.group("rest") if m else s
        m = _STAMP_KIND.match(rest)
        if not m:
            raise LogSyntaxError(f"log entry has no [kind] after its timestamp (expected {ENTRY_EXAMPLE!r})")
        text, answers = m.group("text"), None
        a = _ANSWERS.match(text)
        if a:
            text, answers = a.group("text"), a.group("q")
        return cls.make(m.group("at"), m.group("kind"), text, answers, line)

    def to_line(self) -> str:
        """The Markdown line: '- 2026-03-02 14:40 +08:00 [result] text (answers: ...)'."""
        return f"- {self.at} [{self.kind}] {self.text}" + (f" (answers: {self.answers})" if self.answers else "")

    def to_dict(self) -> dict[str, str]:
        out = {"at": self.at, "kind": self.kind, "text": self.text}
        if self.answers:
            out["answers"] = self.answers
        return out


@dataclass
class Case:
    """A support case: front matter fields plus free-text SOAP sections.

    `sections` keeps headings as written (lookups are case-insensitive and accept the
    Chinese names through `section()`); `extra` keeps front matter casekit does not know,
    so that a case read and written again loses nothing. `log` holds the `## Log`
    entries (never part of `sections`), `log_heading` that section's heading as written;
    `lang` is the front matter `language` as written, `language` the one to use.
    """

    id: str
    title: str
    opened: str | None = None
    service: str | None = None
    industry: str | None = None
    severity: str | None = None
    resources: list[str] = field(default_factory=list)
    layer: str | None = None
    side: str | None = None
    root_cause: str | None = None
    tags: list[str] = field(default_factory=list)
    sections: dict[str, str] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    log: list[LogEntry] = field(default_factory=list)
    log_heading: str | None = None  # the Log section's heading as written; None: no Log section
    lang: str | None = None  # front matter `language` as written; see `language`
    path: str | None = field(default=None, compare=False)

    def section(self, name: str) -> str:
        """Text of a section by name: case-insensitive, English or Chinese ('Objective'
        finds '## 客觀'); '' when absent. 'Log' gives the log entries as lines."""
        key = section_key(name)
        if key == LOG_SECTION.lower():
            return "\n".join(e.to_line() for e in self.log)
        for heading, text in self.sections.items():
            if section_key(heading) == key:
                return text
        return ""

    @property
    def language(self) -> str:
        """'en', 'zh-Hant' or 'zh-Hans': front matter `language` (zh-TW -> zh-Hant, ...),
        else detected from the Subjective and Objective text (`casekit.lang.detect_language`).
        A bare `language: zh` takes its script from the text (zh-Hant when nothing tells)."""
        declared = normalize_language(self.lang) if self.lang else None
        if declared and declared != "zh":
            return declared
        every = "\n".join([*self.sections, self.title, *(t[:SAMPLE] for t in self.sections.values()),
                           *(e.text for e in self.log)])
        if declared == "zh":
            return detect_script(every) or "zh-Hant"
        body = "\n".join([self.symptoms[:SAMPLE], self.objective[:SAMPLE]]).strip() or every
        found = detect_language(body)
        return found if found == "en" else (detect_script(every) or found)

    @property
    def symptoms(self) -> str:
        """What the customer reports (Subjective): never mixed with signs."""
        return self.section("Subjective")

    @property
    def objective(self) -> str:
        """The data collected (Objective): where signs come from."""
        return self.section("Objective")

    @property
    def opened_utc(self) -> str | None:
        """`opened` normalised to UTC ('2026-03-02T06:05:00Z'), the original kept in `opened`."""
        return to_utc_iso(parse_stamp(self.opened)) if self.opened else None

    @property
    def timezone(self) -> str | None:
        """The customer's timezone as written in `opened` (offset, IANA name, or a zone name
        such as 'UTC+8' or '台北時間': casekit.timeutil.ZONE_NAMES)."""
        if not self.opened:
            return None
        m = re.search(r"((?:UTC|GMT)\s?[+-]\s?\d{1,2}(?::?\d{2})?|Z|[+-]\d{2}(?::?\d{2})?|[A-Za-z][\w+\-]*(?:/[\w+\-]+)+|"
                      r"UTC|GMT|[\u4e00-\u9fff]{2,8}|(?<=\d )[A-Za-z]+(?: [A-Za-z]+)* time|(?<=\d )[A-Z]{3})\s*$", self.opened)
        return m.group(1) if m else None

    def fields(self) -> dict[str, Any]:
        """Front matter in the canonical order, empty values left out, extras last."""
        out: dict[str, Any] = {}
        for name in KNOWN:
            value = getattr(self, name)
            if value not in (None, "", []):
                out[name] = value
        if self.lang:
            out["language"] = self.lang
        out.update(self.extra)
        return out

    def to_dict(self) -> dict[str, Any]:
        out = {**self.fields(), "sections": dict(self.sections)}
        if self.log_heading not in (None, LOG_SECTION):
            out["log_heading"] = self.log_heading
        if self.log or self.log_heading is not None:
            out["log"] = [e.to_dict() for e in self.log]
        return out

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=False)

    def sha256(self) -> str:
        """Content hash of the case (what batch resumption compares)."""
        import hashlib

        return hashlib.sha256(self.to_json().encode("utf-8")).hexdigest()

    def to_markdown(self) -> str:
        front = yaml.safe_dump(self.fields(), sort_keys=False, allow_unicode=True, width=1000)
        parts = [f"---\n{front}---\n"]
        for heading, text in self.sections.items():
            body = text.strip("\n")
            parts.append(f"## {heading}\n{body}\n" if body else f"## {heading}\n")
        if self.log or self.log_heading is not None:
            lines = "".join(e.to_line() + "\n" for e in self.log)
            parts.append(f"## {self.log_heading or LOG_SECTION}\n{lines}")
        return "\n".join(parts)

    def text(self) -> str:
        """The whole case as plain text (title, sections, log), for retrieval."""
        log = [f"{self.log_heading or LOG_SECTION}\n" + "\n".join(e.to_line() for e in self.log)] if self.log else []
        return "\n\n".join([self.title, *(f"{h}\n{t}" for h, t in self.sections.items() if t.strip()), *log])


# --------------------------------------------------------------------------- reading


class _Loader(yaml.SafeLoader):
    """SafeLoader that keeps timestamps as written: the original must survive, and
    PyYAML would silently turn '2026-03-02 14:05:00 +08:00' into a UTC datetime."""


_Loader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def decode(path: Path, data: bytes, what: str = "a case file") -> str:
    """Bytes of an input file as text, or one clear error: empty, binary, not UTF-8."""
    if not data.strip():
        raise InputError(path, "file is empty")
    if b"\x00" in data[:8192]:
        raise InputError(path, f"binary file (contains NUL bytes), not {what}")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise InputError(path, f"not valid UTF-8 (byte 0x{data[e.start]:02x}); save the file as UTF-8", line) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _as_list(path, line, name, value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()] if "," in value else [value.strip()]
    if isinstance(value, (list, tuple)) and all(isinstance(v, (str, int, float)) for v in value):
        return [str(v) for v in value]
    raise InputError(path, f"'{name}' must be a list of strings", line)


class _Problems(InputError):
    """Every problem of one record, in line order (`casekit validate` prints one line each);
    reads as the first one where a single error is expected."""

    def __init__(self, problems: list[InputError]):
        self.problems = sorted(problems, key=lambda e: e.line or 0)
        first = self.problems[0]
        super().__init__(first.path, first.message, first.line)


def _build(path: Path, data: Any, lines: dict[str, int], sections: dict[str, str], base_line: int | None,
           log: list[LogEntry] | None = None, log_heading: str | None = None) -> Case:
    """Validate a mapping of fields into a Case; raise all its problems at once."""
    problems = list(_check_fields(path, data, lines, base_line))
    if problems:
        raise _Problems(problems)
    fields = {k: data.get(k) for k in KNOWN if k in data}
    for name in ("id", "title", "opened", *TEXT_FIELDS, *ENUMS):
        if fields.get(name) is not None:
            fields[name] = str(fields[name]).strip()
    for name in ENUMS:
        if fields.get(name):
            fields[name] = fields[name].lower()
    for name in LIST_FIELDS:
        fields[name] = _as_list(path, lines.get(name, base_line), name, data.get(name))
    lang = str(data["language"]).strip() if data.get("language") is not None else None
    extra = {k: v for k, v in data.items() if k not in KNOWN and k not in ("sections", "language")}
    return Case(**fields, sections=sections, extra=extra, log=list(log or []), log_heading=log_heading,
                lang=lang, path=str(path))


def _check_fields(path, data, lines, base_line) -> Iterable[InputError]:
    if not isinstance(data, dict):
        yield InputError(path, "expected a mapping of fields (id, title, ...)", base_line)
        return
    for name in ("id", "title"):
        value = data.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            yield InputError(path, f"missing required field '{name}'", base_line)
    cid = data.get("id")
    if cid is not None and not (isinstance(cid, (str, int)) and ID_RE.match(str(cid)) and str(cid) not in (".", "..")):
        yield InputError(path, f"id {str(cid)[:60]!r} may only hold letters, digits, '.', '_' and '-'", lines.get("id", base_line))
    for name in ("title", *TEXT_FIELDS[1:]):
        value = data.get(name)
        if value is not None and not isinstance(value, (str, int, float)):
            yield InputError(path, f"'{name}' must be text", lines.get(name, base_line))
    for name, allowed in ENUMS.items():
        value = data.get(name)
        if value is not None and str(value).strip().lower() not in allowed:
            yield InputError(path, f"{name} {str(value)[:40]!r} is not one of {'|'.join(allowed)}", lines.get(name, base_line))
    language = data.get("language")
    if language is not None and not (isinstance(language, str) and normalize_language(language)):
        yield InputError(path, f"language {str(language)[:40]!r} is not one of {'|'.join(LANGUAGES)} "
                         "(zh-TW, zh-CN and the like are read too)", lines.get("language", base_line))
    for name in LIST_FIELDS:
        try:
            _as_list(path, lines.get(name, base_line), name, data.get(name))
        except InputError as e:
            yield e
    opened = data.get("opened")
    if opened is not None:
        try:
            parse_stamp(str(opened))
        except TimeError as e:
            yield InputError(path, f"opened: {e}", lines.get("opened", base_line))


_HEADING = re.compile(r"^##\s+(.+?)\s*#*\s*$")


@dataclass
class _Body:
    """A Markdown body split into sections, plus where its Log section is."""

    sections: dict[str, str]
    log: list[LogEntry]
    log_heading: str | None = None
    log_start: int | None = None  # file line of the Log heading
    log_end: int | None = None  # file line of the last line of its last entry (the heading when empty)


def _split_body(path: Path, lines: list[str], first_line: int) -> _Body:
    """Sections (headings as written) and the parsed Log section; `first_line` is the
    file line number of lines[0]."""
    sections: dict[str, str] = {}
    heading, buf = None, []
    preamble: list[str] = []
    body = _Body({}, [])
    in_log = False
    raw: list[list] = []  # [first line, last line, text] of each log entry
    for i, line in enumerate(lines):
        n = first_line + i
        m = _HEADING.match(line)
        if m and not line.startswith("###"):
            if heading is not None:
                sections[heading] = "\n".join(buf).strip("\n")
            heading, buf, in_log = None, [], False
            if canonical_section(m.group(1)) == LOG_SECTION:
                if body.log_heading is not None:
                    raise InputError(path, f"a second log section ({line.strip()[:60]!r}); keep one '## {LOG_SECTION}'", n)
                body.log_heading, body.log_start, body.log_end, in_log = m.group(1), n, n, True
            else:
                heading = m.group(1)
        elif in_log:
            stripped = line.strip()
            if not stripped:
                continue
            if _ENTRY.match(stripped):
                raw.append([n, n, stripped])
            elif line[:1] in (" ", "\t") and raw and raw[-1][1] == n - 1:
                raw[-1][1], raw[-1][2] = n, raw[-1][2] + " " + stripped
            else:
                raise InputError(path, f"not a log entry: {stripped[:60]!r} (expected {ENTRY_EXAMPLE!r})", n)
            body.log_end = n
        elif heading is None:
            preamble.append(line)
        else:
            buf.append(line)
    if heading is not None:
        sections[heading] = "\n".join(buf).strip("\n")
    if "\n".join(preamble).strip():
        sections = {"Notes": "\n".join(preamble).strip("\n"), **sections}
    body.sections = sections
    for start, _, text in raw:
        try:
            body.log.append(LogEntry.parse(text, start))
        except LogSyntaxError as e:
            raise InputError(path, str(e), start) from None
    return body


def _key_lines(node, offset: int) -> dict[str, int]:
    lines = {}
    if isinstance(node, yaml.MappingNode):
        for key, _ in node.value:
            if isinstance(key, yaml.ScalarNode):
                lines[key.value] = key.start_mark.line + 1 + offset
    return lines


def _check_duplicate_keys(path: Path, node, offset: int) -> None:
    """Refuse a mapping that repeats a key (YAML keeps the last value silently)."""
    seen_nodes: set[int] = set()
    todo = [node]
    while todo:
        n = todo.pop()
        if n is None or id(n) in seen_nodes:
            continue
        seen_nodes.add(id(n))
        if isinstance(n, yaml.MappingNode):
            keys: set = set()
            for key, value in n.value:
                if isinstance(key, yaml.ScalarNode) and key.tag != "tag:yaml.org,2002:merge":
                    if key.value in keys:
                        raise InputError(path, f"duplicate key {key.value!r}", key.start_mark.line + 1 + offset)
                    keys.add(key.value)
                todo.extend((key, value))
        elif isinstance(n, yaml.SequenceNode):
            todo.extend(n.value)


def _parse_markdown(path: Path, text: str) -> tuple[Case, _Body]:
    from .frontmatter import FrontMatterError, split_front_matter

    try:
        front, rest, body_line = split_front_matter(text)
    except FrontMatterError as e:
        raise InputError(path, str(e), 1) from None
    if front is None:
        raise InputError(path, "no YAML front matter: the file must start with a '---' line", 1)
    try:
        node = yaml.compose(front, Loader=_Loader)
        _check_duplicate_keys(path, node, 1)
        data = yaml.load(front, Loader=_Loader) if node is not None else None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None) or getattr(e, "context_mark", None)
        line = mark.line + 2 if mark is not None else 1
        problem = getattr(e, "problem", None) or str(e).splitlines()[0]
        raise InputError(path, f"broken YAML front matter: {problem}", line) from None
    if data is None:
        data = {}
    key_lines = _key_lines(node, 1)
    if isinstance(data, dict) and "log" in data:
        raise InputError(path, f"'log' belongs in a '## {LOG_SECTION}' section after the front matter "
                         f"(one entry a line: {ENTRY_EXAMPLE!r})", key_lines.get("log", 1))
    body = _split_body(path, rest.split("\n"), body_line)
    return _build(path, data, key_lines, body.sections, 1, body.log, body.log_heading), body


def parse_markdown(path: Path, text: str) -> Case:
    return _parse_markdown(path, text)[0]


def _log_from_json(path: Path, value: Any, line: int | None) -> list[LogEntry]:
    if not isinstance(value, list):
        raise InputError(path, f"'log' must be a list of entries (objects with at, kind, text, or {ENTRY_EXAMPLE!r} lines)", line)
    out = []
    for i, item in enumerate(value):
        try:
            if isinstance(item, str):
                out.append(LogEntry.parse(item, line))
            elif isinstance(item, dict):
                unknown = sorted(set(item) - {"at", "kind", "text", "answers", "at_utc"})
                if unknown:
                    raise LogSyntaxError(f"unknown key {unknown[0]!r} (a log entry has at, kind, text and answers)")
                if not all(isinstance(item.get(k), (str, type(None))) for k in ("at", "kind", "text", "answers")):
                    raise LogSyntaxError("at, kind, text and answers must be text")
                out.append(LogEntry.make(item.get("at"), item.get("kind"), item.get("text"), item.get("answers"), line))
            else:
                raise LogSyntaxError("expected an object with at, kind and text, or a one-line entry")
        except LogSyntaxError as e:
            raise InputError(path, f"log[{i}]: {e}", line) from None
    return out


def case_from_dict(path: Path, data: Any, line: int | None = None) -> Case:
    """A Case from a JSON object: sections under 'sections' or as top-level keys
    (English or Chinese names), the log under 'log'."""
    if not isinstance(data, dict):
        raise InputError(path, "expected a JSON object with id, title, ...", line)
    data = dict(data)
    sections: dict[str, str] = {}
    raw = data.pop("sections", None) or {}
    if not isinstance(raw, dict) or not all(isinstance(v, str) for v in raw.values()):
        raise InputError(path, "'sections' must be an object of heading: text", line)
    for name in SECTIONS:
        for key in list(data):
            if isinstance(key, str) and canonical_section(key) == name:
                value = data.pop(key)
                if value is not None and not isinstance(value, str):
                    raise InputError(path, f"'{key}' must be text", line)
                sections[name if key.lower() == name.lower() else key] = value or ""
    for heading in raw:
        if canonical_section(str(heading)) == LOG_SECTION:
            raise InputError(path, f"sections: put log entries in a 'log' list, not in a {heading!r} section", line)
    sections.update({str(k): v for k, v in raw.items()})
    log_key = next((k for k in data if isinstance(k, str) and k.lower() == "log"), None)
    log = _log_from_json(path, data.pop(log_key), line) if log_key is not None else []
    log_heading = data.pop("log_heading", None)
    if log_heading is not None and not (isinstance(log_heading, str) and canonical_section(log_heading) == LOG_SECTION):
        raise InputError(path, f"log_heading {str(log_heading)[:40]!r} is not a name of the Log section", line)
    if log_key is not None and log_heading is None:
        log_heading = LOG_SECTION
    return _build(path, data, {}, sections, line, log, log_heading)


def parse_text(path: str | Path, data: bytes) -> tuple[list[Case], list[InputError]]:
    """Parse one file's bytes; JSONL yields one result per line."""
    path = Path(path)
    try:
        text = decode(path, data)
        suffix = path.suffix.lower()
        if suffix == ".jsonl":
            cases, problems = [], []
            for n, line in enumerate(text.split("\n"), 1):
                if not line.strip():
                    continue
                try:
                    cases.append(case_from_dict(path, _json(path, line, n), n))
                except InputError as e:
                    problems.extend(getattr(e, "problems", [e]))
            if not cases and not problems:
                problems.append(InputError(path, "file holds no cases"))
            return cases, problems
        if suffix == ".json":
            obj = _json(path, text, None)
            if isinstance(obj, list):  # an array of cases: a bad one does not hide the others
                cases, problems = [], []
                for i, o in enumerate(obj, 1):
                    try:
                        cases.append(case_from_dict(path, o))
                    except InputError as e:
                        problems += [InputError(path, f"case {i} of the array: {p.message}", p.line)
                                     for p in getattr(e, "problems", [e])]
                return cases, problems
            return [case_from_dict(path, obj)], []
        return [parse_markdown(path, text)], []
    except InputError as e:
        return [], getattr(e, "problems", [e])


class _DuplicateKey(Exception):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKey(key)
        out[key] = value
    return out


_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\],:]|[^\s{}\[\],:"]+', re.S)


def _duplicate_line(text: str) -> int | None:
    """Line of the first key that repeats one of its object (for valid JSON)."""
    stack: list[list] = []  # [keys of an object or None for a list, expecting a key]
    for m in _JSON_TOKEN.finditer(text):
        t = m.group()
        if t == "{":
            stack.append([set(), True])
        elif t == "[":
            stack.append([None, False])
        elif t in ("}", "]"):
            if stack:
                stack.pop()
        elif t == ",":
            if stack and stack[-1][0] is not None:
                stack[-1][1] = True
        elif t.startswith('"') and stack and stack[-1][0] is not None and stack[-1][1]:
            stack[-1][1] = False
            key = json.loads(t)
            if key in stack[-1][0]:
                return text.count("\n", 0, m.start()) + 1
            stack[-1][0].add(key)
    return None


def _json(path: Path, text: str, line: int | None) -> Any:
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates)
    except json.JSONDecodeError as e:
        raise InputError(path, f"broken JSON: {e.msg} (column {e.colno})", line or e.lineno) from None
    except _DuplicateKey as e:
        raise InputError(path, f"duplicate key {e.args[0]!r}", line or _duplicate_line(text)) from None


def parse_path(path: str | Path) -> tuple[list[Case], list[InputError]]:
    """Read one case file; never raises for bad content, returns the problems instead."""
    path = Path(path)
    try:
        if path.is_dir():
            return [], [InputError(path, "is a folder; give case files (or use 'casekit batch' for folders)")]
        size = path.stat().st_size
        if size > MAX_BYTES:
            return [], [InputError(path, f"file is {size // 2**20} MB, over the {MAX_BYTES // 2**20} MB limit for a case file")]
        data = path.read_bytes()
    except FileNotFoundError:
        return [], [InputError(path, "no such file")]
    except OSError as e:
        return [], [InputError(path, f"cannot read: {e.strerror or e}")]
    return parse_text(path, data)


def load_cases(path: str | Path) -> list[Case]:
    """Read one case file and raise the first problem (for callers that want one case)."""
    cases, problems = parse_path(path)
    if problems:
        raise problems[0]
    return cases


def write_case(case: Case, path: str | Path) -> Path:
    """Write a case as Markdown or JSON by suffix, atomically."""
    from .fsutil import atomic_write

    path = Path(path)
    text = case.to_json() + "\n" if path.suffix.lower() in (".json", ".jsonl") else case.to_markdown()
    atomic_write(path, text)
    return path


# --------------------------------------------------------------------------- the log


def _stamp(when: datetime, tz_name: str | None = None) -> str:
    """'2026-03-02 14:40 +08:00', or '2026-03-02 14:40 Asia/Taipei' with a tz name."""
    if tz_name:
        return when.strftime("%Y-%m-%d %H:%M ") + tz_name
    off = when.strftime("%z") or "+0000"
    return when.strftime("%Y-%m-%d %H:%M ") + off[:3] + ":" + off[3:5]


def _now_in(case: Case) -> str:
    """Now, in the case's timezone (from `opened`), else the local offset."""
    tz = case.timezone
    if tz:
        try:
            now = datetime.now(zone(tz))
        except TimeError:
            now = None
        if now is not None:
            offset = re.fullmatch(r"Z|[+-]\d{2}(?::?\d{2})?", tz, re.I)
            return _stamp(now, None if offset else tz)
    return _stamp(datetime.now().astimezone())


def _new_entry(path: Path, case: Case, text: str, kind: str, at: Any, answer: str | None) -> LogEntry:
    if at is None or (isinstance(at, str) and not at.strip()):
        at = _now_in(case)
    elif isinstance(at, datetime):
        if at.tzinfo is None or at.utcoffset() is None:
            raise InputError(path, f"log entry time {at.isoformat()!r} has no timezone")
        at = _stamp(at)
    try:
        return LogEntry.make(at, kind, text, answer)
    except LogSyntaxError as e:
        raise InputError(path, str(e)) from None


def new_log_entry(case: Case, text: str, kind: str = "observed", at: str | datetime | None = None,
                  answer: str | None = None, path: str | Path = "<form>") -> LogEntry:
    """A checked log entry for `case`, not yet in any file (the notebook form holds it until
    it saves with `append_log`). `at` defaults to now in the case's timezone, as in
    `append_log`; raises InputError naming `path`."""
    path = Path(path)
    if not _fold(text):
        raise InputError(path, "log text is empty")
    return _new_entry(path, case, text, kind, at, answer)


def check_log_args(path: str | Path, text: str, kind: str) -> None:
    """Refuse what `append_log` would refuse before reading the file (kind, empty text, JSONL)."""
    path = Path(path)
    if path.suffix.lower() == ".jsonl":
        raise InputError(path, "appending to a JSONL file is not supported; keep the case in its own .md or .json file to log it")
    if str(kind or "").strip().lower() not in LOG_KINDS:
        raise InputError(path, f"unknown log kind {str(kind)[:40]!r} (use {'|'.join(LOG_KINDS)})")
    if not _fold(text):
        raise InputError(path, "log text is empty")


@contextmanager
def _exclusive(path: Path):
    """Hold an exclusive lock on the case file (POSIX) for one read-modify-replace, so two
    appends at once cannot lose an entry; retried when the file was replaced meanwhile."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: no lock
        yield
        return
    while True:
        fd = os.open(path, os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                current = os.stat(path).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                current = False
            if current:
                yield
                return
        finally:
            os.close(fd)


def _lines_with_ends(text: str) -> tuple[list[str], list[str]]:
    """Lines and their own line ends ('' for the last); numbering as `decode` gives it."""
    parts = re.split(r"(\r\n|\r|\n)", text)
    return parts[0::2], parts[1::2] + [""]


def _splice_markdown(path: Path, data: bytes, entry: LogEntry) -> bytes:
    text = data.decode("utf-8")  # a BOM stays a character of line 1
    case, body = _parse_markdown(path, decode(path, data))
    lines, ends = _lines_with_ends(text)
    nl = Counter(e for e in ends if e).most_common(1)[0][0] if any(ends) else "\n"
    if body.log_end is not None:
        k = body.log_end  # insert after file line k
        head = "".join(l + e for l, e in zip(lines[:k], ends[:k]))
        if ends[k - 1]:
            new = head + entry.to_line() + ends[k - 1] + "".join(l + e for l, e in zip(lines[k:], ends[k:]))
        else:  # the last line, without a line end: keep the file without one
            new = head + nl + entry.to_line()
    else:
        if lines[-1] == "" and len(lines) > 1:  # ends with a line end
            gap = "" if lines[-2].strip() == "" else nl
            new = text + gap + f"## {LOG_SECTION}{nl}{entry.to_line()}{nl}"
        else:
            gap = "" if lines[-1].strip() == "" else nl
            new = text + nl + gap + f"## {LOG_SECTION}{nl}{entry.to_line()}"
    return new.encode("utf-8")


_WS = re.compile(r"[ \t\r\n]*")


def _members(text: str, i: int) -> tuple[dict[str, tuple[int, int]], int]:
    """The members of the JSON object that opens at text[i]: key -> (start, end) of its
    value in `text`, and the index of the object's closing brace."""
    dec = json.JSONDecoder()
    spans: dict[str, tuple[int, int]] = {}
    i = _WS.match(text, i + 1).end()
    while text[i] != "}":
        key, i = dec.raw_decode(text, i)
        i = _WS.match(text, _WS.match(text, i).end() + 1).end()  # past the ':'
        _, end = dec.raw_decode(text, i)
        spans[key] = (i, end)
        i = _WS.match(text, end).end()
        if text[i] == ",":
            i = _WS.match(text, i + 1).end()
    return spans, i


def _splice_json(path: Path, data: bytes, entry: LogEntry) -> bytes:
    """The entry inserted into the case's `log` list (created when missing) as text, so that
    every other byte of the file stays as it was."""
    text = data.decode("utf-8")
    nl = "\r\n" if "\r\n" in text else "\n"
    start = _WS.match(text, 1 if text.startswith("\ufeff") else 0).end()
    if text[start] == "[":  # a one-case array
        obj = _json(path, text.lstrip("\ufeff"), None)
        if len(obj) != 1:
            raise InputError(path, f"holds {len(obj)} cases; 'casekit log' needs a file with one case")
        start = _WS.match(text, start + 1).end()
    spans, close = _members(text, start)
    key = next((k for k in spans if k.lower() == "log"), None)

    def last_before(i: int) -> int:  # the index just after the last non-blank character before i
        return len(text[:i].rstrip())

    if key is not None:
        a, b = spans[key]
        items = json.loads(text[a:b])
        as_lines = bool(items) and all(isinstance(x, str) for x in items)
        if as_lines:
            line = entry.to_line()
            value = json.dumps(line if items[-1].lstrip().startswith("-") else line[2:], ensure_ascii=False)
        else:
            value = json.dumps(entry.to_dict(), ensure_ascii=False, separators=(", ", ": "))
        inner = re.search(r"\n([ \t]*)\S", text[a:b - 1])
        if not items:
            insert_at, piece = b - 1, value
        else:
            insert_at = last_before(b - 1)
            piece = "," + (nl + inner.group(1) if inner else " ") + value
    else:
        member = re.search(r"\n([ \t]*)\S", text[start:close])
        value = json.dumps([entry.to_dict()], ensure_ascii=False, separators=(", ", ": "))
        insert_at = last_before(close)
        empty = text[insert_at - 1] == "{"
        piece = ("" if empty else ",") + (nl + member.group(1) if member else ("" if empty else " ")) + f'"log": {value}'
    return (text[:insert_at] + piece + text[insert_at:]).encode("utf-8")


def append_log(path: str | Path, entry_text: str, kind: str = "observed", at: str | datetime | None = None,
               answer: str | None = None) -> LogEntry:
    """Append one entry to a case file's log, atomically, leaving every other byte alone.

    Markdown: the entry goes after the last entry of the Log section (wherever the section
    is), or a '## Log' section is added at the end; the file's line ends (LF, CRLF) and its
    (missing) final line end are kept. JSON: the entry joins the `log` list and the JSON is
    written again (key order kept, indent as found). JSONL is refused. `at` defaults to now
    in the case's timezone (as `opened` writes it), else the local offset; `answer` is the
    text of the question the entry answers. Returns the entry (`line` set for Markdown);
    raises InputError naming the file, which is then untouched.
    """
    from .fsutil import atomic_write

    path = Path(path)
    check_log_args(path, entry_text, kind)
    suffix = path.suffix.lower()
    if path.is_dir():
        raise InputError(path, "is a folder, not a case file")
    real = Path(os.path.realpath(path))
    try:
        with _exclusive(real):
            mode = os.stat(real).st_mode & 0o7777
            if os.stat(real).st_size > MAX_BYTES:
                raise InputError(path, f"file is over the {MAX_BYTES // 2**20} MB limit for a case file")
            data = real.read_bytes()
            cases, problems = parse_text(path, data)
            if problems:
                raise problems[0]
            if len(cases) != 1:
                raise InputError(path, f"holds {len(cases)} cases; 'casekit log' needs a file with one case")
            case = cases[0]
            entry = _new_entry(path, case, entry_text, kind, at, answer)
            new = _splice_json(path, data, entry) if suffix == ".json" else _splice_markdown(path, data, entry)
            again, problems = parse_text(path, new)
            ok = not problems and len(again) == 1 and again[0].log == [*case.log, entry]
            if ok:
                ok = replace(again[0], log=case.log, log_heading=case.log_heading) == case
            if not ok:
                raise InputError(path, "could not append the log entry safely; the file is left as it was")
            if suffix != ".json":
                entry.line = again[0].log[-1].line
            atomic_write(real, new)
            os.chmod(real, mode)
    except FileNotFoundError:
        raise InputError(path, "no such file") from None
    except PermissionError as e:
        raise InputError(path, f"permission denied: {e.strerror or e}") from None
    except (IsADirectoryError, NotADirectoryError) as e:
        raise InputError(path, f"cannot read: {e.strerror or e}") from None
    return entry


def draft_next_question(case_path: str | Path, out_dir: str | Path = "out") -> str:
    """The `next_question.text` of the newest draft of a case: `<out_dir>/<id>.json` or
    `<id>.json` beside the case file. Raises InputError (naming the case) when none has one."""
    case_path = Path(case_path)
    cases = load_cases(case_path)
    if len(cases) != 1:
        raise InputError(case_path, f"holds {len(cases)} cases; 'casekit log' needs a file with one case")
    cid = cases[0].id
    found: list[tuple[float, str]] = []
    seen: set[str] = set()
    for folder in (Path(out_dir), case_path.parent):
        draft = folder / f"{cid}.json"
        real = os.path.realpath(draft)
        if real in seen or real == os.path.realpath(case_path):
            continue
        seen.add(real)
        try:
            obj = json.loads(draft.read_text(encoding="utf-8"))
            question = (obj.get("next_question") or {}).get("text")
            if obj.get("case_id", cid) != cid or not isinstance(question, str) or not question.strip():
                continue
            found.append((draft.stat().st_mtime, question))
        except (OSError, ValueError, AttributeError):
            continue
    if not found:
        raise InputError(case_path, f"no draft with a next question for {cid} in {out_dir} (or beside the case); "
                         f"run 'casekit draft {case_path} --out {out_dir}' first")
    return max(found)[1]

"""Reading and writing case files (SPEC.md section 1): Markdown, JSON and JSONL.

One parser for every entry point (CLI, batch, importer, widgets). Problems are
`InputError`s that name the file and line; `parse_path` collects them so that a bad
record never hides the good ones. A key given twice (front matter, JSON, a JSONL line)
is an error at the line of its second occurrence, never a silently dropped value.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

import yaml

from ..errors import InputError
from ..fsutil import MAX_CASE_BYTES as MAX_BYTES
from ..text.lang import LANGUAGES, canonical_section, normalize_language
from ..text.time import TimeError, parse_stamp
from .model import (_ENTRY, ENTRY_EXAMPLE, ENUMS, ID_RE, KNOWN, LIST_FIELDS, LOG_SECTION, SECTIONS, TEXT_FIELDS, Case,
                    LogEntry, LogSyntaxError)

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
    from ..fsutil import atomic_write

    path = Path(path)
    text = case.to_json() + "\n" if path.suffix.lower() in (".json", ".jsonl") else case.to_markdown()
    atomic_write(path, text)
    return path

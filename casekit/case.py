"""The case file (SPEC.md section 1): parse, validate and write Markdown, JSON and JSONL.

One parser for every entry point (CLI, batch, importer, widgets). Problems are
`InputError`s that name the file and line; `parse_path` collects them so that a bad
record never hides the good ones.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import yaml

from .errors import InputError
from .timeutil import TimeError, parse_stamp, to_utc_iso

INDUSTRIES = ("gaming", "iot", "crypto", "ecommerce", "finance", "media", "saas", "other")
SEVERITIES = ("low", "normal", "high", "urgent", "critical")
LAYERS = ("network", "os", "container", "storage", "application", "capacity", "provider", "unknown")
SIDES = ("customer", "provider", "third-party", "unknown")
SECTIONS = ("Subjective", "Objective", "Assessment", "Plan", "Resolution")
ENUMS = {"industry": INDUSTRIES, "severity": SEVERITIES, "layer": LAYERS, "side": SIDES}
LIST_FIELDS = ("resources", "tags")
TEXT_FIELDS = ("title", "service", "root_cause")
KNOWN = ("id", "title", "opened", *TEXT_FIELDS[1:], *ENUMS, *LIST_FIELDS)
ID_RE = re.compile(r"^[A-Za-z0-9._-]{1,128}$")
CASE_SUFFIXES = (".md", ".markdown", ".json", ".jsonl")
MAX_BYTES = 64 * 1024 * 1024


@dataclass
class Case:
    """A support case: front matter fields plus free-text SOAP sections.

    `sections` keeps headings as written (lookups are case-insensitive through
    `section()`); `extra` keeps front matter casekit does not know, so that a case read
    and written again loses nothing.
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
    path: str | None = field(default=None, compare=False)

    def section(self, name: str) -> str:
        """Text of a section by name, case-insensitively; '' when absent."""
        for heading, text in self.sections.items():
            if heading.lower() == name.lower():
                return text
        return ""

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
        """The customer's timezone as written in `opened` (offset or IANA name)."""
        if not self.opened:
            return None
        m = re.search(r"(Z|[+-]\d{2}(?::?\d{2})?|[A-Za-z][\w+\-]*(?:/[\w+\-]+)+|UTC|GMT)\s*$", self.opened)
        return m.group(1) if m else None

    def fields(self) -> dict[str, Any]:
        """Front matter in the canonical order, empty values left out, extras last."""
        out: dict[str, Any] = {}
        for name in KNOWN:
            value = getattr(self, name)
            if value not in (None, "", []):
                out[name] = value
        out.update(self.extra)
        return out

    def to_dict(self) -> dict[str, Any]:
        return {**self.fields(), "sections": dict(self.sections)}

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
        return "\n".join(parts)

    def text(self) -> str:
        """The whole case as plain text (title and sections), for retrieval."""
        return "\n\n".join([self.title, *(f"{h}\n{t}" for h, t in self.sections.items() if t.strip())])


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


def _build(path: Path, data: Any, lines: dict[str, int], sections: dict[str, str], base_line: int | None) -> Case:
    """Validate a mapping of fields into a Case; raise the first problem."""
    problems = list(_check_fields(path, data, lines, base_line))
    if problems:
        raise problems[0]
    fields = {k: data.get(k) for k in KNOWN if k in data}
    for name in ("id", "title", "opened", *TEXT_FIELDS, *ENUMS):
        if fields.get(name) is not None:
            fields[name] = str(fields[name]).strip()
    for name in ENUMS:
        if fields.get(name):
            fields[name] = fields[name].lower()
    for name in LIST_FIELDS:
        fields[name] = _as_list(path, lines.get(name, base_line), name, data.get(name))
    extra = {k: v for k, v in data.items() if k not in KNOWN and k != "sections"}
    return Case(**fields, sections=sections, extra=extra, path=str(path))


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


def _split_sections(body: str, first_line: int) -> dict[str, str]:
    sections: dict[str, str] = {}
    heading, buf = None, []
    preamble: list[str] = []
    for line in body.split("\n"):
        m = re.match(r"^##\s+(.+?)\s*#*\s*$", line)
        if m and not line.startswith("###"):
            if heading is not None:
                sections[heading] = "\n".join(buf).strip("\n")
            heading, buf = m.group(1), []
        elif heading is None:
            preamble.append(line)
        else:
            buf.append(line)
    if heading is not None:
        sections[heading] = "\n".join(buf).strip("\n")
    if "\n".join(preamble).strip():
        sections = {"Notes": "\n".join(preamble).strip("\n"), **sections}
    return sections


def _key_lines(node, offset: int) -> dict[str, int]:
    lines = {}
    if isinstance(node, yaml.MappingNode):
        for key, _ in node.value:
            if isinstance(key, yaml.ScalarNode):
                lines[key.value] = key.start_mark.line + 1 + offset
    return lines


def parse_markdown(path: Path, text: str) -> Case:
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        raise InputError(path, "no YAML front matter: the file must start with a '---' line", 1)
    end = next((i for i in range(1, len(lines)) if lines[i].strip() in ("---", "...")), None)
    if end is None:
        raise InputError(path, "front matter is not closed by a '---' line", 1)
    front = "\n".join(lines[1:end])
    try:
        node = yaml.compose(front, Loader=_Loader)
        data = yaml.load(front, Loader=_Loader) if node is not None else None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None) or getattr(e, "context_mark", None)
        line = mark.line + 2 if mark is not None else 1
        problem = getattr(e, "problem", None) or str(e).splitlines()[0]
        raise InputError(path, f"broken YAML front matter: {problem}", line) from None
    if data is None:
        data = {}
    sections = _split_sections("\n".join(lines[end + 1 :]), end + 2)
    return _build(path, data, _key_lines(node, 1), sections, 1)


def case_from_dict(path: Path, data: Any, line: int | None = None) -> Case:
    """A Case from a JSON object: sections under 'sections' or as top-level keys."""
    if not isinstance(data, dict):
        raise InputError(path, "expected a JSON object with id, title, ...", line)
    data = dict(data)
    sections: dict[str, str] = {}
    raw = data.pop("sections", None) or {}
    if not isinstance(raw, dict) or not all(isinstance(v, str) for v in raw.values()):
        raise InputError(path, "'sections' must be an object of heading: text", line)
    for name in SECTIONS:
        for key in list(data):
            if key.lower() == name.lower():
                value = data.pop(key)
                if value is not None and not isinstance(value, str):
                    raise InputError(path, f"'{key}' must be text", line)
                sections[name] = value or ""
    sections.update({str(k): v for k, v in raw.items()})
    return _build(path, data, {}, sections, line)


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
                    problems.append(e)
            if not cases and not problems:
                problems.append(InputError(path, "file holds no cases"))
            return cases, problems
        if suffix == ".json":
            obj = _json(path, text, None)
            if isinstance(obj, list):
                return [case_from_dict(path, o) for o in obj], []
            return [case_from_dict(path, obj)], []
        return [parse_markdown(path, text)], []
    except InputError as e:
        return [], [e]


def _json(path: Path, text: str, line: int | None) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise InputError(path, f"broken JSON: {e.msg} (column {e.colno})", line or e.lineno) from None


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

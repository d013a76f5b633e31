"""Import a user's own history (exported tickets, post-mortems) as case files.

`--map field=path,...` says where each case field comes from: a dotted path into the
record ('root cause.details', 'mitigation.troubleshooting'), several joined with '+',
and '*' for the key of an object-of-objects export. Values that are lists or objects are
written as readable Markdown (numbered steps stay numbered). Each record becomes one
`<id>.md` file, written atomically; a bad record is reported and skipped.
"""
from __future__ import annotations

import csv
import io
import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any, Iterator

from ...case import SECTIONS, Case, case_from_dict, decode
from ...errors import CaseKitError, InputError
from ...fsutil import atomic_write
from ...paths import output_dir
from ...text.time import TimeError, parse_stamp, zone

FIELDS = ("id", "title", "opened", "service", "industry", "severity", "layer", "side", "root_cause", "tags", "resources")
SECTION_FIELDS = {s.lower(): s for s in SECTIONS}
DATE_FORMATS = ("%m/%d/%Y", "%Y-%m-%d", "%d.%m.%Y", "%Y/%m/%d", "%m/%d/%Y %H:%M", "%Y-%m-%d %H:%M:%S", "%b %d, %Y", "%d %B %Y")


def parse_map(spec: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for part in filter(None, (p.strip() for p in spec.split(","))):
        if "=" not in part:
            raise CaseKitError(f"--map: {part!r} is not field=path")
        field, path = (x.strip() for x in part.split("=", 1))
        field = field.lower()
        if field not in FIELDS and field not in SECTION_FIELDS:
            raise CaseKitError(f"--map: unknown field {field!r} (fields: {', '.join(FIELDS + tuple(SECTION_FIELDS))})")
        out[field] = [p.strip() for p in path.split("+") if p.strip()]
    return out


def parse_set(pairs: list[str] | None) -> dict[str, str]:
    """`--set FIELD=VALUE` options as {field: value}: a fixed value for every case."""
    out: dict[str, str] = {}
    for kv in pairs or []:
        field, sep, value = kv.partition("=")
        field, value = field.strip().lower(), value.strip()
        if not sep or not field:
            raise CaseKitError(f"--set: {kv!r} is not FIELD=VALUE (e.g. --set industry=saas)")
        if not value:
            raise CaseKitError(f"--set: {kv!r} has no value (e.g. --set {field}=...)")
        out[field] = value
    return out


def _get(record: Any, path: str, key: str | None) -> Any:
    if path == "*":
        return key
    cur = record
    for part in path.split("."):
        if isinstance(cur, dict):
            cur = cur.get(part)
        elif isinstance(cur, list) and part.isdigit() and int(part) < len(cur):
            cur = cur[int(part)]
        else:
            return None
    return cur


def format_record(value: Any) -> str:
    """A JSON value as readable text: lists as bullets, numbered objects as steps."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, (int, float, bool)):
        return str(value)
    if isinstance(value, list):
        items = [format_record(v) for v in value]
        items = [i for i in items if i]
        if all("\n" not in i for i in items) and sum(len(i) for i in items) < 120:
            return ", ".join(items)
        return "\n".join(f"- {i}" for i in items)
    if isinstance(value, dict):
        if value and all(str(k).isdigit() for k in value):
            return "\n".join(f"{k}. {format_record(v)}" for k, v in sorted(value.items(), key=lambda kv: int(kv[0])))
        parts = [(k, format_record(v)) for k, v in value.items()]
        if all(not isinstance(v, (dict, list)) for v in value.values()) and sum(len(v) for _, v in parts) < 200:
            return ", ".join(f"{k}: {v}" for k, v in parts if v)
        return "\n".join(f"{k}: {v}" if "\n" not in v else f"{k}:\n{v}" for k, v in parts if v)
    return str(value)


def _date(text: str, tz: str) -> str | None:
    """An export's date as a case timestamp; dates without a zone are read in `tz`."""
    text = text.strip()
    if not text:
        return None
    for candidate in (text, f"{text} {tz}"):
        try:
            parse_stamp(candidate)
            return candidate
        except TimeError:
            pass
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).strftime("%Y-%m-%d %H:%M") + f" {tz}"
        except ValueError:
            continue
    return None


def _differs(path: Path, text: str) -> bool:
    try:
        return path.read_text(encoding="utf-8") != text
    except (FileNotFoundError, UnicodeDecodeError):
        return path.exists()


def _safe_id(raw: str) -> str:
    s = re.sub(r"[^A-Za-z0-9._-]+", "-", raw.strip())
    s = re.sub(r"-{2,}", "-", s).strip("-.")
    return s[:128] or "case"


def records(path: Path, fmt: str) -> Iterator[tuple[int | None, str | None, Any]]:
    """(line, key, record) for every record of an export."""
    try:
        data = path.read_bytes()
    except OSError as e:
        raise InputError(path, f"cannot read: {e.strerror or e}") from None
    text = decode(path, data, "an export (JSON, JSONL or CSV)")
    if fmt == "jsonl":
        for n, line in enumerate(text.splitlines(), 1):
            if line.strip():
                try:
                    yield n, None, json.loads(line)
                except json.JSONDecodeError as e:
                    yield n, None, InputError(path, f"broken JSON: {e.msg}", n)
    elif fmt == "csv":
        reader = csv.DictReader(io.StringIO(text))
        try:
            for n, row in enumerate(reader, 2):
                yield n, None, row
        except csv.Error as e:
            raise InputError(path, f"broken CSV: {e}", reader.line_num) from None
    else:
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as e:
            raise InputError(path, f"broken JSON: {e.msg}", e.lineno) from None
        if isinstance(obj, list):
            for n, rec in enumerate(obj):
                yield None, str(n), rec
        elif isinstance(obj, dict) and obj and all(isinstance(v, dict) for v in obj.values()):
            for k, rec in obj.items():
                yield None, k, rec
        else:
            yield None, None, obj


def import_file(path: Path, out_dir: Path, fmt: str | None = None, mapping: str = "", defaults: dict | None = None,
                timezone: str = "UTC") -> tuple[int, list[InputError]]:
    """Write one case file per record into `out_dir`; returns (written, problems)."""
    if not path.exists():
        raise InputError(path, "no such file")
    if not path.is_file():
        raise InputError(path, "is a folder; give an export file (JSON, JSONL or CSV)")
    try:
        zone(timezone)
    except TimeError as e:
        raise CaseKitError(f"--timezone: {e}") from None
    out_dir = output_dir(out_dir)
    fmt = fmt or {".jsonl": "jsonl", ".csv": "csv"}.get(path.suffix.lower(), "json")
    fields = parse_map(mapping) if mapping else {"id": ["id"], "title": ["title"]}
    defaults = {k.lower(): v for k, v in (defaults or {}).items()}
    problems: list[InputError] = []
    written = 0
    used: set[str] = set()
    for line, key, rec in records(path, fmt):
        where = f"record {key}" if key is not None else "record"
        if isinstance(rec, InputError):
            problems.append(rec)
            continue
        if not isinstance(rec, dict):
            problems.append(InputError(path, f"{where} is not an object", line))
            continue
        values: dict[str, Any] = dict(defaults)
        sections: dict[str, str] = {}
        for field, paths in fields.items():
            parts = [format_record(_get(rec, p, key)) for p in paths]
            text = "\n\n".join(p for p in parts if p)
            if field in SECTION_FIELDS:
                if text:
                    sections[SECTION_FIELDS[field]] = text
            elif field in ("tags", "resources"):
                raw = [_get(rec, p, key) for p in paths]
                values[field] = [str(x) for r in raw for x in (r if isinstance(r, list) else [r]) if x not in (None, "")]
            elif text:
                values[field] = text
        if "id" not in values and key is not None:
            values["id"] = key
        if "id" in values:
            values["id"] = _safe_id(str(values["id"]))
        if values.get("service"):
            values["service"] = values["service"].split(",")[0].split("\n")[0].strip("- ").lower()[:60]
        if values.get("root_cause"):
            values["root_cause"] = " ".join(values["root_cause"].split())[:400]
        if values.get("title"):
            values["title"] = " ".join(values["title"].split())[:300]
        if values.get("opened"):
            values["opened"] = _date(values["opened"], timezone)
            if values["opened"] is None:
                problems.append(InputError(path, f"{where}: cannot read the date {format_record(_get(rec, fields['opened'][0], key))!r}", line))
                continue
        try:
            case: Case = case_from_dict(path, {**values, "sections": sections}, line)
        except InputError as e:
            problems.append(InputError(path, f"{where}: {e.message}", line))
            continue
        text = case.to_markdown()
        base, n = case.id, 1
        # the same id from another record or another export: keep both (a rerun of the
        # same import finds its own identical file and rewrites it in place)
        while case.id in used or _differs(out_dir / f"{case.id}.md", text):
            n += 1
            case.id = f"{base}-{n}"
            text = case.to_markdown()
        if n > 1:
            problems.append(InputError(path, f"{where}: id {base!r} is already taken; written as {case.id!r}", line))
        used.add(case.id)
        atomic_write(out_dir / f"{case.id}.md", text)
        written += 1
    return written, problems

"""Appending to a case's log (`casekit log`): one entry added, every other byte of the file
kept as it was, under a lock, atomically."""
from __future__ import annotations

import json
import os
import re
from collections import Counter
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..fsutil import MAX_CASE_BYTES as MAX_BYTES
from ..text.time import TimeError, zone
from .model import LOG_KINDS, LOG_SECTION, Case, LogEntry, LogSyntaxError, _fold
from .read import _json, _parse_markdown, decode, parse_text

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
    from ..fsutil import atomic_write

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

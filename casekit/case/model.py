"""The case (SPEC.md section 1): its fields, its SOAP sections and its log.

Section headings may be English (any case) or Chinese ('客觀', 'Subjective (主觀)',
'計畫：'; see `casekit.text.lang`); they are kept as written and looked up by their
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
read from.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from ..text.identifiers import own
from ..text.lang import SAMPLE, detect_language, detect_script, normalize_language, section_key
from ..text.time import TimeError, parse_stamp, to_utc_iso

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
        else detected from the Subjective and Objective text (`casekit.text.lang.detect_language`).
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
        such as 'UTC+8' or '台北時間': casekit.text.time.ZONE_NAMES)."""
        if not self.opened:
            return None
        m = re.search(r"((?:UTC|GMT)\s?[+-]\s?\d{1,2}(?::?\d{2})?|Z|[+-]\d{2}(?::?\d{2})?|[A-Za-z][\w+\-]*(?:/[\w+\-]+)+|"
                      r"UTC|GMT|[\u4e00-\u9fff]{2,8}|(?<=\d )[A-Za-z]+(?: [A-Za-z]+)* time|(?<=\d )[A-Z]{3})\s*$", self.opened)
        return m.group(1) if m else None

    def identifiers(self) -> dict[str, list[str]]:
        """This case's own identifiers (resource ids, ARNs, accounts, regions, IPs) by kind: what a
        plan and a reply may name (casekit.text.identifiers)."""
        return own(self.title, *self.sections.values(), *self.resources, *(e.text for e in self.log))

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

"""The timeline of a case (changes and failures in UTC, the onset, the change that preceded
it) and the is / is-not table."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from ..i18n import Catalogue
from .model import Evidence


@dataclass
class Timeline:
    events: list[dict] = field(default_factory=list)  # {utc, kind: change|failure|event, text, line}
    onset_utc: str | None = None
    onset_source: str = ""  # "observed" (first failing line) or "reported" (the customer's time)
    change: dict | None = None  # the change that preceded the onset, with minutes_before

    def to_dict(self) -> dict:
        return {"events": self.events, "onset_utc": self.onset_utc, "onset_source": self.onset_source,
                "change": self.change}


def timeline(evidence: list[Evidence], reported_utc: str | None = None) -> Timeline:
    """Changes and failures in UTC order; the onset; the change that preceded it."""
    tl = Timeline()
    for e in evidence:
        if e.utc and e.origin != "inferred":
            kind = "change" if e.kind == "change" else "failure" if e.kind in ("error", "absence") else "event"
            tl.events.append({"utc": e.utc, "kind": kind, "text": e.text, "line": e.line})
    tl.events.sort(key=lambda x: (x["utc"], x["line"] or 0))
    changes = [x for x in tl.events if x["kind"] == "change"]
    failures = [x for x in tl.events if x["kind"] == "failure" and (not changes or x["utc"] >= changes[0]["utc"])]
    if failures:
        tl.onset_utc, tl.onset_source = failures[0]["utc"], "observed"
    elif reported_utc:
        tl.onset_utc, tl.onset_source = reported_utc, "reported"
    if reported_utc and tl.onset_utc and reported_utc < tl.onset_utc:
        tl.onset_utc, tl.onset_source = reported_utc, "reported"
    if tl.onset_utc:
        before = [x for x in changes if x["utc"] <= tl.onset_utc]
        if before:
            c = before[-1]
            gap = _minutes(c["utc"], tl.onset_utc)
            if gap <= 72 * 60:
                tl.change = {**c, "minutes_before": gap}
    if tl.change is None:
        undated = [e for e in evidence if e.kind == "change" and e.origin == "observed"]
        if changes:
            tl.change = {**changes[-1], "minutes_before": None}
        elif undated:
            tl.change = {"utc": None, "kind": "change", "text": undated[0].text, "line": undated[0].line, "minutes_before": None}
    return tl


def _minutes(a: str, b: str) -> int:
    fa = datetime.strptime(a, "%Y-%m-%dT%H:%M:%SZ")
    fb = datetime.strptime(b, "%Y-%m-%dT%H:%M:%SZ")
    return int(round((fb - fa).total_seconds() / 60))


def is_is_not(observed: list[Evidence], said: list[Evidence], tl: Timeline, t: Catalogue) -> dict:
    """The seed of narrowing the scope: where and when the problem is, and is not, what
    differs between them, and which change came before it (computed facts in `t`'s language)."""
    def rows(items: list[Evidence], n: int) -> list[dict]:
        return [{"text": e.text, "origin": e.origin, "line": e.line, "section": e.section, "detail": e.detail_in(t),
                 "context": e.context} for e in items[:n]]
    failing = [e for e in observed if e.kind in ("error", "absence", "limit") and e.origin == "observed"]
    healthy = [e for e in observed + said if e.kind == "comparison" and e.origin != "inferred" and not e.fact]
    differs = [e for e in observed if e.fact and e.kind in ("comparison", "limit")]
    return {
        "is": rows(failing, 4),
        "is_not": rows(healthy, 4),
        "differences": rows(differs, 4),
        "when": {"onset_utc": tl.onset_utc, "onset_source": tl.onset_source},
        "change": tl.change,
    }

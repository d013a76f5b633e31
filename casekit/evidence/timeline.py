"""The timeline of a case (changes and failures in UTC, the onset, the change that preceded
it), the start time the customer reports, and the is / is-not table."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ..i18n import EN, Catalogue
from ..rules import cues
from ..text.lang import normalize_text
from ..text.time import TimeError, clock, parse_stamp, to_utc_iso, zone, zone_in
from .lines import _HHMM
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


_DAY_SHIFT = {"昨天": -1, "昨晚": -1, "昨日": -1, "前天": -2, "今天": 0, "今早": 0, "今晚": 0, "今日": 0}
_OFFSET = re.compile(r"[+-]\d{2}:?\d{2}")


def reported_start(subjective: str, opened: str | None, tz: str | None) -> tuple[str | None, str | None]:
    """The start time as the customer wrote it ('about 13:30 Taipei time', '台北時間約13:30'),
    and in UTC when the case's date and a timezone allow it: the zone the phrase names
    ('Taipei time', 'UTC+8', '北京時間'), else the case's (`tz`)."""
    text = subjective or ""
    en, zh = cues.TIME_REPORTED.search(text), cues.TIME_REPORTED_ZH.search(text)
    if not en and not zh:
        return None, None
    shift = None
    if en and (not zh or en.start() <= zh.start()):
        phrase = re.sub(r"(?i)^(?:since|from|starting|started|began|beginning|after)\s+(?:at\s+)?", "",
                        " ".join(en.group(0).split()))
        hhmm = _HHMM.search(en.group(1))
        hm = (int(hhmm.group(1)), int(hhmm.group(2))) if hhmm else None
        if hm and re.search(r"(?i)pm", en.group(1)) and hm[0] < 12:
            hm = (hm[0] + 12, hm[1])
        named, chinese = en.group(1), False
    else:
        starts = [zh.start(g) for g in ("day", "zone", "time") if zh.start(g) >= 0]
        end = zh.end("zone2") if zh.group("zone2") else zh.end("time")
        phrase = " ".join(text[min(starts):end].split())
        hm = clock(zh.group("time"))
        named, chinese = " ".join(g for g in (zh.group("zone"), zh.group("zone2")) if g), True
        shift = _DAY_SHIFT.get(normalize_text(zh.group("day"))) if zh.group("day") else None
    if not (hm and opened):
        return phrase, None
    try:
        base = parse_stamp(opened)
        case_tz = zone(tz) if tz else None
        offset = _OFFSET.search(named)
        found = zone_in(named, chinese, case_tz)
        where = zone(offset.group(0)) if offset else found[1] if found else case_tz
        if where is None:
            return phrase, None
        local = base.astimezone(where)
        t = local.replace(hour=hm[0], minute=hm[1], second=0, microsecond=0)
        if shift is not None:
            t += timedelta(days=shift)  # '昨天下午2點': the day is written
        elif t > local + timedelta(minutes=5):
            t -= timedelta(days=1)  # 'since 23:00' in a case opened at 01:00
        return phrase, to_utc_iso(t)
    except (TimeError, ValueError):
        return phrase, None


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


def is_is_not(observed: list[Evidence], said: list[Evidence], tl: Timeline, t: Catalogue = EN) -> dict:
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

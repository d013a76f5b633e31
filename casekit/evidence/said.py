"""What the customer says (Subjective): their statements as `reported` evidence, the start
time they give (in UTC when the case allows it), their own deadline and the impact in
numbers. The words come from the knowledge base (casekit.rules); the grammar of times and
sentences is here and in casekit.text.time."""
from __future__ import annotations

import functools
import re
from datetime import timedelta

from ..rules import knowledge
from ..text.lang import Rx, han_count, normalize_text
from ..text.time import DAY_ZH, HHMM, TIME_REPORTED, TIME_REPORTED_ZH, TimeError, clock, parse_stamp, to_utc_iso, zone, \
    zone_in
from .model import Evidence, clip

# Sentence ends: Chinese '。！？；' always; '.', '!', '?' before a space (not inside '3.9GiB').
SENTENCE_END = re.compile(r"(?<=[。！？；])\s*|(?<=[.!?])\s+")
# Impact in numbers ("4 of 40 tasks", "30% of requests", "40 個任務中有 4 個").
IMPACT = Rx(r"(?i)(\b(?:\d+\s+(?:of|out of)\s+\d+\s+\w+|\d+(?:\.\d+)?\s*%\s+of\s+\w+(?:\s+\w+)?|all\s+(?:of\s+)?(?:our\s+)?\w+s)\b|"
            r"\d+\s*個?\s*[\u4e00-\u9fff]{0,6}?(?:中|裡)(?:有|的)?\s*\d+\s*個|\d+\s*/\s*\d+\s*個\s*[\u4e00-\u9fff]{1,6}|"
            r"\d+(?:\.\d+)?\s*%\s*的\s*[\u4e00-\u9fff]{1,8}|(?:所有|全部)(?:的)?\s*[\u4e00-\u9fff]{1,6})")


def reported_kind(sentence: str) -> tuple[str | None, str]:
    """(kind, sense) of a sentence the customer wrote: healthy or a peer that works (is-not),
    a change, an error; None when it is neither."""
    kb = knowledge()
    problem = kb.joined("error").search(sentence)
    if kb.any("healthy", sentence) and not problem:
        return "comparison", "healthy"
    if kb.any("works_elsewhere", sentence) and not problem:
        return "comparison", "peer"
    if kb.any("change", sentence) and not kb.any("not_change", sentence):
        return "change", ""
    if problem:
        return "error", ""
    return None, ""


def reported(subjective: str) -> list[Evidence]:
    """What the customer says, sentence by sentence, kept as `reported`."""
    out = []
    for n, raw in enumerate(subjective.split("\n"), 1):
        for sent in SENTENCE_END.split(raw):
            s = sent.strip()
            if len(s) + han_count(s) < 8:  # a Han character counts twice: '連線逾時' is a sentence
                continue
            kind, sense = reported_kind(s)
            if kind:
                out.append(Evidence(clip(s), kind, n, "reported", "Subjective", sense=sense))
    return out


@functools.lru_cache(maxsize=4)
def _deadline_rx(en: str, zh: tuple[str, ...]) -> Rx:
    en_sentence, sentence = r"[^.!?。\n]", r"[^.!?;。\n]"
    zh_words = "|".join(zh)
    return Rx(rf"(?i)({en_sentence}*(?:{en}){en_sentence}*\d{en_sentence}*|"
              rf"{sentence}*?(?:(?:\d|{DAY_ZH}){sentence}*?(?:{zh_words})|"
              rf"(?:{zh_words}){sentence}*?(?:\d|{DAY_ZH})){sentence}*)")


def deadline(symptoms: str) -> str | None:
    """The customer's own constraint, as they wrote it ('a tournament weekend starting at 19:00
    tonight'): a sentence with a deadline word and a time or a day."""
    rule = knowledge().by_name.get("said.deadline")
    if rule is None:
        return None
    m = _deadline_rx(rule.en, rule.zh).search(symptoms or "")
    return " ".join(m.group(1).split()).strip(" ,;") if m else None


def impact(symptoms: str) -> str:
    """The impact in numbers, as the customer wrote it ('4 of 40 tasks'), or ''."""
    m = IMPACT.search(symptoms or "")
    return m.group(1) if m else ""


_DAY_SHIFT = {"昨天": -1, "昨晚": -1, "昨日": -1, "前天": -2, "今天": 0, "今早": 0, "今晚": 0, "今日": 0}
_OFFSET = re.compile(r"[+-]\d{2}:?\d{2}")


def reported_start(subjective: str, opened: str | None, tz: str | None) -> tuple[str | None, str | None]:
    """The start time as the customer wrote it ('about 13:30 Taipei time', '台北時間約13:30'),
    and in UTC when the case's date and a timezone allow it: the zone the phrase names
    ('Taipei time', 'UTC+8', '北京時間'), else the case's (`tz`)."""
    text = subjective or ""
    en, zh = TIME_REPORTED.search(text), TIME_REPORTED_ZH.search(text)
    if not en and not zh:
        return None, None
    shift = None
    if en and (not zh or en.start() <= zh.start()):
        phrase = re.sub(r"(?i)^(?:since|from|starting|started|began|beginning|after)\s+(?:at\s+)?", "",
                        " ".join(en.group(0).split()))
        hhmm = HHMM.search(en.group(1))
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

"""Parse customer timestamps (offset or IANA tz name) and normalise them to UTC.

A zone may also be named the way people write it: 'UTC+8', 'GMT+8', '台北時間', '北京時間',
'香港時間', 'Taipei time', 'JST' (`ZONE_NAMES`; Simplified forms are read through
`lang.normalize_text`). 'CST' is ambiguous (China or US Central): `zone()` refuses it, and
`resolve_zone()` reads it as Asia/Shanghai only in Chinese text or a case in UTC+8.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone, tzinfo
from functools import lru_cache

from .lang import Rx, normalize_text

# Zone names as written in case text (lowercase for the English ones): IANA name or offset.
ZONE_NAMES: dict[str, str] = {
    "台北時間": "Asia/Taipei", "臺北時間": "Asia/Taipei", "台灣時間": "Asia/Taipei", "臺灣時間": "Asia/Taipei",
    "中原標準時間": "Asia/Taipei", "北京時間": "Asia/Shanghai", "中國時間": "Asia/Shanghai", "上海時間": "Asia/Shanghai",
    "中國標準時間": "Asia/Shanghai", "香港時間": "Asia/Hong_Kong", "新加坡時間": "Asia/Singapore", "東京時間": "Asia/Tokyo",
    "日本時間": "Asia/Tokyo", "首爾時間": "Asia/Seoul", "韓國時間": "Asia/Seoul", "東八區": "+08:00", "東八區時間": "+08:00",
    "協調世界時": "UTC", "世界協調時間": "UTC", "格林威治時間": "UTC",
    "taipei time": "Asia/Taipei", "taiwan time": "Asia/Taipei", "beijing time": "Asia/Shanghai",
    "china time": "Asia/Shanghai", "china standard time": "Asia/Shanghai", "shanghai time": "Asia/Shanghai",
    "hong kong time": "Asia/Hong_Kong", "singapore time": "Asia/Singapore", "tokyo time": "Asia/Tokyo",
    "japan time": "Asia/Tokyo", "seoul time": "Asia/Seoul", "korea time": "Asia/Seoul",
    "hkt": "Asia/Hong_Kong", "sgt": "Asia/Singapore", "jst": "Asia/Tokyo", "kst": "Asia/Seoul",
}
# Abbreviations that name two zones: (in Chinese text or a UTC+8 case, otherwise).
AMBIGUOUS: dict[str, tuple[str, str]] = {"cst": ("Asia/Shanghai", "America/Chicago")}
_OFFSET_NAME = r"(?:UTC|GMT)\s?[+-]\s?\d{1,2}(?::?\d{2})?(?![\d:])"
# A zone named in text: 'UTC+8', '台北時間', 'Taipei time', 'CST', 'UTC' (a regex fragment, no groups).
ZONE_WORDS = ("(?i:" + _OFFSET_NAME + "|"
              + "|".join(re.escape(n).replace(r"\ ", r"\s+") if not n.isascii() or " " in n else rf"\b{n}\b"
                         for n in sorted([*ZONE_NAMES, *AMBIGUOUS], key=lambda n: (-len(n), n)))
              + r"|\bUTC\b|\bGMT\b)")
_ZONE_IN_TEXT = Rx(ZONE_WORDS)

_STAMP = re.compile(
    r"^\s*(?P<date>\d{4}-\d{2}-\d{2})"
    r"(?:[T ](?P<time>\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?))?"
    r"\s*(?P<zone>Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?|[A-Za-z][A-Za-z0-9_+\-]*(?:/[A-Za-z0-9_+\-]+)*|"
    r"(?:UTC|GMT)\s?[+-]\s?\d{1,2}(?::?\d{2})?|[\u4e00-\u9fff]{2,8}|[A-Za-z]+(?: [A-Za-z]+)* time)?\s*$"
)


class TimeError(ValueError):
    """A timestamp that cannot be read or has no timezone."""


@lru_cache(maxsize=256)
def zone(name: str) -> tzinfo:
    """A tzinfo for an offset ('+08:00', 'Z', 'UTC+8'), an IANA name ('Asia/Taipei') or a
    zone name of `ZONE_NAMES` ('台北時間', 'Taipei time', 'JST')."""
    name = " ".join(normalize_text(name).split())
    if name.upper() in ("Z", "UTC", "GMT"):
        return timezone.utc
    if name.lower() in AMBIGUOUS:
        a, b = AMBIGUOUS[name.lower()]
        raise TimeError(f"{name!r} is ambiguous ({a} or {b}); use an offset like +08:00 or an IANA name")
    named = ZONE_NAMES.get(name.lower()) or ZONE_NAMES.get(name)
    if named:
        return zone(named)
    m = re.fullmatch(r"(?i)(?:UTC|GMT)\s?([+-])\s?(\d{1,2})(?::?(\d{2}))?", name)
    if m:  # 'UTC+8' as people mean it: eight hours ahead of UTC (not the POSIX sign)
        return zone(f"{m.group(1)}{int(m.group(2)):02d}:{m.group(3) or '00'}")
    m = re.fullmatch(r"([+-])(\d{2}):?(\d{2})?", name)
    if m:
        hours, minutes = int(m.group(2)), int(m.group(3) or 0)
        if hours > 23 or minutes > 59:
            raise TimeError(f"offset {name!r} is out of range")
        delta = timedelta(hours=hours, minutes=minutes)
        return timezone(-delta if m.group(1) == "-" else delta)
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise TimeError(f"unknown timezone {name!r} (use an offset like +08:00 or an IANA name like Asia/Taipei)") from None


def parse_stamp(text: str, default_tz: tzinfo | None = None) -> datetime:
    """Parse '2026-03-02 14:05 +08:00' or '2026-03-02T14:05 Asia/Taipei' to an aware datetime.

    Raises TimeError when the text is not a timestamp, or has no zone and no default.
    """
    m = _STAMP.match(str(text))
    if not m:
        raise TimeError(f"{text!r} is not an ISO 8601 timestamp (expected like 2026-03-02 14:05 +08:00)")
    stamp = m.group("date") + "T" + (m.group("time") or "00:00").replace(",", ".")
    if len(stamp.split("T")[1].split(":")[0]) == 1:
        stamp = stamp.replace("T", "T0", 1)
    try:
        naive = datetime.fromisoformat(stamp)
    except ValueError as e:
        raise TimeError(f"{text!r} is not a valid date and time ({e})") from None
    if m.group("zone"):
        tz = zone(m.group("zone"))
    elif default_tz is not None:
        tz = default_tz
    else:
        raise TimeError(f"{text!r} has no timezone; add an offset (+08:00) or a tz name (Asia/Taipei)")
    return naive.replace(tzinfo=tz)


def to_utc_iso(dt: datetime) -> str:
    """'2026-03-02T06:05:00Z': the one UTC spelling casekit writes."""
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def resolve_zone(name: str, chinese: bool = False, default: tzinfo | None = None) -> tzinfo:
    """`zone(name)`, with an ambiguous abbreviation ('CST') read by context: its first reading
    (Asia/Shanghai) in Chinese text or when the case's own zone (`default`) is UTC+8."""
    key = " ".join(normalize_text(name).split()).lower()
    if key in AMBIGUOUS:
        asian, other = AMBIGUOUS[key]
        plus8 = default is not None and default.utcoffset(datetime(2026, 1, 1)) == timedelta(hours=8)
        return zone(asian if chinese or plus8 else other)
    return zone(name)


def zone_in(text: str, chinese: bool = False, default: tzinfo | None = None) -> tuple[str, tzinfo] | None:
    """The first zone named in a text ('台北時間約13:30', 'since 13:30 UTC+8'): (as written, tzinfo)."""
    for m in _ZONE_IN_TEXT.finditer(text or ""):
        try:
            return m.group(0), resolve_zone(m.group(0), chinese, default)
        except TimeError:
            continue
    return None


_ZH_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "兩": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_PM = ("下午", "傍晚", "晚上", "今晚")
_CLOCK_PARTS = Rx(r"(?P<part>凌晨|清晨|早上|上午|中午|下午|傍晚|晚上|半夜|今晚)?\s*(?P<h>\d{1,2}|[零一二兩三四五六七八九十]{1,3})\s*"
                  r"(?::(?P<m>\d{2})|[點時]\s*(?:(?P<half>半)|(?P<m2>\d{1,2}|[零一二三四五六七八九十]{1,3}))?)")


def zh_number(text: str) -> int | None:
    """'13' -> 13, '兩' -> 2, '十一' -> 11, '二十' -> 20, '三十五' -> 35."""
    t = normalize_text(text or "").strip()
    if t.isdigit():
        return int(t)
    if not t or any(c not in _ZH_DIGITS and c != "十" for c in t):
        return None
    if "十" not in t:
        return _ZH_DIGITS[t] if len(t) == 1 else None
    tens, _, ones = t.partition("十")
    return (_ZH_DIGITS.get(tens, 0) if tens else 1) * 10 + (_ZH_DIGITS.get(ones, 0) if ones else 0)


def clock(text: str) -> tuple[int, int] | None:
    """(hour, minute) of a clock time as written: '13:30', '下午2點', '下午1點半', '晚上11點15分',
    '凌晨12點' (00:00), '1:30 pm'; None when there is none or it is out of range."""
    m = _CLOCK_PARTS.search(text or "")
    if not m:
        return None
    h, part = zh_number(m.group("h")), m.group("part") or ""
    if not part and not m.group("h").isdigit():
        return None  # '一點' alone is 'a little', not one o'clock
    minute = 30 if m.group("half") else zh_number(m.group("m") or m.group("m2") or "0")
    if h is None or minute is None:
        return None
    if (normalize_text(part) in _PM or re.search(r"(?i)\d\s*pm\b", text)) and h < 12:
        h += 12
    elif normalize_text(part) == "中午" and h < 6:
        h += 12
    elif (normalize_text(part) in ("凌晨", "半夜") or re.search(r"(?i)\b12(?::00)?\s*am\b", text)) and h == 12:
        h = 0
    return (h, minute) if 0 <= h <= 23 and 0 <= minute <= 59 else None


# --------------------------------------------------------------------------- times written in prose

# A clock time: '13:30', '2點', '下午1點半', '晚上 11 點 15 分', '下午兩點' (a Chinese numeral needs its
# part of day: '一點' alone is 'a little').
CLOCK = (r"(?:(?:凌晨|清晨|早上|上午|中午|下午|傍晚|晚上|半夜|今晚)\s*(?:[零一二兩三四五六七八九十]{1,3}|\d{1,2})|"
         r"(?<![\d:.])\d{1,2})\s*(?::\d{2}(?![\d:])|[點時](?:\s*半|\s*(?:\d{1,2}|[零一二三四五六七八九十]{1,3})\s*分|"
         r"\s*\d{1,2}(?!\d))?)")
# A day named in Chinese prose ('今天', '週五', '月底').
DAY_ZH = r"(?:今天|今晚|今日|明天|明早|明晚|後天|本週|下週|週[一二三四五六日末]|星期[一二三四五六日天]|月底|月初|年底)"
CLOCK_ZH = Rx(CLOCK)
HHMM = Rx(r"(?<![\d:])([01]?\d|2[0-3]):([0-5]\d)(?![\d:])")
TIME_IN_TEXT = Rx(r"(?i)(\b\d{1,2}(?::\d{2})\s*(?:am|pm)?\b|\b\d{1,2}\s*(?:am|pm)\b|\bnoon\b|\bmidnight\b|" + CLOCK + ")")
# The start as an English sentence says it: 'since about 13:30 Taipei time', 'from 2pm UTC'.
TIME_REPORTED = Rx(r"(?i)\b(?:since|from|starting|started|began|beginning|after)\s+(?:at\s+)?(?:about|around|approx\.?|"
                   r"approximately|roughly|~)?\s*(\d{1,2}(?::\d{2})?\s*(?:am|pm)?(?:\s*(?:utc|gmt|[A-Z]{2,5}T|"
                   r"[+-]\d{2}:?\d{2}|(?:[A-Z][a-z]+\s+)?(?:local\s+)?time))?)")
# The start as a Chinese sentence says it: '台北時間約13:30 開始', '從下午2點起', '昨天下午1點半左右開始'.
TIME_REPORTED_ZH = Rx(
    rf"(?P<day>昨天|昨晚|昨日|前天|今天|今早|今晚|今日)?\s*(?P<zone>{ZONE_WORDS})?\s*(?:從|自|於|在)?\s*(?:約|大約|大概|差不多)?\s*"
    rf"(?P<time>{CLOCK})\s*(?:左右|前後|許)?\s*(?P<zone2>[(]?\s*(?:{ZONE_WORDS})\s*[)]?)?\s*"
    r"(?:開始|起|以來|之後|後|發生|出現|就)")


def has_time(line: str) -> bool:
    """Does a line name a clock time ('13:30', '下午2點')?"""
    return bool(HHMM.search(line) or CLOCK_ZH.search(line))

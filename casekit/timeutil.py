"""Parse customer timestamps (offset or IANA tz name) and normalise them to UTC."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone, tzinfo
from functools import lru_cache

_STAMP = re.compile(
    r"^\s*(?P<date>\d{4}-\d{2}-\d{2})"
    r"(?:[T ](?P<time>\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?))?"
    r"\s*(?P<zone>Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?|[A-Za-z][A-Za-z0-9_+\-]*(?:/[A-Za-z0-9_+\-]+)*)?\s*$"
)


class TimeError(ValueError):
    """A timestamp that cannot be read or has no timezone."""


@lru_cache(maxsize=256)
def zone(name: str) -> tzinfo:
    """A tzinfo for an offset ('+08:00', 'Z') or an IANA name ('Asia/Taipei')."""
    name = name.strip()
    if name.upper() in ("Z", "UTC", "GMT"):
        return timezone.utc
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

"""Generic detectors of decisive facts, computed across the lines of a case: a value at its
limit written as a pair ('Tasks: 4915 (limit: 4915)', 'used 800 of 800', a table's Used and
Limit columns), a date already past when the case was opened (a certificate's notAfter), two
statements of the same attribute that disagree (an image built for arm64 on amd64 nodes, MTU
9001 against 1500), and arithmetic an engineer does across lines: a probe's patience against
the start-up time, pods times a pool size against the server's connection limit, a batch's
size times the time per item against a timeout.

Each fact is an `Evidence` with origin `inferred`, kind `limit` or `comparison`, and a
catalogue key (`fact.*`) with its values, so it reads in the case's language. Pure functions
over the parsed lines (casekit.evidence.structure)."""
from __future__ import annotations

import re
from datetime import datetime, timezone

from ..i18n import Term
from ..text.lang import Rx, normalize_text
from .model import Evidence, clip
from .structure import Line

_NUM = r"(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)"


def _num(s: str) -> float:
    return float(s.replace(",", ""))


def _fact(line: Line, kind: str, fact: str, values: tuple, detector: str) -> Evidence:
    return Evidence(clip(line.text), kind, line.n, "inferred", context=line.context, fact=fact, values=values,
                    detector=detector)


# --------------------------------------------------------------------------- a value at its limit, in one line

_PAIR = Rx(rf"(?i)(?:^|[\s:=(\[])(?P<used>{_NUM})\s*(?:\(\s*)?(?:/|of|out of|\bof max\b|\(\s*limit\s*[:=]?|\(\s*max\s*[:=]?|"
           rf"limit\s*[:=]|max\s*[:=]|上限\s*[:=：]?)\s*(?P<limit>{_NUM})\b")
_USAGE_WORDS = Rx(r"(?i)\b(?:tasks|threads|connections?|conns|pods|ips?|ports|slots|workers|clients|sessions|files|fds|"
                  r"processes|pids|inodes|keys|leases|replicas|nodes|instances|vcpus?|requests|jobs|handles|watches|"
                  r"entries|shards|partitions|members|used|usage|in use|active|current|count)\b|連線|連接|任務|執行緒|線程|檔案")
_IMPACT = Rx(r"(?i)\b(?:targets?|healthy|ready|running|available|passed|succeeded|ok|up)\b|健康|就緒|正常")


def pairs_at_limit(lines: list[Line]) -> list[Evidence]:
    """'Tasks: 4915 (limit: 4915)', '800/800 connections', 'used 4 of 4 slots': usage that
    reaches the limit written beside it (at least 95 %). '3/3 targets healthy' is not one: what
    is counted must be a use of something, not a share that is fine."""
    out = []
    for ln in lines:
        if ln.role in ("command", "header", "punct", "frame", "fence"):
            continue
        for m in _PAIR.finditer(ln.text):
            used, limit = _num(m.group("used")), _num(m.group("limit"))
            if limit < 2 or used < 0.95 * limit or used > 1.5 * limit:
                continue
            around = normalize_text(ln.text)
            if not _USAGE_WORDS.search(around) or _IMPACT.search(around[m.end(): m.end() + 30]):
                continue
            pct = round(100 * used / limit)
            out.append(_fact(ln, "limit", "fact.pair", (("usage", f"{used:g}"), ("limit", f"{limit:g}"), ("pct", pct)),
                             "pair-at-limit"))
            break
    return out[:3]


_USED_COL = Rx(r"(?i)^(?:used|usage|current|in.?use|count|active|allocated|consumed|value|utili[sz]ation)\b|使用|已用|目前")
_LIMIT_COL = Rx(r"(?i)^(?:limit|max\w*|quota|capacity|total|allocatable|size|applied|ceiling)\b|上限|配額|容量|總")


def table_at_limit(lines: list[Line]) -> list[Evidence]:
    """A table row whose 'Used' (or Current, Usage) column reaches its 'Limit' (or Max, Quota)."""
    out = []
    for ln in lines:
        if ln.role != "row" or not ln.fields:
            continue
        used = next((v for h, v in ln.fields if _USED_COL.search(h)), None)
        limit = next((v for h, v in ln.fields if _LIMIT_COL.search(h)), None)
        mu = re.match(rf"\s*{_NUM}", used or "")
        ml = re.match(rf"\s*{_NUM}", limit or "")
        if not (mu and ml):
            continue
        u, lim = _num(mu.group(1)), _num(ml.group(1))
        if lim > 0 and 0.95 * lim <= u <= 1.5 * lim:
            out.append(_fact(ln, "limit", "fact.pair", (("usage", f"{u:g}"), ("limit", f"{lim:g}"),
                                                        ("pct", round(100 * u / lim))), "table-at-limit"))
    return out[:3]


# --------------------------------------------------------------------------- a date already past

_EXPIRY_KEY = Rx(r"(?i)\b(?:not ?after|notafter|expires?|expiry|expiration|expired|valid (?:until|to)|validto|"
                 r"end ?date|renew(?:al)? (?:by|before))\b|有效期(?:限|至)?|到期|過期日")
_MONTHS = {m: i for i, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split(), 1)}
_DATE_FORMS = [
    re.compile(r"(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})"),
    re.compile(r"(?i)(?P<mon>jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+(?P<d>\d{1,2})\s+"
               r"(?:\d{1,2}:\d{2}(?::\d{2})?\s+)?(?P<y>\d{4})"),
    re.compile(r"(?P<d>\d{1,2})\s+(?i:(?P<mon>jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec))[a-z]*\.?\s+(?P<y>\d{4})"),
    re.compile(r"(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*[日號]"),
]


def _date(text: str) -> datetime | None:
    for rx in _DATE_FORMS:
        m = rx.search(text)
        if m:
            g = m.groupdict()
            month = int(g["m"]) if g.get("m") else _MONTHS[g["mon"].lower()[:3]]
            try:
                return datetime(int(g["y"]), month, int(g["d"]), tzinfo=timezone.utc)
            except ValueError:
                return None
    return None


def past_dates(lines: list[Line], opened_utc: str | None) -> list[Evidence]:
    """A certificate, a key or a licence whose end date had already passed when the case was opened."""
    if not opened_utc:
        return []
    opened = datetime.strptime(opened_utc, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    out = []
    for ln in lines:
        if ln.role in ("command", "header", "punct", "fence"):
            continue
        k = _EXPIRY_KEY.search(ln.text)
        if not k:
            continue
        when = _date(ln.text[k.start():]) or _date(ln.text)
        if when is not None and when < opened:
            days = (opened - when).days
            out.append(_fact(ln, "limit", "fact.expired", (("date", when.strftime("%Y-%m-%d")),
                                                           ("opened", opened_utc[:10]), ("days", days)), "past-date"))
    return out[:2]


# --------------------------------------------------------------------------- two statements that disagree

_ARCH = Rx(r"(?i)(?<![\w-])(amd64|x86_64|x86-64|arm64|aarch64|armv7l?|arm/v7|s390x|ppc64le)(?![\w-])")
_ARCH_FAMILY = {"amd64": "amd64", "x86_64": "amd64", "x86-64": "amd64", "arm64": "arm64", "aarch64": "arm64",
                "armv7": "arm", "armv7l": "arm", "arm/v7": "arm", "s390x": "s390x", "ppc64le": "ppc64le"}
_MTU = Rx(r"(?i)\bmtu\b\s*[:=]?\s*(\d{3,5})\b")


def mismatches(lines: list[Line]) -> list[Evidence]:
    """The same attribute stated twice with values that cannot both hold: a CPU architecture (an
    image for arm64, nodes on amd64), an MTU (9001 on one side, 1500 on the path)."""
    out = []
    for name, rx, norm in (("architecture", _ARCH, lambda v: _ARCH_FAMILY.get(v.lower(), v.lower())),
                           ("MTU", _MTU, lambda v: v)):
        seen: list[tuple[Line, str, str]] = []
        for ln in lines:
            if ln.role in ("command", "header", "punct", "fence", "frame"):
                continue
            m = rx.search(ln.text)
            if m:
                seen.append((ln, m.group(1), norm(m.group(1))))
        values = {v for _, _, v in seen}
        if len(values) < 2 or len(values) > 3:
            continue
        first = seen[0]
        other = next(s for s in seen if s[2] != first[2])
        out.append(_fact(other[0], "comparison", "fact.mismatch",
                         (("attribute", Term("fact.attribute", name)), ("value", other[1]), ("line", other[0].n), ("other", first[1]),
                          ("other_line", first[0].n)), f"mismatch-{name.lower()}"))
    return out


# --------------------------------------------------------------------------- arithmetic across lines

_PROBE = {k: Rx(rf"(?i)\b{k}\b\s*[:=]\s*(\d+)") for k in ("initialDelaySeconds", "failureThreshold", "periodSeconds")}
_STARTUP = Rx(r"(?i)(?:\bstart(?:ed|-?up|s up)?\b[^.;\n]{0,60}?\b(?:in|took|takes|after|needs)\b|\bwarm(?:-?up|s up|ing)?\b"
              r"[^.;\n]{0,40}?\b(?:takes?|took|needs?|in|of)\b|\bready (?:after|in)\b)\s*~?\s*(?:about\s+|around\s+|approx\.?\s+)?"
              r"(\d+(?:\.\d+)?)\s*(?:s|sec|secs|seconds)\b|啟動[^。；\n]{0,20}?(\d+(?:\.\d+)?)\s*秒")


def probe_budget(lines: list[Line]) -> list[Evidence]:
    """A liveness probe gives up after initialDelaySeconds + failureThreshold × periodSeconds;
    when the service needs longer to start, the probe kills it before it is ready."""
    vals: dict[str, tuple[Line, int]] = {}
    startup = None
    for ln in lines:
        for k, rx in _PROBE.items():
            m = rx.search(ln.text)
            if m and k not in vals:
                vals[k] = (ln, int(m.group(1)))
        m = _STARTUP.search(ln.text)
        if m and startup is None:
            startup = (ln, float(m.group(1) or m.group(2)))
    if startup is None or "failureThreshold" not in vals or "periodSeconds" not in vals:
        return []
    delay = vals.get("initialDelaySeconds", (None, 0))[1]
    budget = delay + vals["failureThreshold"][1] * vals["periodSeconds"][1]
    if budget >= startup[1]:
        return []
    ln = vals["failureThreshold"][0]
    return [_fact(ln, "comparison", "fact.probe_budget", (("delay", delay), ("failures", vals["failureThreshold"][1]),
                                                          ("period", vals["periodSeconds"][1]), ("budget", budget),
                                                          ("startup", f"{startup[1]:g}"), ("line", startup[0].n)),
                  "probe-budget")]


_SERVER_MAX = Rx(r"(?i)\bmax_connections\b\s*[:=|]?\s*(\d+)|\bmaxconn\w*\s*[:=]?\s*(\d+)|最大連線數\s*[:=：]?\s*(\d+)")
_POOL = Rx(r"(?i)\b(?:maximumPoolSize|maxPoolSize|max_pool_size|pool_size|pool\.max|poolSize|max_open_conns|"
           r"MaxOpenConns|pool[_ ]?max|connectionLimit|DB_POOL(?:_SIZE)?|POOL_SIZE)\b\s*[:=]?\s*(\d+)")
_REPLICAS = Rx(r"(?i)\b(?:replicas|maxReplicas|desiredCount|desired_count|max_size|maxSize|instances|tasks|pods)\b\s*[:=]?\s*"
               r"(?:\d+\s*(?:->|→)\s*)?(\d+)\b|(\d+)\s+(?:pods|tasks|replicas|instances|workers)\b")


def pool_product(lines: list[Line]) -> list[Evidence]:
    """Replicas times each one's pool size against the server's connection limit: when the
    product exceeds it, connections are refused at peak."""
    server = pool = replicas = None
    for ln in lines:
        if server is None and (m := _SERVER_MAX.search(ln.text)):
            server = (ln, int(next(g for g in m.groups() if g)))
        if pool is None and (m := _POOL.search(ln.text)):
            pool = (ln, int(m.group(1)))
        if (m := _REPLICAS.search(ln.text)):
            n = int(next(g for g in m.groups() if g))
            if replicas is None or n > replicas[1]:
                replicas = (ln, n)
    if not (server and pool and replicas) or replicas[1] < 2:
        return []
    total = replicas[1] * pool[1]
    if total <= server[1]:
        return []
    return [_fact(server[0], "limit", "fact.pool_product", (("replicas", replicas[1]), ("pool", pool[1]),
                                                             ("total", total), ("server", server[1]),
                                                             ("line", replicas[0].n)), "pool-product")]


_BATCH = Rx(r"(?i)\b(?:batch[_ ]?size|BatchSize|max\.poll\.records|max_messages|maxMessages|PULL_MAX_MESSAGES|"
            r"max_number_of_messages|MaxNumberOfMessages|prefetch(?:_count)?)\b\s*[:=]?\s*(?:\d+\s*(?:->|→)\s*)?(\d+)")
_PER_ITEM = Rx(r"(?i)(\d+(?:\.\d+)?)\s*(ms|s|sec|seconds)\s*(?:per|/|each|an?)\s*(?:message|record|item|order|event|request|msg)|"
               r"(?:per|each)\s+(?:message|record|item|order|event|msg)\w*[^.;\n]{0,30}?(\d+(?:\.\d+)?)\s*(ms|s|sec|seconds)\b|"
               r"每(?:筆|則|個|條)[^。；\n]{0,10}?(\d+(?:\.\d+)?)\s*(毫秒|秒)")
_DEADLINE = Rx(r"(?i)\b(?:timeout|Timeout|max\.poll\.interval\.ms|ackDeadline\w*|ack_deadline\w*|visibility ?timeout|"
               r"VisibilityTimeout|deadline)\b\s*(?:\(\w+\))?\s*[:=]?\s*(\d+)\s*(ms|s|sec|seconds|min)?")


def _seconds(value: str, unit: str | None, key: str) -> float:
    v = float(value)
    unit = (unit or "").lower()
    if unit in ("ms", "毫秒") or (not unit and key.lower().endswith("ms")):
        return v / 1000
    if unit == "min":
        return v * 60
    return v


def batch_time(lines: list[Line]) -> list[Evidence]:
    """A batch's size times the time each item takes, against the timeout the whole batch must
    finish in (a poll interval, an ack deadline, a function's timeout): when it is longer, the
    batch is retried or redelivered forever."""
    batch = item = limit = None
    for ln in lines:
        if batch is None and (m := _BATCH.search(ln.text)):
            batch = (ln, int(m.group(1)))
        if item is None and (m := _PER_ITEM.search(ln.text)):
            g = m.groups()
            value, unit = next((g[i], g[i + 1]) for i in (0, 2, 4) if g[i])
            item = (ln, _seconds(value, unit, ""))
        if limit is None and (m := _DEADLINE.search(ln.text)):
            limit = (ln, _seconds(m.group(1), m.group(2), m.group(0).split()[0]))
    if not (batch and item and limit) or batch[1] < 2:
        return []
    total = batch[1] * item[1]
    if total <= limit[1]:
        return []
    return [_fact(batch[0], "limit", "fact.batch_time", (("batch", batch[1]), ("item", f"{item[1]:g}"),
                                                          ("total", f"{total:g}"), ("limit", f"{limit[1]:g}"),
                                                          ("line", limit[0].n)), "batch-time")]


def detect(lines: list[Line], opened_utc: str | None) -> list[Evidence]:
    """Every generic detector over the parsed lines of a section."""
    found = lines
    return (pairs_at_limit(found) + table_at_limit(found) + past_dates(found, opened_utc) + mismatches(found)
            + probe_budget(found) + pool_product(found) + batch_time(found))

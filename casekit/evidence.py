"""Evidence: this case's own lines, of every kind, before any past case is read.

Signs (casekit.signs) are the error lines; evidence is every line of the Objective data
that can carry a hypothesis or rule one out: state and configuration (`key: value`, JSON
from CLI output, table rows), absence (`[]`, "has no", "inactive", DISABLED), limits against
usage, comparisons (what still works; two outputs of the same command for a healthy and a
broken resource, with the difference computed), and the timeline (changes, first failure)
in UTC. What the customer says (Subjective) is kept as `reported`, apart from what the
data shows (`observed`); what casekit computes (a diff, a ratio) is `inferred`.

Pure functions, bounded work: at most MAX_LINES lines are read.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from typing import Any

from . import cues
from .lang import Rx, han_count, normalize_text
from .signs import ERROR_WORDS, EXCEPTION, CODE, MAX_LINES, is_chinese, stamp_of
from .text import EN, Catalogue, Term
from .timeutil import TimeError, clock, parse_stamp, to_utc_iso, zone, zone_in

MAX_EVIDENCE = 80
MAX_TEXT = 400  # a prefix of a long line stays verbatim (a substring of the case)
KIND_WEIGHT = {"absence": 3.0, "limit": 3.0, "comparison": 2.5, "change": 2.5, "configuration": 2.0, "error": 1.5,
               "state": 1.0, "timeline": 0.5}
# Lines are classified on their normalised copy (lang.normalize_text: full-width forms as
# ASCII, Simplified as Traditional); an Evidence keeps the line as written.
_KV = Rx(r"""^\s*[-*(]?\s*["'`]?([A-Za-z\u4e00-\u9fff][\w .\-/`()\u4e00-\u9fff]{0,60}?)["'`]?\s*[:=]\s*\S""")
_TIMEOUT_KEY = Rx(r"(?i)(time-?out|keep-?alive|idle|deadline|ttl|grace|逾時|超時|閒置|保持連線)")
_DURATION = Rx(r"(?i)(?<![\w.])(\d+(?:\.\d+)?)\s*(ms|milliseconds?|s|secs?|seconds?|min|minutes?|毫秒|秒|分鐘)?(?![\w.%])")
_JSONISH = re.compile(r"""["'][\w.\-]+["']\s*:""")
_TABLE = re.compile(r"\S\s*\|\s*\S.*\||\S\s{2,}\S.*\S\s{2,}\S|\t\S")
_IDISH = re.compile(r"\b(?:[a-z]+-[0-9a-f]{6,17}|\d{12}|(?:\d{1,3}\.){3}\d{1,3}(?:/\d+)?|[a-z]{2}-[a-z]+-\d[a-z]?)\b")
_FRAME = re.compile(r"""^(?:File "[^"]+", line \d+|at [\w.$<>]+\(|Traceback \(most recent call last\):?|\.\.\.|\^+|"""
                    r"""[\w.]+\.java:\d+\)?|goroutine \d+ \[)""")
_HHMM = Rx(r"(?<![\d:])([01]?\d|2[0-3]):([0-5]\d)(?![\d:])")
_COLONS = re.compile("[:：]+$")


@dataclass(frozen=True)
class Evidence:
    """One line of this case that bears on the assessment."""

    text: str  # the line as written (stripped; a long line keeps its first MAX_TEXT characters)
    kind: str  # error | absence | limit | comparison | change | configuration | state | timeline
    line: int | None = None  # line number in the section it came from
    origin: str = "observed"  # observed (Objective, log) | reported (Subjective) | inferred (computed)
    section: str = "Objective"
    utc: str | None = None
    context: str = ""  # the command or heading whose output this line is
    fact: str = ""  # for computed evidence: what was computed (a difference, a ratio), a catalogue key 'fact.*'
    values: tuple[tuple[str, Any], ...] = ()  # the fact's values: numbers and quoted lines as written, Terms for casekit's words

    @property
    def weight(self) -> float:
        """How telling the line is: by kind, more for what casekit computed and for what the
        engineer logged as a check's result (the newest facts of the case)."""
        return KIND_WEIGHT.get(self.kind, 0.5) + (1.0 if self.origin == "inferred" or self.section == "Log" else 0.0)

    @functools.cached_property
    def detail(self) -> str:
        """What was computed, in English whatever the case's language: cue matching and the
        weights read it, so the reasoning is the same in every language."""
        return self.detail_in(EN)

    def detail_in(self, t: Catalogue) -> str:
        """What was computed as a sentence of `t`'s language (what documents and the JSON show); '' for a plain line."""
        return t.fill(self.fact, self.values) if self.fact else ""

    @functools.cached_property
    def layers(self) -> dict[str, int]:
        """The layers the line's words point at, its command's included (read once: the line is frozen)."""
        return cues.layers_of(f"{self.context} {self.text} {self.detail}")

    @functools.cached_property
    def own_layers(self) -> dict[str, int]:
        """The layers the line's own words point at, without its command's."""
        return cues.layers_of(f"{self.text} {self.detail}")

    def to_dict(self, t: Catalogue = EN) -> dict:
        """The evidence as the draft JSON holds it, its `detail` in `t`'s language (the case's)."""
        out = {f.name: getattr(self, f.name) for f in fields(self) if f.name not in ("fact", "values")}
        out["detail"] = self.detail_in(t)
        return {k: v for k, v in out.items() if v not in (None, "")}


def _clip(line: str) -> str:
    s = line.strip()
    return s if len(s) <= MAX_TEXT else s[:MAX_TEXT]


def _is_command(line: str) -> str | None:
    m = cues.COMMAND.match(line)
    if m and cues.COMMAND_WORDS.match(m.group(1)):
        return m.group(1).strip()
    return None


def has_time(line: str) -> bool:
    """Does a line name a clock time ('13:30', '下午2點')?"""
    return bool(_HHMM.search(line) or cues.CLOCK_ZH.search(line))


def classify(line: str, has_time: bool, output: bool = False) -> str | None:
    """The kind of evidence a line is, or None when it bears on nothing."""
    body = normalize_text(line).strip()
    if len(body) < 2 or _FRAME.match(body):
        return None
    if cues.CHANGE.search(body) and (has_time or cues.DEPLOYED.search(body)):
        return "change"
    if cues.ABSENCE.search(body):
        return "absence"
    if (cues.LIMIT.search(body) and cues.QUANTITY.search(body)) or cues.SATURATED.search(body):
        return "limit"
    if cues.HEALTHY.search(body) and not ERROR_WORDS.search(body):
        return "comparison"
    if ERROR_WORDS.search(body) or EXCEPTION.search(body) or CODE.search(body):
        return "error"
    kv = _KV.match(body)
    if kv or _JSONISH.search(body) or _TABLE.search(body):
        key = kv.group(1) if kv else body
        return "configuration" if cues.CONFIG_KEYS.search(key) else "state"
    if has_time:
        return "timeline"
    return "state" if output else None


def _template(cmd: str) -> str:
    """A command with its identifiers and values folded: two runs of it for two resources match."""
    t = _IDISH.sub("#", cmd.lower())
    t = re.sub(r"(values|name|id|ids)=[^\s,'\"]+", r"\1=#", t)
    return re.sub(r"\d+", "#", t)


def _item(line: str) -> str:
    """An output line as a comparable item: brackets, commas and spacing folded."""
    return " ".join(line.strip().strip("[],{} ").split()).lower()


def _distinct(a: str, b: str) -> tuple[str, str]:
    """The words that tell two otherwise equal commands apart (their resource ids)."""
    ta, tb = a.split(), b.split()
    da = [w for w in ta if w not in tb]
    db = [w for w in tb if w not in ta]
    ids = lambda ws: ", ".join(m for w in ws for m in _IDISH.findall(w)) or " ".join(ws)[:80]
    return ids(da), ids(db)


def _diffs(blocks: list[tuple[str, int, list[tuple[int, str]]]], affected: set[str]) -> list[Evidence]:
    """Two outputs of the same command: what one has that the other lacks."""
    out: list[Evidence] = []
    for i in range(len(blocks)):
        for j in range(i + 1, len(blocks)):
            (ca, la, a), (cb, lb, b) = blocks[i], blocks[j]
            if not a or not b or _template(ca) != _template(cb) or ca == cb:
                continue
            ia = {_item(t): (n, t) for n, t in a if _item(t)}
            ib = {_item(t): (n, t) for n, t in b if _item(t)}
            only_a = [v for k, v in ia.items() if k not in ib]
            only_b = [v for k, v in ib.items() if k not in ia]
            if not only_a and not only_b:
                continue
            # the affected one: named in the case's resources or errors, else the one with less
            hit_a = any(x in ca for x in affected)
            hit_b = any(x in cb for x in affected)
            if hit_b and not hit_a or (hit_a == hit_b and len(ib) < len(ia)):
                (ca, la, a, ia, only_a), (cb, lb, b, ib, only_b) = (cb, lb, b, ib, only_b), (ca, la, a, ia, only_a)
            bad_ids, good_ids = _distinct(ca, cb)
            verb = " ".join(ca.split()[:3])
            bad = lambda unnamed: bad_ids or Term(unnamed)  # ids the commands do not name: casekit's own words
            good = lambda unnamed: good_ids or Term(unnamed)
            for n, text in only_b[:3]:  # present for the healthy one, absent for the affected one
                out.append(Evidence(_clip(a[0][1]), "comparison", a[0][0], "inferred", context=ca, fact="fact.lacks",
                                    values=(("affected", bad("fact.affected_resource")),
                                            ("item", " ".join(text.split())[:160]),
                                            ("healthy", good("fact.healthy_one")), ("command", verb))))
                out.append(Evidence(_clip(text), "comparison", n, "observed", context=cb, fact="fact.present",
                                    values=(("healthy", good("fact.healthy_resource")),
                                            ("affected", bad("fact.affected_one")))))
            for n, text in only_a[:2]:
                out.append(Evidence(_clip(text), "comparison", n, "inferred", context=ca, fact="fact.only",
                                    values=(("affected", bad("fact.affected_resource")), ("other", good("fact.other")))))
    return out


_UNIT = {"mi": "mib", "mib": "mib", "m": "mib", "mb": "mib", "gi": "gib", "gib": "gib", "gb": "gib", "ki": "kib",
         "kib": "kib", "kb": "kib", "vcpu": "vcpus", "vcpus": "vcpus", "cpu": "vcpus", "cpus": "vcpus", "s": "s", "sec": "s",
         "seconds": "s", "conns": "connections", "connections": "connections", "files": "files", "fds": "files",
         "毫秒": "ms", "秒": "s", "分鐘": "min", "核": "vcpus", "個連線": "connections", "個連接": "connections",
         "個任務": "tasks"}
_SCALE = {"kib": 1 / 1024, "mib": 1.0, "gib": 1024.0}


_RANGE = Rx(r"(?<![\w.])\d+(?:\.\d+)?\s*[-–]\s*(?=\d)")
_HEAP = re.compile(r"-Xmx(\d+)([kKmMgG])\b")


_LIMIT_THEN = Rx(r"^\s*(?:[:=]|is|of|at|為|是)?\s*$")  # between a limit word and its number: 'limit: 4GiB', '上限 4GiB'


_K8S_MEMORY = Rx(r"(?i)\d\s*(?:Mi|Gi|Ki)\b")


def _millicores(t: str, at: int) -> bool:
    """'500m' is Kubernetes millicores after 'cpu', a request or a limit, or beside memory written as
    Mi/Gi ('498m 203Mi'); after 'mem' and elsewhere 'm' is Docker's MiB ('--memory 512m')."""
    before = t[max(0, at - 24):at].lower()
    if "mem" in before:
        return False
    return any(w in before for w in ("cpu", "core", "request", "limit")) or bool(_K8S_MEMORY.search(t))


def _quantities(text: str, limit_first: bool = False) -> list[tuple[float, str]]:
    """(value, unit) pairs; a range '505-512 MiB' counts as its upper end, -Xmx448m as 448 MiB.
    `limit_first`: a quantity written right after the line's limit word comes first
    ('usage 3.9GiB / 上限 4GiB': 4 GiB), else they come in order."""
    t = normalize_text(_RANGE.sub("", text))
    out = []
    for m in cues.QUANTITY.finditer(t):
        unit = "mcpu" if m.group(2).lower() == "m" and _millicores(t, m.start()) else \
            _UNIT.get(m.group(2).lower(), m.group(2).lower())
        value = float(m.group(1)) * _SCALE.get(unit, 1.0)
        out.append((m.start(), value, "mib" if unit in _SCALE else unit))
    for m in _HEAP.finditer(text):
        unit = {"k": "kib", "m": "mib", "g": "gib"}[m.group(2).lower()]
        out.append((-1, float(m.group(1)) * _SCALE[unit], "mib"))
    word = cues.LIMIT.search(t) if limit_first and len(out) > 1 else None
    if word:
        named = [q for q in out if q[0] >= word.end() and _LIMIT_THEN.match(t[word.end():q[0]])]
        out = named[:1] + [q for q in out if q not in named[:1]]
    return [(v, u) for _, v, u in out]


_QUOTA_QUERY = Rx(r"(?i)\bservice-quotas\b|\bservicequotas\b")
_BARE = re.compile(r"(?<![\w.:-])(\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?![\w.%:])")
_PER_VCPU = Rx(r"(?i)vcpu|running on-demand|spot instance requests")  # EC2 and Fargate quotas count vCPUs
_QUOTA = Rx(r"(?i)\bquotas?\b|配額")
_USAGE_METRIC = Rx(r"(?i)\bAWS/Usage\b|\bResourceCount\b|\bCallCount\b")


def _bare(text: str) -> list[float]:
    return [float(m.group(0).replace(",", "")) for m in _BARE.finditer(normalize_text(text))]


def _quota_values(blocks: list[tuple[str, int, list[tuple[int, str]]]]) -> list[tuple[int, str, str, tuple[float, str]]]:
    """A service quota printed without its unit ('["Running On-Demand Standard ... instances", 256.0]'):
    the value is the last number the query prints; EC2 and Fargate quotas count vCPUs, others
    stay unitless and meet only their AWS/Usage metric."""
    out = []
    for cmd, _, rows in blocks:
        values = [(n, t, v) for n, t in rows for v in _bare(t)] if _QUOTA_QUERY.search(cmd) else []
        if values:
            n, t, v = values[-1]
            out.append((n, t, cmd, (v, "vcpus" if _PER_VCPU.search(" ".join(t for _, t in rows)) else "")))
    return out


def _usage(text: str, ctx: str, unit: str) -> list[tuple[float, str]]:
    """Quantities a line reports; a quota's usage metric (AWS/Usage) prints bare numbers."""
    got = _quantities(text)
    if not got and unit in ("vcpus", "") and _USAGE_METRIC.search(f"{text} {ctx}") and \
            (unit == "" or _PER_VCPU.search(f"{text} {ctx}")):
        got = [(v, unit) for v in _bare(text)]
    return got


def _limits(lines: list[tuple[int, str, str]], blocks: list[tuple[str, int, list[tuple[int, str]]]]) -> list[Evidence]:
    """A limit against usage that reaches it: '512Mi limit' and 'usage 509Mi'."""
    limits = [(n, t, ctx, q) for n, t, ctx in lines if cues.LIMIT.search(f"{t} {ctx}")
              for q in _quantities(t, limit_first=True)[:1]]
    limits += [q for q in _quota_values(blocks) if q[0] not in {x[0] for x in limits}]
    out = []
    for n, t, ctx, (lv, unit) in limits:
        if lv <= 0 or unit in ("%", "s", "ms", "min"):
            continue
        # an account's quota is capacity, not a cgroup's limit; a quota may be a bare count
        fact = ("fact.quota" if unit else "fact.quota_count") if _QUOTA.search(f"{t} {ctx}") else "fact.limit"
        for m, u, uctx in lines:
            is_limit = bool(cues.LIMIT.search(f"{u} {uctx}")) and not _USAGE_METRIC.search(f"{u} {uctx}")
            for v, uu in _usage(u, uctx, unit):
                if uu == unit and (m != n or len(_quantities(u)) > 1) and 0.85 * lv <= v <= 1.5 * lv \
                        and (v != lv or not is_limit):
                    pct = round(100 * v / lv)
                    out.append(Evidence(_clip(u), "limit", m, "inferred", context=uctx, fact=fact,
                                        values=(("usage", f"{v:g}"), ("unit", Term("fact.unit", unit)),
                                                ("limit", f"{lv:g}"), ("pct", pct), ("line", n))))
                    break
            if len(out) >= 4:
                return out
    return out


def _seconds(line: str) -> float | None:
    """The duration a timeout line sets, in seconds ('keepAliveTimeout = 5000 ms', 'idle_timeout.timeout_seconds = 60')."""
    m = _TIMEOUT_KEY.search(line)
    if not m:
        return None
    tail = line[m.end():]
    for q in _DURATION.finditer(tail):
        value, unit = float(q.group(1)), (q.group(2) or "").lower()
        if not unit:
            key = line[: m.end() + 40].lower()
            unit = "ms" if re.search(r"_ms\b|millis", key) else "s" if re.search(r"seconds|_s\b|secs", key) else ""
        if not unit:
            continue
        return value / 1000 if unit.startswith("m") and unit != "min" and not unit.startswith("minute") else \
            value * 60 if unit.startswith("min") else value
    return None


def _timeouts(lines: list[tuple[int, str, str]]) -> list[Evidence]:
    """Timeouts on both sides of a connection: the side with the shorter one closes first."""
    found = [(n, t, ctx, v) for n, t, ctx in lines if (v := _seconds(t)) is not None and v > 0]
    out = []
    for i, (n, t, ctx, v) in enumerate(found):
        for m, u, uctx, w in found[i + 1:]:
            if v != w and m != n:
                (sn, st, sc, sv), (ln, lt, lc, lv) = sorted([(n, t, ctx, v), (m, u, uctx, w)], key=lambda x: x[3])
                out.append(Evidence(_clip(st), "comparison", sn, "inferred", context=sc, fact="fact.timeouts",
                                    values=(("short", f"{sv:g}"), ("long", f"{lv:g}"),
                                            ("other", " ".join(lt.split())[:100]), ("line", ln))))
                if len(out) >= 2:
                    return out
    return out


def extract(text: str, tz: str | None = None, year: int | None = None, affected: set[str] | None = None,
            section: str = "Objective", origin: str = "observed", language: str | None = None) -> list[Evidence]:
    """Evidence lines of a section, strongest kinds first, each line once. `language` is the
    case's (detected from `text` when not given): it decides how 'CST' is read."""
    try:
        default_tz = zone(tz) if tz else zone("UTC")
    except TimeError:
        default_tz = zone("UTC")
    year = year or datetime.now().year
    chinese = is_chinese(text[:100_000], language)
    found: list[Evidence] = []
    blocks: list[tuple[str, int, list[tuple[int, str]]]] = []
    plain: list[tuple[int, str, str]] = []
    context, fence, label, label_indent = "", False, "", 0
    for n, raw in enumerate(text.split("\n")[:MAX_LINES], 1):
        line = raw.rstrip()
        norm = normalize_text(line)  # 'Limits：' ends with ':' too
        if line.strip().startswith(("```", "~~~")):
            fence = not fence
            if not fence:
                context = ""
            continue
        if not line.strip():
            if not fence:
                context = ""
            continue
        cmd = _is_command(line)
        if cmd:
            context = cmd
            blocks.append((cmd, n, []))
            continue
        if norm.rstrip().endswith(":") and len(line) < 160:
            if not fence:
                context = _COLONS.sub("", line.strip())
                continue
            label = _COLONS.sub("", line.strip())  # 'Limits:' above indented 'memory: 512Mi'
            label_indent = len(line) - len(line.lstrip())
        elif fence and label and len(line) - len(line.lstrip()) <= label_indent:
            label = ""
        if blocks and context == blocks[-1][0]:
            blocks[-1][2].append((n, line.strip()))
        dt = stamp_of(line, default_tz, year, chinese)
        kind = classify(line, dt is not None or has_time(line), output=fence or bool(context))
        plain.append((n, line.strip(), f"{context} {label}".strip()))
        if kind:
            found.append(Evidence(_clip(line), kind, n, origin, section, to_utc_iso(dt) if dt else None,
                                  f"{context} {label}".strip() if label and not norm.rstrip().endswith(":") else context))
    if origin == "observed":
        found += _diffs(blocks, affected or set())
        found += _limits(plain, blocks)
        found += _timeouts(plain)
    seen, out = set(), []
    for e in sorted(found, key=lambda e: (-e.weight, e.line or 0)):
        key = (e.text, e.detail)
        if key not in seen:
            seen.add(key)
            out.append(e)
    return out[:MAX_EVIDENCE]


# Sentence ends: Chinese '。！？；' always; '.', '!', '?' before a space (not inside '3.9GiB').
SENTENCE_END = re.compile(r"(?<=[。！？；])\s*|(?<=[.!?])\s+")


def reported(subjective: str) -> list[Evidence]:
    """What the customer says, sentence by sentence, kept as `reported`."""
    out = []
    for n, raw in enumerate(subjective.split("\n"), 1):
        for sent in SENTENCE_END.split(raw):
            s = sent.strip()
            if len(s) + han_count(s) < 8:  # a Han character counts twice: '連線逾時' is a sentence
                continue
            kind = ("comparison" if cues.HEALTHY.search(s) and not ERROR_WORDS.search(s) else
                    "change" if cues.CHANGE.search(s) else
                    "error" if ERROR_WORDS.search(s) else None)
            if kind:
                out.append(Evidence(_clip(s), kind, n, "reported", "Subjective"))
    return out


def from_log(entries) -> tuple[list[Evidence], list[Evidence]]:
    """The case's log as evidence: `observed` and `result` entries like Objective lines,
    `reported` entries like Subjective ones, each with its time."""
    observed, said = [], []
    for e in entries:
        if e.kind in ("observed", "result"):
            kind = classify(e.text, False) or "state"
            observed.append(Evidence(_clip(e.text), kind, e.line, "observed", "Log", e.at_utc))
        elif e.kind == "reported":
            kind = "comparison" if cues.HEALTHY.search(e.text) else "change" if cues.CHANGE.search(e.text) else "error"
            said.append(Evidence(_clip(e.text), kind, e.line, "reported", "Log", e.at_utc))
    return observed, said


# --------------------------------------------------------------------------- is / is-not, timeline


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

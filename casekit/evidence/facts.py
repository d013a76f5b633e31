"""Facts casekit computes from several lines of a case: what one resource has that the
healthy one lacks (two outputs of the same command), a value at its limit (usage against
a limit or a service quota), and two timeouts of one connection that disagree."""
from __future__ import annotations

import re

from ..i18n import Term
from ..rules import knowledge
from ..text.lang import Rx, normalize_text
from ..text.tokens import balanced, short
from .model import Evidence, clip as _clip

# Numbers with units, for limits against usage (Chinese units too: 秒, 毫秒, 分鐘, 核, 個連線, 個任務).
QUANTITY = Rx(r"(?i)(?<![\w.])(\d+(?:\.\d+)?)\s*(%|ms|s|sec|seconds|min|mi|gi|ki|mib|gib|kib|mb|gb|kb|tb|m|"
              r"iops|vcpus?|cpus?|cores?|connections|conns|files|fds|requests|req/s|rps|tasks|pods|threads|"
              r"毫秒|秒|分鐘|核|個連線|個連接|個任務)(?!\w|/[A-Za-z])")


def _limit_word(text: str):
    return knowledge().joined("limit").search(text)


def _timeout_key(text: str):
    return knowledge().joined("timeout_key").search(text)
_DURATION = Rx(r"(?i)(?<![\w.])(\d+(?:\.\d+)?)\s*(ms|milliseconds?|s|secs?|seconds?|min|minutes?|毫秒|秒|分鐘)?(?![\w.%])")
_IDISH = re.compile(r"\b(?:[a-z]+-[0-9a-f]{6,17}|\d{12}|(?:\d{1,3}\.){3}\d{1,3}(?:/\d+)?|[a-z]{2}-[a-z]+-\d[a-z]?)\b")


def _template(cmd: str) -> str:
    """The question a command asks, with its identifiers and values folded: two runs of it for
    two resources (or against two servers: `dig @a name`, `dig name`) ask the same question.
    Options are left out but for those that shape the answer (--query, -o, jsonpath)."""
    first = re.split(r"\s\|\s", cmd)[0]  # a pipeline's first command asks; the rest filters
    toks, keep = [], False
    for tok in first.split():
        if keep:
            toks.append(tok)
            keep = False
        elif tok.startswith(("--query", "--output", "-o", "-ojsonpath", "--jq")):
            toks.append(tok)
            keep = "=" not in tok and tok in ("--query", "--output", "-o", "--jq")
        elif not tok.startswith(("-", "+", "@")):
            toks.append(tok)
    if len(toks) < 2:  # a program and its options only: the options are the question
        toks = first.split()
    t = _IDISH.sub("#", " ".join(toks).lower())
    t = re.sub(r"(values|name|id|ids)=[^\s,'\"]+", r"\1=#", t)
    return re.sub(r"\d+", "#", t)


def _item(line: str) -> str:
    """An output line as a comparable item: brackets, commas and spacing folded."""
    return " ".join(line.strip().strip("[],{} ").split()).lower()


def _distinct(a: str, b: str) -> tuple[str, str]:
    """The words that tell two otherwise equal commands apart (their resource ids)."""
    ta, tb = re.split(r"\s\|\s", a)[0].split(), re.split(r"\s\|\s", b)[0].split()  # a pipeline's filter is not a resource
    da = [w for w in ta if w not in tb]
    db = [w for w in tb if w not in ta]
    ids = lambda ws: ", ".join(m for w in ws for m in _IDISH.findall(w)) or \
        " ".join(w for w in ws if not w.startswith(("-", "+")))[:80]
    return ids(da), ids(db)


_NOISE = re.compile(r"^\s*(?:[;#]|//|<<>>|\(\d+ rows?\)|real\s|user\s|sys\s)|^[\W_]*$")


def _meaningful(line: str) -> bool:
    """An output line worth comparing: data, not a comment, a banner or a timing line; not a
    time-stamped log line either (an event of one host, not something the other one lacks)."""
    return (bool(_item(line)) and not _NOISE.match(line) and not _STAMPED.match(line)
            and len(re.sub(r"[\W\d_]", "", line)) >= 3)


_STAMPED = re.compile(r"^\s*\[?\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}|^\s*\[?\s*\d+\.\d+\]|^[A-Z][a-z]{2} +\d{1,2} \d{2}:\d{2}:\d{2}")


def _fails(rows: list[tuple[int, str]]) -> tuple[int, str] | None:
    """The first line of an output that reports a failure (the command did not answer)."""
    errors = knowledge().joined("error")
    return next(((n, t) for n, t in rows if errors.search(t) and not knowledge().any("healthy", t)), None)


def _diffs(blocks: list[tuple[str, int, list[tuple[int, str]]]], affected: set[str]) -> list[Evidence]:
    """Two outputs of the same command (the same question about two resources, or asked of two
    servers): the one fails where the other answers, or what one has that the other lacks."""
    out: list[Evidence] = []
    for i in range(len(blocks)):
        for j in range(i + 1, len(blocks)):
            (ca, la, a), (cb, lb, b) = blocks[i], blocks[j]
            if not a or not b or _template(ca) != _template(cb) or ca == cb:
                continue
            fa, fb = _fails(a), _fails(b)
            if bool(fa) != bool(fb):  # one fails, the other answers
                (ca, a, fa), (cb, b) = ((ca, a, fa), (cb, b)) if fa else ((cb, b, fb), (ca, a))
                bad_ids, good_ids = _distinct(ca, cb)
                out.append(Evidence(_clip(fa[1]), "comparison", fa[0], "inferred", context=ca, fact="fact.fails_where",
                                    values=(("affected", bad_ids or Term("fact.affected_resource")),
                                            ("healthy", good_ids or Term("fact.healthy_one")),
                                            ("command", " ".join(ca.split()[:3])))))
                continue
            if fa and fb:
                continue
            ia = {_item(t): (n, t) for n, t in a if _meaningful(t)}
            ib = {_item(t): (n, t) for n, t in b if _meaningful(t)}
            only_a = [v for k, v in ia.items() if k not in ib]
            only_b = [v for k, v in ib.items() if k not in ia]
            if not only_a and not only_b or (only_a and only_b and len(only_a) + len(only_b) > 6):
                continue  # nothing differs, or everything does: two different answers, not one missing item
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
                                            ("item", short(balanced(text), 160)),
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
    for m in QUANTITY.finditer(t):
        unit = "mcpu" if m.group(2).lower() == "m" and _millicores(t, m.start()) else \
            _UNIT.get(m.group(2).lower(), m.group(2).lower())
        value = float(m.group(1)) * _SCALE.get(unit, 1.0)
        out.append((m.start(), value, "mib" if unit in _SCALE else unit))
    for m in _HEAP.finditer(text):
        unit = {"k": "kib", "m": "mib", "g": "gib"}[m.group(2).lower()]
        out.append((-1, float(m.group(1)) * _SCALE[unit], "mib"))
    word = _limit_word(t) if limit_first and len(out) > 1 else None
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
    limits = [(n, t, ctx, q) for n, t, ctx in lines if _limit_word(f"{t} {ctx}")
              for q in _quantities(t, limit_first=True)[:1]]
    limits += [q for q in _quota_values(blocks) if q[0] not in {x[0] for x in limits}]
    out = []
    for n, t, ctx, (lv, unit) in limits:
        if lv <= 0 or unit in ("%", "s", "ms", "min"):
            continue
        # an account's quota is capacity, not a cgroup's limit; a quota may be a bare count
        fact = ("fact.quota" if unit else "fact.quota_count") if _QUOTA.search(f"{t} {ctx}") else "fact.limit"
        for m, u, uctx in lines:
            is_limit = bool(_limit_word(f"{u} {uctx}")) and not _USAGE_METRIC.search(f"{u} {uctx}")
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
    m = _timeout_key(line)
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

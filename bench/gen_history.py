"""A support organisation's ticket history for the scale benchmarks: N tickets as a ticket
system's JSONL export (one file per month), which `casekit import` reads with MAP below.

Nothing is copied into the project: every ticket is composed at run time from pieces of the
real material beside it (the post-mortems in ../shared/data, the past cases of corpus/, the
loghub logs), so the history has the services, layers, industries, languages (about one
ticket in five in Chinese) and lengths of real ones, with fresh identifiers, times and
numbers in each ticket. Deterministic: the same seed and count give the same bytes.

    python bench/gen_history.py --tickets 100000 --out /tmp/history
    python bench/gen_history.py --tickets 1000 --start 100000 --out /tmp/day   # the next day's tickets
"""
from __future__ import annotations

import argparse
import json
import random
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
# What `casekit import` needs to read the export (see docs/cases.md).
MAP = ("id=key,title=fields.summary,opened=fields.created,service=fields.component,industry=fields.customer.industry,"
       "severity=fields.priority,layer=fields.layer,side=fields.side,tags=fields.labels,resources=fields.resources,"
       "subjective=fields.description,objective=fields.logs,root_cause=fields.cause,plan=fields.steps,"
       "resolution=fields.fix")
INDUSTRIES = ("gaming", "iot", "crypto", "ecommerce", "finance", "media", "saas", "other")
SEVERITIES = ("low", "normal", "normal", "high", "high", "urgent", "critical")
ZONES = ("+08:00", "+09:00", "+00:00", "-05:00", "-08:00", "+01:00", "+05:30", "+10:00")
REGIONS = ("us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-1", "ap-northeast-1", "ap-east-1",
           "asia-east1", "europe-west4", "us-central1", "eastus2", "westeurope")
# Post-mortem root-cause labels (layer-2) -> the case layer vocabulary.
LAYER_OF = (("network", "network"), ("dns", "network"), ("config", "application"), ("software", "application"),
            ("bug", "application"), ("deploy", "application"), ("capacity", "capacity"), ("resource", "capacity"),
            ("overload", "capacity"), ("storage", "storage"), ("disk", "storage"), ("hardware", "provider"),
            ("power", "provider"), ("external", "provider"), ("upgrade", "os"), ("maintenance", "provider"))
_SENT = re.compile(r"(?<=[.!?。！？])\s+")
_ID = re.compile(r"\b(i|subnet|vpc|sg|rtb|nat|vol|eni|igw|vpce)-[0-9a-f]{8,17}\b")
_NUM = re.compile(r"(?<![:.\d])\b\d{2,5}\b(?![:.]\d)")  # counts, not times or versions


@dataclass
class Pool:
    """Pieces of real text, by kind, that tickets are composed from."""

    cases: list[dict] = field(default_factory=list)  # corpus cases: sections and fields
    incidents: list[dict] = field(default_factory=list)  # post-mortems
    log_lines: list[str] = field(default_factory=list)


def _sections(text: str) -> tuple[dict, dict]:
    import yaml

    _, front, body = text.split("---", 2)
    meta = yaml.safe_load(front)
    names = {"主觀": "subjective", "主观": "subjective", "客觀": "objective", "客观": "objective", "評估": "assessment",
             "评估": "assessment", "計畫": "plan", "计划": "plan", "計劃": "plan", "解決": "resolution", "解决": "resolution"}
    out: dict[str, str] = {}
    cur = None
    for line in body.splitlines():
        if line.startswith("## "):
            name = line[3:].strip()
            cur = names.get(name, name.lower())
            out[cur] = ""
        elif cur:
            out[cur] += line + "\n"
    return meta, out


def load_pool(shared: Path) -> Pool:
    pool = Pool()
    for p in sorted((ROOT / "corpus" / "cases").glob("*.md")):
        meta, sec = _sections(p.read_text(encoding="utf-8"))
        pool.cases.append({"meta": meta, "sections": sec, "zh": bool(re.search(r"[\u4e00-\u9fff]", meta.get("title", "")))})
    pm = shared / "postmortems"
    for p in sorted(pm.glob("*.json")) if pm.exists() else []:
        for key, rec in json.loads(p.read_text(encoding="utf-8")).items():
            if isinstance(rec, dict) and rec.get("summary"):
                pool.incidents.append(rec)
    for p in sorted((shared / "loghub").glob("*_2k.log")) if (shared / "loghub").exists() else []:
        pool.log_lines += [line for line in p.read_text(encoding="utf-8", errors="replace").splitlines() if line.strip()]
    if not pool.incidents:
        raise SystemExit(f"{pm} is absent: the generator varies tickets by the real post-mortems there")
    return pool


def _hex(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789abcdef") for _ in range(n))


def _fresh_ids(text: str, rng: random.Random, memo: dict) -> str:
    """This ticket's own identifiers: each id of the source text becomes a new one (the same
    new one wherever it recurs in the ticket), and small numbers move a little."""
    def new_id(m: re.Match) -> str:
        old = m.group(0)
        if old not in memo:
            memo[old] = f"{m.group(1)}-{_hex(rng, 17 if len(old) - len(m.group(1)) > 10 else 8)}"
        return memo[old]

    text = _ID.sub(new_id, text)
    return _NUM.sub(lambda m: str(max(1, int(int(m.group(0)) * rng.uniform(0.6, 1.6)))) if rng.random() < 0.3 else m.group(0), text)


def _layer(incident: dict) -> str:
    labels = " ".join(str(lbl.get("layer-2", "")) + " " + str(lbl.get("layer-3", ""))
                      for lbl in (incident.get("root cause") or {}).get("label") or [] if isinstance(lbl, dict)).lower()
    return next((layer for word, layer in LAYER_OF if word in labels), "unknown")


def _steps(incident: dict) -> list[str]:
    t = (incident.get("mitigation") or {}).get("troubleshooting") or {}
    if isinstance(t, dict):
        return [str(v).strip() for _, v in sorted(t.items(), key=lambda kv: str(kv[0]).zfill(4)) if str(v).strip()]
    return [str(v) for v in t] if isinstance(t, list) else []


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENT.split(" ".join(str(text or "").split())) if len(s.strip()) > 20]


def ticket(n: int, pool: Pool, seed: int = 0) -> dict:
    """Ticket number `n` of the history: the same `n` and `seed` give the same ticket."""
    rng = random.Random(seed * 1_000_003 + n)
    memo: dict[str, str] = {}
    case = rng.choice(pool.cases)
    inc = rng.choice(pool.incidents)
    meta, sec = case["meta"], case["sections"]
    zh = case["zh"] and rng.random() < 0.9 or rng.random() < 0.03
    if zh and not case["zh"]:
        case = rng.choice([c for c in pool.cases if c["zh"]] or pool.cases)
        meta, sec = case["meta"], case["sections"]
    region = rng.choice(REGIONS)
    # Subjective: the customer's words from the case, with the incident's summary as their impact.
    desc = [sec.get("subjective", "").strip()]
    inc_sents = _sentences(inc.get("summary")) + _sentences(inc.get("details"))
    if not zh or rng.random() < 0.4:  # mixed-language tickets paste English provider text
        desc.append(" ".join(rng.sample(inc_sents, min(len(inc_sents), rng.randint(1, 3)))))
    desc.append(f"Region {region}." if not zh else f"區域 {region}。")
    # Objective: a varied share of the case's data lines, real log lines, the incident's details.
    lines = [l for l in sec.get("objective", "").splitlines() if l.strip()]
    keep = sorted(rng.sample(range(len(lines)), max(1, int(len(lines) * rng.uniform(0.3, 1.0))))) if lines else []
    logs = [lines[i] for i in keep]
    if pool.log_lines and rng.random() < 0.7:
        start = rng.randrange(len(pool.log_lines))
        logs += ["```"] + pool.log_lines[start : start + int(rng.lognormvariate(2.0, 0.9))] + ["```"]
    if rng.random() < 0.5:
        logs.append(" ".join(rng.sample(inc_sents, min(len(inc_sents), rng.randint(1, 6)))))
    cause = meta.get("root_cause") or ""
    rc = (inc.get("root cause") or {}).get("details") or ""
    if rng.random() < 0.35 and rc:
        cause = " ".join(str(rc).split())[:400]
    steps = [l.strip() for l in sec.get("plan", "").splitlines() if l.strip()]
    if rng.random() < 0.5:
        steps += [f"{i}. {s}" for i, s in enumerate(_steps(inc), len(steps) + 1)]
    fix = sec.get("resolution", "").strip() or " ".join(_sentences((inc.get("mitigation") or {}).get("details"))[:3])
    day = datetime(2019, 1, 1, tzinfo=timezone.utc) + timedelta(minutes=int(n * 37.8 + rng.randint(0, 600)))
    svc = meta.get("service") or "ec2"
    services = inc.get("service_name") or []
    if rng.random() < 0.3 and services:
        svc = re.sub(r"[^a-z0-9]+", "-", str(rng.choice(services)).lower()).strip("-")[:40] or svc
    title = meta.get("title", "")
    if rng.random() < 0.5 and inc.get("title") and not zh:
        title = f"{title} ({region})" if rng.random() < 0.5 else f"{inc['title']}: {title}"
    tags = list(meta.get("tags") or [])
    rng.shuffle(tags)
    layer = meta.get("layer") or _layer(inc)
    return {
        "key": f"TCK-{n + 1:06d}",
        "fields": {
            "summary": _fresh_ids(title, rng, memo),
            "created": day.strftime("%Y-%m-%dT%H:%M") + rng.choice(ZONES),
            "component": svc,
            "priority": rng.choice(SEVERITIES),
            "customer": {"industry": meta.get("industry") if rng.random() < 0.6 else rng.choice(INDUSTRIES),
                         "account": _hex(rng, 12)},
            "layer": layer, "side": meta.get("side") or "unknown",
            "labels": tags[: rng.randint(2, max(2, len(tags)))],
            "resources": [_fresh_ids(str(r), rng, memo) for r in (meta.get("resources") or [])][:6],
            "description": _fresh_ids("\n\n".join(d for d in desc if d), rng, memo),
            "logs": _fresh_ids("\n".join(logs), rng, memo),
            "cause": _fresh_ids(" ".join(cause.split()), rng, memo),
            "steps": _fresh_ids("\n".join(steps), rng, memo),
            "fix": _fresh_ids(fix, rng, memo),
        },
    }


def write_history(out: Path, tickets: int, start: int = 0, seed: int = 0, shared: Path = SHARED,
                  per_file: int = 3000) -> list[Path]:
    """Tickets start..start+tickets-1 as JSONL exports of `per_file` tickets each."""
    pool = load_pool(shared)
    out.mkdir(parents=True, exist_ok=True)
    files = []
    for first in range(start, start + tickets, per_file):
        last = min(start + tickets, first + per_file)
        p = out / f"export-{first:06d}-{last - 1:06d}.jsonl"
        with open(p, "w", encoding="utf-8") as f:
            for n in range(first, last):
                f.write(json.dumps(ticket(n, pool, seed), ensure_ascii=False) + "\n")
        files.append(p)
    return files


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tickets", type=int, default=100_000)
    ap.add_argument("--start", type=int, default=0, help="number of the first ticket (to generate the next day)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", required=True)
    ap.add_argument("--shared", default=str(SHARED))
    args = ap.parse_args()
    files = write_history(Path(args.out), args.tickets, args.start, args.seed, Path(args.shared))
    print(f"wrote {args.tickets} tickets in {len(files)} exports to {args.out}")
    print(f"import each with: casekit import FILE --out DIR --map '{MAP}'")


if __name__ == "__main__":
    main()

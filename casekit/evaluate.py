"""Retrieval evaluation: Recall@1/@5, MRR and nDCG@10 for dense, BM25 and hybrid.

Queries are JSONL lines {"query": ..., "relevant": [...]}, where a relevant item is a case
id ('CASE-0007'), an RFC section ('RFC 7231 §6.6.5') or a document path
('docs/dns-triage-guide.md'); a hit matches when its ref equals the item or starts with
it followed by a space.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

from .case import decode
from .retrieval.encoders import embed
from .errors import InputError
from .retrieval.index import Index

MODES = ("dense", "bm25", "hybrid")
LANE_K = 3  # what `casekit search` shows per lane


def load_queries(path: Path) -> list[dict]:
    path = Path(path)
    if not path.exists():
        raise InputError(path, "no such file or folder (give a JSONL file of queries, or a folder of them)")
    files = sorted(path.glob("*.jsonl")) if path.is_dir() else [path]
    if not files:
        raise InputError(path, "no query files (*.jsonl)")
    out = []
    for f in files:
        try:
            data = f.read_bytes()
        except OSError as e:
            raise InputError(f, f"cannot read: {e.strerror or e}") from None
        for n, line in enumerate(decode(f, data, "a JSONL file of queries").split("\n"), 1):
            if not line.strip():
                continue
            try:
                q = json.loads(line)
                assert isinstance(q["query"], str) and isinstance(q["relevant"], list) and q["relevant"]
            except (ValueError, KeyError, TypeError, AssertionError):
                raise InputError(f, "expected {\"query\": \"...\", \"relevant\": [...]}", n) from None
            out.append({**q, "file": f.name})
    return out


def matches(ref: str, item: str) -> bool:
    return ref == item or ref.startswith(item + " ")


@dataclass
class Report:
    n: int
    k: int
    metrics: dict[str, dict[str, float]]
    misses: dict[str, list[str]] = field(default_factory=dict)
    lanes: float | None = None  # share of relevant items in the top LANE_K of their own lane
    # the specification lane alone: share of relevant RFC sections in its top LANE_K, overall and
    # per query language ('en', 'zh'), with how many sections each figure counts
    spec: float | None = None
    spec_by_lang: dict[str, dict[str, float]] = field(default_factory=dict)

    def table(self) -> str:
        names = ["recall@1", "recall@5", "mrr", f"ndcg@{self.k}"]
        lines = [f"retrieval eval: {self.n} queries", f"{'mode':<8}" + "".join(f"{n:>11}" for n in names)]
        for mode in MODES:
            lines.append(f"{mode:<8}" + "".join(f"{self.metrics[mode][n]:>11.3f}" for n in names))
        best = max(MODES, key=lambda m: (self.metrics[m]["mrr"], m == "hybrid"))
        lines.append(f"best by MRR: {best}")
        if self.lanes is not None:
            lines.append(f"lanes (as `casekit search` shows them): {self.lanes:.3f} of relevant sources in the "
                         f"top {LANE_K} of their lane")
        if self.spec is not None:
            per = "  ".join(f"{lang} {v['recall']:.3f} ({v['found']}/{v['sections']})" for lang, v in self.spec_by_lang.items())
            lines.append(f"specification lane recall@{LANE_K}: {self.spec:.3f}" + (f"  ({per})" if per else ""))
        return "\n".join(lines)

    def to_dict(self) -> dict:
        return {"queries": self.n, "k": self.k, "metrics": self.metrics, "lanes_recall": self.lanes,
                "misses": self.misses, "spec_lane_recall": self.spec, "spec_lane_recall_by_lang": self.spec_by_lang}


def query_language(q: dict) -> str:
    """'zh' or 'en': the query's `lang` label ('zh-Hant', 'zh-mixed', ...), else its script."""
    from .text.lang import detect_language

    lang = q.get("lang") or detect_language(q["query"])
    return "zh" if str(lang).startswith("zh") else "en"


def evaluate(index: Index, queries: list[dict], k: int = 10, **weights) -> Report:
    vecs = embed([q["query"] for q in queries])
    found_in_lane = total = 0
    spec: dict[str, list[int]] = {}  # language -> [found, sections]
    sums = {m: {"recall@1": 0.0, "recall@5": 0.0, "mrr": 0.0, f"ndcg@{k}": 0.0} for m in MODES}
    misses: dict[str, list[str]] = {m: [] for m in MODES}
    for q, v in zip(queries, vecs):
        rel = q["relevant"]
        for mode in MODES:
            hits = index.search(q["query"], k=k, mode=mode, qvec=v, **weights)
            credited: set[str] = set()
            gains, first = [], None
            for rank, h in enumerate(hits, 1):
                item = next((r for r in rel if matches(h.chunk.ref, r) and r not in credited), None)
                gains.append(1.0 if item else 0.0)
                if item:
                    credited.add(item)
                    first = first or rank
            found_at = lambda n: len({r for r in rel for h in hits[:n] if matches(h.chunk.ref, r)}) / len(rel)
            s = sums[mode]
            s["recall@1"] += found_at(1)
            s["recall@5"] += found_at(5)
            s["mrr"] += 1.0 / first if first else 0.0
            dcg = sum(g / math.log2(i + 2) for i, g in enumerate(gains))
            ideal = sum(1.0 / math.log2(i + 2) for i in range(min(len(rel), k)))
            s[f"ndcg@{k}"] += dcg / ideal if ideal else 0.0
            if not first:
                misses[mode].append(q["query"])
        lanes = index.lanes(q["query"], k=LANE_K, qvec=v, **weights)
        for r in rel:
            total += 1
            found_in_lane += any(matches(h.chunk.ref, r) for hits in lanes.values() for h in hits)
            if r.startswith("RFC "):
                tally = spec.setdefault(query_language(q), [0, 0])
                tally[0] += any(matches(h.chunk.ref, r) for h in lanes.get("spec", []))
                tally[1] += 1
    n = max(1, len(queries))
    metrics = {m: {name: round(v / n, 4) for name, v in s.items()} for m, s in sums.items()}
    found, sections = sum(f for f, _ in spec.values()), sum(t for _, t in spec.values())
    by_lang = {lang: {"recall": round(f / t, 4), "found": f, "sections": t} for lang, (f, t) in sorted(spec.items())}
    return Report(len(queries), k, metrics, misses, round(found_in_lane / max(1, total), 4),
                  round(found / sections, 4) if sections else None, by_lang)


def run_retrieval_eval(index_dir: Path, queries: Path, k: int = 10) -> Report:
    qs = load_queries(queries)  # bad queries are reported before the index and the model load
    return evaluate(Index.open(index_dir), qs, k)


# --------------------------------------------------------------------------- drafts


@dataclass
class DraftReport:
    """Drafts against labelled cases: the top hypothesis' layer (strict, and with the layers the
    label also accepts), the decisive line in its own evidence, confidently wrong drafts (a
    wrong layer confirmed or at likelihood >= 0.7), on-topic cases with no hypothesis, whether
    the first plan step undoes the change that caused it (where the label names one) and how
    often it undoes something that is not the cause, and identifiers of other customers in what
    is sent out."""

    split: str
    rows: list[dict]

    @property
    def n(self) -> int:
        return len(self.rows)

    def rate(self, key: str, rows: list[dict] | None = None) -> float:
        rows = self.rows if rows is None else rows
        return sum(1 for r in rows if r[key]) / len(rows) if rows else 0.0

    @property
    def foreign(self) -> int:
        return sum(len(r["foreign"]) for r in self.rows)

    @staticmethod
    def line(name: str, rows: list[dict]) -> str:
        on = [r for r in rows if r["topic"] == "on"]
        off = [r for r in rows if r["topic"] == "off"]
        causal = [r for r in on if r["causal_change"]]
        frac = lambda k, rs: f"{sum(1 for r in rs if r[k])}/{len(rs)}"
        out = (f"{name}: {len(on)} on-topic; top layer {frac('strict', on)} strict, {frac('layer_ok', on)} with alternates; "
               f"decisive {frac('decisive_ok', on)}; confidently wrong {sum(r['confidently_wrong'] for r in on)}; "
               f"no hypothesis {sum(r['got'] == 'unknown' for r in on)}")
        if causal:
            out += f"; first step undoes the causal change {frac('first_undoes_change', causal)}"
        out += f"; undo of a non-cause {sum(r['bad_undo'] for r in on)}"
        if off:
            out += f"; off-topic with no hypothesis {sum(r['got'] == 'unknown' for r in off)}/{len(off)}"
        return out

    def table(self) -> str:
        lines = [f"draft eval ({self.split}): {self.n} cases, foreign identifiers {self.foreign}",
                 self.line("all", self.rows)]
        for lang in sorted({r["language"] for r in self.rows}):  # each language on its own: a weak one hides in the total
            lines.append(self.line(f"  {lang}", [r for r in self.rows if r["language"] == lang]))
        splits = sorted({r["split"] for r in self.rows})
        if len(splits) > 1:
            lines += [self.line(f"  {sp}", [r for r in self.rows if r["split"] == sp]) for sp in splits]
        for r in self.rows:
            if r["topic"] == "on" and not (r["layer_ok"] and r["decisive_ok"]) or r["confidently_wrong"] or r["foreign"]:
                lines.append(f"  miss {r['id']}: want {r['want']}, got {r['got']} ({r['status']}, {r['likelihood']})"
                             + ("" if r["decisive_ok"] else ", decisive line not in its evidence")
                             + (", CONFIDENTLY WRONG" if r["confidently_wrong"] else "")
                             + (f", foreign {r['foreign'][:3]}" if r["foreign"] else ""))
        return "\n".join(lines)

    def to_dict(self) -> dict:
        on = [r for r in self.rows if r["topic"] == "on"]
        return {"split": self.split, "cases": self.n, "layer": round(self.rate("layer_ok"), 4),
                "decisive": round(self.rate("decisive_ok"), 4), "strict": round(self.rate("strict", on), 4),
                "confidently_wrong": sum(r["confidently_wrong"] for r in on), "foreign": self.foreign, "rows": self.rows}


def labelled_cases(root: Path, split: str) -> list[dict]:
    """Labels with their case files: examples/expected.jsonl (tuning) and eval/cases/labels.jsonl.
    `split` is a split's name, several joined by ',', or 'all'."""
    out = []
    wanted = set(split.split(","))
    if wanted & {"tune", "all"}:
        for line in (root / "examples" / "expected.jsonl").read_text(encoding="utf-8").splitlines():
            d = json.loads(line)
            out.append({**d, "split": "tune", "path": root / "examples" / "inbox" / f"{d['id']}.md"})
    labels = root / "eval" / "cases" / "labels.jsonl"
    for line in labels.read_text(encoding="utf-8").splitlines() if labels.exists() else []:
        d = json.loads(line)
        if d["split"] in wanted or "all" in wanted:
            out.append({**d, "path": root / "eval" / "cases" / d["split"] / f"{d['id']}.md"})
    return out


def evaluate_drafts(drafter, labels: list[dict], split: str = "") -> DraftReport:
    from .case import load_cases
    from .draft import redacted_case
    from .text.identifiers import foreign
    from .documents.render import render_escalation, render_reply

    rows = []
    for lab in labels:
        case = load_cases(lab["path"])[0]
        d = drafter.draft(case)
        top = d.hypotheses[0] if d.hypotheses else None
        got = top.layer if top else "unknown"
        texts = [e["text"] for e in (top.evidence_for if top else [])]
        mine = redacted_case(case, {})[0].identifiers()  # what the draft saw
        shown = "\n".join([render_reply(d), render_escalation(d)] + [p["text"] for p in d.plan])
        ok = got == lab["layer"] or got in lab.get("also_acceptable_layers", [])
        src = {s.id: s for s in d.sources}
        first = d.plan[0] if d.plan else None
        first_text = (first["text"] + " " + " ".join(src[c].text for c in first["citations"] if c in src)) if first else ""
        undo = bool(first) and first.get("kind") == "mitigate" and any(
            src[c].kind == "sign" and src[c].meta.get("kind") == "change" for c in first["citations"] if c in src)
        change = lab.get("change")
        undoes = bool(change) and undo and change in first_text
        rows.append({"id": lab["id"], "split": lab["split"], "topic": lab.get("topic", "on"), "want": lab["layer"],
                     "language": "zh" if (d.language or "en").startswith("zh") else "en",
                     "got": got, "status": top.status if top else None,
                     "likelihood": round(top.likelihood, 3) if top else None,
                     "strict": got == lab["layer"], "layer_ok": ok,
                     "decisive_ok": not lab.get("decisive") or any(x in t for x in lab["decisive"] for t in texts),
                     "confidently_wrong": bool(top) and lab.get("topic", "on") == "on" and not ok
                     and (top.status == "confirmed" or top.likelihood >= 0.7),
                     "causal_change": bool(change) and lab.get("change_causal") is True,
                     "first_undoes_change": undoes and lab.get("change_causal") is True,
                     "bad_undo": undo and not (undoes and lab.get("change_causal") is True) and "change" in lab,
                     "foreign": foreign(shown, mine),
                     "hypotheses": [{"layer": h.layer, "score": h.score, "likelihood": round(h.likelihood, 3)}
                                    for h in d.hypotheses]})
    return DraftReport(split, rows)

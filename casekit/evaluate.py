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

from .errors import InputError
from .index import Index, embed

MODES = ("dense", "bm25", "hybrid")


def load_queries(path: Path) -> list[dict]:
    files = sorted(path.glob("*.jsonl")) if path.is_dir() else [path]
    if not files:
        raise InputError(path, "no query files (*.jsonl)")
    out = []
    for f in files:
        for n, line in enumerate(f.read_text(encoding="utf-8").splitlines(), 1):
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

    def table(self) -> str:
        names = ["recall@1", "recall@5", "mrr", f"ndcg@{self.k}"]
        lines = [f"retrieval eval: {self.n} queries", f"{'mode':<8}" + "".join(f"{n:>11}" for n in names)]
        for mode in MODES:
            lines.append(f"{mode:<8}" + "".join(f"{self.metrics[mode][n]:>11.3f}" for n in names))
        best = max(MODES, key=lambda m: (self.metrics[m]["mrr"], m == "hybrid"))
        lines.append(f"best by MRR: {best}")
        return "\n".join(lines)

    def to_dict(self) -> dict:
        return {"queries": self.n, "k": self.k, "metrics": self.metrics, "misses": self.misses}


def evaluate(index: Index, queries: list[dict], k: int = 10) -> Report:
    vecs = embed([q["query"] for q in queries])
    sums = {m: {"recall@1": 0.0, "recall@5": 0.0, "mrr": 0.0, f"ndcg@{k}": 0.0} for m in MODES}
    misses: dict[str, list[str]] = {m: [] for m in MODES}
    for q, v in zip(queries, vecs):
        rel = q["relevant"]
        for mode in MODES:
            hits = index.search(q["query"], k=k, mode=mode, qvec=v)
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
    n = max(1, len(queries))
    metrics = {m: {name: round(v / n, 4) for name, v in s.items()} for m, s in sums.items()}
    return Report(len(queries), k, metrics, misses)


def run_retrieval_eval(index_dir: Path, queries: Path, k: int = 10) -> Report:
    return evaluate(Index.open(index_dir), load_queries(queries), k)

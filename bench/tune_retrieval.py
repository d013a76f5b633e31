"""Choose retrieval weights on the tuning queries, then report the held-out ones once.

    python bench/tune_retrieval.py --index-dir .casekit/eval-index

The index should hold corpus/ and the shipped RFCs (`make eval` builds it). Tuning
queries: eval/retrieval/*.jsonl and eval/retrieval/tune-extra/; held-out:
eval/retrieval/heldout/ (English and Chinese), never used to choose anything. The score
a configuration is chosen by is the mean of flat hybrid R@5 and lane recall (relevant
source in the top 3 of its lane), over all tuning queries. Each line also shows the
specification lane alone (relevant RFC sections in its top 3) per query language.
"""
from __future__ import annotations

import argparse
import itertools
from pathlib import Path

from casekit import Index, evaluate_retrieval, load_queries

ROOT = Path(__file__).resolve().parent.parent / "eval" / "retrieval"
TUNE = {"core": ROOT, "extra-en": ROOT / "tune-extra" / "en.jsonl", "extra-zh": ROOT / "tune-extra" / "zh.jsonl"}
HELD = {"held-en": ROOT / "heldout" / "en.jsonl", "held-zh": ROOT / "heldout" / "zh.jsonl"}


def score(idx, sets, **cfg):
    out = {}
    for name, qs in sets.items():
        r = evaluate_retrieval(idx, qs, k=10, **cfg)
        out[name] = (r.metrics["hybrid"]["recall@5"], r.lanes, r.metrics["dense"]["recall@5"], r.metrics["bm25"]["recall@5"],
                     " ".join(f"{lang} {v['recall']:.3f}" for lang, v in r.spec_by_lang.items()))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--index-dir", required=True)
    ap.add_argument("--dense-weights", default="0.5,1,2,3", help="dense:BM25 weights to try (BM25 is 1)")
    ap.add_argument("--per-file", default="1,2,3", help="caps on sections of one document to try")
    args = ap.parse_args()
    idx = Index.open(args.index_dir)
    tune = {n: load_queries(p) for n, p in TUNE.items()}
    held = {n: load_queries(p) for n, p in HELD.items()}
    results = []
    grid = itertools.product([float(x) for x in args.dense_weights.split(",")], [int(x) for x in args.per_file.split(",")])
    for dw, per_file in grid:
        s = score(idx, tune, dense_weight=dw, bm25_weight=1.0, max_per_file=per_file)
        n = sum(len(q) for q in tune.values())
        obj = sum(len(tune[k]) * (v[0] + v[1]) / 2 for k, v in s.items()) / n
        results.append((obj, dw, per_file))
        print(f"dense:bm25 {dw}:1 per-file {per_file}  tune objective {obj:.3f}  " +
              "  ".join(f"{k} R@5 {v[0]:.3f} lanes {v[1]:.3f} spec@3 {v[4] or '-'}" for k, v in s.items()), flush=True)
    obj, dw, per_file = max(results)
    print(f"\nchosen on tuning queries: dense:bm25 {dw}:1, per-file cap {per_file} (objective {obj:.3f})")
    for name, sets in (("tuning", tune), ("held-out", held)):
        for k, v in score(idx, sets, dense_weight=dw, bm25_weight=1.0, max_per_file=per_file).items():
            print(f"{name:<9} {k:<9} dense R@5 {v[2]:.3f}  bm25 R@5 {v[3]:.3f}  hybrid R@5 {v[0]:.3f}  lanes {v[1]:.3f}"
                  f"  spec@3 {v[4] or '-'}")


if __name__ == "__main__":
    main()

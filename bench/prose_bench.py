"""Does the model earn its place? Per model: how often the verifier accepts its rewrite of
the summary, how often an accepted text differs from a copy (of the deterministic
statement or of a source sentence), and the seconds the step costs; against the same
drafts without the model (the baseline, same process).

Measured on the held-out labelled cases (eval/cases/heldout), which no threshold was tuned on.

usage: python bench/prose_bench.py [--index-dir DIR] [--models smollm2,gemma3-270m,/path/x.gguf] [--limit N]
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from casekit import Drafter, default_index_dir, load_cases

ROOT = Path(__file__).resolve().parents[1]


def _copy_of(text: str, others: list[str]) -> bool:
    t = " ".join(text.lower().split()).rstrip(".")
    return any(t and t in " ".join(o.lower().split()) for o in others)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--index-dir", default=None)
    ap.add_argument("--models", default="smollm2,gemma3-270m")
    ap.add_argument("--limit", type=int, default=20)
    args = ap.parse_args()

    labels = [json.loads(x) for x in (ROOT / "eval/cases/labels.jsonl").read_text().splitlines()]
    cases = [load_cases(ROOT / "eval/cases/heldout" / f"{d['id']}.md")[0]
             for d in labels if d["split"] == "heldout" and d["topic"] == "on"][: args.limit]
    base = Drafter(str(default_index_dir(args.index_dir)), prose=False)
    t = time.perf_counter()
    for c in cases:
        base.draft(c)
    base_s = (time.perf_counter() - t) / len(cases)
    print(f"{len(cases)} held-out cases; deterministic draft: {base_s:.2f} s per case (baseline)")
    print(f"{'model':<36}{'tried':>6}{'accepted':>9}{'not a copy':>11}{'s/case':>8}{'x baseline':>11}")
    for model in args.models.split(","):
        d = Drafter(str(default_index_dir(args.index_dir)), model=model, prose=True)
        d.draft(cases[0])  # load the model and prime the prompt prefix
        tried = accepted = fresh = 0
        reasons: dict[str, int] = {}
        t = time.perf_counter()
        for c in cases:
            dr = d.draft(c)
            for v in dr.verification:
                tried += 1
                if v["accepted"]:
                    accepted += 1
                    others = [s.text for s in dr.sources] + [h.text for h in dr.hypotheses]
                    fresh += not _copy_of(v["model_text"], others)
                else:
                    key = v["reason"].split("(")[0].strip()
                    reasons[key] = reasons.get(key, 0) + 1
        per = (time.perf_counter() - t) / len(cases)
        print(f"{Path(model).name:<36}{tried:>6}{accepted:>9}{fresh:>11}{per:>8.2f}{per / base_s:>11.1f}")
        for why, n in sorted(reasons.items(), key=lambda x: -x[1])[:4]:
            print(f"    rejected {n}x: {why}")


if __name__ == "__main__":
    main()

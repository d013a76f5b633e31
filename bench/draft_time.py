"""Warm draft time per case, by step: the default draft (for the bundled model: evidence,
retrieval, reasoning, no prose) against the same drafts with the model writing prose,
in the same process. Prints medians and the ratio.

usage: python bench/draft_time.py [--index-dir DIR] [--model smollm2] [--no-prose-run]
"""
from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from casekit import Drafter, default_index_dir, load_cases

ROOT = Path(__file__).resolve().parents[1]


def run(drafter, cases) -> tuple[list[float], dict[str, float]]:
    drafter.draft(cases[0])  # warm: models loaded, prompt prefix primed
    times, steps = [], {}
    for c in cases:
        t = time.perf_counter()
        d = drafter.draft(c)
        times.append(time.perf_counter() - t)
        for k in ("retrieve_s", "reason_s", "llm_s"):
            steps.setdefault(k, []).append(d.timings.get(k, 0.0))
    return times, {k: statistics.median(v) for k, v in steps.items()}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--index-dir", default=None)
    ap.add_argument("--model", default=None)
    ap.add_argument("--no-prose-run", action="store_true", help="skip the run with prose")
    args = ap.parse_args()

    cases = [load_cases(p)[0] for p in sorted((ROOT / "examples" / "inbox").glob("NEW-*.md"))]
    plain = Drafter(str(default_index_dir(args.index_dir)), model=args.model)
    t0, s0 = run(plain, cases)
    m0 = statistics.median(t0)
    print(f"{len(cases)} cases, warm; default draft (prose {'on' if plain.prose else 'off'}): median {m0:.3f} s, "
          f"max {max(t0):.3f} s; steps {', '.join(f'{k} {v:.3f}' for k, v in s0.items())}")
    if not args.no_prose_run:
        prose = Drafter(str(default_index_dir(args.index_dir)), model=args.model, prose=True)
        t1, s1 = run(prose, cases)
        m1 = statistics.median(t1)
        print(f"with prose by the model: median {m1:.3f} s, max {max(t1):.3f} s; steps "
              f"{', '.join(f'{k} {v:.3f}' for k, v in s1.items())}")
        print(f"ratio default / with prose: {m0 / m1:.3f}")


if __name__ == "__main__":
    main()

"""Calibrate the relevance gate on labelled cases: on-topic ones should pass, off-topic not.

    python bench/calibrate_gate.py --index-dir .casekit/eval-index

The gate decides whether retrieved past cases may carry hypotheses: the best cosine of a
retrieved source to the customer's own account must reach MIN_RELEVANCE, or
MIN_RELEVANCE_WITH_SIGNS when the source shares an exception or status code with the case.
Thresholds are chosen on the tuning split only (the most cases classified right, then the
widest margin); the held-out split is reported once with the chosen values.
"""
from __future__ import annotations

import argparse
import itertools
from pathlib import Path

from casekit import Drafter, labelled_cases, load_cases

ROOT = Path(__file__).resolve().parent.parent


def measure(drafter: Drafter, labels: list[dict]) -> list[tuple[str, bool, float, bool]]:
    rows = []
    for lab in labels:
        best, shared = drafter.relevance(load_cases(lab["path"])[0])
        rows.append((lab["id"], lab.get("topic", "on") != "off", best, shared))
    return rows


def accuracy(rows, hi: float, lo: float) -> float:
    return sum((b >= hi or (s and b >= lo)) == on for _, on, b, s in rows) / max(1, len(rows))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--index-dir", required=True)
    args = ap.parse_args()
    drafter = Drafter(args.index_dir, prose=False)
    tune, held = measure(drafter, labelled_cases(ROOT, "tune")), measure(drafter, labelled_cases(ROOT, "heldout"))
    for name, rows in (("tune", tune), ("held-out", held)):
        on = sorted(b for _, o, b, _ in rows if o)
        off = sorted(b for _, o, b, _ in rows if not o)
        print(f"{name}: on-topic {len(on)} best cosine min {on[0]:.3f} median {on[len(on)//2]:.3f}; "
              f"off-topic {len(off)} max {off[-1]:.3f} median {off[len(off)//2]:.3f}")
    grid = [round(0.20 + 0.01 * i, 2) for i in range(41)]
    scored = []
    for hi, lo in itertools.product(grid, grid):
        if lo <= hi:
            acc = accuracy(tune, hi, lo)
            margin = min([abs(b - hi) for _, _, b, _ in tune] + [abs(b - lo) for _, _, b, s in tune if s])
            scored.append((acc, margin, -hi, hi, lo))
    acc, margin, _, hi, lo = max(scored)
    print(f"chosen on tune: MIN_RELEVANCE {hi:.2f}, MIN_RELEVANCE_WITH_SIGNS {lo:.2f} (tune accuracy {acc:.3f})")
    print(f"held-out accuracy with them: {accuracy(held, hi, lo):.3f} on {len(held)} cases")
    for cid, on, b, s in sorted(held, key=lambda r: r[2]):
        if (b >= hi or (s and b >= lo)) != on:
            print(f"  held-out miss: {cid} {'on' if on else 'off'}-topic best {b:.3f} shared sign {s}")


if __name__ == "__main__":
    main()

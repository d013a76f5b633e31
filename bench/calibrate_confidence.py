"""Calibrate the likelihoods: fit the softmax temperature and the score of "something else"
(TEMPERATURE and OTHER in casekit/reasoning/hypotheses.py) so that a draft's likelihood for its
leading hypothesis is the chance that it is right.

    python bench/calibrate_confidence.py --index-dir .casekit/eval-index [--split tune,blind1,...] [--folds 5]

The layer model has learned the decisive lines of the tuning cases, so scoring them with it
would be too sure of itself. The fit is cross-validated: for each of N folds of the labelled
cases, `python -m casekit.train --leave-out K/N` trains a model without that fold, and that
fold's cases are drafted with it (in a fresh process, CASEKIT_LAYER_MODEL pointing at it). A
hypothesis is right when its layer is the label's (or one it also accepts). The fit minimises
the negative log-likelihood of the right hypothesis (of "something else" when no listed one
is right) and prints the reliability of the leading hypothesis' likelihood (the expected
calibration error, and accuracy per likelihood bin) with today's constants and the fitted ones.
"""
from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import math
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TUNING = "tune,blind1,textbook,threads-a,twins1"

FOLD = """
import json, sys
from casekit import Drafter, labelled_cases, load_cases
from pathlib import Path
index, split, ids = sys.argv[1], sys.argv[2], set(sys.argv[3].split(","))
drafter = Drafter(index, prose=False)
rows = []
for lab in labelled_cases(Path(sys.argv[4]), split):
    if lab["id"] not in ids:
        continue
    d = drafter.draft(load_cases(lab["path"])[0])
    ok = {lab["layer"], *lab.get("also_acceptable_layers", [])}
    hyps = d.hypotheses
    rows.append({"id": lab["id"], "scores": [h.score for h in hyps], "right": [i for i, h in enumerate(hyps) if h.layer in ok],
                 "today": hyps[0].likelihood if hyps else 0.0})
print(json.dumps(rows))
"""


def fold_of(case_id: str, folds: int) -> int:
    return int(hashlib.sha256(case_id.encode("utf-8")).hexdigest(), 16) % folds  # as casekit.train folds


def probs(scores: list[float], temperature: float, other: float) -> list[float]:
    z = [s / temperature for s in scores] + [other / temperature]
    m = max(z)
    e = [math.exp(x - m) for x in z]
    return [x / sum(e) for x in e]


def nll(rows, temperature: float, other: float) -> float:
    total = 0.0
    for r in rows:
        p = probs(r["scores"], temperature, other)
        mass = sum(p[i] for i in r["right"]) if r["right"] else p[-1]
        total -= math.log(max(mass, 1e-9))
    return total / max(1, len(rows))


def reliability(rows, temperature: float | None, other: float | None) -> tuple[float, list[str]]:
    """Expected calibration error of the leading hypothesis' likelihood, and the bins; with
    temperature None, the likelihoods the drafts carry today."""
    bins: dict[int, list[tuple[float, bool]]] = {}
    for r in rows:
        if not r["scores"]:
            continue
        p = r["today"] if temperature is None else probs(r["scores"], temperature, other)[0]
        bins.setdefault(min(int(p * 5), 4), []).append((p, 0 in r["right"]))
    n = sum(len(v) for v in bins.values()) or 1
    ece = sum(abs(sum(p for p, _ in v) / len(v) - sum(ok for _, ok in v) / len(v)) * len(v) for v in bins.values()) / n
    lines = [f"    likelihood {b / 5:.1f}-{(b + 1) / 5:.1f}: {len(v):>3} drafts, mean {sum(p for p, _ in v) / len(v):.2f}, "
             f"right {sum(ok for _, ok in v) / len(v):.2f}" for b, v in sorted(bins.items())]
    return ece, lines


def main() -> None:
    from casekit import labelled_cases

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--index-dir", required=True)
    ap.add_argument("--split", default=TUNING)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--rows", help="a JSON file: read the cross-validated rows from it when it exists, else write them to it")
    args = ap.parse_args()
    if args.rows and Path(args.rows).exists():
        rows = json.loads(Path(args.rows).read_text())
        return report(rows)
    ids = [lab["id"] for lab in labelled_cases(ROOT, args.split) if lab.get("topic", "on") == "on"]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(args.folds):
            model = Path(tmp) / f"fold{k}.npz"
            subprocess.run([sys.executable, "-m", "casekit.train", "--leave-out", f"{k}/{args.folds}", "--out", str(model)],
                           check=True, capture_output=True, cwd=ROOT)
            fold = [i for i in ids if fold_of(i, args.folds) == k]
            out = subprocess.run([sys.executable, "-c", FOLD, args.index_dir, args.split, ",".join(fold), str(ROOT)],
                                 check=True, capture_output=True, text=True, env={**os.environ, "CASEKIT_LAYER_MODEL": str(model)})
            rows += json.loads(out.stdout)
            print(f"fold {k}: {len(fold)} cases drafted with a model that has not seen them", flush=True)
    if args.rows:
        Path(args.rows).write_text(json.dumps(rows))
    report(rows)


def wrong_and_sure(rows, temperature: float | None, other: float | None) -> int:
    """Leading hypotheses on the wrong layer with a likelihood of 0.7 or more."""
    n = 0
    for r in rows:
        if r["scores"] and 0 not in r["right"]:
            p = r["today"] if temperature is None else probs(r["scores"], temperature, other)[0]
            n += p >= 0.7
    return n


def report(rows) -> None:
    """Calibration of today's likelihoods and of the fitted constants."""
    strict = sum(1 for r in rows if r["right"][:1] == [0])
    print(f"cross-validated top layer (with alternates): {strict}/{len(rows)}")
    ece, lines = reliability(rows, None, None)
    print(f"today's likelihoods: ECE {ece:.3f}, wrong at 0.7 or more: {wrong_and_sure(rows, None, None)}")
    print("\n".join(lines))
    grid = itertools.product([0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 2.5, 3.0, 4.0], [x / 4 for x in range(-8, 17)])
    t, o = min(grid, key=lambda c: (round(nll(rows, *c), 6), c))
    ece, lines = reliability(rows, t, o)
    print(f"fitted: TEMPERATURE = {t}, OTHER = {o}: NLL {nll(rows, t, o):.3f}, ECE {ece:.3f}, "
          f"wrong at 0.7 or more: {wrong_and_sure(rows, t, o)}")
    print("\n".join(lines))


if __name__ == "__main__":
    main()

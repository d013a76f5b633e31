"""Train the layer model (casekit.rules.layers) from labelled lines:

    python -m casekit.train            # writes casekit/rules/layer_model.npz
    python -m casekit.train --check    # exit 1 when the stored model is stale

Labelled lines, with a weight each:
- every example line of a signature or provider-event record: its layer (1.0);
  routine records' examples: 'none' (1.0);
- the decisive lines of the tuning cases (examples/expected.jsonl and the splits of
  eval/cases/labels.jsonl named in TUNING): the case's layer (1.0); their other error, absence,
  limit and configuration lines: the case's layer, weakly (0.2: red herrings live there);
  their routine lines: 'none' (0.3);
- the Objective lines of the corpus' past cases: their layer (0.3), routine ones 'none'.
The held-out splits are never read. Deterministic: the same lines give the same weights.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import numpy as np

from .case import load_cases
from .evidence.lines import read_line
from .evidence.structure import parse
from .rules import knowledge
from .rules.layers import CLASSES, HASH_DIM, MODEL, features, text_for

ROOT = Path(__file__).resolve().parents[1]
TUNING = ("tune", "blind1", "textbook", "threads-a", "twins1", "blind2", "threads-b")  # the labelled splits the model may learn from
L2 = 1e-4  # per unit of sample weight; chosen by 5-fold cross-validation over the tuning cases (decisive-line layer, model + signatures: 1e-2 0.570, 1e-3 0.797, 1e-4 0.805)


def _case_lines(path: Path, layer: str, decisive: list[str], strong: float, weak: float) -> list[tuple[str, str, float]]:
    case = load_cases(path)[0]
    out = []
    for ln in parse(case.objective):
        if not ln.evidence:
            continue
        text = text_for(ln.context, ln.text.strip())
        if any(d in ln.text for d in decisive):
            out.append((text, layer, strong))
            continue
        kind, sense, _ = read_line(ln, False)
        if kind is None:
            out.append((text, "none", 0.3))
        elif kind in ("error", "absence", "limit", "configuration") and not sense:
            out.append((text, layer, weak))
    return out


def fold_of(case_id: str, folds: int) -> int:
    """The cross-validation fold of a labelled case (stable: a hash of its id)."""
    return int(hashlib.sha256(case_id.encode("utf-8")).hexdigest(), 16) % folds


def labelled_lines(root: Path = ROOT, leave_out: tuple[int, int] | None = None) -> list[tuple[str, str, float]]:
    kb = knowledge()
    out: list[tuple[str, str, float]] = []
    for r in kb.rules:
        if r.kind in ("signature", "provider_event") and r.layer:
            out += [(e, r.layer, 1.0) for e in r.examples]
        elif r.kind == "routine":
            out += [(e, "none", 1.0) for e in r.examples]
    labels = []
    expected = root / "examples" / "expected.jsonl"
    if expected.exists():
        labels += [(json.loads(x), root / "examples" / "inbox") for x in expected.read_text(encoding="utf-8").splitlines() if x]
    lab_file = root / "eval" / "cases" / "labels.jsonl"
    if lab_file.exists():
        for x in lab_file.read_text(encoding="utf-8").splitlines():
            d = json.loads(x)
            if d.get("split") in TUNING:
                labels.append((d, root / "eval" / "cases" / d["split"]))
    for d, folder in labels:
        if d.get("topic", "on") != "on" or d.get("layer") in (None, "unknown"):
            continue
        if leave_out and fold_of(d["id"], leave_out[1]) == leave_out[0]:
            continue  # this fold's cases are scored by a model that has not seen them
        out += _case_lines(folder / f"{d['id']}.md", d["layer"], d.get("decisive") or [], 1.0, 0.2)
    for path in sorted((root / "corpus" / "cases").glob("*.md")):
        case = load_cases(path)[0]
        if case.layer in CLASSES[:-1]:
            out += [(t, lab if lab == "none" else case.layer, min(w, 0.3))
                    for t, lab, w in _case_lines(path, case.layer, [], 0.3, 0.3)]
    return out


def fingerprint(lines: list[tuple[str, str, float]]) -> str:
    h = hashlib.sha256()
    for t, lab, w in lines:
        h.update(f"{lab}\t{w:.3f}\t{t}\n".encode("utf-8"))
    h.update(f"{HASH_DIM} {L2} {','.join(CLASSES)}".encode())
    return h.hexdigest()


def fit(X, y: np.ndarray, w: np.ndarray, l2: float = L2, iters: int = 400) -> tuple[np.ndarray, np.ndarray]:
    """Weighted multinomial logistic regression (L-BFGS from zeros: deterministic)."""
    from scipy.optimize import minimize

    n, d = X.shape
    k = len(CLASSES)
    Y = np.zeros((n, k))
    Y[np.arange(n), y] = 1.0
    wsum = w.sum()

    def loss(theta):
        W = theta[: k * d].reshape(k, d)
        b = theta[k * d:]
        Z = np.asarray(X @ W.T) + b
        Z -= Z.max(axis=1, keepdims=True)
        P = np.exp(Z)
        P /= P.sum(axis=1, keepdims=True)
        nll = -(w * np.log(np.maximum(P[np.arange(n), y], 1e-12))).sum() / wsum
        G = (P - Y) * w[:, None] / wsum
        gW = np.asarray((X.T @ G).T) + l2 * W
        gb = G.sum(axis=0)
        return nll + 0.5 * l2 * float((W * W).sum()), np.concatenate([gW.ravel(), gb])

    res = minimize(loss, np.zeros(k * d + k), jac=True, method="L-BFGS-B", options={"maxiter": iters})
    theta = res.x
    return theta[: k * d].reshape(k, d).astype(np.float32), theta[k * d:].astype(np.float32)


def train(lines: list[tuple[str, str, float]]) -> dict:
    X = features([t for t, _, _ in lines])
    y = np.array([CLASSES.index(lab) for _, lab, _ in lines])
    w = np.array([wt for _, _, wt in lines], dtype=np.float64)
    W, b = fit(X, y, w)
    return {"W": W, "b": b, "classes": np.array(CLASSES), "fingerprint": np.array(fingerprint(lines)),
            "counts": np.array([int((y == i).sum()) for i in range(len(CLASSES))])}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m casekit.train", description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="exit 1 when the stored model is not trained on today's lines")
    ap.add_argument("--leave-out", metavar="K/N", help="leave the labelled cases of fold K of N out (cross-validation)")
    ap.add_argument("--out", help="where to write the model (default: the one casekit reads)")
    args = ap.parse_args(argv)
    leave = tuple(int(x) for x in args.leave_out.split("/")) if args.leave_out else None
    lines = labelled_lines(leave_out=leave)
    fp = fingerprint(lines)
    if args.check:
        if not MODEL.exists():
            print(f"{MODEL}: missing; run: python -m casekit.train")
            return 1
        with np.load(MODEL, allow_pickle=False) as z:
            stored = str(z["fingerprint"])
        ok = stored == fp
        print(f"{MODEL.name}: {'current' if ok else 'stale; run: python -m casekit.train'} ({len(lines)} lines)")
        return 0 if ok else 1
    model = train(lines)
    out = Path(args.out) if args.out else MODEL
    np.savez_compressed(out, **model)
    counts = ", ".join(f"{c} {n}" for c, n in zip(CLASSES, model["counts"]))
    print(f"wrote {out} from {len(lines)} labelled lines ({counts})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

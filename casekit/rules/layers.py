"""How a line points at a layer, learned from labelled lines, with the signatures on top.

A line is read as [USE v3 (512, multilingual) | hashed word and character n-grams]: the
multilingual sentence encoder makes a Chinese line and its English twin score alike, the
n-grams keep exact tokens (error codes, metric names) that an encoder blurs. A multinomial
logistic regression over these features gives a probability per layer and for 'none' (a
line that points nowhere: an id, a timestamp, a generic state). It is trained by
`python -m casekit.train` from labelled lines (the knowledge base's example lines, the
decisive lines of the tuning cases, the lines of the corpus' past cases) and stored in
layer_model.npz beside this file; the signatures (casekit.rules, kind `signature`) are added
on top, because a precise token should not need a neighbour to be believed.
"""
from __future__ import annotations

import functools
import zlib
from pathlib import Path

import numpy as np

from ..case.model import LAYERS
from ..text.lang import normalize_text
from ..text.tokens import tokenize

CLASSES = tuple(LAYERS[:-1]) + ("none",)  # the seven layers, then 'none'
HASH_DIM = 1 << 13
MODEL = Path(__file__).with_name("layer_model.npz")
MODEL_ENV = "CASEKIT_LAYER_MODEL"  # another trained model (bench/calibrate_confidence.py trains one per fold)
SIGNATURE_WEIGHT = 0.35  # how much a signature hit adds to a layer's probability (per unit of record weight)


def _ngrams(text: str) -> list[str]:
    """Word tokens (identifiers whole and in parts, Han characters and pairs) and character
    4-grams of the lowercased, folded text with digits folded to 0."""
    t = normalize_text(text).lower()
    toks = [f"w:{x}" for x in tokenize(t)]
    flat = "".join("0" if c.isdigit() else c for c in " ".join(t.split()))
    grams = [f"c:{flat[i:i + 4]}" for i in range(max(0, len(flat) - 3))]
    return toks + grams


def hashed(texts: list[str]):
    """The n-gram features of texts as a sparse matrix (rows l2-normalised)."""
    from scipy import sparse

    rows, cols, vals = [], [], []
    for i, text in enumerate(texts):
        counts: dict[int, float] = {}
        for g in _ngrams(text):
            h = zlib.crc32(g.encode("utf-8"))
            j = h % HASH_DIM
            counts[j] = counts.get(j, 0.0) + (1.0 if (h >> 20) & 1 else -1.0)
        norm = np.sqrt(sum(v * v for v in counts.values())) or 1.0
        for j, v in sorted(counts.items()):
            rows.append(i)
            cols.append(j)
            vals.append(v / norm)
    return sparse.csr_matrix((np.asarray(vals, dtype=np.float32), (rows, cols)), shape=(len(texts), HASH_DIM))


def features(texts: list[str]):
    """[USE | hashed n-grams] for each text (a sparse matrix)."""
    from scipy import sparse

    from ..models import use_encoder

    dense = np.asarray(use_encoder().encode(texts), dtype=np.float32).reshape(len(texts), 512) if texts else \
        np.zeros((0, 512), dtype=np.float32)
    return sparse.hstack([sparse.csr_matrix(dense), hashed(texts)], format="csr")


def _model() -> tuple[np.ndarray, np.ndarray] | None:
    import os

    return _load(os.environ.get(MODEL_ENV) or str(MODEL))


@functools.lru_cache(maxsize=4)
def _load(path: str) -> tuple[np.ndarray, np.ndarray] | None:
    if not Path(path).exists():
        return None
    with np.load(path, allow_pickle=False) as z:
        return z["W"].astype(np.float32), z["b"].astype(np.float32)


def probabilities(texts: list[str]) -> np.ndarray:
    """P(class | line) for each text (rows over CLASSES); uniform over the layers when no model
    has been trained."""
    out = np.full((len(texts), len(CLASSES)), 1.0 / len(CLASSES), dtype=np.float32)
    m = _model()
    if m is None or not texts:
        return out
    W, b = m
    z = np.asarray(features(texts) @ W.T) + b
    z -= z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return (e / e.sum(axis=1, keepdims=True)).astype(np.float32)


def line_layers(texts: list[str], kb=None) -> list[dict[str, float]]:
    """How strongly each text points at each layer: the learned probability, plus the signature
    records it holds; 'none' is left out, so a line that points nowhere has small weights."""
    from . import knowledge

    kb = kb or knowledge()
    probs = probabilities(texts)
    out = []
    for text, p in zip(texts, probs):
        weights = {layer: float(p[i]) for i, layer in enumerate(CLASSES[:-1])}
        for layer, w in kb.layers_of(text).items():
            weights[layer] = weights.get(layer, 0.0) + SIGNATURE_WEIGHT * min(w, 3.0)
        total = sum(weights.values()) + float(p[-1])
        out.append({k: round(v / total, 4) for k, v in weights.items() if v / total >= 0.02})
    return out


def text_for(context: str, text: str, detail: str = "") -> str:
    """What the model reads of an evidence line: its command or label (what it answers) and the
    line, and what casekit computed from it."""
    ctx = " ".join(context.split())[:100]
    return f"{ctx} :: {text} {detail}".strip() if ctx else f"{text} {detail}".strip()

"""BM25 over chunks, with a tokenizer that keeps error codes and identifiers whole.

'CannotPullContainerError', 'i-0123456789abcdef0', 'nf_conntrack', 'ERR_SSL_PROTOCOL_ERROR',
'504', 'arn:aws:ecs:...', 'HikariPool-1' stay one token (so an exact error string or
resource id matches exactly), and their parts are emitted too (so 'cannot pull' still
matches 'CannotPullContainerError'). The weights are precomputed into one sparse matrix,
so a query is a column sum: milliseconds at a million chunks.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np

_TOKEN = re.compile(r"[A-Za-z0-9_]+(?:[.\-:/@][A-Za-z0-9_]+)*")
_SPLIT = re.compile(r"[.\-:/@_]+")
_CAMEL = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
STOP = frozenset(
    "a an and are as at be been but by can could did do does for from had has have he her his how i if in into is it "
    "its me my no not of on or our she so than that the their them then there these they this to too up us was we "
    "were what when where which while who why will with would you your since after before about also just all any "
    "some very only out over".split()
)


def _norm(t: str) -> str:
    t = t.lower()
    if len(t) > 4 and t.isalpha() and t.endswith("s") and not t.endswith("ss"):
        t = t[:-1]
    return t


def tokenize(text: str) -> list[str]:
    """Lowercased tokens: compound identifiers whole, plus their parts."""
    out: list[str] = []
    for m in _TOKEN.finditer(text):
        whole = m.group(0)
        parts = [p for p in _SPLIT.split(whole) if p]
        camel = [c for p in parts if re.search(r"[a-z][A-Z]|[A-Z]{2}[a-z]", p) for c in _CAMEL.findall(p)]
        pieces = {whole} | set(parts) | (set(camel) if len(camel) > 1 else set())
        for piece in sorted(pieces, key=lambda p: (p != whole, p)):
            t = _norm(piece)
            if len(t) >= 2 and t not in STOP and not (t.isdigit() and len(t) < 3):
                out.append(t)
    return out


class BM25:
    """Okapi BM25 with the document side precomputed (k1=1.2, b=0.75)."""

    def __init__(self, vocab: dict[str, int], matrix):
        self.vocab, self.matrix = vocab, matrix  # matrix: scipy CSC, docs x terms

    @classmethod
    def build(cls, docs: list[list[str]], k1: float = 1.2, b: float = 0.75) -> "BM25":
        from scipy import sparse

        vocab: dict[str, int] = {}
        rows, cols, tfs = [], [], []
        lengths = np.zeros(len(docs), dtype=np.float32)
        for d, tokens in enumerate(docs):
            lengths[d] = len(tokens)
            counts: dict[int, int] = {}
            for t in tokens:
                j = vocab.setdefault(t, len(vocab))
                counts[j] = counts.get(j, 0) + 1
            for j, c in counts.items():
                rows.append(d)
                cols.append(j)
                tfs.append(c)
        n = max(1, len(docs))
        tf = np.asarray(tfs, dtype=np.float32)
        rows_a, cols_a = np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64)
        df = np.bincount(cols_a, minlength=len(vocab)).astype(np.float32)
        idf = np.log(1.0 + (n - df + 0.5) / (df + 0.5))
        avg = float(lengths.mean()) if len(docs) else 1.0
        norm = k1 * (1 - b + b * lengths[rows_a] / max(avg, 1e-9)) if len(docs) else np.zeros(0)
        weights = idf[cols_a] * tf * (k1 + 1) / (tf + norm)
        matrix = sparse.csc_matrix((weights.astype(np.float32), (rows_a, cols_a)), shape=(len(docs), len(vocab)))
        return cls(vocab, matrix)

    def scores(self, query: str) -> np.ndarray:
        ids = sorted({self.vocab[t] for t in tokenize(query) if t in self.vocab})
        if not ids:
            return np.zeros(self.matrix.shape[0], dtype=np.float32)
        return np.asarray(self.matrix[:, ids].sum(axis=1)).ravel()

    def save(self, folder: Path) -> list[str]:
        m = self.matrix
        np.savez(folder / "bm25.npz", data=m.data, indices=m.indices, indptr=m.indptr, shape=np.asarray(m.shape))
        (folder / "vocab.json").write_text(json.dumps(self.vocab, ensure_ascii=False))
        return ["bm25.npz", "vocab.json"]

    @classmethod
    def load(cls, folder: Path) -> "BM25":
        from scipy import sparse

        z = np.load(folder / "bm25.npz", allow_pickle=False)
        matrix = sparse.csc_matrix((z["data"], z["indices"], z["indptr"]), shape=tuple(z["shape"]))
        vocab = json.loads((folder / "vocab.json").read_text())
        return cls(vocab, matrix)

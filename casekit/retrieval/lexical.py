"""BM25 over chunks, with the tokenizer of casekit.text.tokens (identifiers whole and in parts,
Han characters and their pairs). The weights are precomputed into one sparse matrix, so a
query is a column sum: milliseconds at a million chunks.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ..text.tokens import tokenize


class BM25:
    """Okapi BM25 with the document side precomputed (k1=1.2, b=0.75).

    The weights are a docs x terms matrix in compressed-column form (data, indices,
    indptr): a query adds up its terms' columns with plain numpy, so searching never
    imports scipy (about half a second of a cold `casekit search`)."""

    def __init__(self, vocab: dict[str, int], data: np.ndarray, indices: np.ndarray, indptr: np.ndarray, n_docs: int):
        self.vocab, self.data, self.indices, self.indptr, self.n_docs = vocab, data, indices, indptr, n_docs

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
        m = sparse.csc_matrix((weights.astype(np.float32), (rows_a, cols_a)), shape=(len(docs), len(vocab)))
        m.sum_duplicates()
        return cls(vocab, m.data.astype(np.float32), m.indices.astype(np.int64), m.indptr.astype(np.int64), len(docs))

    def scores(self, query: str) -> np.ndarray:
        out = np.zeros(self.n_docs, dtype=np.float32)
        for j in sorted({self.vocab[t] for t in tokenize(query) if t in self.vocab}):
            a, b = self.indptr[j], self.indptr[j + 1]
            out[self.indices[a:b]] += self.data[a:b]
        return out

    def save(self, folder: Path) -> list[str]:
        np.savez(folder / "bm25.npz", data=self.data, indices=self.indices, indptr=self.indptr,
                 shape=np.asarray([self.n_docs, len(self.vocab)]))
        (folder / "vocab.json").write_text(json.dumps(self.vocab, ensure_ascii=False))
        return ["bm25.npz", "vocab.json"]

    @classmethod
    def load(cls, folder: Path) -> "BM25":
        z = np.load(folder / "bm25.npz", allow_pickle=False)
        vocab = json.loads((folder / "vocab.json").read_text())
        return cls(vocab, z["data"], z["indices"], z["indptr"], int(z["shape"][0]))

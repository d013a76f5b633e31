"""BM25 over chunks, with a tokenizer that keeps error codes and identifiers whole.

'CannotPullContainerError', 'i-0123456789abcdef0', 'nf_conntrack', 'ERR_SSL_PROTOCOL_ERROR',
'504', 'arn:aws:ecs:...', 'HikariPool-1' stay one token (so an exact error string or
resource id matches exactly), and their parts are emitted too (so 'cannot pull' still
matches 'CannotPullContainerError'). The weights are precomputed into one sparse matrix,
so a query is a column sum: milliseconds at a million chunks.

Chinese has no spaces: a run of Han characters gives its characters and its character
pairs (bigrams), after folding Traditional and Taiwan forms to Simplified (casekit.hanzi),
so '無法拉取映像檔' and '无法拉取镜像' share tokens. Measured on support cases, unigrams +
bigrams beat word segmenters (jieba splits Traditional text wrongly: '無/法拉/取').
Full-width letters and digits are read as ASCII (NFKC).
"""
from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import numpy as np

from .hanzi import HAN_RUN, fold

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


# Kana mark Japanese: its kanji share characters with Chinese but not words, so a Chinese
# query would match them by accident (the RFC 5246 copy in ../shared carries Japanese lines).
_KANA = re.compile("[\u3040-\u30ff]")
# Han characters too common to say anything on their own (they still count inside bigrams).
STOP_HAN = frozenset("的了是在我有和就不人都一也很到要说会这那你他她它们个吗吧呢啊着把被让给对与及或而")


def tokenize(text: str) -> list[str]:
    """Lowercased tokens: compound identifiers whole, plus their parts; Han characters and
    their pairs."""
    text = unicodedata.normalize("NFKC", text)
    out: list[str] = []
    if HAN_RUN.search(text) and not _KANA.search(text):
        for run in HAN_RUN.findall(fold(text)):
            out.extend(c for c in run if c not in STOP_HAN)
            out.extend(run[i : i + 2] for i in range(len(run) - 1))
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

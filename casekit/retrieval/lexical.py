"""BM25 over chunks, with the tokenizer of casekit.text.tokens (identifiers whole and in parts,
Han characters and their pairs).

Sized for a support organisation's whole history (500k chunks, tens of millions of
postings): no Python object per posting and no vocabulary to load. A term is its 64-bit
hash (blake2b; at a few million distinct terms a collision has odds of about 1 in 10^6), so
the postings are plain arrays: the sorted term hashes, where each term's postings start,
and per posting its document and weight. A query looks its terms up with a binary search
and adds up their postings; the arrays are memory-mapped, so a cold search reads only the
pages of its own terms. Each posting's term frequency is kept beside its weight, so an
update that adds documents carries the old postings over and recomputes the weights (the
idf and the mean length change) without tokenizing the old documents again.
"""
from __future__ import annotations

import hashlib
from collections import Counter
from pathlib import Path
from typing import Iterable

import numpy as np

from ..text.tokens import tokenize

K1, B = 1.2, 0.75
FILES = ("bm25-terms.npy", "bm25-starts.npy", "bm25-docs.npy", "bm25-tf.npy", "bm25-weights.npy", "bm25-lengths.npy")
_hashes: dict[str, int] = {}


def term_hash(term: str) -> int:
    """A term's 64-bit id (cached: a history repeats its terms)."""
    h = _hashes.get(term)
    if h is None:
        h = int.from_bytes(hashlib.blake2b(term.encode("utf-8"), digest_size=8).digest(), "little")
        if len(_hashes) < 4_000_000:
            _hashes[term] = h
    return h


def postings(docs: Iterable[list[str]], first_doc: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(term hash, document, term frequency) of every distinct term of every document, and
    the documents' lengths in tokens."""
    terms: list[int] = []
    doc_ids: list[int] = []
    tfs: list[int] = []
    lengths: list[int] = []
    for d, tokens in enumerate(docs, first_doc):
        lengths.append(len(tokens))
        counts = Counter(tokens)
        terms.extend(term_hash(t) for t in counts)
        doc_ids.extend([d] * len(counts))
        tfs.extend(counts.values())
    return (np.asarray(terms, dtype=np.uint64), np.asarray(doc_ids, dtype=np.int32),
            np.minimum(np.asarray(tfs, dtype=np.int64), 65535).astype(np.uint16), np.asarray(lengths, dtype=np.float32))


class BM25:
    """Okapi BM25 (k1=1.2, b=0.75) with the document side precomputed into per-posting weights."""

    def __init__(self, terms: np.ndarray, starts: np.ndarray, docs: np.ndarray, tf: np.ndarray, weights: np.ndarray,
                 lengths: np.ndarray):
        self.terms, self.starts, self.docs, self.tf, self.weights, self.lengths = terms, starts, docs, tf, weights, lengths
        self.n_docs = int(len(lengths))

    @classmethod
    def _from_postings(cls, terms: np.ndarray, docs: np.ndarray, tf: np.ndarray, lengths: np.ndarray) -> "BM25":
        order = np.lexsort((docs, terms))  # by term, then document
        terms, docs, tf = terms[order], docs[order], tf[order]
        del order
        if len(terms):
            new = np.empty(len(terms), dtype=bool)
            new[0] = True
            np.not_equal(terms[1:], terms[:-1], out=new[1:])
            first = np.flatnonzero(new)
        else:
            first = np.zeros(0, dtype=np.int64)
        starts = np.append(first, len(terms)).astype(np.int64)
        unique = terms[first]
        df = np.diff(starts).astype(np.float32)
        n = max(1, len(lengths))
        idf = np.log(1.0 + (n - df + 0.5) / (df + 0.5)).astype(np.float32)
        avg = max(float(lengths.mean()) if len(lengths) else 1.0, 1e-9)
        norm = (K1 * (1 - B + B * lengths / avg)).astype(np.float32)
        tff = tf.astype(np.float32)
        weights = np.repeat(idf, np.diff(starts)) * tff * np.float32(K1 + 1) / (tff + norm[docs])
        return cls(unique, starts, docs, tf, weights.astype(np.float32), lengths.astype(np.float32))

    @classmethod
    def build(cls, docs: list[list[str]]) -> "BM25":
        """From tokenized documents."""
        terms, doc_ids, tf, lengths = postings(docs)
        return cls._from_postings(terms, doc_ids, tf, lengths)

    def update(self, keep: np.ndarray, new_docs: list[list[str]], new_at: np.ndarray) -> "BM25":
        """A new BM25 where old document i becomes document keep[i] (-1: removed) and
        new_docs[j] becomes document new_at[j]; old documents are not tokenized again."""
        n = int((keep >= 0).sum()) + len(new_docs)
        old_terms = np.repeat(self.terms, np.diff(self.starts))
        moved = keep[self.docs]
        alive = moved >= 0
        terms, doc_ids, tf, lengths = postings(new_docs)
        all_lengths = np.zeros(n, dtype=np.float32)
        all_lengths[keep[keep >= 0]] = self.lengths[keep >= 0]
        if len(new_docs):
            all_lengths[new_at] = lengths
            doc_ids = np.asarray(new_at, dtype=np.int32)[doc_ids]
        return self._from_postings(np.concatenate([old_terms[alive], terms]),
                                   np.concatenate([moved[alive].astype(np.int32), doc_ids]),
                                   np.concatenate([self.tf[alive], tf]), all_lengths)

    def scores(self, query: str) -> np.ndarray:
        out = np.zeros(self.n_docs, dtype=np.float32)
        if not len(self.terms):
            return out
        wanted = np.unique(np.asarray([term_hash(t) for t in set(tokenize(query))], dtype=np.uint64))
        at = np.searchsorted(self.terms, wanted)
        for j in at[(at < len(self.terms)) & (self.terms[np.minimum(at, len(self.terms) - 1)] == wanted)]:
            a, b = self.starts[j], self.starts[j + 1]
            out[self.docs[a:b]] += self.weights[a:b]  # a document appears once per term
        return out

    def save(self, folder: Path) -> list[str]:
        for name, arr in zip(FILES, (self.terms, self.starts, self.docs, self.tf, self.weights, self.lengths)):
            np.save(folder / name, np.ascontiguousarray(arr), allow_pickle=False)
        return list(FILES)

    @classmethod
    def load(cls, folder: Path, mmap: bool = True) -> "BM25":
        """Memory-mapped by default: a search touches only its terms' postings."""
        mode = "r" if mmap else None
        return cls(*(np.load(folder / name, mmap_mode=mode, allow_pickle=False) for name in FILES))

"""The dense side of retrieval: vectors in FAISS (the lexical side is casekit.retrieval.lexical).

Exact search (IndexFlatIP) costs O(N) per query: a few ms at 50k x 384 on 2 cores, under
the 20 ms budget, with perfect recall. Beyond that an inverted file (IVF, 4*sqrt(N) lists,
16 probed) scans about 1% of the vectors: milliseconds at a million. IVF rather than HNSW
because casekit rebuilds the FAISS index from the cached vectors on every update, and IVF
builds in about a minute where a million-vector HNSW graph takes many on 2 cores; the
recall it gives up is measured in bench/index_bench.py.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from .encoders import DIM as DEFAULT_DIM  # only used for an index with no vectors at all

APPROX_THRESHOLD = 50_000
IVF_PROBES = 16



def kind(n: int) -> str:
    """'flat' or 'ivf': which FAISS index `n` vectors get."""
    return "ivf" if n >= APPROX_THRESHOLD else "flat"


def build_faiss(vectors: np.ndarray):
    import faiss

    n, dim = vectors.shape if vectors.size else (0, DEFAULT_DIM)
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    if kind(n) == "ivf":
        nlist = int(4 * np.sqrt(n))
        quantizer = faiss.IndexFlatIP(dim)
        index = faiss.IndexIVFFlat(quantizer, dim, nlist, faiss.METRIC_INNER_PRODUCT)
        sample = vectors[np.random.default_rng(0).choice(n, size=min(n, 64 * nlist), replace=False)]
        index.train(sample)
        index.nprobe = IVF_PROBES
    else:
        index = faiss.IndexFlatIP(dim)
    if n:
        index.add(vectors)
    return index


def save(index, path: Path) -> None:
    import faiss

    faiss.write_index(index, str(path))


def load(path: Path):
    import faiss

    return faiss.read_index(str(path))


def top(index, qvec: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(ids, cosine scores) of the `n` nearest vectors; ids are -1 where there are fewer."""
    if hasattr(index, "nprobe"):
        import faiss

        faiss.extract_index_ivf(index).nprobe = IVF_PROBES
    scores, ids = index.search(np.ascontiguousarray(qvec.reshape(1, -1), dtype=np.float32), n)
    return ids[0], scores[0]

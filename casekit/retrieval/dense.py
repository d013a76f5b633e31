"""The dense side of retrieval: vectors in FAISS (the lexical side is casekit.retrieval.lexical).

Exact search (IndexFlatIP) costs O(N) per query, so it stays exact up to APPROX_THRESHOLD
vectors (896 wide). Beyond that an inverted file (IVF, flat codes) scans a few percent of
them. IVF rather than HNSW, chosen by measurement on vectors of real text
(bench/scale_bench.py, docs/scale.md): at 100k, IVF with 16 of 1024 lists probed had
recall@10 0.991 against exact search (32 probed: 1.000) and built in 101 s, HNSW32 had 0.957
(efSearch 64) or 0.987 (128) and took 247 s to build. An update rebuilds the FAISS index from
the cached vectors: IVF re-adds them without training, because it keeps its centroids
(`centroids.npy`) from one generation to the next while the number of lists stays the same.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from .encoders import DIM as DEFAULT_DIM  # only used for an index with no vectors at all

APPROX_THRESHOLD = 100_000
IVF_PROBES = 48
TRAIN_PER_LIST = 32  # training sample: vectors per list (FAISS warns below 39; the centroids do not move much)
TRAIN_ITERATIONS = 12


def kind(n: int) -> str:
    """'flat' or 'ivf': which FAISS index `n` vectors get."""
    return "ivf" if n >= APPROX_THRESHOLD else "flat"


def lists_for(n: int) -> int:
    """IVF lists for `n` vectors: about 4 sqrt(n), as a power of two, so that the count
    (and with it the trained centroids) stays the same across many updates."""
    return int(2 ** round(np.log2(4 * np.sqrt(max(n, 1)))))


def train(vectors: np.ndarray, nlist: int) -> np.ndarray:
    """IVF centroids from a deterministic sample of the vectors (k-means, seeded)."""
    import faiss

    n, dim = vectors.shape
    sample = vectors[np.sort(np.random.default_rng(0).choice(n, size=min(n, TRAIN_PER_LIST * nlist), replace=False))]
    km = faiss.Kmeans(dim, nlist, niter=TRAIN_ITERATIONS, seed=1234, spherical=True, verbose=False)
    km.cp.max_points_per_centroid = TRAIN_PER_LIST
    km.train(np.ascontiguousarray(sample, dtype=np.float32))
    return km.centroids.astype(np.float32)


def build_faiss(vectors: np.ndarray, centroids: np.ndarray | None = None):
    """The FAISS index for `vectors`; an IVF reuses `centroids` (the previous generation's)
    when their number is still right, else trains new ones."""
    import faiss

    n, dim = vectors.shape if vectors.size else (0, DEFAULT_DIM)
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    if kind(n) == "ivf":
        nlist = lists_for(n)
        if centroids is None or centroids.shape != (nlist, dim):
            centroids = train(vectors, nlist)
        quantizer = faiss.IndexFlatIP(dim)
        quantizer.add(np.ascontiguousarray(centroids, dtype=np.float32))
        index = faiss.IndexIVFFlat(quantizer, dim, nlist, faiss.METRIC_INNER_PRODUCT)
        index.own_fields = True
        quantizer.this.disown()
        index.nprobe = IVF_PROBES
    else:
        index = faiss.IndexFlatIP(dim)
    if n:
        index.add(vectors)
    return index


def centroids_of(index) -> np.ndarray | None:
    """The IVF centroids of `index` (None for an exact index)."""
    import faiss

    if not hasattr(index, "nlist"):
        return None
    q = faiss.extract_index_ivf(index).quantizer
    return q.reconstruct_n(0, q.ntotal).astype(np.float32)


def save(index, path: Path) -> None:
    import faiss

    faiss.write_index(index, str(path))


def load(path: Path):
    """Memory-mapped where FAISS can (an IVF's lists): a cold search reads the lists it probes."""
    import faiss

    try:
        return faiss.read_index(str(path), faiss.IO_FLAG_MMAP | faiss.IO_FLAG_READ_ONLY)
    except RuntimeError:
        return faiss.read_index(str(path))


def top(index, qvec: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(ids, cosine scores) of the `n` nearest vectors; ids are -1 where there are fewer."""
    if hasattr(index, "nprobe"):
        import faiss

        faiss.extract_index_ivf(index).nprobe = IVF_PROBES
    scores, ids = index.search(np.ascontiguousarray(qvec.reshape(1, -1), dtype=np.float32), n)
    return ids[0], scores[0]

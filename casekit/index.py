"""The hybrid index: dense (MiniLM in FAISS) + lexical (BM25), fused by reciprocal rank.

On disk, in the index folder:
  manifest.json        what was indexed (per-file sha256), with which embedding model and
                       chunker, and the sha256 of every artifact; replaced atomically last
  gen-<id>/            one generation of artifacts: chunks.jsonl, vectors.npy, faiss.index,
                       bm25.npz, vocab.json (no pickle anywhere)
  .lock                held while an update runs, so concurrent runs cannot corrupt it

An update re-reads only files whose content changed and re-embeds only chunks whose
content hash is new (the previous generation's vectors are the cache). A different
embedding model or chunker version rebuilds everything. A missing or tampered artifact is
detected by its hash and the index is refused with a message, never used silently.
"""
from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import numpy as np

from . import __version__
from .chunks import Chunk
from .errors import IndexStateError, InputError
from .fsutil import atomic_write, sha256_file
from .lexical import BM25, tokenize

FORMAT = 1
# Exact search (IndexFlatIP) costs O(N) per query: a few ms at 50k x 384 on 2 cores, under
# the 20 ms budget, with perfect recall. Beyond that an inverted file (IVF, 4*sqrt(N)
# lists, 16 probed) scans about 1% of the vectors: milliseconds at a million. IVF rather
# than HNSW because casekit rebuilds the FAISS index from the cached vectors on every
# update, and IVF builds in about a minute where a million-vector HNSW graph takes many
# on 2 cores; the recall it gives up is measured in bench/index_bench.py.
APPROX_THRESHOLD = 50_000
IVF_PROBES = 16
RRF_K = 60
# Reciprocal rank fusion, BM25 counted twice as much as dense: on the labelled queries
# (eval/retrieval, 108 queries) this gave MRR 0.926 against 0.910 for equal weights,
# 0.923 for BM25 alone and 0.861 for dense alone; min-max score fusion did no better.
DENSE_WEIGHT = 0.5
EMBED_BATCH = 32
MAX_PER_FILE = 2  # sections of one document in a result list, so one long guide cannot crowd out the rest
CITED_SPEC = 0.999  # an RFC section cited by a retrieved note ranks right below the note
_RFC_CITE = re.compile(r"RFC\s?(\d{3,5})\s?§\s?([0-9A-Z]+(?:\.\d+)*)")


@dataclass
class Hit:
    chunk: Chunk
    score: float  # fused, 0..1 (1 = first in both rankings)
    dense: float = 0.0  # cosine similarity
    bm25: float = 0.0
    dense_rank: int | None = None
    bm25_rank: int | None = None

    def to_dict(self) -> dict:
        c = self.chunk
        return {"id": c.id, "kind": c.kind, "ref": c.ref, "title": c.title, "score": round(self.score, 4),
                "text": c.text, "dense": round(self.dense, 4), "bm25": round(self.bm25, 4),
                "service": c.meta.get("service") or None, "source": c.meta.get("source") or c.meta.get("case_id")}


@dataclass
class IndexStats:
    files: int = 0
    changed: int = 0
    removed: int = 0
    chunks: int = 0
    embedded: int = 0
    errors: int = 0
    seconds: float = 0.0
    rebuilt: str = ""
    skipped: list[str] = field(default_factory=list)

    def summary(self) -> str:
        s = (f"indexed {self.files} files ({self.changed} changed, {self.removed} removed): {self.chunks} chunks, "
             f"{self.embedded} embedded, in {self.seconds:.1f} s")
        if self.rebuilt:
            s += f"; full rebuild: {self.rebuilt}"
        if self.errors:
            s += f"; {self.errors} file(s) not indexed (see above)"
        return s


# --------------------------------------------------------------------------- embedding


def embed(texts: list[str], progress: bool = False, desc: str = "embedding") -> np.ndarray:
    """Unit-length float32 vectors. Texts are sorted by length so batches pad little."""
    from .models import embedder

    model = embedder()
    dim = (getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension)()
    out = np.zeros((len(texts), dim), dtype=np.float32)
    if not texts:
        return out
    order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
    bar = None
    if progress and len(texts) > EMBED_BATCH:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(texts), desc=desc, unit="chunk")
    for start in range(0, len(order), EMBED_BATCH * 4):
        ids = order[start : start + EMBED_BATCH * 4]
        vecs = model.encode([texts[i] for i in ids], batch_size=EMBED_BATCH, normalize_embeddings=True,
                            convert_to_numpy=True, show_progress_bar=False)
        out[ids] = vecs.astype(np.float32)
        if bar:
            bar.update(len(ids))
    if bar:
        bar.close()
    return out


def embedding_fingerprint() -> dict:
    from .models import EMBEDDING_ID, embedding_hash

    return {"id": EMBEDDING_ID, "sha256": embedding_hash()}


# --------------------------------------------------------------------------- FAISS


def build_faiss(vectors: np.ndarray):
    import faiss

    n, dim = vectors.shape if vectors.size else (0, 384)
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    if n >= APPROX_THRESHOLD:
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


# --------------------------------------------------------------------------- the index


class Index:
    """A loaded, verified index. Open with `Index.open(dir)`."""

    def __init__(self, folder: Path, manifest: dict, chunks: list[Chunk], vectors: np.ndarray, faiss_index, bm25: BM25):
        self.folder, self.manifest, self.chunks, self.vectors = folder, manifest, chunks, vectors
        self.faiss, self.bm25 = faiss_index, bm25
        self._by_group: dict[str, list[int]] = {}
        for i, c in enumerate(chunks):
            self._by_group.setdefault(c.group, []).append(i)
        self._kinds = np.asarray([c.kind for c in chunks])
        self._services = np.asarray([(c.meta.get("service") or "") for c in chunks])

    @property
    def identity(self) -> str:
        """A short fingerprint of the content (goes into draft provenance)."""
        art = self.manifest.get("artifacts", {})
        return hashlib.sha256(json.dumps(art, sort_keys=True).encode()).hexdigest()[:16]

    @classmethod
    def open(cls, folder: str | Path) -> "Index":
        folder = Path(folder)
        manifest = read_manifest(folder)
        if manifest is None:
            raise IndexStateError(f"no index at {folder}; build one with: casekit index corpus")
        if manifest.get("format") != FORMAT:
            raise IndexStateError(f"index at {folder} has format {manifest.get('format')}, this casekit reads {FORMAT}; rebuild with: casekit index")
        gen = folder / manifest["generation"]
        for name, digest in manifest["artifacts"].items():
            p = gen / name
            if not p.exists():
                raise IndexStateError(f"index at {folder} is incomplete ({name} missing); rebuild with: casekit index")
            if sha256_file(p) != digest:
                raise IndexStateError(f"index at {folder} is corrupted ({name} does not match its hash in manifest.json); rebuild with: casekit index")
        import faiss

        chunks = [Chunk.from_dict(json.loads(line)) for line in (gen / "chunks.jsonl").read_text(encoding="utf-8").splitlines() if line]
        vectors = np.load(gen / "vectors.npy", allow_pickle=False)
        faiss_index = faiss.read_index(str(gen / "faiss.index"))
        bm25 = BM25.load(gen)
        if not (len(chunks) == vectors.shape[0] == faiss_index.ntotal == bm25.matrix.shape[0]):
            raise IndexStateError(f"index at {folder} is inconsistent (artifact sizes differ); rebuild with: casekit index")
        if chunks and manifest.get("embedding", {}).get("sha256") != embedding_fingerprint()["sha256"]:
            raise IndexStateError(f"index at {folder} was built with another embedding model; rebuild with: casekit index")
        return cls(folder, manifest, chunks, vectors, faiss_index, bm25)

    def group_chunks(self, group: str) -> list[Chunk]:
        return [self.chunks[i] for i in self._by_group.get(group, [])]

    def _mask(self, kind: str | None, service: str | None) -> np.ndarray | None:
        if not kind and not service:
            return None
        mask = np.ones(len(self.chunks), dtype=bool)
        if kind:
            mask &= self._kinds == kind
        if service:
            mask &= self._services == service.lower()
        return mask

    def rank_dense(self, qvec: np.ndarray, n: int, mask: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Top chunk ids and cosine scores by the dense index."""
        total = len(self.chunks)
        if total == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        fetch = min(total, n if mask is None else max(n * 8, 256))
        if hasattr(self.faiss, "nprobe"):
            import faiss

            faiss.extract_index_ivf(self.faiss).nprobe = IVF_PROBES
        scores, ids = self.faiss.search(np.ascontiguousarray(qvec.reshape(1, -1), dtype=np.float32), fetch)
        ids, scores = ids[0], scores[0]
        keep = ids >= 0
        if mask is not None:
            keep &= mask[np.clip(ids, 0, None)]
        return ids[keep][:n], scores[keep][:n]

    def rank_bm25(self, query: str, n: int, mask: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        scores = self.bm25.scores(query)
        if mask is not None:
            scores = np.where(mask, scores, 0.0)
        n = min(n, int(np.count_nonzero(scores)))
        if n == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        top = np.argpartition(-scores, n - 1)[:n]
        top = top[np.lexsort((top, -scores[top]))]  # score desc, then id: stable ties
        return top, scores[top]

    def search(self, query: str, k: int = 5, kind: str | None = None, service: str | None = None,
               mode: str = "hybrid", qvec: np.ndarray | None = None, dense_weight: float = DENSE_WEIGHT,
               bm25_weight: float = 1.0, per_group: bool = True) -> list[Hit]:
        """Best `k` sources for `query`, one hit per source (a case, a section)."""
        if k <= 0 or not self.chunks:
            return []
        mask = self._mask(kind, service)
        pool = max(50, k * 10)
        ranked: dict[int, Hit] = {}
        if mode in ("hybrid", "dense"):
            if qvec is None:
                qvec = embed([query])[0]
            for r, (i, s) in enumerate(zip(*self.rank_dense(qvec, pool, mask))):
                hit = ranked.setdefault(int(i), Hit(self.chunks[int(i)], 0.0))
                hit.dense, hit.dense_rank = float(s), r + 1
                hit.score += dense_weight / (RRF_K + r + 1)
        if mode in ("hybrid", "bm25"):
            for r, (i, s) in enumerate(zip(*self.rank_bm25(query, pool, mask))):
                hit = ranked.setdefault(int(i), Hit(self.chunks[int(i)], 0.0))
                hit.bm25, hit.bm25_rank = float(s), r + 1
                hit.score += bm25_weight / (RRF_K + r + 1)
        best = (dense_weight if mode != "bm25" else 0) + (bm25_weight if mode != "dense" else 0)
        for hit in ranked.values():
            hit.score /= best / (RRF_K + 1)
        if mode == "hybrid" and kind != "case":
            self._follow_citations(ranked, mask, top=max(20, k * 2))
        hits = sorted(ranked.values(), key=lambda h: (-h.score, -h.dense, h.chunk.id))
        if per_group:
            seen, per_file, unique = set(), {}, []
            for h in hits:
                f = h.chunk.meta.get("file") if h.chunk.kind == "doc" else None
                if h.chunk.group in seen or (f and per_file.get(f, 0) >= MAX_PER_FILE):
                    continue
                seen.add(h.chunk.group)
                if f:
                    per_file[f] = per_file.get(f, 0) + 1
                unique.append(h)
            hits = unique
        return hits[:k]

    def _follow_citations(self, ranked: dict[int, "Hit"], mask, top: int) -> None:
        """Source of truth first: when a retrieved note cites an RFC section that is in
        the index ('RFC 7231 §6.6.5'), that section joins the results just below the note."""
        best = sorted(ranked.values(), key=lambda h: (-h.score, h.chunk.id))[:top]
        for h in best:
            for number, section in _RFC_CITE.findall(h.chunk.text):
                for i in self._by_group.get(f"rfc:{number}#{section}", [])[:1]:
                    if mask is not None and not mask[i]:
                        continue
                    target = ranked.setdefault(i, Hit(self.chunks[i], 0.0))
                    target.score = max(target.score, h.score * CITED_SPEC)


def read_manifest(folder: Path) -> dict | None:
    p = Path(folder) / "manifest.json"
    if not p.exists():
        return None
    try:
        m = json.loads(p.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError, OSError) as e:
        raise IndexStateError(f"{p} is unreadable ({e}); rebuild with: casekit index") from None
    if not isinstance(m, dict) or "artifacts" not in m or "generation" not in m:
        raise IndexStateError(f"{p} is not a casekit manifest; rebuild with: casekit index")
    return m


@contextlib.contextmanager
def locked(folder: Path, wait: float = 600.0):
    """Hold the index lock; a second `casekit index` waits, then gives up with a message."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "w") as f:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise IndexStateError(f"index at {folder} is locked by another casekit index run") from None
                time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def _load_previous(folder: Path, fingerprint: dict, chunker: str) -> tuple[dict | None, list[Chunk], np.ndarray | None, str]:
    """The previous generation as a cache, or why it cannot be one."""
    try:
        manifest = read_manifest(folder)
    except IndexStateError as e:
        return None, [], None, f"unreadable manifest ({e})"
    if manifest is None:
        return None, [], None, ""
    if manifest.get("format") != FORMAT:
        return None, [], None, "index format changed"
    if manifest.get("embedding", {}).get("sha256") != fingerprint["sha256"]:
        return None, [], None, "embedding model changed"
    if manifest.get("chunker") != chunker:
        return None, [], None, "chunker changed"
    gen = folder / manifest["generation"]
    try:
        for name in ("chunks.jsonl", "vectors.npy"):
            if sha256_file(gen / name) != manifest["artifacts"][name]:
                return None, [], None, f"{name} did not match its hash"
        chunks = [Chunk.from_dict(json.loads(x)) for x in (gen / "chunks.jsonl").read_text(encoding="utf-8").splitlines() if x]
        vectors = np.load(gen / "vectors.npy", allow_pickle=False)
    except (OSError, KeyError, ValueError) as e:
        return None, [], None, f"previous index unreadable ({e})"
    if len(chunks) != len(vectors):
        return None, [], None, "previous index inconsistent"
    return manifest, chunks, vectors, ""


def build_index(paths: Iterable[Path], folder: Path, progress: bool = True,
                on_error: Callable[[str], None] | None = None) -> IndexStats:
    """Build or incrementally update the index at `folder` from `paths` (plus the roots it
    already had). Bad files are reported through `on_error` and skipped."""
    from .ingest import CHUNKER_VERSION, PartialInput, discover, read_chunks

    t0 = time.perf_counter()
    folder = Path(folder)
    stats = IndexStats()
    report = on_error or (lambda s: None)

    def bad(e: InputError) -> None:
        stats.errors += 1
        stats.skipped.append(e.path or "")
        report(str(e))

    with locked(folder):
        fingerprint = embedding_fingerprint()
        old, old_chunks, old_vectors, why = _load_previous(folder, fingerprint, CHUNKER_VERSION)
        stats.rebuilt = why
        roots = [str(Path(p).resolve()) for p in paths]
        if old:
            roots = list(dict.fromkeys([*old.get("roots", []), *roots]))
        roots = [r for r in roots if Path(r).exists() or r in map(str, paths)]
        sources = discover([Path(r) for r in roots], on_error=bad)
        old_files = (old or {}).get("files", {})
        by_file: dict[str, list[Chunk]] = {}
        for c in old_chunks:
            by_file.setdefault(c.meta.get("file", ""), []).append(c)
        files: dict[str, dict] = {}
        chunks: list[Chunk] = []
        ids: dict[str, str] = {}
        from tqdm.auto import tqdm

        for src in tqdm(sources, desc="reading", unit="file", disable=not progress or len(sources) < 20):
            key = str(src.path)
            try:
                data = src.path.read_bytes() if src.path.stat().st_size <= 32 * 2**20 else None
                digest = hashlib.sha256(data).hexdigest() if data is not None else None
                if digest and old_files.get(key, {}).get("sha256") == digest and key in by_file:
                    new = by_file[key]
                else:
                    new = read_chunks(src, data)
                    stats.changed += 1
            except PartialInput as e:
                bad(e)
                new, digest = e.chunks, None
            except InputError as e:
                bad(e)
                continue
            except OSError as e:
                bad(InputError(src.path, f"cannot read: {e.strerror or e}"))
                continue
            kept = []
            for c in new:
                c.meta["file"] = key
                if c.id in ids and ids[c.id] != key:
                    what = f"duplicate case id {c.meta.get('case_id')}" if c.kind == "case" else f"duplicate chunk {c.id}"
                    bad(InputError(src.path, f"{what} (already indexed from {ids[c.id]}); skipped"))
                    kept = None
                    break
                kept.append(c)
            if kept is None:
                continue
            for c in kept:
                ids[c.id] = key
            chunks.extend(kept)
            if digest:
                files[key] = {"sha256": digest, "rel": src.rel, "chunks": len(kept)}
        stats.removed = len(set(old_files) - set(files) - set(stats.skipped))
        stats.files, stats.chunks = len(files), len(chunks)

        cache: dict[str, np.ndarray] = {}
        if old_vectors is not None:
            for c, v in zip(old_chunks, old_vectors):
                cache[c.hash] = v
        hashes = [c.hash for c in chunks]
        todo = sorted({h for h in hashes if h not in cache})
        text_of = {c.hash: c.embed_text() for c in chunks}
        if todo:
            vecs = embed([text_of[h] for h in todo], progress=progress)
            cache.update(zip(todo, vecs))
        stats.embedded = len(todo)
        dim = next(iter(cache.values())).shape[0] if cache else 384
        vectors = np.stack([cache[h] for h in hashes]).astype(np.float32) if chunks else np.zeros((0, dim), np.float32)
        _write(folder, chunks, vectors, roots, files, fingerprint, CHUNKER_VERSION)
    stats.seconds = time.perf_counter() - t0
    return stats


def _write(folder: Path, chunks: list[Chunk], vectors: np.ndarray, roots: list[str], files: dict,
           fingerprint: dict, chunker: str) -> None:
    """Write a new generation, then switch the manifest to it, then drop old ones."""
    import faiss

    body = "".join(json.dumps(c.to_dict(), ensure_ascii=False, sort_keys=True) + "\n" for c in chunks)
    gen_id = "gen-" + hashlib.sha256(body.encode() + vectors.tobytes()).hexdigest()[:12] + f"-{os.getpid()}"
    tmp = folder / f".{gen_id}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    (tmp / "chunks.jsonl").write_text(body, encoding="utf-8")
    np.save(tmp / "vectors.npy", vectors, allow_pickle=False)
    index = build_faiss(vectors)
    faiss.write_index(index, str(tmp / "faiss.index"))
    BM25.build([tokenize(c.embed_text()) for c in chunks]).save(tmp)
    artifacts = {p.name: sha256_file(p) for p in sorted(tmp.iterdir())}
    for p in tmp.iterdir():
        with open(p, "rb") as f:
            os.fsync(f.fileno())
    gen = folder / gen_id
    shutil.rmtree(gen, ignore_errors=True)
    os.replace(tmp, gen)
    manifest = {
        "format": FORMAT, "casekit": __version__, "chunker": chunker, "embedding": fingerprint,
        "faiss": "ivf" if len(chunks) >= APPROX_THRESHOLD else "flat", "count": len(chunks),
        "generation": gen_id, "artifacts": artifacts, "roots": roots, "files": dict(sorted(files.items())),
    }
    atomic_write(folder / "manifest.json", json.dumps(manifest, indent=1, ensure_ascii=False) + "\n")
    for p in folder.iterdir():
        if p.is_dir() and p.name != gen_id and (p.name.startswith("gen-") or p.name.startswith(".gen-")):
            shutil.rmtree(p, ignore_errors=True)

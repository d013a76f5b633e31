"""The index on disk: manifest, generations, lock.

In the index folder:
  manifest.json        what was indexed (per-file sha256), with which embedding model and
                       chunker, and the size and sha256 of every artifact; replaced atomically last
  gen-<id>/            one generation of artifacts: chunks.jsonl with the byte offset of every
                       line (chunk-offsets.npy) and the columns search filters on
                       (chunk-columns.npy, columns.json), vectors.npy, faiss.index (and an IVF's
                       centroids.npy), the BM25 postings (bm25-*.npy); no pickle anywhere
  .lock                held while an update runs, so concurrent runs cannot corrupt it

A missing, truncated or tampered artifact is detected and the index refused with a message,
never used silently. An update (which reads the previous generation) and `casekit doctor`
hash every artifact whole. Opening an index to search hashes the small artifacts whole and
checks the large ones (over FULL_CHECK_BYTES: a 500k-chunk history has gigabytes) by size and
by the hash of sampled blocks, so that a cold `casekit search` does not read gigabytes it
does not need: chunks, vectors and postings are memory-mapped and read where a query
touches them. Nothing here knows how chunks are made or searched.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import mmap
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Sequence

from .chunks import Chunk, lane_of
from ..errors import IndexStateError
from ..fsutil import atomic_write, sha256_file
from ..version import __version__

FORMAT = 2
READS_VECTORS_OF = (1, 2)  # formats whose chunks.jsonl and vectors.npy an update can reuse
MANIFEST = "manifest.json"
LOCK = ".lock"
LOCK_WAIT = 600.0  # seconds a second `casekit index` waits for the first before giving up
REBUILD = "rebuild with: casekit index"
FULL_CHECK_BYTES = 64 << 20
SAMPLE_BLOCKS, SAMPLE_BYTES = 256, 4096
COLUMNS = ("kind", "lane", "service", "group", "alias")  # per chunk, as codes into the names in columns.json


@dataclass
class Generation:
    """The verified artifacts of an index's current generation."""

    manifest: dict
    chunks: "ChunkTable"
    vectors: Any  # numpy float32, chunks x dim (memory-mapped)
    faiss: Any
    bm25: Any  # casekit.retrieval.lexical.BM25
    columns: Any  # numpy int32, chunks x len(COLUMNS)
    names: dict  # column -> the names its codes index


class ChunkTable(Sequence[Chunk]):
    """The chunks of a generation, read from chunks.jsonl when asked for (one line per chunk,
    found by its byte offset), so opening a 500k-chunk index parses none of them."""

    def __init__(self, path: Path, offsets):
        self.path, self.offsets = path, offsets
        self._cache: dict[int, Chunk] = {}
        self._map: mmap.mmap | None = None

    def __len__(self) -> int:
        return max(0, len(self.offsets) - 1)

    def _line(self, i: int) -> bytes:
        if self._map is None:
            with open(self.path, "rb") as f:
                self._map = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) if os.fstat(f.fileno()).st_size else b""
        return self._map[int(self.offsets[i]) : int(self.offsets[i + 1])]

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        i = int(i)
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        c = self._cache.get(i)
        if c is None:
            c = self._cache[i] = Chunk.from_dict(json.loads(self._line(i)))
        return c

    def __iter__(self) -> Iterator[Chunk]:
        return (self[i] for i in range(len(self)))


def sampled_digest(path: str | Path) -> str:
    """sha256 of the size and SAMPLE_BLOCKS blocks spread evenly over a file (always the first
    and the last): a quick check of a large artifact that reads under a megabyte."""
    size = os.path.getsize(path)
    h = hashlib.sha256(str(size).encode())
    with open(path, "rb") as f:
        for k in range(SAMPLE_BLOCKS):
            f.seek(max(0, (size - SAMPLE_BYTES) * k // (SAMPLE_BLOCKS - 1)))
            h.update(f.read(SAMPLE_BYTES))
    return h.hexdigest()


def read_manifest(folder: str | Path) -> dict | None:
    """The manifest, None when there is no index, IndexStateError when it is unreadable."""
    p = Path(folder) / MANIFEST
    if not p.exists():
        return None
    try:
        m = json.loads(p.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError, OSError) as e:
        raise IndexStateError(f"{p} is unreadable ({e}); {REBUILD}") from None
    if not isinstance(m, dict) or "artifacts" not in m or "generation" not in m:
        raise IndexStateError(f"{p} is not a casekit manifest; {REBUILD}")
    return m


def require(folder: str | Path) -> dict:
    """The manifest of the index at `folder`, or IndexStateError saying how to build one."""
    manifest = read_manifest(folder)
    if manifest is None:
        raise IndexStateError(f"no index at {folder}; build one with: casekit index PATH --index-dir {folder}")
    return manifest


@contextlib.contextmanager
def locked(folder: str | Path, wait: float = LOCK_WAIT):
    """Hold the index lock; a second `casekit index` waits, then gives up with a message."""
    from filelock import FileLock, Timeout

    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise IndexStateError(f"the index folder {folder} is a file, not a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise IndexStateError(f"cannot create the index folder {folder}: {e.strerror or e}") from None
    lock = FileLock(folder / LOCK, timeout=wait)
    try:
        lock.acquire()
    except Timeout:
        raise IndexStateError(f"index at {folder} is locked by another casekit index run "
                              f"(waited {wait:.0f} s); try again when it has finished") from None
    try:
        yield
    finally:
        lock.release()


def read_chunks_file(path: Path) -> list[Chunk]:
    return [Chunk.from_dict(json.loads(line)) for line in path.read_text(encoding="utf-8").splitlines() if line]


def verify(folder: Path, manifest: dict, quick: bool) -> None:
    """Every artifact of the current generation is there and matches the manifest (whole, or
    for large artifacts with `quick`, by size and sampled blocks)."""
    gen = folder / manifest["generation"]
    sizes, samples = manifest.get("sizes", {}), manifest.get("samples", {})
    for name, digest in manifest["artifacts"].items():
        p = gen / name
        if not p.exists():
            raise IndexStateError(f"index at {folder} is incomplete ({name} missing); {REBUILD}")
        corrupted = IndexStateError(f"index at {folder} is corrupted ({name} does not match its hash in {MANIFEST}); {REBUILD}")
        size = p.stat().st_size
        if name in sizes and size != sizes[name]:
            raise corrupted
        if quick and name in samples and size > FULL_CHECK_BYTES:
            if sampled_digest(p) != samples[name]:
                raise corrupted
        elif sha256_file(p) != digest:
            raise corrupted


def load(folder: str | Path, quick: bool = True) -> Generation:
    """The current generation, checked against the manifest (see the module docstring)."""
    import numpy as np

    from . import dense
    from .lexical import BM25

    folder = Path(folder)
    manifest = require(folder)
    if manifest.get("format") != FORMAT:
        raise IndexStateError(f"index at {folder} has format {manifest.get('format')}, this casekit reads {FORMAT}; {REBUILD}")
    verify(folder, manifest, quick)
    gen = folder / manifest["generation"]
    chunks = ChunkTable(gen / "chunks.jsonl", np.load(gen / "chunk-offsets.npy", mmap_mode="r", allow_pickle=False))
    vectors = np.load(gen / "vectors.npy", mmap_mode="r", allow_pickle=False)
    columns = np.load(gen / "chunk-columns.npy", allow_pickle=False)
    names = json.loads((gen / "columns.json").read_text(encoding="utf-8"))
    faiss_index = dense.load(gen / "faiss.index")
    bm25 = BM25.load(gen)
    if not (len(chunks) == vectors.shape[0] == faiss_index.ntotal == bm25.n_docs == len(columns)):
        raise IndexStateError(f"index at {folder} is inconsistent (artifact sizes differ); {REBUILD}")
    return Generation(manifest, chunks, vectors, faiss_index, bm25, columns, names)


@dataclass
class Previous:
    """What an update reuses of the previous generation: its chunks and vectors (the
    embedding cache), and where it can, its BM25 postings and IVF centroids."""

    manifest: dict | None = None
    chunks: list[Chunk] | None = None
    vectors: Any = None
    bm25: Any = None
    centroids: Any = None
    why: str = ""  # why nothing could be reused ("" when something was, or there was no index)


def load_previous(folder: Path, fingerprint: dict, chunker: str) -> Previous:
    """The previous generation as a cache for an update, or why it cannot be one."""
    import numpy as np

    try:
        manifest = read_manifest(folder)
    except IndexStateError as e:
        return Previous(why=f"unreadable manifest ({e})")
    if manifest is None:
        return Previous()
    if manifest.get("format") not in READS_VECTORS_OF:
        return Previous(why="index format changed")
    if manifest.get("embedding", {}).get("sha256") != fingerprint["sha256"]:
        return Previous(why="embedding model changed")
    if manifest.get("chunker") != chunker:
        return Previous(why="chunker changed")
    gen = folder / manifest["generation"]
    try:
        for name in ("chunks.jsonl", "vectors.npy"):
            if sha256_file(gen / name) != manifest["artifacts"][name]:
                return Previous(why=f"{name} did not match its hash")
        chunks = read_chunks_file(gen / "chunks.jsonl")
        vectors = np.load(gen / "vectors.npy", allow_pickle=False)
    except (OSError, KeyError, ValueError) as e:
        return Previous(why=f"previous index unreadable ({e})")
    if len(chunks) != len(vectors):
        return Previous(why="previous index inconsistent")
    prev = Previous(manifest, chunks, vectors)
    if manifest.get("format") == FORMAT:  # postings and centroids: only if they are intact
        from .lexical import BM25, FILES

        arts = manifest["artifacts"]
        try:
            if all(n in arts and sha256_file(gen / n) == arts[n] for n in FILES):
                prev.bm25 = BM25.load(gen, mmap=False)
                if prev.bm25.n_docs != len(chunks):
                    prev.bm25 = None
            if "centroids.npy" in arts and sha256_file(gen / "centroids.npy") == arts["centroids.npy"]:
                prev.centroids = np.load(gen / "centroids.npy", allow_pickle=False)
        except (OSError, ValueError):
            prev.bm25 = prev.centroids = None
    return prev


def columns_of(chunks: Sequence[Chunk]) -> tuple[Any, dict]:
    """The per-chunk codes search filters on (kind, lane, service, group, and the language of a
    symptom alias, '' for a chunk of the corpus) and their names."""
    import numpy as np

    codes: dict[str, dict[str, int]] = {c: {} for c in COLUMNS}
    out = np.zeros((len(chunks), len(COLUMNS)), dtype=np.int32)
    for i, c in enumerate(chunks):
        values = (c.kind, lane_of(c), (c.meta.get("service") or "").lower(), c.group, c.meta.get("alias") or "")
        for j, (col, v) in enumerate(zip(COLUMNS, values)):
            out[i, j] = codes[col].setdefault(v, len(codes[col]))
    return out, {col: list(names) for col, names in codes.items()}


def write(folder: Path, chunks: list[Chunk], vectors, faiss_index, bm25, roots: list[str], files: dict,
          fingerprint: dict, chunker: str) -> None:
    """Write a new generation, then switch the manifest to it, then drop old ones."""
    import numpy as np

    from . import dense

    h = hashlib.sha256()
    tmp = folder / f".gen-{os.getpid()}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    offsets = np.zeros(len(chunks) + 1, dtype=np.int64)
    with open(tmp / "chunks.jsonl", "wb") as f:
        pos = 0
        for i, c in enumerate(chunks):
            line = (json.dumps(c.to_dict(), ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")
            f.write(line)
            h.update(line)
            pos += len(line)
            offsets[i + 1] = pos
    h.update(memoryview(np.ascontiguousarray(vectors)).cast("B"))
    np.save(tmp / "chunk-offsets.npy", offsets, allow_pickle=False)
    columns, names = columns_of(chunks)
    np.save(tmp / "chunk-columns.npy", columns, allow_pickle=False)
    (tmp / "columns.json").write_text(json.dumps(names, ensure_ascii=False), encoding="utf-8")
    np.save(tmp / "vectors.npy", vectors, allow_pickle=False)
    dense.save(faiss_index, tmp / "faiss.index")
    centroids = dense.centroids_of(faiss_index)
    if centroids is not None:
        np.save(tmp / "centroids.npy", centroids, allow_pickle=False)
    bm25.save(tmp)
    artifacts, sizes, samples = {}, {}, {}
    for p in sorted(tmp.iterdir()):
        artifacts[p.name], sizes[p.name] = sha256_file(p), p.stat().st_size
        if sizes[p.name] > FULL_CHECK_BYTES:
            samples[p.name] = sampled_digest(p)
        with open(p, "rb") as f:
            os.fsync(f.fileno())
    gen_id = "gen-" + h.hexdigest()[:12] + f"-{os.getpid()}"
    gen = folder / gen_id
    shutil.rmtree(gen, ignore_errors=True)
    os.replace(tmp, gen)
    manifest = {
        "format": FORMAT, "casekit": __version__, "chunker": chunker, "embedding": fingerprint,
        "faiss": dense.kind(len(chunks)), "count": len(chunks),
        "generation": gen_id, "artifacts": artifacts, "sizes": sizes, "samples": samples,
        "roots": roots, "files": dict(sorted(files.items())),
    }
    atomic_write(folder / MANIFEST, json.dumps(manifest, indent=1, ensure_ascii=False) + "\n")
    for p in folder.iterdir():
        if p.is_dir() and p.name != gen_id and (p.name.startswith("gen-") or p.name.startswith(".gen-")):
            shutil.rmtree(p, ignore_errors=True)

"""The index on disk: manifest, generations, lock.

In the index folder:
  manifest.json        what was indexed (per-file sha256), with which embedding model and
                       chunker, and the sha256 of every artifact; replaced atomically last
  gen-<id>/            one generation of artifacts: chunks.jsonl, vectors.npy, faiss.index,
                       bm25.npz, vocab.json (no pickle anywhere)
  .lock                held while an update runs, so concurrent runs cannot corrupt it

A missing or tampered artifact is detected by its hash and the index is refused with a
message, never used silently. Nothing here knows how chunks are made or searched.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .chunks import Chunk
from ..errors import IndexStateError
from ..fsutil import atomic_write, sha256_file
from ..version import __version__

FORMAT = 1
MANIFEST = "manifest.json"
LOCK = ".lock"
LOCK_WAIT = 600.0  # seconds a second `casekit index` waits for the first before giving up
REBUILD = "rebuild with: casekit index"


@dataclass
class Generation:
    """The verified artifacts of an index's current generation."""

    manifest: dict
    chunks: list[Chunk]
    vectors: Any  # numpy float32, chunks x dim
    faiss: Any
    bm25: Any  # casekit.retrieval.lexical.BM25


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


def _read_chunks(path: Path) -> list[Chunk]:
    return [Chunk.from_dict(json.loads(line)) for line in path.read_text(encoding="utf-8").splitlines() if line]


def load(folder: str | Path) -> Generation:
    """The current generation, every artifact checked against its hash in the manifest."""
    import numpy as np

    from . import dense
    from .lexical import BM25

    folder = Path(folder)
    manifest = require(folder)
    if manifest.get("format") != FORMAT:
        raise IndexStateError(f"index at {folder} has format {manifest.get('format')}, this casekit reads {FORMAT}; {REBUILD}")
    gen = folder / manifest["generation"]
    for name, digest in manifest["artifacts"].items():
        p = gen / name
        if not p.exists():
            raise IndexStateError(f"index at {folder} is incomplete ({name} missing); {REBUILD}")
        if sha256_file(p) != digest:
            raise IndexStateError(f"index at {folder} is corrupted ({name} does not match its hash in {MANIFEST}); {REBUILD}")
    chunks = _read_chunks(gen / "chunks.jsonl")
    vectors = np.load(gen / "vectors.npy", allow_pickle=False)
    faiss_index = dense.load(gen / "faiss.index")
    bm25 = BM25.load(gen)
    if not (len(chunks) == vectors.shape[0] == faiss_index.ntotal == bm25.n_docs):
        raise IndexStateError(f"index at {folder} is inconsistent (artifact sizes differ); {REBUILD}")
    return Generation(manifest, chunks, vectors, faiss_index, bm25)


def load_previous(folder: Path, fingerprint: dict, chunker: str) -> tuple[dict | None, list[Chunk], Any, str]:
    """The previous generation's chunks and vectors as a cache for an update, or why they
    cannot be one: (manifest, chunks, vectors, why)."""
    import numpy as np

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
        chunks = _read_chunks(gen / "chunks.jsonl")
        vectors = np.load(gen / "vectors.npy", allow_pickle=False)
    except (OSError, KeyError, ValueError) as e:
        return None, [], None, f"previous index unreadable ({e})"
    if len(chunks) != len(vectors):
        return None, [], None, "previous index inconsistent"
    return manifest, chunks, vectors, ""


def write(folder: Path, chunks: list[Chunk], vectors, roots: list[str], files: dict, fingerprint: dict, chunker: str) -> None:
    """Write a new generation, then switch the manifest to it, then drop old ones."""
    import numpy as np

    from . import dense
    from ..text.tokens import tokenize
    from .lexical import BM25

    body = "".join(json.dumps(c.to_dict(), ensure_ascii=False, sort_keys=True) + "\n" for c in chunks)
    gen_id = "gen-" + hashlib.sha256(body.encode() + vectors.tobytes()).hexdigest()[:12] + f"-{os.getpid()}"
    tmp = folder / f".{gen_id}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    (tmp / "chunks.jsonl").write_text(body, encoding="utf-8")
    np.save(tmp / "vectors.npy", vectors, allow_pickle=False)
    dense.save(dense.build_faiss(vectors), tmp / "faiss.index")
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
        "faiss": dense.kind(len(chunks)), "count": len(chunks),
        "generation": gen_id, "artifacts": artifacts, "roots": roots, "files": dict(sorted(files.items())),
    }
    atomic_write(folder / MANIFEST, json.dumps(manifest, indent=1, ensure_ascii=False) + "\n")
    for p in folder.iterdir():
        if p.is_dir() and p.name != gen_id and (p.name.startswith("gen-") or p.name.startswith(".gen-")):
            shutil.rmtree(p, ignore_errors=True)

"""Building and updating the index: corpus files -> chunks -> vectors -> a new generation.

An update re-reads only files whose content changed and re-embeds only chunks whose
content hash is new (the previous generation's vectors are the cache); the BM25 postings of
unchanged chunks are carried over (only new chunks are tokenized) and an IVF keeps its
centroids, so adding a day's tickets to a 100k-ticket history costs about the new tickets
plus writing the generation (figures in docs/scale.md). A different embedding model or
chunker version rebuilds everything. Bad files are reported and skipped; the rest is
indexed. The encoding runs here (engine "local") or spread over a Ray cluster ("ray",
casekit.retrieval.distributed); both give the same vectors.
"""
from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import numpy as np

from . import dense, store
from .aliases import alias_chunks, is_alias
from .chunks import Chunk
from .dense import DEFAULT_DIM
from .encoders import embed, embedding_fingerprint
from ..errors import CaseKitError, InputError
from ..fsutil import MAX_CORPUS_FILE_BYTES


@dataclass
class IndexStats:
    files: int = 0
    changed: int = 0
    removed: int = 0
    chunks: int = 0
    aliases: int = 0
    embedded: int = 0
    errors: int = 0
    seconds: float = 0.0
    encode_seconds: float = 0.0
    rebuilt: str = ""
    skipped: list[str] = field(default_factory=list)

    def summary(self) -> str:
        aliases = f" (+{self.aliases} symptom aliases of RFC sections)" if self.aliases else ""
        s = (f"indexed {self.files} files ({self.changed} changed, {self.removed} removed): {self.chunks} chunks{aliases}, "
             f"{self.embedded} embedded, in {self.seconds:.1f} s")
        if self.embedded and self.encode_seconds:
            s += f" ({self.embedded / self.encode_seconds:.0f} chunks/s encoding)"
        if self.rebuilt:
            s += f"; full rebuild: {self.rebuilt}"
        if self.errors:
            s += f"; {self.errors} file(s) not indexed (see above)"
        return s


ENGINES = ("local", "ray")


def build_index(paths: Iterable[Path], folder: Path, progress: bool = True,
                on_error: Callable[[str], None] | None = None, engine: str = "local",
                address: str | None = None, workers: int | None = None,
                stand_in: Callable[[list[str]], np.ndarray] | None = None) -> IndexStats:
    """Build or incrementally update the index at `folder` from `paths` (plus the roots it
    already had). Bad files are reported through `on_error` and skipped. `engine` "ray"
    encodes on the Ray cluster at `address` (default: a private local instance) with up to
    `workers` actors. `stand_in` (benchmarks only: bench/scale_bench.py builds a 100k-ticket
    store from the vectors of an encoded part of it) gives vectors in place of the encoders,
    and the manifest still names casekit's encoders."""
    from .ingest import CHUNKER_VERSION, PartialInput, discover, read_chunks

    t0 = time.perf_counter()
    folder = Path(folder)
    paths = [Path(p) for p in paths]
    stats = IndexStats()
    report = on_error or (lambda s: None)

    def bad(e: InputError) -> None:
        stats.errors += 1
        stats.skipped.append(e.path or "")
        report(str(e))

    if engine not in ENGINES:
        raise CaseKitError(f"--engine {engine!r} is not one of {'|'.join(ENGINES)}")
    with store.locked(folder):
        fingerprint = embedding_fingerprint()
        prev = store.load_previous(folder, fingerprint, CHUNKER_VERSION)
        old, old_chunks, old_vectors = prev.manifest, prev.chunks or [], prev.vectors
        stats.rebuilt = prev.why
        given = [str(p.resolve()) for p in paths]
        roots = list(dict.fromkeys([*(old or {}).get("roots", []), *given]))
        roots = [r for r in roots if Path(r).exists() or r in given]  # a given path that is not there is reported
        sources = discover([Path(r) for r in roots], on_error=bad)
        roots = [r for r in roots if Path(r).exists()]
        old_files = (old or {}).get("files", {})
        by_file: dict[str, list[Chunk]] = {}
        for c in old_chunks:
            if is_alias(c):  # made afresh below, from this casekit's alias data
                continue
            by_file.setdefault(c.meta.get("file", ""), []).append(c)
        files: dict[str, dict] = {}
        chunks: list[Chunk] = []
        ids: dict[str, str] = {}
        from tqdm.auto import tqdm

        for src in tqdm(sources, desc="reading", unit="file", disable=not progress or len(sources) < 20):
            key = str(src.path)
            try:
                data = src.path.read_bytes() if src.path.stat().st_size <= MAX_CORPUS_FILE_BYTES else None
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
        aliases = alias_chunks(chunks)
        stats.aliases = len(aliases)
        chunks.extend(aliases)

        cache: dict[str, np.ndarray] = {}
        if old_vectors is not None:
            for c, v in zip(old_chunks, old_vectors):
                cache[c.hash] = v
        hashes = [c.hash for c in chunks]
        todo = sorted({h for h in hashes if h not in cache})
        text_of = {c.hash: c.embed_text() for c in chunks if c.hash not in cache}
        if todo:
            t1 = time.perf_counter()
            texts = [text_of[h] for h in todo]
            if stand_in is not None:
                vecs = stand_in(texts)
            elif engine == "ray":
                from .distributed import embed_on_ray

                vecs = embed_on_ray(texts, address=address, workers=workers, progress=progress)
            else:
                vecs = embed(texts, progress=progress)
            stats.encode_seconds = time.perf_counter() - t1
            cache.update(zip(todo, vecs))
        stats.embedded = len(todo)
        dim = next(iter(cache.values())).shape[0] if cache else DEFAULT_DIM
        vectors = np.stack([cache[h] for h in hashes]).astype(np.float32) if chunks else np.zeros((0, dim), np.float32)
        del cache, old_vectors
        bm25 = _bm25(chunks, prev)
        faiss_index = dense.build_faiss(vectors, prev.centroids)
        store.write(folder, chunks, vectors, faiss_index, bm25, roots, files, fingerprint, CHUNKER_VERSION)
    stats.seconds = time.perf_counter() - t0
    return stats


def _bm25(chunks: list[Chunk], prev: "store.Previous"):
    """The BM25 of `chunks`: the previous generation's postings for the chunks it already had
    (same id, same text), new postings for the rest."""
    from ..text.tokens import tokenize
    from .lexical import BM25

    if prev.bm25 is None or not prev.chunks:
        return BM25.build([tokenize(c.embed_text()) for c in chunks])
    where = {(c.id, c.hash): i for i, c in enumerate(prev.chunks)}
    keep = np.full(len(prev.chunks), -1, dtype=np.int64)
    new_at: list[int] = []
    for i, c in enumerate(chunks):
        j = where.get((c.id, c.hash))
        if j is None:
            new_at.append(i)
        else:
            keep[j] = i
    return prev.bm25.update(keep, [tokenize(chunks[i].embed_text()) for i in new_at], np.asarray(new_at, dtype=np.int64))

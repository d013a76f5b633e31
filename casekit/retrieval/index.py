"""Hybrid search over a built index: dense (MiniLM in FAISS) + lexical (BM25), fused by
reciprocal rank, one hit per source.

The pieces live apart: embedding in `encoders`, FAISS in `dense`, BM25 in `lexical`, the
on-disk store (manifest, generations, lock) in `store`, building or updating an index in
`build` (all in casekit.retrieval).
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import dense, store
from .chunks import Chunk, lane_of
from .encoders import embed, embedding_fingerprint
from ..errors import IndexStateError
from .lexical import BM25

RRF_K = 60
# Reciprocal rank fusion weights, chosen on the tuning queries only (eval/retrieval/*.jsonl
# and tune-extra/; held-out figures in README.md): see bench/tune_retrieval.py.
DENSE_WEIGHT = 1.0
BM25_WEIGHT = 0.5  # 2:1; 3:1 scored 0.004 higher on the retrieval objective but put NEW-0008 on the wrong layer
MAX_PER_FILE = 3  # sections of one document in a result list, so one long guide cannot crowd out the rest
ALIASES_IN_FLAT = True  # symptom aliases (casekit.retrieval.aliases) also rank sections in the flat list
CITED_SPEC = 0.999  # an RFC section cited by a retrieved note ranks right below the note
# The specification lane is reranked over its best SPEC_POOL * k sections and the sections that
# the lane's notes cite: own score + CITE_WEIGHT * the citing note's score (bench/tune_retrieval.py).
SPEC_POOL = 3
CITE_WEIGHT = 0.5
_RFC_CITE = re.compile(r"RFC\s?(\d{3,5})\s?§\s?([0-9A-Z]+(?:\.\d+)*)")


# Past cases, runbooks and specifications answer different questions, so results come in
# lanes: a long runbook or a dozen similar cases can no longer crowd out the RFC section.
LANES = ("case", "doc", "spec")
LANE_NAMES = {"case": "past cases", "doc": "documents", "spec": "specifications"}


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
                "service": c.meta.get("service") or None, "source": c.meta.get("source") or c.meta.get("case_id"),
                "lane": lane_of(c)}


class Index:
    """A loaded, verified index. Open with `Index.open(dir)`."""

    def __init__(self, folder: Path, generation: "store.Generation"):
        g = generation
        self.folder, self.manifest, self.chunks, self.vectors = folder, g.manifest, g.chunks, g.vectors
        self.faiss, self.bm25 = g.faiss, g.bm25
        self._columns, self._names = g.columns, g.names
        self._codes = {col: {name: i for i, name in enumerate(g.names[col])} for col in ("kind", "lane", "service")}
        self._group_codes: dict[str, int] | None = None  # built on first use: 100k cases' names
        # a symptom alias stands for its section (casekit.retrieval.aliases): the alias column
        # holds its language, '' for a chunk of the corpus
        alias_names = g.names.get("alias") or [""]
        plain = alias_names.index("") if "" in alias_names else -1
        self._aliases = (g.columns[:, 4] != plain) if g.columns.shape[1] > 4 and len(alias_names) > 1 \
            else np.zeros(len(g.chunks), dtype=bool)

    def _shown(self, i: int) -> int:
        """The chunk a hit on chunk `i` shows: a symptom alias shows its section's first chunk."""
        same = np.flatnonzero((self._columns[:, 3] == self._columns[i, 3]) & ~self._aliases)
        return int(same[0]) if len(same) else i

    @property
    def identity(self) -> str:
        """A short fingerprint of the content (goes into draft provenance)."""
        art = self.manifest.get("artifacts", {})
        return hashlib.sha256(json.dumps(art, sort_keys=True).encode()).hexdigest()[:16]

    @classmethod
    def open(cls, folder: str | Path) -> "Index":
        folder = Path(folder)
        g = store.load(folder)
        if len(g.chunks) and g.manifest.get("embedding", {}).get("sha256") != embedding_fingerprint()["sha256"]:
            raise IndexStateError(f"index at {folder} was built with another embedding model; {store.REBUILD}")
        from .ingest import CHUNKER_VERSION

        if len(g.chunks) and g.manifest.get("chunker") != CHUNKER_VERSION:
            raise IndexStateError(f"index at {folder} was built by an older casekit (chunker {g.manifest.get('chunker')}, "
                                  f"this one writes {CHUNKER_VERSION}); {store.REBUILD}")
        return cls(folder, g)

    def _group_ids(self, group: str) -> list[int]:
        if self._group_codes is None:
            self._group_codes = {name: i for i, name in enumerate(self._names["group"])}
        code = self._group_codes.get(group)
        return [] if code is None else np.flatnonzero((self._columns[:, 3] == code) & ~self._aliases).tolist()

    def group_chunks(self, group: str) -> list[Chunk]:
        return [self.chunks[i] for i in self._group_ids(group)]

    def _mask(self, kind: str | None, service: str | None, lane: str | None = None) -> np.ndarray | None:
        if not kind and not service and not lane:
            return None
        mask = np.ones(len(self.chunks), dtype=bool)
        for j, (col, value) in enumerate((("kind", kind), ("lane", lane), ("service", service and service.lower()))):
            if value:  # the columns are store.COLUMNS: kind, lane, service, group
                mask &= self._columns[:, j] == self._codes[col].get(value, -1)
        return mask

    def rank_dense(self, qvec: np.ndarray, n: int, mask: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Top chunk ids and cosine scores by the dense index."""
        total = len(self.chunks)
        if total == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        fetch = min(total, n if mask is None else max(n * 8, 256))
        ids, scores = dense.top(self.faiss, qvec, fetch)
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
               bm25_weight: float = BM25_WEIGHT, lane: str | None = None, max_per_file: int = MAX_PER_FILE,
               aliases: bool | None = None) -> list[Hit]:
        """Best `k` sources for `query`, one hit per source (a case, a section); `kind`
        ('case', 'doc'), `lane` (one of LANES) and `service` narrow the candidates. The fusion
        weights and the cap on sections of one document are parameters so that
        bench/tune_retrieval.py can search for them."""
        if k <= 0 or not self.chunks:
            return []
        mask = self._mask(kind, service, lane)
        if not (aliases if aliases is not None else (lane == "spec" or ALIASES_IN_FLAT)) and self._aliases.any():
            mask = ~self._aliases if mask is None else mask & ~self._aliases
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
        for i, hit in ranked.items():
            hit.score /= best / (RRF_K + 1)
            if self._aliases[i]:
                hit.chunk = self.chunks[self._shown(i)]
        if mode == "hybrid" and kind != "case" and lane is None:  # a lane's mask would drop the sections
            self._follow_citations(ranked, mask, top=max(20, k * 2))
        hits = sorted(ranked.values(), key=lambda h: (-h.score, -h.dense, h.chunk.id))
        return _one_per_source(hits, max_per_file)[:k]

    def lanes(self, query: str, k: int = 3, service: str | None = None, qvec: np.ndarray | None = None,
              cite_weight: float | None = None, **weights) -> dict[str, list[Hit]]:
        """The best `k` of each lane that the index holds: {'case': [...], 'doc': [...], 'spec': [...]}."""
        if qvec is None and self.chunks:
            qvec = embed([query])[0]
        present = set(self._names["lane"])
        out = {lane: self.search(query, k=k * SPEC_POOL if lane == "spec" else k, service=service, qvec=qvec,
                                 lane=lane, **weights)
               for lane in LANES if lane in present}
        if "spec" in out:
            out["spec"] = self._rerank_sections(out.get("doc", []), out["spec"], k,
                                                CITE_WEIGHT if cite_weight is None else cite_weight)
        return out

    def _rerank_sections(self, docs: list[Hit], specs: list[Hit], k: int, cite_weight: float) -> list[Hit]:
        """The specification lane, reranked: a section's own score (its text and its symptom
        aliases against the query) plus `cite_weight` times the score of the best retrieved note
        that cites it ('RFC 7231 §6.6.5'), so the source of truth behind a good note rises
        without a note that cites three sections pushing out the one the question is about."""
        own = {h.chunk.group: h for h in specs}
        cited: dict[str, tuple[float, Chunk]] = {}
        for d in docs:
            for i in self._cited(d.chunk):
                c = self.chunks[i]
                if c.group not in cited or cited[c.group][0] < d.score:
                    cited[c.group] = (d.score, c)
        ranked = []
        for group in {*own, *cited}:
            mine = own.get(group)
            by_note = cited.get(group, (0.0, None))[0]
            score = ((mine.score if mine else 0.0) + cite_weight * by_note) / (1.0 + cite_weight)
            ranked.append(Hit(mine.chunk if mine else cited[group][1], score, dense=mine.dense if mine else 0.0,
                              bm25=mine.bm25 if mine else 0.0, dense_rank=mine.dense_rank if mine else None,
                              bm25_rank=mine.bm25_rank if mine else None))
        return sorted(ranked, key=lambda h: (-h.score, h.chunk.id))[:k]

    def _cited(self, chunk: Chunk) -> list[int]:
        """The first chunk of each indexed RFC section that `chunk` cites ('RFC 7231 §6.6.5')."""
        return [ids[0] for number, section in _RFC_CITE.findall(chunk.text)
                if (ids := self._group_ids(f"rfc:{number}#{section}"))]

    def _follow_citations(self, ranked: dict[int, "Hit"], mask, top: int) -> None:
        """Source of truth first: when a retrieved note cites an RFC section that is in
        the index ('RFC 7231 §6.6.5'), that section joins the results just below the note."""
        best = sorted(ranked.values(), key=lambda h: (-h.score, h.chunk.id))[:top]
        for h in best:
            for i in self._cited(h.chunk):
                if mask is None or mask[i]:
                    target = ranked.setdefault(i, Hit(self.chunks[i], 0.0))
                    target.score = max(target.score, h.score * CITED_SPEC)


def _one_per_source(hits: list[Hit], max_per_file: int = MAX_PER_FILE) -> list[Hit]:
    """The best hit of each source (a case, a section), and at most `max_per_file` sections
    of one document, in the order given."""
    seen, per_file, unique = set(), {}, []
    for h in hits:
        f = h.chunk.meta.get("file") if h.chunk.kind == "doc" else None
        if h.chunk.group in seen or (f and per_file.get(f, 0) >= max_per_file):
            continue
        seen.add(h.chunk.group)
        if f:
            per_file[f] = per_file.get(f, 0) + 1
        unique.append(h)
    return unique

"""Chunk: the unit of retrieval. Every source a draft can cite is one."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any


@dataclass
class Chunk:
    """A retrievable passage.

    `id` is stable across index builds ('case:CASE-0007#1', 'rfc:7231#6.6.5#0');
    `ref` is the human citation ('RFC 7231 §6.6.5 504 Gateway Timeout', 'CASE-0007',
    'docs/dns-triage-guide.md › Resolver limits'); `group` collapses the chunks of
    one source (a case's sections) so that search shows each source once.
    """

    id: str
    kind: str  # "case" | "doc"
    ref: str
    title: str
    text: str
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def group(self) -> str:
        return self.meta.get("group") or self.id

    def embed_text(self) -> str:
        """What is embedded and BM25-indexed: the citation and title give context."""
        head = self.ref if self.title in self.ref else f"{self.ref} {self.title}"
        return f"{head}\n{self.text}"

    @cached_property
    def hash(self) -> str:
        """Content hash: the embedding cache key (computed once: an update of a 500k-chunk
        history asks for it several times per chunk)."""
        return hashlib.sha256(self.embed_text().encode("utf-8")).hexdigest()

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "ref": self.ref, "title": self.title, "text": self.text, "meta": self.meta}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Chunk":
        return cls(d["id"], d["kind"], d["ref"], d["title"], d["text"], d.get("meta") or {})


def lane_of(chunk: Chunk) -> str:
    """Which lane of results a chunk shows in: 'case', 'doc' (runbooks, notes) or 'spec' (an
    RFC section). Past cases, runbooks and specifications answer different questions."""
    if chunk.kind == "case":
        return "case"
    return "spec" if chunk.id.startswith("rfc:") else "doc"


def split_text(text: str, size: int = 160, overlap: int = 40) -> list[str]:
    """Split a long passage into pieces of about `size` words, on line boundaries, each
    starting with about `overlap` words of the previous one. MiniLM reads at most 256
    word pieces (~180 words): longer chunks would be silently truncated when embedded."""
    lines: list[str] = []
    for line in text.split("\n"):
        words = line.split()
        if len(words) > size:  # one huge line (a pasted log): cut it by words
            lines += [" ".join(words[i : i + size - overlap]) for i in range(0, len(words), size - overlap)]
        else:
            lines.append(line)
    counts = [len(line.split()) for line in lines]
    if sum(counts) <= size:
        return [text]
    pieces, start = [], 0
    while start < len(lines):
        end, n = start, 0
        while end < len(lines) and (n + counts[end] <= size or end == start):
            n += counts[end]
            end += 1
        piece = "\n".join(lines[start:end]).strip("\n")
        if piece.strip():
            pieces.append(piece)
        if end >= len(lines):
            break
        back, m = end, 0
        while back > start + 1 and m + counts[back - 1] <= overlap:
            back -= 1
            m += counts[back]
        start = back
    return pieces or [text]

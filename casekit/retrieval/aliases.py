"""Symptom aliases of RFC sections: a question phrased as a symptom finds the section that
defines the behaviour.

An RFC section says what a 504 *is*; a customer writes that "the load balancer times out
after 60 s". `spec_aliases.json` (beside this file, shipped with casekit) holds, per section,
a few phrases in English and Chinese of what an engineer or customer observes when that
section's behaviour is at play, written from the section's own text. When an index is built,
each phrase becomes an extra retrievable unit of its section (an *alias chunk*: same `ref`
and `group`, id `rfc:7231#6.6.5#alias-en-0`). It is embedded and BM25-indexed like any
chunk, so a match on a phrase brings the section into the specification lane, but the hit
always carries the section's own text: an alias is never shown, quoted or cited.

Aliases are attached at every build from the data file of the running casekit, for the
sections that the index holds; a changed phrase is re-embedded (vectors are cached by
content), nothing else is.
"""
from __future__ import annotations

import functools
import json
import re
from pathlib import Path

from .chunks import Chunk

DATA = Path(__file__).with_name("spec_aliases.json")
LANGS = ("en", "zh")
_KEY = re.compile(r"^RFC (\d+) §([0-9A-Z]+(?:\.\d+)*)$")


def is_alias(chunk: Chunk) -> bool:
    return bool(chunk.meta.get("alias"))


@functools.lru_cache(maxsize=4)
def load(path: str | None = None) -> dict[str, dict[str, list[str]]]:
    """{'RFC 7231 §6.6.5': {'en': [...], 'zh': [...]}} from the data file; keys starting
    with '_' are comments. A malformed file raises ValueError naming what is wrong."""
    p = Path(path) if path else DATA
    data = json.loads(p.read_text(encoding="utf-8"))
    out: dict[str, dict[str, list[str]]] = {}
    for key, value in data.items():
        if key.startswith("_"):
            continue
        if not _KEY.match(key):
            raise ValueError(f"{p.name}: {key!r} is not a section reference like 'RFC 7231 §6.6.5'")
        if not isinstance(value, dict) or set(value) - set(LANGS):
            raise ValueError(f"{p.name}: {key}: expected {{'en': [...], 'zh': [...]}}")
        phrases = {lang: value.get(lang) or [] for lang in LANGS}
        if not all(isinstance(v, list) and all(isinstance(s, str) and s.strip() for s in v) for v in phrases.values()):
            raise ValueError(f"{p.name}: {key}: phrases must be non-empty strings")
        out[key] = phrases
    return out


def section_key(chunk: Chunk) -> str | None:
    """'RFC 7231 §6.6.5' for a numbered RFC section's chunk, else None."""
    rfc, section = chunk.meta.get("rfc"), chunk.meta.get("section")
    return f"RFC {rfc} §{section}" if rfc and section else None


def alias_chunks(chunks: list[Chunk], data: dict[str, dict[str, list[str]]] | None = None) -> list[Chunk]:
    """One chunk per alias phrase of every RFC section present in `chunks`, in a stable order."""
    data = load() if data is None else data
    first: dict[str, Chunk] = {}
    for c in chunks:
        key = section_key(c)
        if key and key in data and not is_alias(c):
            first.setdefault(key, c)
    out = []
    for key, c in first.items():
        for lang in LANGS:
            for n, phrase in enumerate(data[key][lang]):
                out.append(Chunk(
                    id=f"{c.group}#alias-{lang}-{n}", kind=c.kind, ref=c.ref, title="", text=phrase.strip(),
                    meta={**c.meta, "alias": lang, "of": c.id},
                ))
    return out

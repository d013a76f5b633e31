"""The knowledge base: every cue, detector word, contradiction and splitting question that
casekit reads a case with, as named records (casekit.rules.records) with examples.

casekit's own records are YAML files in casekit/rules/data/. A team adds or sharpens records
without editing casekit, from

- folders named in `CASEKIT_RULES` (several separated by ':'), each holding `*.yaml` files
  in the same format, or
- an installed package's entry point in the group `casekit.rules`, a callable that returns
  a folder (or a list of folders).

A team's record with the name of one of casekit's replaces it; a new name adds a record.
`knowledge()` is the loaded base (read once per `CASEKIT_RULES` value).
"""
from __future__ import annotations

import functools
import os
import re
from pathlib import Path

import yaml

from ..errors import InputError
from ..text.lang import Rx, normalize_text
from .records import KINDS, Rule, RuleError, make

DATA = Path(__file__).with_name("data")
ENV = "CASEKIT_RULES"
ENTRY_POINTS = "casekit.rules"


class KnowledgeBase:
    """The loaded records, by kind, in a stable order (file order, then name)."""

    def __init__(self, rules: list[Rule]):
        self.rules = tuple(rules)
        self._by_kind: dict[str, tuple[Rule, ...]] = {}
        for kind in sorted({r.kind for r in self.rules}):
            self._by_kind[kind] = tuple(r for r in self.rules if r.kind == kind)
        self.by_name = {r.name: r for r in self.rules}

    def of(self, kind: str) -> tuple[Rule, ...]:
        return self._by_kind.get(kind, ())

    def first(self, kind: str, text: str) -> Rule | None:
        """The first record of `kind` that matches `text`."""
        return next((r for r in self.of(kind) if r.search(text)), None)

    def any(self, kind: str, text: str) -> bool:
        return self.first(kind, text) is not None

    def all(self, kind: str, text: str) -> list[Rule]:
        return [r for r in self.of(kind) if r.search(text)]

    @functools.lru_cache(maxsize=64)
    def joined(self, kind: str) -> Rx:
        """One pattern for every record of a kind (to find whether any matches, fast)."""
        parts = []
        for r in self.of(kind):
            en = r.en
            if en:
                parts.append(f"(?-i:{en[5:]})" if en.startswith("(?-i)") else f"(?i:{en[4:] if en.startswith('(?i)') else en})")
            parts += [f"(?:{z})" for z in r.zh]
            parts += [f"(?i:{re.escape(w)})" for w in r.words]
        return Rx("|".join(parts) or "(?!)")

    def layers_of(self, text: str) -> dict[str, float]:
        """How strongly a text points at each layer through the signature records (a record's
        weight times the number of its words the text holds)."""
        folded = fold(text)
        out: dict[str, float] = {}
        for r in self.of("signature"):
            n = r.count(folded)
            if n and r.layer:
                out[r.layer] = out.get(r.layer, 0.0) + r.weight * n
        return out


def fold(text: str) -> str:
    """The form words are matched on: normalised (full-width and Simplified folded), lowercase,
    whitespace folded."""
    return " ".join(normalize_text(text or "").lower().split())


def read_folder(folder: Path, source: str) -> list[Rule]:
    """Every record in a folder's YAML files (sorted by file name), or one InputError naming the
    file and what is wrong."""
    out: list[Rule] = []
    if not folder.is_dir():
        raise InputError(folder, "is not a folder of rule files (*.yaml)")
    for path in sorted(folder.glob("*.y*ml")):
        try:
            docs = yaml.safe_load(path.read_text(encoding="utf-8")) or []
        except (yaml.YAMLError, UnicodeDecodeError) as e:
            line = getattr(getattr(e, "problem_mark", None), "line", None)
            raise InputError(path, f"not a YAML list of rules: {str(e).splitlines()[0]}",
                             line + 1 if line is not None else None) from None
        if isinstance(docs, dict) and "rules" in docs:
            docs = docs["rules"]
        if not isinstance(docs, list):
            raise InputError(path, "expected a list of rules (or a mapping with a 'rules' list)")
        for item in docs:
            try:
                out.append(make(item, f"{source}:{path.name}"))
            except RuleError as e:
                raise InputError(path, str(e)) from None
    return out


def _entry_point_folders() -> list[tuple[Path, str]]:
    from importlib.metadata import entry_points

    out = []
    for ep in sorted(entry_points(group=ENTRY_POINTS), key=lambda e: e.name):
        got = ep.load()()
        for p in ([got] if isinstance(got, (str, os.PathLike)) else list(got)):
            out.append((Path(p), f"entry point {ep.name}"))
    return out


def load(extra: list[str | os.PathLike] | None = None) -> KnowledgeBase:
    """casekit's records, then each extra folder's (a record of the same name replaces the
    earlier one, in place)."""
    rules = read_folder(DATA, "casekit")
    order = {r.name: i for i, r in enumerate(rules)}
    folders = [(Path(p), str(p)) for p in (extra or [])]
    for folder, source in folders:
        for r in read_folder(folder, source):
            if r.name in order:
                rules[order[r.name]] = r
            else:
                order[r.name] = len(rules)
                rules.append(r)
    names = [r.name for r in rules]
    dup = next((n for n in names if names.count(n) > 1), None)
    if dup:
        raise InputError(DATA, f"record {dup!r} is defined twice")
    return KnowledgeBase(rules)


@functools.lru_cache(maxsize=8)
def _cached(env: str) -> KnowledgeBase:
    extra = [p for p in env.split(os.pathsep) if p] if env else []
    return load([*extra, *(p for p, _ in _entry_point_folders())])


def knowledge() -> KnowledgeBase:
    """The knowledge base this process reads cases with: casekit's records and the team's
    (`CASEKIT_RULES`, entry points in `casekit.rules`)."""
    return _cached(os.environ.get(ENV, ""))


__all__ = ["KINDS", "ENV", "KnowledgeBase", "Rule", "fold", "knowledge", "load"]

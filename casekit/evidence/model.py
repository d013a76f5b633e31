"""Evidence: one line of this case that bears on the assessment, with its kind, origin and
(for what casekit computed) the fact, kept as a catalogue key and its values."""
from __future__ import annotations

import functools
from dataclasses import dataclass, fields
from typing import Any

from ..i18n import EN, Catalogue
from ..rules import cues

MAX_TEXT = 400  # a prefix of a long line stays verbatim (a substring of the case)
KIND_WEIGHT = {"absence": 3.0, "limit": 3.0, "comparison": 2.5, "change": 2.5, "configuration": 2.0, "error": 1.5,
               "state": 1.0, "timeline": 0.5}
# Lines are classified on their normalised copy (lang.normalize_text: full-width forms as


@dataclass(frozen=True)
class Evidence:
    """One line of this case that bears on the assessment."""

    text: str  # the line as written (stripped; a long line keeps its first MAX_TEXT characters)
    kind: str  # error | absence | limit | comparison | change | configuration | state | timeline
    line: int | None = None  # line number in the section it came from
    origin: str = "observed"  # observed (Objective, log) | reported (Subjective) | inferred (computed)
    section: str = "Objective"
    utc: str | None = None
    context: str = ""  # the command or heading whose output this line is
    fact: str = ""  # for computed evidence: what was computed (a difference, a ratio), a catalogue key 'fact.*'
    values: tuple[tuple[str, Any], ...] = ()  # the fact's values: numbers and quoted lines as written, Terms for casekit's words

    @property
    def weight(self) -> float:
        """How telling the line is: by kind, more for what casekit computed and for what the
        engineer logged as a check's result (the newest facts of the case)."""
        return KIND_WEIGHT.get(self.kind, 0.5) + (1.0 if self.origin == "inferred" or self.section == "Log" else 0.0)

    @functools.cached_property
    def detail(self) -> str:
        """What was computed, in English whatever the case's language: cue matching and the
        weights read it, so the reasoning is the same in every language."""
        return self.detail_in(EN)

    def detail_in(self, t: Catalogue) -> str:
        """What was computed as a sentence of `t`'s language (what documents and the JSON show); '' for a plain line."""
        return t.fill(self.fact, self.values) if self.fact else ""

    @functools.cached_property
    def layers(self) -> dict[str, int]:
        """The layers the line's words point at, its command's included (read once: the line is frozen)."""
        return cues.layers_of(f"{self.context} {self.text} {self.detail}")

    @functools.cached_property
    def own_layers(self) -> dict[str, int]:
        """The layers the line's own words point at, without its command's."""
        return cues.layers_of(f"{self.text} {self.detail}")

    def to_dict(self, t: Catalogue = EN) -> dict:
        """The evidence as the draft JSON holds it, its `detail` in `t`'s language (the case's)."""
        out = {f.name: getattr(self, f.name) for f in fields(self) if f.name not in ("fact", "values")}
        out["detail"] = self.detail_in(t)
        return {k: v for k, v in out.items() if v not in (None, "")}


def _clip(line: str) -> str:
    s = line.strip()
    return s if len(s) <= MAX_TEXT else s[:MAX_TEXT]

"""Evidence: one line of this case that bears on the assessment, with its kind, origin and
(for what casekit computed) the fact, kept as a catalogue key and its values."""
from __future__ import annotations

import functools
from dataclasses import dataclass, field, fields
from typing import Any

from ..i18n import EN, Catalogue
from ..rules import knowledge

MAX_TEXT = 400  # a prefix of a long line stays verbatim (a substring of the case)
# How telling a kind of line is, before what it says is read. A decisive fact is usually not
# an error line (errors are the symptom); a state that is off, a value at its limit, what is
# missing and what differs from a healthy peer decide.
KIND_WEIGHT = {"absence": 3.0, "limit": 3.0, "comparison": 2.5, "change": 2.5, "provider": 3.0, "configuration": 2.0,
               "error": 1.5, "state": 1.0, "timeline": 0.5}


@dataclass(frozen=True)
class Evidence:
    """One line of this case that bears on the assessment."""

    text: str  # the line as written (stripped; a long line keeps its first MAX_TEXT characters)
    kind: str  # error | absence | limit | comparison | change | provider | configuration | state | timeline
    line: int | None = None  # line number in the section it came from
    origin: str = "observed"  # observed (Objective, log) | reported (Subjective) | inferred (computed)
    section: str = "Objective"
    utc: str | None = None
    context: str = ""  # the command or heading whose output this line is
    fact: str = ""  # for computed evidence: what was computed (a difference, a ratio), a catalogue key 'fact.*'
    values: tuple[tuple[str, Any], ...] = ()  # the fact's values: numbers and quoted lines as written, Terms for casekit's words
    sense: str = ""  # is-not evidence: 'healthy' (a measurement stated normal) or 'peer' (the same thing works elsewhere)
    detector: str = ""  # the detector that computed it, or the record that classified it
    layer_weights: tuple[tuple[str, float], ...] = field(default=(), compare=False)  # casekit.rules.layers
    prose: bool = field(default=False, compare=False)  # a sentence a person wrote, not a line of data

    @property
    def weight(self) -> float:
        """How telling the line is: by kind, more for what casekit computed and for what the
        engineer logged as a check's result (the newest facts of the case)."""
        return KIND_WEIGHT.get(self.kind, 0.5) + (1.0 if self.origin == "inferred" or self.section == "Log" else 0.0)

    @property
    def decisive(self) -> bool:
        """A fact that can settle a hypothesis: computed across lines, a state that is off or
        absent, a value at its limit, the provider's own confirmation. A sentence a person wrote
        that names no value ('no NAT gateway is attached', as opposed to 'the route table has
        only the local route, no 0.0.0.0/0') and an empty result on its own ('{}') are read,
        but they do not settle anything: a line of data or a fact computed across lines does."""
        if self.origin == "inferred":
            return True
        vague = self.prose and not any(ch.isdigit() for ch in self.text)
        return self.kind in ("absence", "limit", "provider") and not vague and self.detector != "absence.empty-result"

    @functools.cached_property
    def detail(self) -> str:
        """What was computed, in English whatever the case's language: the weights read it, so
        the reasoning is the same in every language."""
        return self.detail_in(EN)

    def detail_in(self, t: Catalogue) -> str:
        """What was computed as a sentence of `t`'s language (what documents and the JSON show); '' for a plain line."""
        return t.fill(self.fact, self.values) if self.fact else ""

    @functools.cached_property
    def layers(self) -> dict[str, float]:
        """The layers the line points at: what casekit.rules.layers assigned (the learned model
        and the signatures), else the signatures of its words and its command's."""
        if self.layer_weights:
            return dict(self.layer_weights)
        return knowledge().layers_of(f"{self.context} {self.text} {self.detail}")

    def to_dict(self, t: Catalogue) -> dict:
        """The evidence as the draft JSON holds it, its `detail` in `t`'s language (the case's)."""
        out = {f.name: getattr(self, f.name) for f in fields(self)
               if f.name not in ("fact", "values", "layer_weights", "detector")}
        out["detail"] = self.detail_in(t)
        return {k: v for k, v in out.items() if v not in (None, "")}


def clip(line: str) -> str:
    s = line.strip()
    return s if len(s) <= MAX_TEXT else s[:MAX_TEXT]

"""What reasoning works on and returns: a numbered source a statement may cite, and a
hypothesis with its evidence for and against."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Source:
    """A numbered source a draft may cite (S1, S2, ...): a retrieved chunk or a line of this case."""

    id: str
    kind: str  # case | doc | sign
    ref: str
    title: str
    text: str
    score: float
    meta: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"id": self.id, "kind": self.kind, "ref": self.ref, "title": self.title, "text": self.text,
                "score": round(self.score, 4)}


@dataclass
class Hypothesis:
    text: str
    layer: str
    side: str
    likelihood: float
    citations: list[str]
    supporting_signs: list[str]
    contradicting_signs: list[str]
    status: str = "unjudged"  # confirmed | supported | unjudged | contradicted | unclear
    evidence_for: list[dict] = field(default_factory=list)
    evidence_against: list[dict] = field(default_factory=list)
    lead: str | None = None  # the past case it was proposed by
    same_pattern: bool = False  # the lead past case shares this case's decisive fact (its steps may enter the plan)
    decisive: list[str] = field(default_factory=list)  # this case's decisive facts for it (not serialised)
    score: float = 0.0  # the score its likelihood came from (not serialised; bench/calibrate_confidence.py fits on it)

    def to_dict(self) -> dict:
        return {"text": self.text, "layer": self.layer, "side": self.side, "likelihood": round(self.likelihood, 3),
                "status": self.status, "citations": self.citations, "supporting_signs": self.supporting_signs,
                "contradicting_signs": self.contradicting_signs, "evidence_for": self.evidence_for,
                "evidence_against": self.evidence_against}

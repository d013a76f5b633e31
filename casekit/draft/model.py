"""The draft of one case: SPEC.md section 3's JSON is `Draft.to_dict()`, nothing more."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from ..evidence import Evidence
from ..evidence.signs import Sign
from ..i18n import catalogue
from ..reasoning import Hypothesis, Source


@dataclass
class Draft:
    case_id: str
    sources: list[Source]
    signs: list[Sign]
    summary: dict
    hypotheses: list[Hypothesis]
    findings: list[dict]
    missing_information: list[dict]
    next_question: dict
    plan: list[dict]
    provenance: dict
    case: dict = field(default_factory=dict)
    evidence: list[Evidence] = field(default_factory=list)
    is_is_not: dict = field(default_factory=dict)
    timeline: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    verification: list[dict] = field(default_factory=list)
    changes: dict | None = None  # since the previous draft of this case (casekit.draft.living)
    language: str = "en"  # the case's (Case.language): the language of every sentence casekit writes in the draft
    timings: dict = field(default_factory=dict)  # not serialised: varies run to run
    redactions: dict = field(default_factory=dict, repr=False)  # local only, never serialised
    identifiers: dict = field(default_factory=dict, repr=False)  # this case's own (Case.identifiers)
    also_considered: list[dict] = field(default_factory=list)  # candidates proposed without evidence of their own

    def to_dict(self) -> dict[str, Any]:
        return {
            "case_id": self.case_id,
            "language": self.language,
            "sources": [s.to_dict() for s in self.sources],
            "signs": [s.to_dict() for s in self.signs],
            "evidence": [e.to_dict(catalogue(self.language)) for e in self.evidence],
            "is_is_not": self.is_is_not,
            "timeline": self.timeline,
            "assessment": {
                "summary": self.summary,
                "hypotheses": [h.to_dict() for h in self.hypotheses],
                "findings": [{"text": f["text"], "citations": f["citations"]} for f in self.findings],
                "also_considered": self.also_considered,
            },
            "missing_information": self.missing_information,
            "next_question": self.next_question,
            "plan": [{"text": p["text"], "citations": p["citations"], "kind": p.get("kind", "step")} for p in self.plan],
            "case": self.case,
            "notes": self.notes,
            "verification": self.verification,
            "changes": self.changes,
            "provenance": self.provenance,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2) + "\n"

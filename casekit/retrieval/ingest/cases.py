"""Past cases -> chunks: what the customer saw, what the data showed, what it was.

Three views of one case, so that a new case matches on symptoms, on signs or on the
diagnosis; `group` folds them back into one source per case. The steps of the case's Plan
and Resolution travel as data in every chunk's meta (`plan_steps`, `resolution_steps`),
so that drafting never parses them back out of chunk text.
"""
from __future__ import annotations

import re
from typing import Callable

from ...case import Case
from ..chunks import Chunk, split_text

VIEWS = (
    ("symptoms", ("Subjective",)),
    ("signs", ("Objective",)),
    ("diagnosis", ("Assessment", "Resolution", "Plan")),
)
MIN_STEP_CHARS = 15
_STEP = re.compile(r"^\s*(?:\d+[.)]|[-*+•])\s+(.*\S)")


def steps(text: str) -> list[str]:
    """The numbered or bulleted lines of a section, marker removed and whitespace
    normalised; lines shorter than MIN_STEP_CHARS are not steps."""
    out = []
    for line in text.split("\n"):
        m = _STEP.match(line)
        if m:
            step = " ".join(m.group(1).split())
            if len(step) >= MIN_STEP_CHARS:
                out.append(step)
    return out


def case_meta(case: Case, redact: Callable[[str], str] | None = None) -> dict:
    """What every chunk of a past case carries besides its text (secrets masked)."""
    clean = redact or (lambda s: s)
    resolution = steps(clean(case.section("Resolution")))
    return {
        "case_id": case.id, "group": f"case:{case.id}", "service": (case.service or "").lower(),
        "industry": case.industry, "layer": case.layer, "side": case.side,
        "root_cause": clean(case.root_cause) if case.root_cause else case.root_cause,
        "tags": case.tags, "opened_utc": case.opened_utc,
        "plan_steps": steps(clean(case.section("Plan"))) or resolution, "resolution_steps": resolution,
    }


def case_chunks(case: Case, redact: Callable[[str], str] | None = None, size: int = 160, overlap: int = 40) -> list[Chunk]:
    """Chunks of one past case; `redact` masks secrets before anything is indexed."""
    clean = redact or (lambda s: s)
    meta = case_meta(case, clean)
    chunks = []
    for view, names in VIEWS:
        body = "\n\n".join(f"{n}:\n{case.section(n).strip()}" for n in names if case.section(n).strip())
        if view == "diagnosis" and case.root_cause:
            body = f"Root cause: {case.root_cause}\n\n{body}".strip()
        if view == "symptoms" and case.tags:
            body = f"{body}\n\nTags: {', '.join(case.tags)}".strip()
        if not body.strip():
            continue
        for i, piece in enumerate(split_text(clean(body), size, overlap)):
            chunks.append(Chunk(
                id=f"case:{case.id}#{view}.{i}", kind="case", ref=case.id, title=clean(case.title),
                text=piece, meta={**meta, "view": view},
            ))
    return chunks

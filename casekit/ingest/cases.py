"""Past cases -> chunks: what the customer saw, what the data showed, what it was.

Three views of one case, so that a new case matches on symptoms, on signs or on the
diagnosis; `group` folds them back into one source per case.
"""
from __future__ import annotations

from ..case import Case
from ..chunks import Chunk, split_text

VIEWS = (
    ("symptoms", ("Subjective",)),
    ("signs", ("Objective",)),
    ("diagnosis", ("Assessment", "Resolution", "Plan")),
)


def case_meta(case: Case) -> dict:
    return {
        "case_id": case.id, "group": f"case:{case.id}", "service": (case.service or "").lower(),
        "industry": case.industry, "layer": case.layer, "side": case.side, "root_cause": case.root_cause,
        "tags": case.tags, "opened_utc": case.opened_utc,
    }


def case_chunks(case: Case, redact=None, size: int = 160, overlap: int = 40) -> list[Chunk]:
    """Chunks of one past case; `redact` masks secrets before anything is indexed."""
    clean = redact or (lambda s: s)
    meta = case_meta(case)
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

"""Writing a draft: `<id>.md` (every document) and `<id>.json`, each atomically."""
from __future__ import annotations

from pathlib import Path

from ..draft import Draft
from ..fsutil import atomic_write
from .render import render_all


def write_draft(draft: Draft, out_dir: str | Path) -> list[Path]:
    """`<id>.md` then `<id>.json`, each atomically: the JSON, written last, marks the draft
    complete (batch resumption relies on it). Only writes: what changed since the previous
    draft was decided when the draft was made (`Drafter.draft(case, previous=...)`)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    m = atomic_write(out / f"{draft.case_id}.md", render_all(draft))
    j = atomic_write(out / f"{draft.case_id}.json", draft.to_json())
    return [j, m]

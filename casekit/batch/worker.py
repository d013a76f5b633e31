"""The batch worker both engines share: one unit of work, its result, and the Worker that
drafts and writes one case at a time (a local process and a Ray actor each hold one, so
both engines write exactly the same files)."""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..case import Case
from ..errors import CaseKitError


@dataclass
class Item:
    """One unit of batch work: a parsed case, or the reason it could not be parsed."""

    origin: str  # file, or file:line for JSONL
    case: Case | None = None
    error: str | None = None


@dataclass
class Result:
    """What happened to one case; serialised one way (to_dict/from_dict) for summary.jsonl
    and for the trip back from a Ray actor."""

    id: str
    status: str  # drafted | skipped | failed
    origin: str
    top: str | None = None
    layer: str | None = None
    likelihood: float | None = None
    seconds: float = 0.0
    error: str | None = None
    timings: dict = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "status": self.status, "origin": self.origin, "top_hypothesis": self.top,
                "layer": self.layer, "likelihood": self.likelihood, "seconds": round(self.seconds, 3),
                "error": self.error, "timings": self.timings}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Result":
        return cls(id=d["id"], status=d["status"], origin=d["origin"], top=d.get("top_hypothesis"),
                   layer=d.get("layer"), likelihood=d.get("likelihood"), seconds=d.get("seconds") or 0.0,
                   error=d.get("error"), timings=d.get("timings") or {})


def is_current(out_dir: Path, case: Case, fingerprint: dict) -> bool:
    """Are both outputs present, and was the JSON drafted from this very case and setup?"""
    j, m = out_dir / f"{case.id}.json", out_dir / f"{case.id}.md"
    if not (j.exists() and m.exists()):
        return False
    try:
        prov = json.loads(j.read_text(encoding="utf-8")).get("provenance", {})
    except (OSError, ValueError):
        return False
    return prov.get("case_sha256") == case.sha256() and all(prov.get(k) == v for k, v in fingerprint.items())


class Worker:
    """Holds one Drafter; drafts and writes one case at a time.

    `threads` is this worker's share of the cores (torch and llama.cpp), set before any
    model loads; None keeps the process defaults (casekit.models.threads)."""

    def __init__(self, index_dir: str | Path, model: str | None, seed: int = 0, threads: int | None = None):
        from ..draft import Drafter
        from ..models import use_threads

        if threads:
            use_threads(threads)
        self.drafter = Drafter(index_dir, model=model, seed=seed)

    def fingerprint(self) -> dict:
        d = self.drafter
        return {"model_sha256": d.model_sha, "index": d.index.identity, "seed": d.seed}

    def run(self, case: Case, origin: str, out_dir: str | Path) -> Result:
        out = Path(out_dir)
        t0 = time.perf_counter()
        if is_current(out, case, self.fingerprint()):
            return Result(case.id, "skipped", origin, seconds=time.perf_counter() - t0)
        from ..documents import write_draft
        from ..draft import previous_draft

        try:
            draft = self.drafter.draft(case, previous=previous_draft(out, case.id))
            write_draft(draft, out)
        except (CaseKitError, OSError, ValueError, RuntimeError) as e:
            return Result(case.id, "failed", origin, seconds=time.perf_counter() - t0, error=f"{type(e).__name__}: {e}")
        h = draft.hypotheses[0] if draft.hypotheses else None
        return Result(case.id, "drafted", origin, top=h.text if h else None, layer=h.layer if h else None,
                      likelihood=round(h.likelihood, 3) if h else None, seconds=time.perf_counter() - t0,
                      timings=draft.timings)

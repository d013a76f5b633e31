"""Case -> Draft: retrieval, the differential, prose by the local model, verification.

The draft JSON of SPEC.md section 3 is `Draft.to_dict()`, nothing more. Everything in it
is a function of (case, index, model, seed): timings live on the object, not in the JSON.
"""
from __future__ import annotations

import copy
import os
import re
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import __version__
from .case import Case
from .errors import IndexStateError
from .index import Hit, Index, embed
from .llm import Timing, Writer, clean_output, supported
from .reason import (Hypothesis, Source, findings, hypotheses, missing_information, next_question, plan)
from .redact import redact
from .signs import Sign, extract

CASES_K = 5
DOCS_K = 4
SIGN_SOURCES = 8
# Below this cosine similarity (MiniLM, the customer's account vs a source) nothing
# retrieved is evidence. Measured on examples/inbox: the 23 technical cases have a best
# past case at 0.46-0.74, the off-topic one (NEW-0004) at 0.35. With telling signs (an
# error code, exception or HTTP status that a source shares) the bar is lower.
MIN_RELEVANCE = 0.42
MIN_RELEVANCE_WITH_SIGNS = 0.30
SIGNS_WEIGHT, SYMPTOMS_WEIGHT = 0.6, 0.4
# The model rewrites the summary and this many hypotheses (each costs seconds on 2 cores;
# raise it with CASEKIT_PROSE_HYPOTHESES for a bigger machine or model).
PROSE_HYPOTHESES = int(os.environ.get("CASEKIT_PROSE_HYPOTHESES", "0") or 0)


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
    notes: list[str] = field(default_factory=list)
    verification: list[dict] = field(default_factory=list)
    timings: dict = field(default_factory=dict)  # not serialised: varies run to run
    redactions: dict = field(default_factory=dict, repr=False)  # local only, never serialised

    def to_dict(self) -> dict[str, Any]:
        return {
            "case_id": self.case_id,
            "sources": [s.to_dict() for s in self.sources],
            "signs": [s.to_dict() for s in self.signs],
            "assessment": {
                "summary": self.summary,
                "hypotheses": [h.to_dict() for h in self.hypotheses],
                "findings": [{"text": f["text"], "citations": f["citations"]} for f in self.findings],
            },
            "missing_information": self.missing_information,
            "next_question": self.next_question,
            "plan": [{"text": p["text"], "citations": p["citations"]} for p in self.plan],
            "case": self.case,
            "notes": self.notes,
            "verification": self.verification,
            "provenance": self.provenance,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2) + "\n"


def redacted_case(case: Case, mapping: dict[str, str]) -> Case:
    """A copy of the case with secrets masked everywhere the draft could read them."""
    c = copy.deepcopy(case)
    c.title = redact(c.title, mapping)
    c.sections = {h: redact(t, mapping) for h, t in c.sections.items()}
    c.resources = [redact(r, mapping) for r in c.resources]
    return c


def _year(case: Case) -> int | None:
    try:
        return int(case.opened_utc[:4]) if case.opened else None
    except (TypeError, ValueError):
        return None


class Drafter:
    """Holds the index, the embedding model and the GGUF for many drafts (CLI, batch,
    notebook and Ray actor all keep one)."""

    def __init__(self, index_dir: str | Path, model: str | None = None, seed: int = 0, prose: bool = True):
        from .models import resolve_llm, sha256

        self.index = Index.open(index_dir)
        if not self.index.chunks:
            raise IndexStateError(f"index at {index_dir} is empty; add cases and documents with: casekit index corpus")
        self.model_path = resolve_llm(model)
        self.model_sha = sha256(self.model_path)
        self.seed = seed
        self.prose = prose
        self.writer = Writer(self.model_path, seed=seed)

    # ------------------------------------------------------------------ retrieval

    def _retrieve(self, sym_q: str, sig_q: str, qv, kind: str, k: int) -> list[tuple[float, float, Hit]]:
        """(combined score, symptom similarity, hit) per source, symptoms and signs weighted.

        The similarity returned is the cosine of the source to the customer's own account
        (title and Subjective): the signs query is good at ranking but pasted logs make
        anything look a little similar, so relevance is judged on the symptoms.
        """
        scores: dict[str, list] = {}
        runs = [(sym_q, qv[0], SYMPTOMS_WEIGHT if sig_q else 1.0, True)]
        if sig_q:
            runs.append((sig_q, qv[1], SIGNS_WEIGHT, False))
        for q, v, w, is_sym in runs:
            for h in self.index.search(q, k=k * 3, kind=kind, qvec=v):
                entry = scores.setdefault(h.chunk.group, [0.0, 0.0, h])
                entry[0] += w * h.score
                if is_sym:
                    entry[1] = max(entry[1], h.dense)
                if h.score > entry[2].score:
                    entry[2] = h
        ranked = sorted(scores.values(), key=lambda e: (-e[0], e[2].chunk.id))
        return [(s, cos, h) for s, cos, h in ranked[:k]]

    def _case_text(self, hit: Hit) -> str:
        """What the draft reads of a past case: its diagnosis, signs and symptoms chunks."""
        chunks = self.index.group_chunks(hit.chunk.group)
        order = {"diagnosis": 0, "signs": 1, "symptoms": 2}
        chunks = sorted(chunks, key=lambda c: (order.get(c.meta.get("view"), 3), c.id))
        seen, lines = set(), []
        for c in chunks:
            for line in c.text.split("\n"):
                if line.strip() and line not in seen:
                    seen.add(line)
                    lines.append(line)
                elif not line.strip():
                    lines.append("")
        text = "\n".join(lines)
        return text[:3000]

    # ------------------------------------------------------------------ drafting

    def draft(self, case: Case) -> Draft:
        t0 = time.perf_counter()
        mapping: dict[str, str] = {}
        case_sha = case.sha256()
        case = redacted_case(case, mapping)
        signs = extract(case.objective, tz=case.timezone, year=_year(case))
        telling = [s for s in signs if s.kind in ("error", "exception", "code", "http_status", "exit_code", "kernel", "metric")]
        sym_q = " ".join(f"{case.title}. {case.symptoms}".split()[:150])
        sig_q = " ".join(" ".join(s.text for s in telling[:12]).split()[:150])
        qv = embed([sym_q, sig_q]) if sig_q else embed([sym_q])
        case_hits = self._retrieve(sym_q, sig_q, qv, "case", CASES_K)
        doc_hits = self._retrieve(sym_q, sig_q, qv, "doc", DOCS_K)
        t_retrieve = time.perf_counter() - t0
        best = max([c for _, c, _ in case_hits + doc_hits], default=0.0)
        shared = any(_shares_signature(telling, h.chunk.text) for _, _, h in case_hits[:3] + doc_hits[:3])
        relevant = best >= MIN_RELEVANCE or (shared and best >= MIN_RELEVANCE_WITH_SIGNS)
        notes = []
        if not relevant:
            notes.append(f"No retrieved past case or document is close to this case (best similarity {best:.2f} < "
                         f"{MIN_RELEVANCE}); no hypothesis or finding is offered.")
            case_hits, doc_hits = case_hits[:2], doc_hits[:1]
        else:
            top = case_hits[0][0] if case_hits else 0
            case_hits = [x for x in case_hits if x[0] >= 0.25 * top]

        sources: list[Source] = []

        def add_source(kind: str, ref: str, title: str, text: str, score: float, meta: dict) -> Source:
            s = Source(f"S{len(sources) + 1}", kind, ref, title, text, score, meta)
            sources.append(s)
            return s

        full_text: dict[str, str] = {}
        for score, cos, h in case_hits:
            src = add_source("case", h.chunk.ref, h.chunk.title, self._case_text(h), min(1.0, score), h.chunk.meta)
            full_text[src.id] = " ".join(src.text.lower().split())
        for score, cos, h in doc_hits:
            add_source("doc", h.chunk.ref, h.chunk.title, h.chunk.text, min(1.0, score), h.chunk.meta)
        sign_ids: dict[Sign, str] = {}
        for s in [x for x in signs if x.kind != "timestamp"][:SIGN_SOURCES]:
            src = add_source("sign", f"{case.id} Objective" + (f" line {s.line}" if s.line else ""), s.kind, s.text, 1.0, {})
            sign_ids[s] = src.id

        hyps = hypotheses(case, signs, sources, full_text, sign_ids, relevant)
        industry_doc, checklists = None, []
        if relevant:
            known = {s.ref: s for s in sources}
            if case.industry and case.industry != "other":
                for h in self.index.search(f"{case.industry} industry playbook: what changes the plan", k=1, kind="doc"):
                    if case.industry in (h.chunk.ref + " " + h.chunk.text).lower():
                        industry_doc = known.get(h.chunk.ref) or add_source("doc", h.chunk.ref, h.chunk.title, h.chunk.text,
                                                                            min(1.0, h.score), h.chunk.meta)
            if hyps:
                for h in self.index.search(f"{hyps[0].layer} troubleshooting checklist: {case.title}", k=1, kind="doc"):
                    checklists.append(known.get(h.chunk.ref) or add_source("doc", h.chunk.ref, h.chunk.title, h.chunk.text,
                                                                           min(1.0, h.score), h.chunk.meta))
        found = findings(case, signs, [s for s in sources if s.kind != "sign"], sign_ids) if relevant else []
        missing = missing_information(case, signs, hyps)
        nq = next_question(hyps, missing)
        case_plans = {s.ref: {"Plan": _section_of(s.text, "Plan")} for s in sources if s.kind == "case"}
        steps = plan(case, hyps, sources, case_plans, industry_doc, checklists, nq) if relevant else []
        summary = _summary(case, hyps, sources, relevant, best)

        draft = Draft(
            case_id=case.id, sources=sources, signs=signs, summary=summary, hypotheses=hyps, findings=found,
            missing_information=missing, next_question=nq, plan=steps,
            provenance={"casekit": __version__, "model": self.model_path.name, "model_sha256": self.model_sha,
                        "seed": self.seed, "index": self.index.identity,
                        "embedding": self.index.manifest.get("embedding", {}).get("id"), "prose": "deterministic",
                        "case_sha256": case_sha},
            case={"title": case.title, "opened": case.opened, "opened_utc": case.opened_utc, "timezone": case.timezone,
                  "service": case.service, "industry": case.industry, "severity": case.severity,
                  "resources": case.resources, "symptoms": case.symptoms.strip()},
            notes=notes, redactions=mapping,
        )
        timing = Timing()
        t1 = time.perf_counter()
        if self.prose and relevant and hyps:
            self._write_prose(draft, timing)
        draft.timings = {"retrieve_s": round(t_retrieve, 3), "reason_s": round(t1 - t0 - t_retrieve, 3),
                         "llm_s": round(time.perf_counter() - t1, 3), **timing.to_dict(),
                         "total_s": round(time.perf_counter() - t0, 3)}
        return draft

    def _write_prose(self, draft: Draft, timing: Timing) -> None:
        """The model rewrites the summary and the top hypotheses; the verifier decides."""
        targets: list[dict] = [draft.summary] + [{"text": h.text, "citations": h.citations} for h in draft.hypotheses[:PROSE_HYPOTHESES]]
        by_id = {s.id: s for s in draft.sources}
        cited = sorted({c for t in targets for c in t["citations"]}, key=lambda s: int(s[1:]))
        got = self.writer.rewrite(targets, {c: by_id[c].text for c in cited}, timing)
        used = 0
        for n, target in enumerate(targets):
            cand = clean_output(got[n]["text"]) if n < len(got) and isinstance(got[n].get("text"), str) else ""
            texts = [by_id[c].text for c in target["citations"]]
            if not cand:
                ok, why = False, "no output"
            else:
                ok, why = supported(cand, texts, basis=target["text"], embed=lambda xs: embed(xs))
            draft.verification.append({"statement": "summary" if n == 0 else f"hypothesis {n}",
                                       "model_text": cand, "accepted": ok, "reason": why})
            if ok:
                used += 1
                if n == 0:
                    draft.summary = {**draft.summary, "text": cand}
                else:
                    draft.hypotheses[n - 1].text = cand
        draft.provenance["prose"] = f"model for {used} of {len(targets)} statements, deterministic for the rest"

    def write(self, draft: Draft, out_dir: Path) -> list[Path]:
        """`<id>.md` then `<id>.json`, each atomically: the JSON, written last, marks the
        draft complete (batch resumption relies on it)."""
        from .fsutil import atomic_write
        from .render import render_all

        out_dir.mkdir(parents=True, exist_ok=True)
        m = atomic_write(out_dir / f"{draft.case_id}.md", render_all(draft))
        j = atomic_write(out_dir / f"{draft.case_id}.json", draft.to_json())
        return [j, m]


def _shares_signature(signs: list[Sign], text: str) -> bool:
    """Does a source carry one of the case's exact signatures (error code, exception, status)?"""
    low = text.lower()
    for s in signs:
        if s.kind in ("exception", "code", "exit_code") and s.text.lower() in low:
            return True
        if s.kind == "http_status" and re.search(rf"\b{s.text.split()[1]}\b", low):
            return True
    return False


def _section_of(text: str, name: str) -> str:
    """The block after a 'Name:' line in a case source's text."""
    lines = text.split("\n")
    out, on = [], False
    for line in lines:
        if line.strip().rstrip(":") in ("Assessment", "Resolution", "Plan", "Subjective", "Objective") and line.strip().endswith(":"):
            on = line.strip().rstrip(":") == name
            continue
        if on:
            out.append(line)
    return "\n".join(out)


def _summary(case: Case, hyps: list[Hypothesis], sources: list[Source], relevant: bool, best: float) -> dict:
    if not relevant or not hyps:
        near = [s for s in sources if s.kind in ("case", "doc")][:2] or sources[:1]
        refs = ", ".join(s.ref for s in near)
        text = (f"No retrieved source supports an assessment of this case: the closest ({refs}) are not similar "
                f"enough (similarity {best:.2f}). Gather the missing information before drafting.")
        return {"text": text, "citations": [s.id for s in near]}
    h = hyps[0]
    text = f"Most likely (likelihood {h.likelihood:.2f}): {h.text}"
    cites = list(h.citations[:3])
    if len(hyps) > 1:
        text += f" Next: {hyps[1].layer}/{hyps[1].side} ({hyps[1].likelihood:.2f})."
        cites += [c for c in hyps[1].citations[:1] if c not in cites]
    return {"text": text, "citations": cites}

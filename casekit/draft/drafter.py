"""Case -> Draft: this case's evidence, retrieval, the differential, a plan for this
customer, prose by the local model (optional), verification.

The draft JSON of SPEC.md section 3 is `Draft.to_dict()`, nothing more. Everything in it
is a function of (case, index, model, seed): timings live on the object, not in the JSON.
Each step of a draft is a named function of `Drafter`; the reasoning itself lives in
casekit.evidence and casekit.reasoning, and reads no files or models.
"""
from __future__ import annotations

import copy
import dataclasses
import os
import re
import time
from pathlib import Path

from ..case import Case
from ..errors import IndexStateError
from ..evidence import Evidence, is_is_not
from ..evidence.context import Context, read, year_of
from ..evidence.signs import MAX_LINES, TELLING, Sign, bounded, extract as extract_signs, sign_in
from ..i18n import Catalogue
from ..prose import Timing, Writer, clean_output, supported
from ..reasoning import Hypothesis, Source, findings, hypotheses, missing_information, mitigation, next_question, plan
from ..retrieval.index import Hit, Index, embed
from ..text.redact import redact
from ..text.tokens import short
from ..version import __version__
from .living import changes
from .model import Draft

# Sources a draft reads, per lane: past cases, documents (runbooks, notes), RFC sections.
LANE_K = {"case": 5, "doc": 3, "spec": 2}
SIGN_SOURCES = 6
# Below this similarity (the customer's account vs a source; mean of the MiniLM and USE
# cosines) nothing retrieved is evidence; with a telling sign that a source shares (an
# exception, error code or HTTP status) the bar is lower. Chosen by bench/calibrate_gate.py
# on the tuning split (48 on-topic and 11 off-topic cases, English and Chinese): 0.983
# classified right; held-out (24 on, 11 off): 1.000. A case below the gate still gets the
# hypotheses its own evidence carries (casekit.reasoning).
MIN_RELEVANCE = 0.42
MIN_RELEVANCE_WITH_SIGNS = 0.37
SIGNS_WEIGHT, SYMPTOMS_WEIGHT = 0.6, 0.4
# The model rewrites the summary and this many hypotheses (each costs seconds on 2 cores;
# raise it with CASEKIT_PROSE_HYPOTHESES for a bigger machine or model).
PROSE_HYPOTHESES = int(os.environ.get("CASEKIT_PROSE_HYPOTHESES", "0") or 0)
# The bundled models add nothing the verifier accepts as better than the deterministic
# text (measured: bench/prose_bench.py), so by default they are not asked to write prose.
BUNDLED = ("SmolLM2-135M-Instruct", "gemma-3-270m", "gemma3-270m")


class SourceBook:
    """The numbered sources of one draft (S1, S2, ...): retrieved chunks and this case's
    own lines. Evidence is added once, when a statement first cites it."""

    def __init__(self, case_id: str, t: Catalogue):
        self.case_id = case_id
        self.text = t  # a computed fact in a source's title reads in the case's language
        self.sources: list[Source] = []
        self._evidence: dict[tuple, str] = {}

    def add(self, kind: str, ref: str, title: str, text: str, score: float, meta: dict | None = None) -> Source:
        s = Source(f"S{len(self.sources) + 1}", kind, ref, title, text, score, meta or {})
        self.sources.append(s)
        return s

    def by_ref(self, ref: str) -> Source | None:
        return next((s for s in self.sources if s.ref == ref and s.kind != "sign"), None)

    def cite(self, e: Evidence | None) -> str | None:
        """The source id of an evidence line of this case (added on first use)."""
        if e is None:
            return None
        key = (e.section, e.line, e.text, e.detail)
        if key not in self._evidence:
            where = self.text("src.line" if e.line else "src.section", case=self.case_id, section=e.section, line=e.line)
            title = f"{e.origin} {e.kind}" + (f": {e.detail_in(self.text)}" if e.fact else "")  # the text stays the case's line
            self._evidence[key] = self.add("sign", where, title, e.text, 1.0, {"origin": e.origin, "kind": e.kind}).id
        return self._evidence[key]


def redacted_case(case: Case, mapping: dict[str, str]) -> tuple[Case, int]:
    """A copy of the case with secrets masked everywhere the draft could read them; a huge
    Objective is cut to its head and tail first, so only what is kept is scanned."""
    c = copy.deepcopy(case)
    total = 0
    c.title = redact(c.title, mapping)
    sections = {}
    for h, t in c.sections.items():
        if h.lower() == "objective" or t.count("\n") > MAX_LINES:
            t, n = bounded(t)
            total = max(total, n)
        sections[h] = redact(t, mapping)
    c.sections = sections
    c.resources = [redact(r, mapping) for r in c.resources]
    c.log = [dataclasses.replace(e, text=redact(e.text, mapping)) for e in c.log]
    return c, total


def prose_default(model_path: Path) -> bool:
    """Prose by the model: CASEKIT_PROSE=1/0 decides; else on for any GGUF but the bundled ones."""
    env = os.environ.get("CASEKIT_PROSE", "").strip().lower()
    if env in ("1", "true", "yes", "on"):
        return True
    if env in ("0", "false", "no", "off"):
        return False
    return not any(model_path.name.startswith(b) for b in BUNDLED)


class Drafter:
    """Holds the index, the embedding model and the GGUF for many drafts (CLI, batch,
    notebook and Ray actor all keep one)."""

    def __init__(self, index_dir: str | Path, model: str | None = None, seed: int = 0, prose: bool | None = None,
                 threads: int | None = None):
        from ..models import resolve_llm, sha256

        self.index = Index.open(index_dir)
        if not self.index.chunks:
            raise IndexStateError(f"index at {index_dir} is empty; add cases and documents with: casekit index corpus")
        self.model_path = resolve_llm(model)
        self.model_sha = sha256(self.model_path)
        self.seed = seed
        self.prose = prose_default(self.model_path) if prose is None else prose
        self.writer = Writer(self.model_path, seed=seed, threads=threads)  # loads the GGUF on first use

    # ------------------------------------------------------------------ retrieval

    def _retrieve(self, sym_q: str, sig_q: str, qv) -> dict[str, list[tuple[float, float, Hit]]]:
        """Per lane (past cases, documents, specifications): (combined score, symptom
        similarity, hit) per source, symptoms and signs weighted.

        The similarity returned is the cosine of the source to the customer's own account
        (title and Subjective): the signs query is good at ranking but pasted logs make
        anything look a little similar, so relevance is judged on the symptoms.
        """
        scores: dict[str, dict[str, list]] = {lane: {} for lane in LANE_K}
        runs = [(sym_q, qv[0], SYMPTOMS_WEIGHT if sig_q else 1.0, True)]
        if sig_q:
            runs.append((sig_q, qv[1], SIGNS_WEIGHT, False))
        for q, v, w, is_sym in runs:
            for lane, hits in self.index.lanes(q, k=max(LANE_K.values()) * 3, qvec=v).items():
                for h in hits:
                    entry = scores[lane].setdefault(h.chunk.group, [0.0, 0.0, h])
                    entry[0] += w * h.score
                    if is_sym:
                        entry[1] = max(entry[1], h.dense)
                    if h.score > entry[2].score:
                        entry[2] = h
        out = {}
        for lane, k in LANE_K.items():
            ranked = sorted(scores[lane].values(), key=lambda e: (-e[0], e[2].chunk.id))
            out[lane] = [(s, cos, h) for s, cos, h in ranked[:k]]
        return out

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

    def draft(self, case: Case, previous: dict | None = None) -> Draft:
        """The draft of `case`; `previous` is the JSON of this case's previous draft, when there is one
        (casekit.draft.living: what changed since is part of the draft)."""
        t0 = time.perf_counter()
        mapping: dict[str, str] = {}
        case_sha = case.sha256()
        case, total_lines = redacted_case(case, mapping)
        ctx = read(case, total_lines)
        t = ctx.t
        case_hits, doc_hits, relevant, best, notes = self._retrieve_for(ctx)
        t_retrieve = time.perf_counter() - t0
        book = SourceBook(case.id, t)
        full_text = self._add_retrieved(book, case_hits, doc_hits)
        hyps, also = hypotheses(ctx, book.sources, full_text, book.cite, relevant)
        industry_doc, checklists = self._playbooks(case, hyps, book) if hyps else (None, [])
        sign_ids = self._sign_sources(book, list(ctx.signs))
        found = findings(ctx, [s for s in book.sources if s.kind in ("case", "doc")], sign_ids) if relevant else []
        missing = missing_information(ctx, hyps)
        first = mitigation(ctx, hyps, book.cite)
        nq = next_question(ctx, hyps, missing)
        steps = plan(ctx, hyps, book.sources, industry_doc, checklists, nq, first) if hyps else []
        summary = _summary(ctx, hyps, book.sources, relevant, best)
        tl = ctx.timeline
        draft = Draft(
            case_id=case.id, sources=book.sources, signs=list(ctx.signs), summary=summary, hypotheses=hyps,
            findings=found, missing_information=missing, next_question=nq, plan=steps, evidence=list(ctx.evidence),
            is_is_not=is_is_not(list(ctx.observed), list(ctx.said), tl, t), timeline=tl.to_dict(),
            provenance={"casekit": __version__, "model": self.model_path.name, "model_sha256": self.model_sha,
                        "seed": self.seed, "index": self.index.identity,
                        "embedding": self.index.manifest.get("embedding", {}).get("id"), "prose": "deterministic",
                        "case_sha256": case_sha},
            case={"title": case.title, "opened": case.opened, "opened_utc": case.opened_utc, "timezone": case.timezone,
                  "service": case.service, "industry": case.industry, "severity": case.severity,
                  "resources": case.resources, "symptoms": case.symptoms.strip(), "reported_start": ctx.start_phrase,
                  "reported_start_utc": ctx.start_utc, "deadline": ctx.deadline,
                  "log": [{**e.to_dict(), "at_utc": e.at_utc} for e in sorted(case.log, key=lambda e: (e.at_utc, e.line or 0))]},
            notes=notes, redactions=mapping, identifiers=ctx.identifiers, language=t.language, also_considered=also,
        )
        timing = Timing()
        t1 = time.perf_counter()
        if self.prose and hyps:
            self._write_prose(draft, timing, case)
        draft.timings = {"retrieve_s": round(t_retrieve, 3), "reason_s": round(t1 - t0 - t_retrieve, 3),
                         "llm_s": round(time.perf_counter() - t1, 3), **timing.to_dict(),
                         "total_s": round(time.perf_counter() - t0, 3)}
        draft.changes = changes(previous, draft.to_dict())
        return draft

    def _retrieve_for(self, ctx: Context):
        """Past cases and documents for the customer's account and the case's signs, and
        whether any of them is close enough to be evidence (the relevance gate)."""
        case = ctx.case
        lanes, best, shared = self._lanes_and_gate(case, list(ctx.signs))
        case_hits, doc_hits = lanes["case"], lanes["doc"] + lanes["spec"]
        relevant = best >= MIN_RELEVANCE or (shared and best >= MIN_RELEVANCE_WITH_SIGNS)
        notes = []
        if not relevant:
            notes.append(ctx.t("note.not_relevant", best=f"{best:.2f}", gate=MIN_RELEVANCE))
            case_hits, doc_hits = case_hits[:2], doc_hits[:1]
        else:
            top = case_hits[0][0] if case_hits else 0
            case_hits = [x for x in case_hits if x[0] >= 0.25 * top]
        return case_hits, doc_hits, relevant, best, notes

    def _lanes_and_gate(self, case: Case, signs: list[Sign]):
        """(lanes, best symptom similarity, whether a top source shares an error code with the case)."""
        telling = [s for s in signs if s.kind in TELLING]
        sym_q = " ".join(f"{case.title}. {case.symptoms}".split()[:150])
        sig_q = " ".join(" ".join(s.text for s in telling[:12]).split()[:150])
        qv = embed([sym_q, sig_q]) if sig_q else embed([sym_q])
        lanes = self._retrieve(sym_q, sig_q, qv)
        hits = [x for lane in LANE_K for x in lanes[lane]]
        best = max([c for _, c, _ in hits], default=0.0)
        shared = any(sign_in(s, h.chunk.text) for lane in LANE_K for _, _, h in lanes[lane][:3]
                     for s in telling if s.kind in ("exception", "code", "exit_code", "http_status"))
        return lanes, best, shared

    def relevance(self, case: Case) -> tuple[float, bool]:
        """What the relevance gate reads of a case (the best symptom similarity, whether a top
        source shares a telling sign), for calibration (bench/calibrate_gate.py)."""
        case, _ = redacted_case(case, {})
        signs = extract_signs(case.objective, tz=case.timezone, year=year_of(case), language=case.language)
        _, best, shared = self._lanes_and_gate(case, signs)
        return best, shared

    def _add_retrieved(self, book: SourceBook, case_hits, doc_hits) -> dict[str, str]:
        full_text: dict[str, str] = {}
        for score, cos, h in case_hits:
            text = self._case_text(h)
            src = book.add("case", h.chunk.ref, h.chunk.title, text, min(1.0, score), dict(h.chunk.meta))
            full_text[src.id] = " ".join(src.text.lower().split())
        for score, cos, h in doc_hits:
            book.add("doc", h.chunk.ref, h.chunk.title, h.chunk.text, min(1.0, score), h.chunk.meta)
        return full_text

    def _playbooks(self, case: Case, hyps: list[Hypothesis], book: SourceBook):
        """The industry playbook and the leading layer's checklist, when the index has them."""
        industry_doc, checklists = None, []
        if case.industry and case.industry != "other":
            q = f"{case.industry} industry playbook: what changes the plan"
            hits = self.index.search(q, k=5, kind="doc", qvec=self._vector(q))
            # the section that names the industry (not the playbook's general introduction)
            h = next((h for h in hits if case.industry in h.chunk.ref.lower()), None) or \
                next((h for h in hits if case.industry in h.chunk.text.lower()), None)
            if h:
                industry_doc = book.by_ref(h.chunk.ref) or book.add("doc", h.chunk.ref, h.chunk.title, h.chunk.text,
                                                                    min(1.0, h.score), h.chunk.meta)
        for h in self.index.search(f"{hyps[0].layer} troubleshooting checklist: {case.title}", k=1, kind="doc"):
            checklists.append(book.by_ref(h.chunk.ref) or book.add("doc", h.chunk.ref, h.chunk.title, h.chunk.text,
                                                                   min(1.0, h.score), h.chunk.meta))
        return industry_doc, checklists

    def _vector(self, query: str):
        """A fixed query's vector, embedded once per drafter (the industry playbook queries)."""
        cache = self.__dict__.setdefault("_vectors", {})
        if query not in cache:
            cache[query] = embed([query])[0]
        return cache[query]

    def _sign_sources(self, book: SourceBook, signs: list[Sign]) -> dict[Sign, str]:
        """The case's telling signs as citable sources (the findings link to them)."""
        ids: dict[Sign, str] = {}
        for s in [x for x in signs if x.kind in TELLING][:SIGN_SOURCES]:
            ev = Evidence(s.text, "error", s.line, "observed")
            existing = next((src for src in book.sources if src.kind == "sign" and src.text.split("\n")[0] == s.text), None)
            ids[s] = existing.id if existing else book.cite(ev)
        return ids

    def _write_prose(self, draft: Draft, timing: Timing, case: Case) -> None:
        """The model rewrites the summary and the top hypotheses; the verifier decides."""
        targets: list[dict] = [draft.summary] + [{"text": h.text, "citations": h.citations} for h in draft.hypotheses[:PROSE_HYPOTHESES]]
        by_id = {s.id: s for s in draft.sources}
        cited = sorted({c for t in targets for c in t["citations"]}, key=lambda s: int(s[1:]))
        got = self.writer.rewrite(targets, {c: by_id[c].text for c in cited}, timing)
        own_text = "\n".join([case.title, case.symptoms, case.objective])
        others = [s.text for s in draft.sources if s.kind in ("case", "doc")]
        used = 0
        for n, target in enumerate(targets):
            cand = clean_output(got[n]["text"]) if n < len(got) and isinstance(got[n].get("text"), str) else ""
            texts = [by_id[c].text for c in target["citations"]]
            if not cand:
                ok, why = False, "no output"
            else:
                ok, why = supported(cand, texts, basis=target["text"], embed=lambda xs: embed(xs), case_text=own_text,
                                    other_texts=others, language=draft.language)
            draft.verification.append({"statement": "summary" if n == 0 else f"hypothesis {n}",
                                       "model_text": cand, "accepted": ok, "reason": why})
            if ok:
                used += 1
                if n == 0:
                    draft.summary = {**draft.summary, "text": cand}
                else:
                    draft.hypotheses[n - 1].text = cand
        draft.provenance["prose"] = f"model for {used} of {len(targets)} statements, deterministic for the rest"


def _summary(ctx: Context, hyps: list[Hypothesis], sources: list[Source], relevant: bool, best: float) -> dict:
    t = ctx.t
    if not hyps:
        near = [s for s in sources if s.kind in ("case", "doc")][:2] or sources[:1]
        refs = t["list_sep"].join(s.ref for s in near)
        return {"text": t("s.none", refs=refs, best=f"{best:.2f}"), "citations": [s.id for s in near]}
    h = hyps[0]
    if h.status == "confirmed":
        text = t("s.confirmed", text=h.text)
    elif h.status == "unclear" and len(hyps) > 1:
        h2 = hyps[1]
        text = t("s.unclear", layer=h.layer, side=h.side, likelihood=f"{h.likelihood:.2f}", layer2=h2.layer,
                 side2=h2.side, likelihood2=f"{h2.likelihood:.2f}", text=h.text)
    else:
        text = t("s.likely", likelihood=f"{h.likelihood:.2f}", text=h.text)
    cites = list(dict.fromkeys(re.findall(r"\[(S\d+)\]", h.text) + h.citations[:3]))
    ruled = [x for x in hyps[1:] if x.status == "contradicted" and x.evidence_against]
    for x in ruled[:2]:
        a = x.evidence_against[0]
        text += t("s.ruled_out", layer=x.layer, side=x.side, lead=t("s.lead", lead=x.lead) if x.lead else "",
                  text=short(a['text'], 80), source=a['source'], why=a['why'])
        cites.append(a["source"])
    nxt = [x for x in hyps[1:] if x.status != "contradicted"]
    if nxt and h.status != "confirmed":
        text += t("s.next", layer=nxt[0].layer, side=nxt[0].side, likelihood=f"{nxt[0].likelihood:.2f}")
        cites += [c for c in nxt[0].citations[:1] if c not in cites]
    return {"text": text, "citations": list(dict.fromkeys(c for c in cites if c))}

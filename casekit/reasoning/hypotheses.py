"""The differential: hypotheses judged by this case's evidence, findings, missing
information and the next question.

Deterministic and model-free, so the reasoning does not depend on the model's size.
Past cases and documents propose candidates (a layer and a side, with a cause that was
seen before); this case's own evidence (casekit.evidence) confirms, weakens or rules
them out. A hypothesis that the evidence contradicts ranks below one that it supports,
whatever the retrieval score. Every statement cites what it rests on: a retrieved source
or a line of this case (a `sign` source).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..case import LAYERS, Case
from ..evidence import Evidence, Timeline
from ..i18n import EN, Catalogue, catalogue
from ..rules import cues
from ..text.identifiers import scrub
from ..text.tokens import short, tokenize
from .model import Hypothesis, Source
from .questions import answered

STRONG = ("absence", "limit", "comparison", "change", "configuration")
TIER_WEIGHT = (1.0, 0.55, 0.12)  # supported, unjudged, contradicted
EVIDENCE_WEIGHT = 0.05  # per unit of supporting evidence (kind weight x specificity), up to 15 units


def _lc(s: str) -> str:
    return cues.fold(s)


def layer_profile(texts: list[str]) -> dict[str, float]:
    """How strongly a set of texts points at each layer (cue hits, one per cue)."""
    got = cues.layers_of(" \n ".join(texts))
    return {layer: float(got.get(layer, 0)) for layer in cues.LAYER_CUES}


def evidence_profile(evidence: list[Evidence]) -> dict[str, float]:
    """How strongly this case's evidence points at each layer, weighted by kind."""
    prof = {layer: 0.0 for layer in cues.LAYER_CUES}
    told: set[tuple[str, str]] = set()  # a command's words count once, not once per line it printed
    for e in evidence:
        own, layers = e.own_layers, e.layers
        hits = sum(layers.values())
        for layer, n in layers.items():
            if layer in own or (e.context, layer) not in told:
                prof[layer] += e.weight * (0.5 + n / hits)  # a line that points at one layer tells more
            told.add((e.context, layer))
    return prof


def describe(e: Evidence, sid: str | None, t: Catalogue = EN) -> str:
    """An evidence line as a clause of a statement, with its citation, in `t`'s language."""
    ref = f" [{sid}]" if sid else ""
    if e.fact:
        return f"{e.detail_in(t)}{ref}"
    if e.section == "Log" and e.context:  # an answer: 'no' means what it answers
        return t("h.answer_clause", answer=short(e.text, 100), question=short(e.context, 90)) + ref
    if len(e.text) < 16 and e.context:  # a bare result ('[]', 'null') means what its command asked
        return t("h.returned", command=short(e.context, 100), result=e.text) + ref
    return f"`{short(e.text, 120)}`{ref}"


# --------------------------------------------------------------------------- hypotheses


@dataclass
class Judged:
    layer: str
    side: str
    cases: list[Source]
    docs: list[Source]
    retrieval: float
    support: list[tuple[float, Evidence]] = field(default_factory=list)
    against: list[tuple[Evidence, str]] = field(default_factory=list)
    score: float = 0.0
    tier: int = 1
    direct: bool = False  # a strong line of this case points at this layer


def _candidates(sources: list[Source], prof: dict[str, float], relevant: bool) -> dict[tuple[str, str], Judged]:
    """(layer, side) candidates: from past cases and documents when retrieval is relevant,
    and from this case's evidence alone (`prof`, its evidence profile) when it points strongly
    at a layer no case covers."""
    groups: dict[tuple[str, str], Judged] = {}
    if relevant:
        for src in sources:
            if src.kind != "case":
                continue
            layer = src.meta.get("layer") if src.meta.get("layer") in LAYERS else "unknown"
            side = src.meta.get("side") or "unknown"
            g = groups.setdefault((layer, side), Judged(layer, side, [], [], 0.0))
            g.cases.append(src)
            g.retrieval = max(g.retrieval, src.score) + 0.25 * min(g.retrieval, src.score)
    strong = sorted(((v, k) for k, v in prof.items() if v >= 6.0), reverse=True)[:2]
    for v, layer in strong:
        if not any(k[0] == layer for k in groups):
            groups[(layer, "unknown")] = Judged(layer, "unknown", [], [], 0.0)
    for src in sources:
        if src.kind != "doc":
            continue
        p = layer_profile([src.title, src.ref, src.text])
        layer = max(LAYERS[:-1], key=lambda L: (p.get(L, 0), -LAYERS.index(L)))
        if p.get(layer, 0):
            for k, g in groups.items():
                if k[0] == layer:
                    g.docs.append(src)
    return groups


def _distinctive(lead: Source | None, full_text: dict[str, str]) -> set[str]:
    """Words of the lead past case that the other retrieved cases do not share: what makes
    its pattern recognisable in this case's lines."""
    if lead is None:
        return set()
    mine = {t for t in tokenize(full_text.get(lead.id, "")) if len(t) > 3 and not t.isdigit()}
    others: dict[str, int] = {}
    for sid, text in full_text.items():
        if sid != lead.id:
            for t in set(tokenize(text)):
                others[t] = others.get(t, 0) + 1
    return {t for t in mine if others.get(t, 0) <= 1}


def _judge(g: Judged, evidence: list[Evidence], said: list[Evidence], full_text: dict[str, str], t: Catalogue = EN) -> None:
    lead = g.cases[0] if g.cases else None
    lead_tokens = {t for t in tokenize(lead.meta.get("root_cause") or "") if len(t) > 3} if lead else set()
    pattern = _distinctive(lead, full_text)
    for e in evidence:
        toks = set(tokenize(f"{e.context} {e.text} {e.detail}"))
        layers = e.layers
        if g.layer in layers:
            # a line that points at this layer only tells more than one that points everywhere
            specific = layers[g.layer] / sum(layers.values())
            bonus = 1.5 if lead_tokens & toks else 1.0
            g.support.append((e.weight * bonus * (0.5 + specific), e))
            # direct: a strong kind of line, or an error that names this layer and little else
            g.direct = g.direct or e.kind in STRONG or e.origin == "inferred" or \
                (e.kind == "error" and layers[g.layer] >= 2 and specific >= 0.6)
        elif len(pattern & toks) >= 2 and e.kind != "timeline":
            g.support.append((0.5 * e.weight, e))
    g.support.sort(key=lambda x: (-x[0], x[1].line or 0))
    rc = _lc(lead.meta.get("root_cause") or lead.title) if lead else ""
    for e in evidence + said:
        for rx, applies, why in cues.CONTRADICTIONS:
            if rx.search(e.text) and applies(g.layer, g.side, rc) and not any(x is e for x, _ in g.against):
                g.against.append((e, t[why]))  # why: read in the case's language; the ranking reads only that it is there


def hypotheses(case: Case, sources: list[Source], full_text: dict[str, str], evidence: list[Evidence],
               said: list[Evidence], tl: Timeline, cite_evidence, relevant: bool, top: int = 4) -> list[Hypothesis]:
    """Ranked hypotheses: candidates from past cases and documents, judged by this case's
    evidence. `cite_evidence(e)` returns the source id of an evidence line (adding it)."""
    observed = [e for e in evidence if e.origin != "reported"]
    prof = evidence_profile(observed)
    groups = _candidates(sources, prof, relevant)
    if not groups:
        return []
    total = sum(prof.values()) or 1.0
    best_retrieval = max((g.retrieval for g in groups.values()), default=0.0) or 1.0
    answers = answered(case)
    t = catalogue(case.language)
    for g in groups.values():
        _judge(g, observed, said, full_text, t)
        for e, question, yes_keeps, yes in answers:  # an answer to a question moves what it splits
            if yes_keeps(g) == yes:
                g.support.insert(0, (2.0, e))  # consistent with it; its own lines still decide
            else:
                g.against.append((e, t("h.answer_why", question=short(question, 90), answer=t["yes"] if yes else t["no"])))
        ev = sum(w for w, _ in g.support[:6])
        share = prof.get(g.layer, 0.0) / total
        base = g.retrieval / best_retrieval if g.cases else 0.35
        g.score = base * (1.0 + 2.0 * share) + EVIDENCE_WEIGHT * min(ev, 15.0)
        g.tier = 2 if g.against else (0 if g.direct else 1)
    ranked = sorted(groups.values(), key=lambda g: (g.tier, -g.score, g.layer, g.side))[:top]
    raw = [TIER_WEIGHT[g.tier] * g.score for g in ranked]
    for i in range(1, len(raw)):
        raw[i] = min(raw[i], raw[i - 1])
    mass = sum(raw) or 1.0
    out = []
    for g, r in zip(ranked, raw):
        out.append(_hypothesis(case, g, r / mass, tl, cite_evidence))
    if out and _confirmed(ranked[0], tl):
        out[0].status = "confirmed"
    return out


def _confirmed(g: Judged, tl: Timeline) -> bool:
    """The case's own evidence settles it: a strong line for it, a change or a healthy
    comparison beside it, and nothing against it."""
    if g.tier != 0 or g.against:
        return False
    strong = [e for _, e in g.support if e.kind in ("absence", "limit") or e.origin == "inferred"]
    compared = any(e.kind == "comparison" for _, e in g.support)
    return bool(strong) and (compared or bool(tl.change))


def _hypothesis(case: Case, g: Judged, likelihood: float, tl: Timeline, cite_evidence) -> Hypothesis:
    t = catalogue(case.language)
    phrase = _layer_phrase(g.layer, g.side, t)
    facts: list[Evidence] = []
    against_texts = {a.text for a, _ in g.against}
    for _, e in g.support:
        if len(facts) >= 2:
            break
        if all(e.text != f.text for f in facts) and e.text not in against_texts:
            facts.append(e)
    clauses = [describe(e, cite_evidence(e), t) for e in facts]
    text = phrase + t["h.end"]
    if clauses:
        text += t("h.shows", clauses=t["clause_sep"].join(clauses))
    if tl.change and tl.change.get("minutes_before") is not None and g.tier == 0 and g.side in ("customer", "unknown"):
        ce = next((e for _, e in g.support if e.kind == "change"), None)
        cid = cite_evidence(ce) if ce else None
        text += t("h.change", utc=tl.change['utc'], minutes=tl.change['minutes_before'], cite=f" [{cid}]" if cid else "")
    mine = case.identifiers()
    if g.cases:
        lead = g.cases[0]
        rc = scrub((lead.meta.get("root_cause") or lead.title).rstrip(".。"), mine)
        text += t("h.same_pattern", ref=lead.ref, cause=rc)  # the past case's own words, quoted
    elif g.docs:
        text += t("h.doc_only", ref=g.docs[0].ref)
    else:
        text += t["h.own_only"]
    against = []
    for e, why in g.against[:3]:
        sid = cite_evidence(e)
        against.append({"text": e.text, "kind": e.kind, "line": e.line, "origin": e.origin, "section": e.section,
                        "why": why, "source": sid, "citations": [sid]})
    if against:
        text += t("h.contradicted", text=short(against[0]['text'], 100), source=against[0]['source'], why=against[0]['why'])
    cites = [c.id for c in g.cases[:2]] + [d.id for d in g.docs[:1]]
    for e in facts:
        sid = cite_evidence(e)
        if sid and sid not in cites:
            cites.append(sid)
    for a in against[:1]:
        if a["source"] not in cites:
            cites.append(a["source"])
    support, seen = [], {e.text for e, _ in g.against}  # a line against it is not also for it
    for _, e in g.support:
        if e.text not in seen:
            seen.add(e.text)
            support.append(e)
    support = support[:8]
    evidence_for = [{"text": e.text, "kind": e.kind, "line": e.line, "origin": e.origin, "section": e.section,
                     **({"detail": e.detail_in(t)} if e.fact else {}), **({"context": e.context} if e.context else {}),
                     "source": (sid := cite_evidence(e)), "citations": [sid]} for e in support[:6]]
    status = "contradicted" if g.tier == 2 else "supported" if g.tier == 0 else "unjudged"
    cites += [c for c in re.findall(r"\[(S\d+)\]", text) if c not in cites]  # every id the text names
    return Hypothesis(text=text, layer=g.layer, side=g.side, likelihood=likelihood, citations=[c for c in cites if c],
                      supporting_signs=list(dict.fromkeys(e.text for e in support))[:8],
                      contradicting_signs=list(dict.fromkeys(a["text"] for a in against)),
                      status=status, evidence_for=evidence_for, evidence_against=against,
                      lead=g.cases[0].ref if g.cases else None)


def _layer_phrase(layer: str, side: str, t: Catalogue = EN) -> str:
    s = t["side_phrase"].get(side, side)
    name = t["layer_phrase"].get(layer, layer)
    return t("h.phrase", side=s, layer=name) if side != "unknown" else t("h.phrase_unknown", layer=name, side=s)

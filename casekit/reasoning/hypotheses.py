"""The differential: hypotheses judged by this case's evidence.

Deterministic and model-free, so the reasoning does not depend on the model's size. This
case's own lines come first: each evidence line points at layers (casekit.rules.layers),
weighted by how telling its kind is; a decisive fact (computed across lines, a state that is
off, something missing, a value at its limit, the provider's own confirmation) weighs most;
a line stated normal or healthy is is-not evidence and weakens the layers it names. Past
cases propose: their layer counts only when this case has evidence of its own for it, and a
past case is called "the same pattern" only when it shares the kind of this case's decisive
fact. A hypothesis that a line contradicts ranks below the others, whatever its score.

Likelihoods are probabilities over the listed hypotheses and "something else" (a softmax
whose temperature and whose mass for something else are fitted on the tuning cases:
bench/calibrate_confidence.py). `confirmed` is a promise: a decisive fact supports it, it
explains the reported symptom, nothing contradicts it and no rival has a decisive fact of its
own; when the top two are close and nothing decides, both are `unclear`.
"""
from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass, field

from ..case import LAYERS
from ..evidence import Evidence
from ..evidence.context import Context
from ..i18n import Catalogue
from ..rules import fold, knowledge
from ..text.identifiers import scrub
from ..text.lang import Rx
from ..text.tokens import balanced, STOP, short, tokenize
from .model import Hypothesis, Source
from .questions import answered

TOP = 4
# Weights of a layer's score, and where they came from (the tuning cases: tune, blind1,
# textbook, threads-a, twins1; bench/calibrate_confidence.py prints the fit).
W_SUPPORT = 1.0  # log(1 + evidence mass pointing at the layer)
W_DECISIVE = 1.2  # per decisive fact that points at the layer (up to 2)
W_RETRIEVAL = 0.6  # the best proposing past case's relative retrieval score
W_HEALTHY = 0.7  # log(1 + is-not mass for the layer: lines stating it normal)
MIN_OWN = 0.6  # evidence mass a layer needs to be listed as a hypothesis
TEMPERATURE = 1.0  # the softmax of scores into likelihoods
OTHER = 0.0  # the score of "something else", the mass no listed hypothesis takes
CONFIRM_MARGIN = 0.25  # confirmed: the leader's likelihood ahead of the next by at least this
UNCLEAR_MARGIN = 0.08  # unclear: the top two within this and no decisive fact between them
CONTRADICTED_PENALTY = 2.5
# How telling a line is for showing it as evidence for a hypothesis (times how much it points
# at the layer): the facts that decide first, configuration and state next, the error lines
# (usually the symptom) after them, the change itself last (the hypothesis names it apart).
TELL = {"absence": 3.0, "limit": 3.0, "provider": 3.0, "comparison": 2.5, "configuration": 2.5, "state": 2.0,
        "error": 1.2, "timeline": 0.4, "change": 0.3}


@dataclass
class Judged:
    layer: str
    side: str
    cases: list[Source] = field(default_factory=list)
    docs: list[Source] = field(default_factory=list)
    retrieval: float = 0.0
    support: list[tuple[float, Evidence]] = field(default_factory=list)
    healthy: list[tuple[float, Evidence]] = field(default_factory=list)
    against: list[tuple[Evidence, str]] = field(default_factory=list)
    mass: float = 0.0
    is_not: float = 0.0
    decisive: list[Evidence] = field(default_factory=list)
    score: float = 0.0
    same_pattern: bool = False


def describe(e: Evidence, sid: str | None, t: Catalogue) -> str:
    """An evidence line as a clause of a statement, with its citation, in `t`'s language."""
    ref = f" [{sid}]" if sid else ""
    if e.fact:
        return f"{e.detail_in(t)}{ref}"
    if e.section == "Log" and e.context:  # an answer: 'no' means what it answers
        return t("h.answer_clause", answer=short(e.text, 100), question=short(e.context, 90)) + ref
    if len(e.text) < 16 and e.context:  # a bare result ('[]', 'null') means what its command asked
        return t("h.returned", command=short(e.context, 100), result=e.text) + ref
    return f"`{short(balanced(e.text), 120).replace('`', 'ˋ')}`{ref}"  # a quote: one code span, brackets its own


def _share(e: Evidence, layer: str) -> float:
    return float(e.layers.get(layer, 0.0))


def profile(evidence: list[Evidence]) -> tuple[dict[str, float], dict[str, float]]:
    """(problem mass, is-not mass) per layer: each line's kind weight times how much it points
    at the layer. Lines of one command or label count with diminishing weight (1, 1/2, 1/3 ...),
    so a long output cannot outweigh one telling line."""
    mass = {layer: 0.0 for layer in LAYERS[:-1]}
    is_not = {layer: 0.0 for layer in LAYERS[:-1]}
    seen: dict[tuple[str, str], int] = {}
    for e in sorted(evidence, key=lambda e: (-e.weight, e.line or 0)):
        target = is_not if e.sense else mass
        for layer, p in e.layers.items():
            if layer not in target or p < 0.15:
                continue
            key = (e.context or f"line {e.line}", layer) if e.origin != "inferred" else (f"fact {e.line}", layer)
            n = seen[key] = seen.get(key, 0) + 1
            target[layer] += e.weight * p / n
    return mass, is_not


def _candidates(ctx: Context, sources: list[Source], mass: dict[str, float], relevant: bool) -> dict[str, Judged]:
    """One candidate per layer: proposed by relevant past cases (their side), or by this case's
    own evidence; only a layer with evidence of its own in this case stays a candidate."""
    groups: dict[str, Judged] = {}
    if relevant:
        for src in sources:
            if src.kind != "case":
                continue
            layer = src.meta.get("layer") if src.meta.get("layer") in LAYERS[:-1] else None
            if layer is None:
                continue
            g = groups.setdefault(layer, Judged(layer, src.meta.get("side") or "unknown"))
            g.cases.append(src)
            g.retrieval = max(g.retrieval, src.score)
    for layer, m in mass.items():
        if m >= MIN_OWN and layer not in groups:
            groups[layer] = Judged(layer, "provider" if layer == "provider" else "unknown")
    if any(e.kind == "provider" and not e.sense for e in ctx.observed):
        groups.setdefault("provider", Judged("provider", "provider")).side = "provider"
    for src in sources:
        if src.kind == "doc":
            got = knowledge().layers_of(f"{src.title} {src.ref}")
            if got:
                best = max(sorted(got), key=lambda k: got[k])
                if best in groups:
                    groups[best].docs.append(src)
    return groups


def _pattern_words(text: str) -> set[str]:
    return {w for w in tokenize(text) if len(w) > 3 and not any(c.isdigit() for c in w) and w not in STOP}


def _judge(g: Judged, ctx: Context, full_text: dict[str, str]) -> None:
    lead = g.cases[0] if g.cases else None
    seen: dict[tuple[str, str], int] = {}
    for e in ctx.observed:
        p = _share(e, g.layer)
        if p < 0.15:
            continue
        w = e.weight * p
        if e.sense:
            g.healthy.append((w, e))
            continue
        # the rows of one table or one command's output are one observation: three pods stuck
        # in the same state weigh a little more than one, not three times as much
        group = (e.context, e.kind) if e.context and e.origin != "inferred" else (e.text, e.kind)
        repeat = seen.get(group, 0)
        seen[group] = repeat + 1
        decisive = e.decisive and p >= 0.4 and repeat == 0
        g.support.append(((TELL.get(e.kind, 0.5) * p + (2.0 if decisive else 0.0)) / (1 + repeat), e))
        if decisive and e.kind != "change":
            g.decisive.append(e)
    g.support.sort(key=lambda x: (-x[0], x[1].line or 0))
    g.healthy.sort(key=lambda x: (-x[0], x[1].line or 0))
    # a past case is the same pattern only when it shares the decisive fact's words
    if lead is not None and g.decisive:
        theirs = _pattern_words(full_text.get(lead.id, ""))
        g.same_pattern = any(len(_pattern_words(f"{e.context} {e.text}") & theirs) >= 2 for e in g.decisive[:3])
    lead_text = fold(lead.meta.get("root_cause") or lead.title) if lead else ""
    for e in list(ctx.observed) + list(ctx.said):
        for rule in knowledge().of("contradiction"):
            if rule.search(e.text) and _applies(rule, g.layer, g.side, lead_text) and not any(x is e for x, _ in g.against):
                g.against.append((e, ctx.t[rule.why]))


def _applies(rule, layer: str, side: str, lead: str) -> bool:
    layers, sides, not_layers = rule.get("layers", ()), rule.get("sides", ()), rule.get("not_layers", ())
    if (layers or sides) and not (layer in layers or side in sides):
        return False
    if layer in not_layers:
        return False
    want = rule.get("lead")
    return bool(_lead_rx(want).search(lead)) if want else True


@functools.lru_cache(maxsize=32)
def _lead_rx(pattern: str) -> Rx:
    return Rx(f"(?i){pattern}")


def hypotheses(ctx: Context, sources: list[Source], full_text: dict[str, str], cite_evidence, relevant: bool,
               top: int = TOP) -> tuple[list[Hypothesis], list[dict]]:
    """Ranked hypotheses, and the candidates also considered (proposed, without evidence of their
    own in this case). `cite_evidence(e)` returns the source id of an evidence line."""
    observed = list(ctx.observed)
    mass, is_not = profile(observed)
    groups = _candidates(ctx, sources, mass, relevant)
    if not groups:
        return [], []
    best_retrieval = max((g.retrieval for g in groups.values()), default=0.0) or 1.0
    answers = answered(ctx)
    t = ctx.t
    listed, considered = [], []
    for g in groups.values():
        _judge(g, ctx, full_text)
        g.mass, g.is_not = mass.get(g.layer, 0.0), is_not.get(g.layer, 0.0)
        for e, question, yes_keeps, yes in answers:  # an answer to a question moves what it splits
            if yes_keeps(g) == yes:
                g.support.insert(0, (2.0, e))
                g.mass += 2.0
            else:
                g.against.append((e, t("h.answer_why", question=short(question, 90), answer=t["yes"] if yes else t["no"])))
        g.score = (W_SUPPORT * math.log1p(g.mass) + W_DECISIVE * min(len(g.decisive), 2)
                   + W_RETRIEVAL * (g.retrieval / best_retrieval if g.cases else 0.0)
                   - W_HEALTHY * math.log1p(g.is_not) - (CONTRADICTED_PENALTY if g.against else 0.0))
        own = g.mass >= MIN_OWN or g.decisive or any(w >= 2.0 for w, _ in g.support[:1]) or g.against
        (listed if own else considered).append(g)  # a line that rules it out is evidence of its own too
    ranked = sorted(listed, key=lambda g: (bool(g.against), -g.score, g.layer))[:top]
    probs = _likelihoods([g.score for g in ranked])
    out = [_hypothesis(ctx, g, p, cite_evidence) for g, p in zip(ranked, probs)]
    _statuses(ctx, ranked, out)
    also = [{"layer": g.layer, "side": g.side, "lead": g.cases[0].ref if g.cases else None,
             "citations": [c.id for c in g.cases[:1]], "why": t["h.no_own_evidence"]}
            for g in sorted(considered, key=lambda g: (-g.retrieval, g.layer))[:3] if g.cases]
    return out, also


def _likelihoods(scores: list[float]) -> list[float]:
    """A softmax over the listed hypotheses and "something else"; monotone in rank."""
    if not scores:
        return []
    z = [s / TEMPERATURE for s in scores] + [OTHER / TEMPERATURE]
    m = max(z)
    e = [math.exp(x - m) for x in z]
    total = sum(e)
    probs = [x / total for x in e[:-1]]
    for i in range(1, len(probs)):
        probs[i] = min(probs[i], probs[i - 1])
    return probs


def _explains_symptom(ctx: Context, layer: str) -> bool:
    """Does the layer explain what the customer reports and the errors the data shows? The
    error lines and the customer's complaints point at it, or point nowhere in particular."""
    pts = [e for e in ctx.evidence if e.kind == "error" and not e.sense]
    if not pts:
        return True
    total = sum(sum(e.layers.values()) for e in pts) or 1.0
    return sum(_share(e, layer) for e in pts) / total >= 0.2


def _statuses(ctx: Context, ranked: list[Judged], out: list[Hypothesis]) -> None:
    for g, h in zip(ranked, out):
        h.status = "contradicted" if g.against else "supported" if g.support else "unjudged"
    if not out or ranked[0].against:
        return
    lead, rival = ranked[0], ranked[1] if len(ranked) > 1 else None
    h0 = out[0]
    margin = h0.likelihood - (out[1].likelihood if len(out) > 1 else 0.0)
    if (lead.decisive and _explains_symptom(ctx, lead.layer) and margin >= CONFIRM_MARGIN
            and not (rival is not None and rival.decisive and not rival.against)):
        h0.status = "confirmed"
    elif rival is not None and not rival.against and margin < UNCLEAR_MARGIN and not lead.decisive:
        h0.status = out[1].status = "unclear"


def _hypothesis(ctx: Context, g: Judged, likelihood: float, cite_evidence) -> Hypothesis:
    t = ctx.t
    phrase = _layer_phrase(g.layer, g.side, t)
    facts: list[Evidence] = []
    against_texts = {a.text for a, _ in g.against}
    for _, e in g.support:
        if len(facts) >= 2:
            break
        if all(e.text != f.text for f in facts) and e.text not in against_texts and e.kind != "change":
            facts.append(e)
    clauses = [describe(e, cite_evidence(e), t) for e in facts]
    text = phrase + t["h.end"]
    if clauses:
        text += t("h.shows", clauses=t["clause_sep"].join(clauses))
    change = related_change(ctx, g.layer, g.side) if not g.against else None
    if change is not None and change[1] is not None:
        cid = cite_evidence(change[0])
        text += t("h.change", utc=change[0].utc, minutes=change[1], cite=f" [{cid}]" if cid else "")
    if g.cases and g.same_pattern:
        lead = g.cases[0]
        rc = scrub((lead.meta.get("root_cause") or lead.title).rstrip(".。"), ctx.identifiers)
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
    cites = [g.cases[0].id] if g.cases and g.same_pattern else []
    cites += [d.id for d in g.docs[:1]]
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
    evidence_for = [{"text": e.text, "kind": e.kind, "line": e.line, "origin": e.origin, "section": e.section,
                     **({"detail": e.detail_in(t)} if e.fact else {}), **({"context": e.context} if e.context else {}),
                     "source": (sid := cite_evidence(e)), "citations": [sid]} for e in support[:6]]
    cites += [c for c in re.findall(r"\[(S\d+)\]", text) if c not in cites]  # every id the text names
    if not cites:
        cites = [x["source"] for x in evidence_for[:1]] or [c.id for c in g.cases[:1]]
    return Hypothesis(text=text, layer=g.layer, side=g.side, likelihood=likelihood, citations=[c for c in cites if c],
                      supporting_signs=list(dict.fromkeys(e.text for e in support))[:8],
                      contradicting_signs=list(dict.fromkeys(a["text"] for a in against)),
                      evidence_for=evidence_for, evidence_against=against,
                      lead=g.cases[0].ref if g.cases else None, same_pattern=g.same_pattern,
                      decisive=[e.text for e in g.decisive[:3]], score=round(g.score, 4))


def related_change(ctx: Context, layer: str, side: str) -> tuple[Evidence, int | None] | None:
    """The change before the onset that can have caused a problem of this layer, with the minutes
    between it and the onset: a dated change in the 72 hours before the onset (or an undated one
    when none is dated) whose line points at the layer, or names what the case is about (an
    identifier or a component that the title, the affected resources or the layer's own evidence
    name); the most related first, then the latest. A provider's failure is not undone by rolling
    back the customer's change."""
    tl = ctx.timeline
    if side == "provider" or layer == "provider":
        return None
    onset = tl.onset_utc or ctx.case.opened_utc  # without an onset, the change came before the case was opened
    changes = [e for e in ctx.observed if e.kind == "change" and e.origin == "observed"]
    dated = [(e, minutes_between(e.utc, onset)) for e in changes if e.utc and onset and e.utc <= onset]
    dated = [(e, m) for e, m in dated if m <= 72 * 60]
    pool = dated or [(e, None) for e in changes if not e.utc]
    if not pool:
        return None
    ours = _names(" ".join([ctx.case.title, *ctx.case.resources]))
    for e in ctx.observed:
        if not e.sense and e.kind != "change" and _share(e, layer) >= 0.3:
            ours |= _names(f"{e.text} {e.detail}")
    best = None
    for e, minutes in pool:
        shared = len(_names(f"{e.context} {e.text}") & ours)
        if shared or _share(e, layer) >= 0.25:
            key = (shared, round(_share(e, layer), 2), e.utc or "", e.line or 0)
            if best is None or key > best[0]:
                best = (key, e, minutes)
    return (best[1], best[2]) if best else None


def minutes_between(a: str, b: str) -> int:
    from datetime import datetime

    fa = datetime.strptime(a, "%Y-%m-%dT%H:%M:%SZ")
    fb = datetime.strptime(b, "%Y-%m-%dT%H:%M:%SZ")
    return int(round((fb - fa).total_seconds() / 60))


_NAME = re.compile(r"[A-Za-z][\w.]*[-_./][\w.\-/]*\w|[A-Za-z]+\d[\w-]*|\w*[A-Z][a-z]+[A-Z]\w*")


def _names(text: str) -> set[str]:
    """The names a text gives things: identifiers and compound component names ('order-enrichment-prod',
    'feed-cache', 'tmp.mount', 'keepAliveTimeout'), not plain words."""
    return {m.lower().strip("./-") for m in _NAME.findall(text) if len(m) >= 5 and not m.lower().startswith(("http", "www."))}


def _layer_phrase(layer: str, side: str, t: Catalogue) -> str:
    s = t["side_phrase"].get(side, side)
    name = t["layer_phrase"].get(layer, layer)
    return t("h.phrase", side=s, layer=name) if side != "unknown" else t("h.phrase_unknown", layer=name, side=s)

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

import math
import re
from dataclasses import dataclass, field

from . import cues
from .case import LAYERS, Case
from .lang import cue, han_count
from .evidence import Evidence, Timeline
from .identifiers import scrub
from .lexical import tokenize
from .signs import Sign, sign_in
from .text import EN, Catalogue, catalogue

# The cue tables live in casekit.cues (English and Chinese); these names are kept for callers.
TIME_IN_TEXT = cues.TIME_IN_TEXT
TZ_IN_TEXT = cues.TZ_IN_TEXT
REPRO_WORDS = cues.REPRODUCTION
NEED_WORDS = cues.NEED
BASELINE_WORDS = cues.BASELINE
STRONG = ("absence", "limit", "comparison", "change", "configuration")
TIER_WEIGHT = (1.0, 0.55, 0.12)  # supported, unjudged, contradicted
EVIDENCE_WEIGHT = 0.05  # per unit of supporting evidence (kind weight x specificity), up to 15 units


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
    status: str = "unjudged"  # confirmed | supported | unjudged | contradicted
    evidence_for: list[dict] = field(default_factory=list)
    evidence_against: list[dict] = field(default_factory=list)
    lead: str | None = None  # the past case it was proposed by

    def to_dict(self) -> dict:
        return {"text": self.text, "layer": self.layer, "side": self.side, "likelihood": round(self.likelihood, 3),
                "status": self.status, "citations": self.citations, "supporting_signs": self.supporting_signs,
                "contradicting_signs": self.contradicting_signs, "evidence_for": self.evidence_for,
                "evidence_against": self.evidence_against}


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


_ID_CHAR = re.compile(r"[A-Za-z0-9:/._\-@=+]")


def short(text: str, n: int = 140) -> str:
    """Text folded to one line and cut at a word boundary, never inside an identifier (a
    cut ARN or instance id would read as another resource). Chinese text has no spaces:
    there the cut falls between characters, outside any ASCII token."""
    t = " ".join(text.split())
    if len(t) <= n:
        return t
    cut = t[: n - 1]
    if " " in cut[n // 2:]:
        return cut[: cut.rfind(" ")] + " …"
    p = n - 1
    while p > 0 and _ID_CHAR.match(t[p - 1]) and _ID_CHAR.match(t[p]):
        p -= 1
    if p < n // 3:  # one long token: keep it whole (up to its end) rather than cut it
        end = p
        while end < len(t) and _ID_CHAR.match(t[end]):
            end += 1
        p = end
    return t[:p].rstrip() + (" …" if p < len(t) else "")


# An answer logged to a question the draft asked (`casekit log --answer`), as a clause.
ANSWER_CLAUSE = EN["h.answer_clause"]


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
    mine = case_identifiers(case)
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


def case_identifiers(case: Case) -> dict[str, list[str]]:
    from .identifiers import own

    return own(case.title, *case.sections.values(), *case.resources, *(e.text for e in case.log))


def _layer_phrase(layer: str, side: str, t: Catalogue = EN) -> str:
    s = t["side_phrase"].get(side, side)
    name = t["layer_phrase"].get(layer, layer)
    return t("h.phrase", side=s, layer=name) if side != "unknown" else t("h.phrase_unknown", layer=name, side=s)


# --------------------------------------------------------------------------- findings

_SENT = re.compile(r"(?<=[.!?])\s+(?=[A-Z`\"(])|(?<=[。！？；])\s*")


def sentences(text: str) -> list[str]:
    """Whole sentences of a source: section labels ('Assessment:', '評估：') are not sentences,
    and a piece cut off by chunking (no closing punctuation) is not quoted. A Han character
    counts twice toward the length bounds."""
    flat = " ".join(x.strip() for x in text.split("\n") if x.strip() and not x.strip().startswith("```")
                    and not re.fullmatch(r"[A-Z][\w ]{0,30}:|[^\x00-\x7f]{1,12}[:：]", x.strip()))
    pieces = [re.sub(r"\s+\d+[.)]$", "", s.strip()) for s in _SENT.split(flat)]  # a list's next number
    return [s for s in pieces if 25 <= len(s) + han_count(s) <= 320 and re.search(r"[.!?)\"'`。！？；」』）]$", s)]


def findings(case: Case, signs: list[Sign], sources: list[Source], sign_ids: dict[Sign, str], limit: int = 4) -> list[dict]:
    """Quotes: the sentence of each top source that best matches the case's signs and symptoms.

    A finding's text is a verbatim sentence of its cited source, so it is supported by
    construction; its sign link is cited too.
    """
    query = set(tokenize(" ".join([case.title, case.symptoms[:600]] + [s.text for s in signs])))
    out = []
    for src in sources:
        if src.kind == "sign" or len(out) >= limit:
            continue
        best, best_score = None, 0.0
        for sent in sentences(src.text):
            toks = set(tokenize(sent))
            if not toks:
                continue
            score = len(toks & query) / math.sqrt(len(toks))
            if score > best_score:
                best, best_score = sent, score
        if best is None or best_score < 0.9:
            continue
        linked = [sign_ids[s] for s in signs if s in sign_ids and sign_in(s, best)][:2]
        out.append({"text": f"{src.ref} ({src.kind}): \"{best}\"", "citations": [src.id, *linked], "quote": best})
    return out


# --------------------------------------------------------------------------- missing information


def missing_information(case: Case, signs: list[Sign], hyps: list[Hypothesis], evidence: list[Evidence],
                        tl: Timeline) -> list[dict]:
    """Checklist items absent from the case, each with why it matters for the current
    hypotheses, in the case's language. What the case already answers is never asked again."""
    t = catalogue(case.language)
    subj, obj = case.symptoms, case.objective
    text = f"{case.title}\n{subj}\n{obj}"
    kinds = {s.kind for s in signs} | {e.kind for e in evidence}
    confirmed = bool(hyps) and hyps[0].status == "confirmed"
    lead = f"{hyps[0].layer}/{hyps[0].side}" if hyps else t["m.any_hypothesis"]
    alt = t("m.vs", alt=f"{hyps[1].layer}/{hyps[1].side}") if len(hyps) > 1 else ""
    out = []

    def ask(key: str, **kw) -> None:
        question, why = t[key]
        out.append({"text": question.format(**kw), "why": why.format(**kw)})

    times = TIME_IN_TEXT.findall(subj)
    if not case.opened and not times:
        ask("m.when")
    elif times and not TZ_IN_TEXT.search(subj) and not case.timezone:
        ask("m.timezone", time=times[0].strip())
    if "resource" not in kinds and not case.resources:
        ask("m.resources")
    if not kinds & {"error", "exception", "code", "http_status", "exit_code", "kernel", "absence", "limit"}:
        ask("m.error", lead=lead, alt=alt)
    if not confirmed:
        if not kinds & {"metric", "limit"}:
            ask("m.metrics")
        elif "metric" in kinds and not BASELINE_WORDS.search(text) and "comparison" not in kinds:
            ask("m.baseline")
    if not tl.change and not cues.CHANGE.search(text):
        ask("m.change", other=lead if hyps and hyps[0].side != 'customer' else t["m.the_provider"])
    if "comparison" not in kinds and not cues.HEALTHY.search(text):
        ask("m.healthy")
    if not confirmed and not REPRO_WORDS.search(text):
        ask("m.repro")
    if not NEED_WORDS.search(subj):
        ask("m.need")
    return out


# --------------------------------------------------------------------------- next question

# (question, predicate over a hypothesis: True = answer 'yes' is consistent with it,
#  pattern: the case already answers it when its text matches). The question is the
#  English text of the catalogue key of the same position in QUESTION_KEYS; a draft asks
#  it in the case's language (casekit.text).
QUESTION_KEYS = ("q.change", "q.health", "q.direct", "q.container", "q.storage", "q.throttling", "q.host", "q.previous")
QUESTIONS = [
    (EN["q.change"], lambda h: h.side in ("customer", "unknown"), cues.CHANGE),
    (EN["q.health"], lambda h: h.layer == "provider" or h.side == "provider",
     cue(r"(?i)aws health|health dashboard|status page|scheduled event")),
    (EN["q.direct"], lambda h: h.layer != "network",
     cue(r"(?i)\b(curl|nc -|telnet|dig |nslookup|traceroute|mtr|i/o timeout|connection (?:timed out|refused))",
         cues.ZH["answered_direct_check"])),
    (EN["q.container"], lambda h: h.layer == "container",
     cue(r"(?i)exit code|oomkilled|crashloop|pending|stoppedreason|cannotpull", cues.ZH["answered_container"])),
    (EN["q.storage"], lambda h: h.layer == "storage", cue(r"(?i)burstbalance|volumequeuelength|iops|throughput")),
    (EN["q.throttling"], lambda h: h.layer == "capacity",
     cue(r"(?i)throttl|limitexceeded|\b429\b|quota", cues.ZH["answered_throttling"])),
    (EN["q.host"], lambda h: h.layer == "os", cue(r"(?i)dmesg|df -h|df -i|free -m|journalctl|systemctl")),
    (EN["q.previous"], lambda h: h.layer == "application",
     cue(r"(?i)previous (?:version|release)|rolled back|rollback", cues.ZH["answered_previous"])),
]


def question_texts(n: int) -> list[str]:
    """QUESTIONS[n] as every catalogue writes it (an answer may quote any of them)."""
    from .text import LANGUAGES

    return list(dict.fromkeys(catalogue(lang)[QUESTION_KEYS[n]] for lang in LANGUAGES))


_YES = re.compile(r"(?i)^\s*(?:(?:yes|yep|yeah|correct|true|confirmed|it does|they do|there (?:is|was|are)(?! no))\b|[是有對对會会])")
_NO = re.compile(r"(?i)^\s*(?:(?:no|nope|not|none|false|nothing|never|it does not|it doesn't|they don't|there (?:is|was|are) no)\b|"
                 r"沒有|没有|不是|不會|不会|否|無|无)")


def answered(case: Case) -> list[tuple[Evidence, str, object, bool]]:
    """Log entries that answer one of the splitting questions yes or no (`casekit log
    CASE TEXT --answer`): (the entry as evidence, the question, its predicate, yes?)."""
    out = []
    for entry in case.log:
        if not entry.answers:
            continue
        asked = cues.fold(entry.answers)
        t = catalogue(case.language)
        match = next(((t[QUESTION_KEYS[n]], keeps) for n, (_, keeps, _) in enumerate(QUESTIONS)
                      if any(cues.fold(q) == asked or (len(asked) >= 30 and cues.fold(q).startswith(asked[:60]))
                             for q in question_texts(n))), None)
        yes = True if _YES.match(entry.text) else False if _NO.match(entry.text) else None
        if match is None or yes is None:
            continue
        origin = "reported" if entry.kind == "reported" else "observed"
        e = Evidence(entry.text, "comparison", entry.line, origin, "Log", entry.at_utc, context=entry.answers)
        out.append((e, match[0], match[1], yes))
    return out


def _entropy(ps: list[float]) -> float:
    return -sum(p * math.log2(p) for p in ps if p > 0)


def next_question(case: Case, hyps: list[Hypothesis], missing: list[dict]) -> dict:
    """The question whose answer best splits the hypothesis mass (expected information
    gain), among those the case does not answer already. When the evidence already
    confirms the leading hypothesis, the question is whether the fix works. In the case's
    language; the offered answers stay 'yes'/'no' (what `casekit log --answer` reads)."""
    t = catalogue(case.language)
    if not hyps:
        if missing:
            return {"text": missing[0]["text"], "why": t["nq.no_hyp_missing"] + missing[0]["why"]}
        question, why = t["nq.basic"]
        return {"text": question, "why": why}
    if hyps[0].status == "confirmed":
        question, why = t["nq.fix_works"]
        return {"text": question, "why": why, "answers": ["yes", "no", "partly"]}
    text = f"{case.title}\n{case.symptoms}\n{case.objective}"
    total = sum(h.likelihood for h in hyps) or 1.0
    ps = [h.likelihood / total for h in hyps]
    prior = _entropy(ps)
    best = None
    done = {cues.fold(e.answers) for e in case.log if e.answers}
    for n, (_, yes, answered_by) in enumerate(QUESTIONS):
        if answered_by.search(text) or any(cues.fold(q) in done for q in question_texts(n)):
            continue
        p_yes = sum(p for p, h in zip(ps, hyps) if yes(h))
        if p_yes <= 0 or p_yes >= 1:
            continue
        post = p_yes * _entropy([p / p_yes for p, h in zip(ps, hyps) if yes(h)]) + \
            (1 - p_yes) * _entropy([p / (1 - p_yes) for p, h in zip(ps, hyps) if not yes(h)])
        gain = prior - post
        key = (-round(gain, 6), n)
        if best is None or key < best[0]:
            yes_side = [f"{h.layer}/{h.side}" for h in hyps if yes(h)]
            no_side = [f"{h.layer}/{h.side}" for h in hyps if not yes(h)]
            best = (key, t[QUESTION_KEYS[n]], gain, p_yes, yes_side, no_side)
    if best is None:
        if missing:
            return {"text": missing[0]["text"], "why": t["nq.answered_missing"] + missing[0]["why"], "answers": []}
        question, why = t["nq.confirm_lead"]
        return {"text": question.format(layer=hyps[0].layer, side=hyps[0].side), "why": why, "answers": ["yes", "no"]}
    _, question, gain, p_yes, yes_side, no_side = best
    return {"text": question,
            "why": t("nq.split", yes=round(p_yes * 100), no=round((1 - p_yes) * 100), yes_side=", ".join(yes_side),
                     no_side=", ".join(no_side), gain=f"{gain:.2f}", prior=f"{prior:.2f}"),
            "answers": ["yes", "no"]}

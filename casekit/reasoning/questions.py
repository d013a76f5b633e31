"""What to ask: the checklist items the case does not answer yet (missing information), the
answers already logged, and the one question whose answer best splits the hypotheses. The
questions are records of the knowledge base (casekit.rules, kind `question`)."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

from ..evidence import Evidence
from ..evidence.context import Context
from ..i18n import catalogue
from ..rules import fold, knowledge
from ..text.time import TIME_IN_TEXT
from .model import Hypothesis


def missing_information(ctx: Context, hyps: list[Hypothesis]) -> list[dict]:
    """Checklist items absent from the case, each with why it matters for the current
    hypotheses, in the case's language. What the case already answers is never asked again."""
    case, t, kb, tl = ctx.case, ctx.t, knowledge(), ctx.timeline
    signs, evidence = ctx.signs, ctx.observed + ctx.said
    subj, obj = case.symptoms, case.objective
    text = f"{case.title}\n{subj}\n{obj}"
    kinds = {s.kind for s in signs} | {e.kind for e in evidence}
    confirmed = bool(hyps) and hyps[0].status == "confirmed"
    lead = t.name("hypothesis", f"{hyps[0].layer}/{hyps[0].side}") if hyps else t["m.any_hypothesis"]
    alt = t("m.vs", alt=t.name("hypothesis", f"{hyps[1].layer}/{hyps[1].side}")) if len(hyps) > 1 else ""
    out = []

    def ask(key: str, **kw) -> None:
        question, why = t[key]
        out.append({"text": question.format(**kw), "why": why.format(**kw)})

    times = TIME_IN_TEXT.findall(subj)
    if not case.opened and not times:
        ask("m.when")
    elif times and not _zone_named(subj) and not case.timezone:
        ask("m.timezone", time=times[0].strip())
    if "resource" not in kinds and not case.resources:
        ask("m.resources")
    if not kinds & {"error", "exception", "code", "http_status", "exit_code", "kernel", "absence", "limit"}:
        ask("m.error", lead=lead, alt=alt)
    if not confirmed:
        if not kinds & {"metric", "limit"}:
            ask("m.metrics")
        elif "metric" in kinds and not kb.any("baseline", text) and "comparison" not in kinds:
            ask("m.baseline")
    if not tl.change and not kb.any("change", text):
        ask("m.change", other=lead if hyps and hyps[0].side != 'customer' else t["m.the_provider"])
    if "comparison" not in kinds and not (kb.any("works_elsewhere", text) or kb.any("healthy", text)):
        ask("m.healthy")
    if not confirmed and not kb.any("reproduction", text):
        ask("m.repro")
    if not kb.any("need", subj):
        ask("m.need")
    return out


# --------------------------------------------------------------------------- next question


def _zone_named(text: str) -> bool:
    from ..text.time import ZONE_WORDS
    from ..text.lang import Rx

    return knowledge().any("timezone_words", text) or bool(Rx(ZONE_WORDS).search(text))


@dataclass(frozen=True)
class Question:
    """A splitting question (a `question` record): its catalogue key, whom 'yes' keeps, and the
    lines that already answer it."""

    key: str
    rule: object

    def keeps(self, h) -> bool:
        """Is an answer 'yes' consistent with hypothesis `h` (anything with a layer and a side)?"""
        layers, sides, not_layers = self.rule.get("layers", ()), self.rule.get("sides", ()), self.rule.get("not_layers", ())
        if not_layers and h.layer in not_layers:
            return False
        if layers or sides:
            return h.layer in layers or h.side in sides
        return True

    def answered_by(self, text: str) -> bool:
        return bool(self.rule.search(text))

    def texts(self) -> list[str]:
        """The question as every catalogue writes it (an answer may quote any of them)."""
        from ..i18n import LANGUAGES

        return list(dict.fromkeys(catalogue(lang)[self.key] for lang in LANGUAGES))


def questions() -> list[Question]:
    return [Question(r.get("ask"), r) for r in knowledge().of("question")]


_YES = re.compile(r"(?i)^\s*(?:(?:yes|yep|yeah|correct|true|confirmed|it does|they do|there (?:is|was|are)(?! no))\b|[是有對对會会])")
_NO = re.compile(r"(?i)^\s*(?:(?:no|nope|not|none|false|nothing|never|it does not|it doesn't|they don't|there (?:is|was|are) no)\b|"
                 r"沒有|没有|不是|不會|不会|否|無|无)")


def answered(ctx: Context) -> list[tuple[Evidence, str, object, bool]]:
    """Log entries that answer one of the splitting questions yes or no (`casekit log
    CASE TEXT --answer`): (the entry as evidence, the question, its predicate, yes?)."""
    out = []
    for entry in ctx.case.log:
        if not entry.answers:
            continue
        asked = fold(entry.answers)
        match = next(((ctx.t[q.key], q.keeps) for q in questions()
                      if any(fold(x) == asked or (len(asked) >= 30 and fold(x).startswith(asked[:60])) for x in q.texts())),
                     None)
        yes = True if _YES.match(entry.text) else False if _NO.match(entry.text) else None
        if match is None or yes is None:
            continue
        origin = "reported" if entry.kind == "reported" else "observed"
        e = Evidence(entry.text, "comparison", entry.line, origin, "Log", entry.at_utc, context=entry.answers)
        out.append((e, match[0], match[1], yes))
    return out


def _entropy(ps: list[float]) -> float:
    return -sum(p * math.log2(p) for p in ps if p > 0)


def next_question(ctx: Context, hyps: list[Hypothesis], missing: list[dict]) -> dict:
    """The question whose answer best splits the hypothesis mass (expected information
    gain), among those the case does not answer already. When the evidence already
    confirms the leading hypothesis, the question is whether the fix works. In the case's
    language; the offered answers stay 'yes'/'no' (what `casekit log --answer` reads)."""
    case, t = ctx.case, ctx.t
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
    done = {fold(e.answers) for e in case.log if e.answers}
    for n, q in enumerate(questions()):
        yes = q.keeps
        if q.answered_by(text) or any(fold(x) in done for x in q.texts()):
            continue
        p_yes = sum(p for p, h in zip(ps, hyps) if yes(h))
        if p_yes <= 0 or p_yes >= 1:
            continue
        post = p_yes * _entropy([p / p_yes for p, h in zip(ps, hyps) if yes(h)]) + \
            (1 - p_yes) * _entropy([p / (1 - p_yes) for p, h in zip(ps, hyps) if not yes(h)])
        gain = prior - post
        key = (-round(gain, 6), n)
        if best is None or key < best[0]:
            yes_side = [t.name("hypothesis", f"{h.layer}/{h.side}") for h in hyps if yes(h)]
            no_side = [t.name("hypothesis", f"{h.layer}/{h.side}") for h in hyps if not yes(h)]
            best = (key, t[q.key], gain, p_yes, yes_side, no_side)
    if best is None:
        if missing:
            return {"text": missing[0]["text"], "why": t["nq.answered_missing"] + missing[0]["why"], "answers": []}
        question, why = t["nq.confirm_lead"]
        return {"text": question.format(layer=t.name("layer", hyps[0].layer), side=t.name("side", hyps[0].side)), "why": why,
                "answers": ["yes", "no"]}
    _, question, gain, p_yes, yes_side, no_side = best
    return {"text": question,
            "why": t("nq.split", yes=round(p_yes * 100), no=round((1 - p_yes) * 100), yes_side=", ".join(yes_side),
                     no_side=", ".join(no_side), gain=f"{gain:.2f}", prior=f"{prior:.2f}"),
            "answers": ["yes", "no"]}

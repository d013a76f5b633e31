"""What to ask: the checklist items the case does not answer yet (missing information), the
answers already logged, and the one question whose answer best splits the hypotheses."""
from __future__ import annotations

import math
import re

from ..case import Case
from ..evidence import Evidence, Timeline
from ..evidence.signs import Sign
from ..i18n import EN, catalogue
from ..rules import cues
from ..text.lang import cue
from .model import Hypothesis

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

    times = cues.TIME_IN_TEXT.findall(subj)
    if not case.opened and not times:
        ask("m.when")
    elif times and not cues.TZ_IN_TEXT.search(subj) and not case.timezone:
        ask("m.timezone", time=times[0].strip())
    if "resource" not in kinds and not case.resources:
        ask("m.resources")
    if not kinds & {"error", "exception", "code", "http_status", "exit_code", "kernel", "absence", "limit"}:
        ask("m.error", lead=lead, alt=alt)
    if not confirmed:
        if not kinds & {"metric", "limit"}:
            ask("m.metrics")
        elif "metric" in kinds and not cues.BASELINE.search(text) and "comparison" not in kinds:
            ask("m.baseline")
    if not tl.change and not cues.CHANGE.search(text):
        ask("m.change", other=lead if hyps and hyps[0].side != 'customer' else t["m.the_provider"])
    if "comparison" not in kinds and not cues.HEALTHY.search(text):
        ask("m.healthy")
    if not confirmed and not cues.REPRODUCTION.search(text):
        ask("m.repro")
    if not cues.NEED.search(subj):
        ask("m.need")
    return out


# --------------------------------------------------------------------------- next question

# (question, predicate over a hypothesis: True = answer 'yes' is consistent with it,
#  pattern: the case already answers it when its text matches). The question is the
#  English text of the catalogue key of the same position in QUESTION_KEYS; a draft asks
#  it in the case's language (casekit.i18n).
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
    from ..i18n import LANGUAGES

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

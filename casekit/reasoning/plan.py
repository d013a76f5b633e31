"""A plan for this customer: mitigation from this case's own evidence first, then the
steps past cases and checklists teach, adapted to the industry, carrying this case's
identifiers (never another customer's: casekit.text.identifiers.scrub).

The first step is what the case itself says to do: undo the change that preceded the onset
when that change can have caused the leading hypothesis (a provider's failure is not undone
by rolling back the customer's deploy), make the affected resource match the healthy one,
relieve the limit that is reached. A past case's steps enter the plan only when that case is
the same pattern (it shares this case's decisive fact), not merely the same layer.
"""
from __future__ import annotations

import re

from ..evidence.context import Context
from ..rules import fold, knowledge
from ..text.identifiers import scrub
from ..text.tokens import balanced, short
from .hypotheses import related_change
from .model import Hypothesis, Source


def mitigation(ctx: Context, hyps: list[Hypothesis], cite_evidence) -> list[dict]:
    """What this case's own evidence says to do first: undo the change that preceded the
    onset (when it is related), make the affected resource match the healthy one, lift a limit
    that is reached."""
    t = ctx.t
    if not hyps or hyps[0].status in ("contradicted", "unclear"):
        return []
    top = hyps[0]
    out = []
    supported = {e["text"] for e in top.evidence_for}
    related = related_change(ctx, top.layer, top.side) if top.status in ("confirmed", "supported") else None
    if related is not None:
        ce, minutes = related
        sid = cite_evidence(ce)
        when = t("p.undo_when", minutes=minutes) if minutes is not None else ""
        out.append({"text": t("p.undo", when=when, change=short(balanced(ce.text), 160).replace("`", "ˋ"), sid=sid), "citations": [sid],
                    "kind": "mitigate"})
    for e in ctx.observed:
        if e.fact and e.kind == "comparison" and e.origin == "inferred" and e.text in supported:
            sid = cite_evidence(e)
            out.append({"text": t("p.fix_difference", detail=e.detail_in(t), sid=sid), "citations": [sid], "kind": "fix"})
            break
    for e in ctx.observed:
        if e.kind == "limit" and e.origin == "inferred" and e.text in supported:
            sid = cite_evidence(e)
            out.append({"text": t("p.relieve_limit", detail=e.detail_in(t), sid=sid), "citations": [sid], "kind": "fix"})
            break
    return out


_RESULT = re.compile(r"\s*(?:\b(?:Result|Outcome|Expected|Observed)\b|結果|预期|預期)\s*[:：].*$|,?\s*\bas expected\b.*$", re.I | re.S)


_HAN = re.compile(r"[\u4e00-\u9fff]")


def instruction(step: str) -> str:
    """A past case's plan step as an instruction for this case: what to do and how to check it,
    without what happened there ('Result: new error ..., as expected')."""
    text = _RESULT.sub("", step).strip().rstrip(",;:，；：")
    if text and text[-1] not in ".。!?！？":
        text += "。" if re.search(r"[\u4e00-\u9fff]$", text) else "."
    return text


def plan(ctx: Context, hyps: list[Hypothesis], sources: list[Source], industry_doc: Source | None,
         checklist_docs: list[Source], nq: dict, first: list[dict], limit: int = 8) -> list[dict]:
    """Ordered steps: this case's mitigation (`first`), the industry rule, the leading
    hypothesis' steps from its past case (when it is the same pattern) and checklist, ruling
    out the next one, the question to ask. Every step cites its source; identifiers are this
    customer's."""
    case, t, kb = ctx.case, ctx.t, knowledge()
    by_id = {s.id: s for s in sources}
    industry = (case.industry or "other").lower()
    steps: list[dict] = []
    seen: set[str] = set()

    def add(text: str, cites: list[str], kind: str) -> None:
        text = scrub(text, ctx.identifiers)
        key = fold(text)[:80]
        if key not in seen and cites:
            seen.add(key)
            steps.append({"text": text, "citations": cites, "kind": kind})

    for n, step in enumerate(first):
        text = step["text"] + (t("p.constraint", deadline=ctx.deadline) if ctx.deadline and n == 0 else "")
        add(text, step["citations"], step["kind"])
    rules = t["p.industry_rule"]
    if industry_doc is not None and rules.get(industry):
        add(t("p.industry", rule=rules[industry], ref=industry_doc.ref), [industry_doc.id], "mitigate")
    fast = industry in ("gaming", "crypto", "ecommerce", "iot")
    for rank, h in enumerate(hyps[:2]):
        if h.status == "contradicted":
            continue
        case_steps: list[tuple[str, str]] = []
        lead = None
        for cid in h.citations:
            src = by_id.get(cid)
            if src is not None and src.kind == "case" and h.same_pattern:
                # in the case's own language only: a Chinese plan does not quote an English diary
                case_steps = [(x, cid) for x in map(instruction, (src.meta.get("plan_steps") or [])[:3])
                              if x and bool(_HAN.search(x)) == t.chinese]
                lead = src.ref
                break
        doc = next((by_id[c] for c in h.citations if c in by_id and by_id[c].kind == "doc"), None)
        check = (t("p.run_checks", ref=doc.ref, verb=t["p.confirm"] if rank == 0 else t["p.rule_out"], layer=h.layer),
                 doc.id) if doc else None
        if rank == 0:
            mitigations = [(x, c) for x, c in case_steps if kb.any("mitigation", x)]
            others = [(x, c) for x, c in case_steps if not kb.any("mitigation", x)]
            ordered = (mitigations + ([check] if check else []) + others) if fast else (([check] if check else []) + case_steps)
            for text, cid in ordered:
                add(text if check and text == check[0] else t("p.from_case", lead=lead, step=text), [cid], "step")
        elif check:
            add(check[0], [check[1]], "step")
    for doc in [d for d in checklist_docs[:1] if not any(d.id in st["citations"] for st in steps)]:
        add(t("p.checklist", ref=doc.ref), [doc.id], "step")
    if hyps:
        add(t("p.ask", question=nq['text']), hyps[0].citations[:1], "ask")
    for s in steps:
        if s["kind"] not in ("step", "fix"):
            continue
        if industry == "gaming" and kb.any("restart", s["text"]):
            s["text"] += t["p.gaming_restart"]
        if industry == "iot" and kb.any("ip_change", s["text"]):
            s["text"] += t["p.iot_ip"]
    return steps[:limit]

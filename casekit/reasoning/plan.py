"""A plan for this customer: mitigation from this case's own evidence first, then the
steps past cases and checklists teach, adapted to the industry, carrying this case's
identifiers (never another customer's: casekit.text.identifiers.scrub).
"""
from __future__ import annotations

import re

from ..rules import cues
from ..case import Case
from ..evidence import Evidence, Timeline
from ..text.identifiers import scrub
from ..text.tokens import short
from .model import Hypothesis, Source
from ..i18n import catalogue

RESTART = re.compile(r"(?i)\b(restart\w*|reboot\w*|stop/start|redeploy\w*|replace the instance|recycle\w*|roll(?:ing)? restart)\b")
MITIGATE = re.compile(r"(?i)\b(workaround|mitigat\w*|temporar\w*|roll ?back|revert\w*|fail ?over|shift traffic|scale (?:out|up)|"
                      r"increase|raise|remove the|disable|drain|move back)\b")
IP_CHANGE = re.compile(r"(?i)\b(new (?:elastic )?ip|change the ip|replace the (?:nlb|load balancer|instance)|new load balancer|"
                       r"re-?create|stop/start|release the (?:elastic )?ip)\b")


def deadline(case: Case) -> str | None:
    """The customer's own constraint, as they wrote it ('a tournament weekend starting at 19:00 tonight')."""
    m = cues.DEADLINE.search(case.symptoms or "")
    return " ".join(m.group(1).split()).strip(" ,;") if m else None


def mitigation(hyps: list[Hypothesis], tl: Timeline, evidence: list[Evidence], cite_evidence,
               language: str | None = None) -> list[dict]:
    """What this case's own evidence says to do first: undo the change that preceded the
    onset, make the affected resource match the healthy one, lift a limit that is reached
    (in `language`, the case's)."""
    t = catalogue(language)
    if not hyps or hyps[0].status == "contradicted":
        return []
    top = hyps[0]
    out = []
    supported = {e["text"] for e in top.evidence_for}
    if tl.change and top.side in ("customer", "unknown", "third-party") and top.status in ("confirmed", "supported"):
        ce = next((e for e in evidence if e.kind == "change" and e.text == tl.change["text"]), None)
        sid = cite_evidence(ce) if ce else None
        when = (t("p.undo_when", minutes=tl.change['minutes_before']) if tl.change.get("minutes_before") is not None
                else "")
        if sid:
            out.append({"text": t("p.undo", when=when, change=short(tl.change['text'], 160), sid=sid),
                        "citations": [sid], "kind": "mitigate"})
    for e in evidence:
        if e.fact and e.kind == "comparison" and e.origin == "inferred" and e.text in supported:
            sid = cite_evidence(e)
            out.append({"text": t("p.fix_difference", detail=e.detail_in(t), sid=sid), "citations": [sid], "kind": "fix"})
            break
    for e in evidence:
        if e.kind == "limit" and e.origin == "inferred" and e.text in supported:
            sid = cite_evidence(e)
            out.append({"text": t("p.relieve_limit", detail=e.detail_in(t), sid=sid), "citations": [sid], "kind": "fix"})
            break
    return out


def plan(case: Case, hyps: list[Hypothesis], sources: list[Source], industry_doc: Source | None,
         checklist_docs: list[Source], nq: dict, first: list[dict], mine: dict, limit: int = 8) -> list[dict]:
    """Ordered steps: this case's mitigation (`first`), the industry rule, the leading
    hypothesis' steps from its past case and checklist, ruling out the next one, the
    question to ask. Every step cites its source; identifiers are this customer's."""
    t = catalogue(case.language)
    by_id = {s.id: s for s in sources}
    industry = (case.industry or "other").lower()
    steps: list[dict] = []
    seen: set[str] = set()

    def add(text: str, cites: list[str], kind: str) -> None:
        text = scrub(text, mine)
        key = cues.fold(text)[:80]
        if key not in seen and cites:
            seen.add(key)
            steps.append({"text": text, "citations": cites, "kind": kind})

    when = deadline(case)
    for n, step in enumerate(first):
        text = step["text"] + (t("p.constraint", deadline=when) if when and n == 0 else "")
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
            if src is not None and src.kind == "case":
                case_steps = [(st, cid) for st in (src.meta.get("plan_steps") or [])[:3]]
                lead = src.ref
                break
        doc = next((by_id[c] for c in h.citations if c in by_id and by_id[c].kind == "doc"), None)
        check = (t("p.run_checks", ref=doc.ref, verb=t["p.confirm"] if rank == 0 else t["p.rule_out"], layer=h.layer),
                 doc.id) if doc else None
        if rank == 0:
            mitigations = [(t, c) for t, c in case_steps if MITIGATE.search(t)]
            others = [(t, c) for t, c in case_steps if not MITIGATE.search(t)]
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
        if RESTART.search(s["text"]) and industry == "gaming":
            s["text"] += t["p.gaming_restart"]
        if IP_CHANGE.search(s["text"]) and industry == "iot":
            s["text"] += t["p.iot_ip"]
    return steps[:limit]

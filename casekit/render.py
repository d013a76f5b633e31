"""Documents from a draft (Markdown): assessment, work log, STAR escalation, customer reply.

Pure functions of the Draft. Citations are numbered [n] after the source ids (S3 -> [3]).
Everything that came from case text or sources is HTML-escaped, so a `<script>` in a case
is shown, never run, wherever the Markdown is rendered.
"""
from __future__ import annotations

import html
import re

from .draft import Draft


def esc(text: str | None) -> str:
    return html.escape(text or "", quote=False)


def cite(ids: list[str]) -> str:
    return "".join(f"[{i[1:]}]" for i in ids)


def _quote(text: str, limit: int = 600) -> str:
    t = " ".join((text or "").split())
    t = t if len(t) <= limit else t[: limit - 1] + "…"
    return esc(t)


def _when(d: Draft) -> str:
    c = d.case
    if not c.get("opened"):
        return "start time not given"
    return f"{esc(c['opened'])} (UTC {c.get('opened_utc')})"


def render_assessment(d: Draft) -> str:
    c = d.case
    out = [f"# {esc(d.case_id)}: {esc(c.get('title'))}", ""]
    meta = [f"opened {_when(d)}"] + [f"{k} {esc(c[k])}" for k in ("service", "industry", "severity") if c.get(k)]
    out += [" · ".join(meta), ""]
    for n in d.notes:
        out += [f"> **Note:** {esc(n)}", ""]
    out += ["## Symptoms (Subjective: what the customer reports)", "", _quote(c.get("symptoms"), 1200) or "_none given_", ""]
    out += ["## Signs (Objective: what the data shows)", ""]
    if d.signs:
        out += ["| kind | sign | line |", "|---|---|---|"]
        for s in d.signs:
            out.append(f"| {s.kind} | `{esc(s.text).replace('|', '∣').replace('`', 'ˋ')}` | {s.line or ''} |")
    else:
        out.append("_No signs found in the Objective section._")
    out += ["", "## Assessment", "", f"{esc(d.summary['text'])} {cite(d.summary['citations'])}", ""]
    if d.hypotheses:
        out += ["### Hypotheses (most likely first)", ""]
        for n, h in enumerate(d.hypotheses, 1):
            out.append(f"{n}. **{h.layer} / {h.side}, likelihood {h.likelihood:.2f}**: {esc(h.text)} {cite(h.citations)}")
            if h.supporting_signs:
                out.append(f"   - supporting signs: {'; '.join('`' + esc(s) + '`' for s in h.supporting_signs)}")
            if h.contradicting_signs:
                out.append(f"   - contradicting signs: {'; '.join('`' + esc(s) + '`' for s in h.contradicting_signs)}")
        out.append("")
    if d.findings:
        out += ["### Findings", ""] + [f"- {esc(f['text'])} {cite(f['citations'])}" for f in d.findings] + [""]
    if d.missing_information:
        out += ["### Missing information", ""]
        out += [f"- [ ] {esc(m['text'])}: _{esc(m['why'])}_" for m in d.missing_information] + [""]
    out += ["### Next question", "", f"**{esc(d.next_question['text'])}**", "", f"_{esc(d.next_question['why'])}_", ""]
    out += ["## Plan", ""]
    out += [f"{n}. {esc(p['text'])} {cite(p['citations'])}" for n, p in enumerate(d.plan, 1)] or ["_No plan without evidence: ask the questions above first._"]
    out += ["", "## Sources", ""]
    for s in d.sources:
        out.append(f"[{s.id[1:]}] {esc(s.ref)} ({s.kind}{', score ' + format(s.score, '.2f') if s.kind != 'sign' else ''}): "
                   f"{_quote(s.text, 240)}")
    return "\n".join(out) + "\n"


def render_worklog(d: Draft) -> str:
    c = d.case
    steps = [f"{n}. [ ] {esc(p['text'])} {cite(p['citations'])}" for n, p in enumerate(d.plan, 1)]
    repro = next((m for m in d.missing_information if "reproduce" in m["text"]), None)
    lines = [
        f"# Work log: {esc(d.case_id)}", "",
        "## Summary", "", f"{esc(c.get('title'))}. Opened {_when(d)}. {esc(d.summary['text'])} {cite(d.summary['citations'])}", "",
        "## Customer pain", "", _quote(c.get("symptoms"), 800) or "_not stated_", "",
        "## Evidence so far", "",
        *(f"- {s.kind}: `{esc(s.text)}`" for s in d.signs[:12]), "",
        "## Troubleshooting steps", "", *(steps or ["_none yet_"]), "",
        "## Reproduction", "", "_Not yet reproduced; ask: " + esc(repro["text"]) + "_" if repro else "See the case's Objective section.", "",
        "## Communication", "",
        "- External: customer reply drafted (below in this file); asks the next question and the missing information.",
        "- Internal: escalation drafted in STAR form (below) if the case is escalated.", "",
        "## Agreements", "", "_None recorded yet._", "",
        "## Open questions", "", *(f"- {esc(m['text'])}" for m in d.missing_information), "",
    ]
    return "\n".join(lines)


def render_escalation(d: Draft) -> str:
    c = d.case
    top = d.hypotheses[0] if d.hypotheses else None
    known = [f"- {esc(h.layer)}/{esc(h.side)} ({h.likelihood:.2f}): {esc(h.text)} {cite(h.citations)}" for h in d.hypotheses]
    lines = [
        f"# Escalation: {esc(d.case_id)} ({esc(c.get('severity') or 'severity not set')})", "",
        "**Situation.** " + f"{esc(c.get('title'))}; {esc(c.get('industry') or 'industry not set')} customer, "
        f"service {esc(c.get('service') or 'not set')}, opened {_when(d)}. Resources: "
        + (", ".join(f"`{esc(r)}`" for r in c.get("resources") or []) or "not given") + ".", "",
        "**Task (what is needed).** " + (f"Confirm or rule out the leading hypothesis ({esc(top.layer)}/{esc(top.side)}) "
                                         f"and advise on mitigation. Specifically: {esc(d.next_question['text'])}"
                                         if top else f"Help establish the basic facts: {esc(d.next_question['text'])}"), "",
        "**Action (what was done).** Signs extracted from the customer's data: "
        + (", ".join(f"`{esc(s.text)}`" for s in d.signs[:5]) or "none") + ". Past cases and documents searched: "
        + (", ".join(esc(s.ref) for s in d.sources if s.kind != "sign") or "none") + ".", "",
        "**Result (known and unknown).**", "", "Known (with sources):", "", *(known or ["- No supported hypothesis yet."]), "",
        "Unknown:", "", *(f"- {esc(m['text'])}" for m in d.missing_information), "",
        "Already tried / planned:", "", *(f"- {esc(p['text'])}" for p in d.plan[:4]), "",
    ]
    return "\n".join(lines)


def render_reply(d: Draft) -> str:
    """The customer reply: restates what they reported, what we are checking, what we need.
    States no fact that the draft does not carry with a source; shows no internal ids."""
    c = d.case
    mitigations = [p for p in d.plan if re.search(r"(?i)workaround|mitigat|roll ?back|temporar", p["text"])]
    lines = [f"Subject: {esc(d.case_id)}: {esc(c.get('title'))}", "", "Hello,", "",
             "Thank you for the details. We understand the impact you describe"
             + (f" since {esc(c['opened'])}" if c.get("opened") else "") + ", and we are working on it now.", ""]
    if d.hypotheses:
        h = d.hypotheses[0]
        lines += [f"What we are checking first: whether this is a {esc(h.layer)} issue on the {esc(h.side)} side, "
                  "which matches the error messages you sent. We will confirm before recommending a change.", ""]
    if mitigations:
        lines += ["What you can do now, if it fits your situation:", ""] + [f"- {esc(_plain(p['text']))}" for p in mitigations[:2]] + [""]
    asks = [d.next_question["text"]] + [m["text"] for m in d.missing_information if m["text"] != d.next_question["text"]][:3]
    lines += ["To move faster, could you tell us:", ""] + [f"{n}. {esc(q)}" for n, q in enumerate(asks, 1)] + [""]
    lines += ["We will update you as soon as we have checked these, and at the latest within the hour.", "", "Best regards,"]
    return "\n".join(lines) + "\n"


def _plain(text: str) -> str:
    """A plan step without internal references, for the customer."""
    return re.sub(r"^From [A-Za-z0-9._-]+: ", "", re.sub(r"\s*\((?:docs/|RFC )[^)]*\)", "", text))


def render_all(d: Draft) -> str:
    return "\n\n---\n\n".join([render_assessment(d), render_worklog(d), render_escalation(d),
                               "# Customer reply (draft)\n\n" + render_reply(d)])

"""Documents from a draft (Markdown): assessment, work log, STAR escalation, customer reply;
and writing a draft to files.

Pure functions of the Draft, except `write_draft`. Citations are numbered [n] after the
source ids (S3 -> [3]), inline ones too. Everything that came from case text or sources
is HTML-escaped, so a `<script>` in a case is shown, never run, wherever the Markdown is
rendered. What goes to the customer or to another team carries this customer's
identifiers only (casekit.identifiers) and no internal ids.
"""
from __future__ import annotations

import html
import re
from pathlib import Path

from .changes import KINDS, changes, nothing_changed, previous_draft, shown
from .draft import Draft
from .identifiers import scrub
from .reason import short

UPDATE_WITHIN = {"critical": "30 minutes", "urgent": "30 minutes", "high": "1 hour", "normal": "4 hours",
                 "low": "1 business day"}

# "What changed since the previous draft" (changes_sentence, changes_rows), every word of it in one place.
SINCE_LEAD = "Since the previous draft"
SINCE_NOTHING = "nothing changed (no new log entry, the same hypotheses in the same order)"
SINCE_SAME_RANKING = "the hypotheses kept their order and likelihoods"
SINCE_LOG_ENTRIES = ("{n} new log entry", "{n} new log entries")  # one, several
SINCE_ANSWERED = "answered \"{question}\": \"{answer}\""
SINCE_KIND = {"confirmed": "confirmed", "rose": "rose", "fell": "fell", "ruled_out": "ruled out", "new": "new",
              "gone": "no longer listed"}
SINCE_RANK_MOVED = "#{before} → #{after}"
SINCE_RANK_KEPT = "#{rank}"
SINCE_RANK_GONE = "was #{rank}"
SINCE_COLUMNS = ("change", "hypothesis", "rank", "likelihood", "status")  # changes_rows, as a table


def esc(text: str | None) -> str:
    return html.escape(text or "", quote=False)


def cite(ids: list[str]) -> str:
    return "".join(f"[{i[1:]}]" for i in ids)


def inline(text: str) -> str:
    """Escaped text with its inline [S12] citations shown as [12]."""
    return re.sub(r"\[S(\d+)\]", r"[\1]", esc(text))


def _quote(text: str, limit: int = 600) -> str:
    return esc(short(text or "", limit))


def _code(text: str, limit: int = 160) -> str:
    return "`" + esc(short(text or "", limit)).replace("|", "∣").replace("`", "ˋ") + "`"


def _when(d: Draft) -> str:
    c = d.case
    if not c.get("opened"):
        return "start time not given"
    return f"{esc(c['opened'])} (UTC {c.get('opened_utc')})"


def _outward(text: str, mine: dict) -> str:
    """Text for the customer or another team: no source ids, no other customer's identifiers
    (`mine`: this case's identifiers, as the draft found them)."""
    t = re.sub(r"\s*\[S\d+\]", "", text)
    t = re.sub(r"\s*Same pattern as [A-Za-z0-9._-]+: .*?\.(?=\s+[A-Z]|\s*$)", "", t)
    t = re.sub(r"\s*The customer's constraint: \".*?\"\.", "", t)
    t = re.sub(r"^From [A-Za-z0-9._-]+(?: \(adapt to this case\))?: ", "", t)
    t = re.sub(r"\s*\((?:docs/|RFC )[^)]*\)", "", t)
    return scrub(t, mine)


Cell = tuple[str, str]  # (text, note): a quoted line of the case and where it came from, or plain text and ""


def is_is_not_rows(d: Draft) -> list[tuple[str, Cell, Cell]]:
    """The is / is-not table as rows (label, is, is not): the one place both the Markdown
    and the notebook form read it from."""
    t = d.is_is_not or {}
    is_, not_ = t.get("is") or [], t.get("is_not") or []

    def quoted(r: dict) -> Cell:
        text = f"{r['context']} → {r['text']}" if len(r["text"]) < 16 and r.get("context") else r["text"]
        return text, r["origin"]

    rows = []
    for i in range(max(len(is_), len(not_))):
        rows.append(("where / what" if i == 0 else "", quoted(is_[i]) if i < len(is_) else ("", ""),
                     quoted(not_[i]) if i < len(not_) else ("", "")))
    when = t.get("when") or {}
    if when.get("onset_utc"):
        rows.append(("when", (f"from {when['onset_utc']} ({when.get('onset_source')})", ""), ("before it", "")))
    for r in t.get("differences") or []:
        rows.append(("differs", (r.get("detail") or "", ""), ("", "")))
    ch = t.get("change")
    if ch:
        gap = f", {ch['minutes_before']} min before the onset" if ch.get("minutes_before") is not None else ""
        at = f" at {ch['utc']}" if ch.get("utc") else ""
        rows.append(("changed", (f"{short(ch['text'], 110)}{at}{gap}", ""), ("", "")))
    return rows


def is_is_not_table(d: Draft) -> list[str]:
    rows = is_is_not_rows(d)
    if not rows:
        return ["_The case holds no line that separates where the problem is from where it is not._"]

    def cell(c: Cell) -> str:
        text, note = c
        return f"{_code(text, 130)} ({note})" if note else esc(text)
    return ["| | IS | IS NOT |", "|---|---|---|"] + [f"| {label} | {cell(a)} | {cell(b)} |" for label, a, b in rows]


def _change_cells(item: dict) -> tuple[str, str, str]:
    """(rank, likelihood, status) of one changed hypothesis, before → after where it moved."""
    was, now = item.get("before"), item.get("after")
    if now is None:
        return SINCE_RANK_GONE.format(rank=was["rank"]), shown(was["likelihood"]), was["status"]
    if was is None:
        return SINCE_RANK_KEPT.format(rank=now["rank"]), shown(now["likelihood"]), now["status"]
    rank = (SINCE_RANK_KEPT.format(rank=now["rank"]) if was["rank"] == now["rank"]
            else SINCE_RANK_MOVED.format(before=was["rank"], after=now["rank"]))
    status = now["status"] if was["status"] == now["status"] else f"{was['status']} → {now['status']}"
    return rank, f"{shown(was['likelihood'])} → {shown(now['likelihood'])}", status


def _change_phrase(kind: str, hypothesis: str, rank: str, likelihood: str, status: str) -> str:
    """'network/customer (#2 → #1, 0.40 → 0.72)', and the change of status unless the kind says it."""
    said = kind in ("ruled_out", "confirmed") or "→" not in status
    return f"{hypothesis} ({rank}, {likelihood}" + ("" if said else f", {status}") + ")"


def changes_rows(block: dict | None) -> list[tuple[str, str, str, str, str]]:
    """The changed hypotheses as rows (what happened, hypothesis, rank, likelihood, status):
    the one place the Markdown sentence and the notebook form read them from."""
    if not block:
        return []
    return [(SINCE_KIND[k], item["hypothesis"], *_change_cells(item)) for k in KINDS for item in block.get(k) or []]


def changes_sentence(block: dict | None) -> str | None:
    """'Since the previous draft: ...' in plain text (escape it for Markdown or HTML), or None
    when there is no previous draft (casekit.changes)."""
    if not block:
        return None
    if nothing_changed(block):
        return f"{SINCE_LEAD}: {SINCE_NOTHING}."
    parts = []
    if block["new_log_entries"]:
        n = block["new_log_entries"]
        parts.append(SINCE_LOG_ENTRIES[n != 1].format(n=n))
    parts += [SINCE_ANSWERED.format(question=short(a["question"], 100), answer=short(a["answer"], 100))
              for a in block["answered"]]
    for kind in KINDS:
        rows = [(item["hypothesis"], *_change_cells(item)) for item in block.get(kind) or []]
        if rows:
            parts.append(f"{SINCE_KIND[kind]}: " + ", ".join(_change_phrase(kind, *row) for row in rows))
    if not any(block.get(k) for k in KINDS):
        parts.append(SINCE_SAME_RANKING)
    return f"{SINCE_LEAD}: " + "; ".join(parts) + "."


def render_assessment(d: Draft) -> str:
    c = d.case
    out = [f"# {esc(d.case_id)}: {esc(c.get('title'))}", ""]
    meta = [f"opened {_when(d)}"] + [f"{k} {esc(c[k])}" for k in ("service", "industry", "severity") if c.get(k)]
    out += [" · ".join(meta), ""]
    for n in d.notes:
        out += [f"> **Note:** {esc(n)}", ""]
    out += ["## Symptoms (Subjective: what the customer reports)", "", _quote(c.get("symptoms"), 1200) or "_none given_", ""]
    out += ["## Evidence (what this case's data shows)", "", "### Is / is not", "", *is_is_not_table(d), ""]
    strong = [e for e in d.evidence if e.origin != "reported"][:10]
    if strong:
        out += ["### Evidence lines", "", "| origin | kind | line | evidence |", "|---|---|---|---|"]
        for e in strong:
            text = _code(e.text, 140) + (f" → {esc(e.detail)}" if e.detail else "")
            out.append(f"| {e.origin} | {e.kind} | {e.line or ''} | {text} |")
        out.append("")
    out += ["### Signs (error lines and codes)", ""]
    if d.signs:
        out += ["| kind | sign | line |", "|---|---|---|"]
        for s in d.signs:
            out.append(f"| {s.kind} | {_code(s.text, 200)} | {s.line or ''} |")
    else:
        out.append("_No signs found in the Objective section._")
    out += ["", "## Assessment", "", f"{inline(d.summary['text'])} {cite(d.summary['citations'])}", ""]
    since = changes_sentence(d.changes)
    if since:
        out += [esc(since), ""]
    if d.hypotheses:
        out += ["### Hypotheses (most likely first)", ""]
        for n, h in enumerate(d.hypotheses, 1):
            out.append(f"{n}. **{h.layer} / {h.side}, {h.status}, likelihood {h.likelihood:.2f}**: {inline(h.text)} {cite(h.citations)}")
            if h.evidence_for:
                out.append("   - for: " + "; ".join(_code(e["text"], 100) + (f" [{e['source'][1:]}]" if e.get("source") else "")
                                                   for e in h.evidence_for[:4]))
            if h.evidence_against:
                out.append("   - against: " + "; ".join(f"{_code(e['text'], 100)} [{e['source'][1:]}] ({esc(e['why'])})"
                                                       for e in h.evidence_against))
        out.append("")
    if d.findings:
        out += ["### Findings (from past cases and documents)", ""] + [f"- {esc(f['text'])} {cite(f['citations'])}" for f in d.findings] + [""]
    if d.missing_information:
        out += ["### Missing information", ""]
        out += [f"- [ ] {esc(m['text'])}: _{esc(m['why'])}_" for m in d.missing_information] + [""]
    out += ["### Next question", "", f"**{esc(d.next_question['text'])}**", "", f"_{esc(d.next_question['why'])}_", ""]
    out += ["## Plan", ""]
    out += [f"{n}. {inline(p['text'])} {cite(p['citations'])}" for n, p in enumerate(d.plan, 1)] or ["_No plan without evidence: ask the questions above first._"]
    out += ["", "## Sources", ""]
    for s in d.sources:
        out.append(f"[{s.id[1:]}] {esc(s.ref)} ({s.kind}{', score ' + format(s.score, '.2f') if s.kind != 'sign' else ''}): "
                   f"{_quote(s.text, 240)}")
    return "\n".join(out) + "\n"


def render_worklog(d: Draft) -> str:
    c = d.case
    top = d.hypotheses[0] if d.hypotheses else None
    ruled = [h for h in d.hypotheses if h.status == "contradicted"]
    nxt = d.plan[0]["text"] if d.plan else d.next_question["text"]
    hand = [
        f"- **Leading hypothesis:** {inline(top.text) if top else 'none yet'}" + (f" ({top.status})" if top else ""),
        "- **Waiting on:** " + ("the customer, for: " + esc(d.next_question["text"]) if d.next_question.get("text") else "nobody"),
        f"- **Next step:** {inline(nxt)}",
        "- **Deadline:** " + (f"\"{esc(c['deadline'])}\" (customer)" if c.get("deadline") else "none stated"),
    ]
    since = changes_sentence(d.changes)
    if since:
        hand.append(f"- {esc(since)}")
    ev = []
    for e in d.evidence[:14]:
        tag = {"observed": "[observed]", "reported": "[reported]", "inferred": "[inferred]"}.get(e.origin, f"[{e.origin}]")
        ev.append(f"- {tag} {e.kind}: {_code(e.text, 140)}" + (f" → {esc(e.detail)}" if e.detail else ""))
    steps = [f"{n}. [ ] {inline(p['text'])} {cite(p['citations'])}" for n, p in enumerate(d.plan, 1)]
    log = c.get("log") or []
    history = [f"- {esc(e['at'])} (UTC {e['at_utc']}) [{esc(e['kind'])}] {esc(e['text'])}"
               + (f" _(answers: {esc(e['answers'])})_" if e.get("answers") else "") for e in log]
    taken = [f"- [x] {esc(e['at'])} [{esc(e['kind'])}] {esc(e['text'])}" for e in log if e["kind"] in ("action", "result")]
    agreed = [f"- {esc(e['at'])}: {esc(e['text'])}" for e in log if e["kind"] == "agreement"]
    repro = next((m for m in d.missing_information if "reproduce" in m["text"]), None)
    lines = [
        f"# Work log: {esc(d.case_id)}", "",
        "## Handover summary", "", *hand, "",
        "## Summary", "", f"{esc(c.get('title'))}. Opened {_when(d)}"
        + (f"; the customer reports it started {esc(c['reported_start'])}" if c.get("reported_start") else "")
        + f". {inline(d.summary['text'])} {cite(d.summary['citations'])}", "",
        "## Customer pain", "", _quote(c.get("symptoms"), 800) or "_not stated_", "",
        "## Is / is not", "", *is_is_not_table(d), "",
        "## Evidence so far", "", *(ev or ["_none yet_"]), "",
        "## Ruled out", "", *([f"- {esc(h.layer)}/{esc(h.side)}: {_code(h.evidence_against[0]['text'], 100)}: "
                               f"{esc(h.evidence_against[0]['why'])}" for h in ruled if h.evidence_against] or ["_nothing yet_"]), "",
        "## History (the case log, in time order)", "", *(history or ["_No log entries yet (casekit log CASE TEXT)._"]), "",
        "## Troubleshooting steps", "", *taken, *(steps or ["_none planned_"]), "",
        "## Reproduction", "", "_Not yet reproduced; ask: " + esc(repro["text"]) + "_" if repro else "See the case's Objective section.", "",
        "## Communication", "",
        "- External: customer reply drafted (below in this file); asks only the questions still open.",
        "- Internal: escalation drafted in STAR form (below) if the case is escalated.", "",
        "## Agreements", "", *(agreed or ["_None recorded yet._"]), "",
        "## Open questions", "", *(f"- {esc(m['text'])}" for m in d.missing_information), "",
    ]
    return "\n".join(lines)


def _impact(d: Draft) -> str:
    from .cues import IMPACT

    m = IMPACT.search(d.case.get("symptoms") or "")
    return m.group(1) if m else ""


def render_escalation(d: Draft) -> str:
    c, mine = d.case, d.identifiers
    top = d.hypotheses[0] if d.hypotheses else None
    impact = _impact(d)
    evidence = [e for h in d.hypotheses[:1] for e in h.evidence_for[:4]]
    customer_side = bool(top) and top.status == "confirmed" and top.side == "customer"
    lines = [
        f"# Escalation: {esc(d.case_id)} ({esc(c.get('severity') or 'severity not set')})", "",
    ]
    if customer_side:
        lines += ["> **No escalation needed:** the case's own evidence confirms a customer-side configuration "
                  f"({esc(top.layer)}); support can resolve it with the customer. This draft is kept for the record.", ""]
    lines += [
        "**Situation.** " + f"{esc(c.get('title'))}; {esc(c.get('industry') or 'industry not set')} customer, "
        f"service {esc(c.get('service') or 'not set')}, opened {_when(d)}"
        + (f", started {esc(c['reported_start'])} as reported" if c.get("reported_start") else "") + ". "
        + (f"Impact: {esc(impact)}. " if impact else "")
        + "Resources: " + (", ".join(f"`{esc(r)}`" for r in c.get("resources") or []) or "not given") + ".", "",
        "**Task (what is needed).** " + (f"Confirm or rule out the leading hypothesis ({esc(top.layer)}/{esc(top.side)}) "
                                         f"and advise on mitigation. Specifically: {esc(d.next_question['text'])}"
                                         if top else f"Help establish the basic facts: {esc(d.next_question['text'])}")
        + (f" Deadline: \"{esc(c['deadline'])}\"." if c.get("deadline") else ""), "",
        "**Action (what was done).** The customer's data was read line by line; evidence: "
        + ("; ".join(_code(e["text"], 100) for e in evidence) or "no decisive line yet")
        + ". Nothing has been changed on the customer's resources by support yet.", "",
        "**Result (known and unknown).**", "", "Known:", "",
        *([f"- {esc(h.layer)}/{esc(h.side)} ({h.status}, {h.likelihood:.2f}): {esc(_outward(h.text, mine))}" for h in d.hypotheses]
          or ["- No supported hypothesis yet."]), "",
        "Unknown:", "", *(f"- {esc(m['text'])}" for m in d.missing_information), "",
        "Planned next:", "", *(f"- {esc(_outward(p['text'], mine))}" for p in d.plan[:4]), "",
    ]
    return "\n".join(lines)


def _spec_reference(d: Draft) -> str | None:
    """The RFC section (or official document) that explains the finding: the source of truth."""
    cited = {c for h in d.hypotheses[:1] for c in h.citations} | set(d.summary.get("citations") or [])
    rfc = [s for s in d.sources if s.ref.startswith("RFC ")]
    pick = next((s for s in rfc if s.id in cited), None) or (rfc[0] if rfc else None)
    return pick.ref if pick else None


def render_reply(d: Draft) -> str:
    """The customer reply: the finding first, in neutral words; the fix and the workaround
    with their risks; the spec that explains it; only the questions still open; the start
    time as the customer gave it; when the next update comes. No internal ids, no other
    customer's identifiers."""
    c, mine = d.case, d.identifiers
    top = d.hypotheses[0] if d.hypotheses else None
    since = f" since {esc(c['reported_start'])}" if c.get("reported_start") else (f" since {esc(c['opened'])}" if c.get("opened") else "")
    lines = [f"Subject: {esc(c.get('title'))}", "", "Hello,", "",
             f"Thank you for the details. We understand the impact you describe{since}, and we are working on it now.", ""]
    if top and top.status in ("confirmed", "supported"):
        found = [e for e in top.evidence_for if e.get("origin") != "reported"]  # not the customer's own answers back
        facts = [e for e in found if e.get("detail")][:1] + [e for e in found if not e.get("detail")][:2]
        lines += ["What we found in the data you sent:", ""]
        for e in facts[:2]:
            if e.get("detail"):
                lines.append(f"- {esc(_outward(e['detail'], mine))}")
            elif len(e["text"]) < 16 and e.get("context") and e.get("section") != "Log":  # a command's bare result
                lines.append(f"- {_code(_outward(e['context'], mine), 120)} returned {_code(e['text'])}")
            else:
                lines.append(f"- {_code(_outward(e['text'], mine), 160)}")
        verdict = "This explains the failures" if top.status == "confirmed" else "This most likely explains the failures"
        lines += ["", f"{verdict}: it points at the {esc(top.layer)} configuration of the affected resources.", ""]
    elif top:
        lines += [f"What we are checking first: the {esc(top.layer)} layer, which matches the messages you sent. "
                  "We will confirm before recommending a change.", ""]
    fixes = [p for p in d.plan if p.get("kind") in ("mitigate", "fix") and "industry" not in p["text"].lower()][:2]
    if fixes:
        lines += ["What you can do now:", ""]
        for p in fixes:
            risk = ("Risk: low; it returns to the configuration that worked. Check that nothing else depends on the change."
                    if p.get("kind") == "mitigate" else
                    "Risk: a configuration change; apply it to the affected resources only and verify with the same command.")
            lines.append(f"- {esc(_outward(p['text'], mine))} {risk}")
        lines.append("")
    spec = _spec_reference(d)
    if spec:
        lines += [f"Reference (the specification that describes this behaviour): {esc(spec)}.", ""]
    nq = d.next_question["text"].replace("After the first step of the plan", "After the first change above")
    open_q = [nq] + [m["text"] for m in d.missing_information if m["text"] != d.next_question["text"]][:2]
    lines += ["To close this out, could you tell us:", ""] + [f"{n}. {esc(q)}" for n, q in enumerate(open_q, 1)] + [""]
    when = UPDATE_WITHIN.get((c.get("severity") or "normal").lower(), "4 hours")
    if c.get("deadline"):
        lines += [f"We have your deadline in mind (\"{esc(c['deadline'])}\")."]
    lines += [f"We will update you within {when}, sooner if we find more.", "", "Best regards,"]
    return "\n".join(lines) + "\n"


def render_all(d: Draft) -> str:
    return "\n\n---\n\n".join([render_assessment(d), render_worklog(d), render_escalation(d),
                               "# Customer reply (draft)\n\n" + render_reply(d)])


def write_draft(draft: Draft, out_dir: str | Path) -> list[Path]:
    """`<id>.md` then `<id>.json`, each atomically: the JSON, written last, marks the
    draft complete (batch resumption relies on it).

    When `<id>.json` is already there (the previous draft of this case), the new draft
    records what changed since (`draft.changes`, by the rule of casekit.changes) before
    either file is written."""
    from .fsutil import atomic_write

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    draft.changes = changes(previous_draft(out / f"{draft.case_id}.json"), draft.to_dict())
    m = atomic_write(out / f"{draft.case_id}.md", render_all(draft))
    j = atomic_write(out / f"{draft.case_id}.json", draft.to_json())
    return [j, m]

"""Documents from a draft (Markdown): assessment, work log, STAR escalation, customer reply;
written by casekit.documents.write.

Pure functions of the Draft. Citations are numbered [n] after the
source ids (S3 -> [3]), inline ones too. Everything that came from case text or sources
is HTML-escaped, so a `<script>` in a case is shown, never run, wherever the Markdown is
rendered. What goes to the customer or to another team carries this customer's
identifiers only (casekit.text.identifiers) and no internal ids.
"""
from __future__ import annotations

import html
import re

from ..draft.living import KINDS, nothing_changed, shown
from ..draft import Draft
from ..text.identifiers import scrub
from ..text.tokens import balanced, short
from ..i18n import EN, Catalogue, catalogue

# Every sentence of these documents is a template of casekit.i18n, in the draft's language
# (`Draft.language`, the case's).


def text_of(d: Draft | None = None, language: str | None = None) -> Catalogue:
    """The catalogue of a draft's language (English for a draft without one)."""
    return catalogue(language or (getattr(d, "language", None) if d is not None else None) or "en")


def esc(text: str | None) -> str:
    return html.escape(text or "", quote=False)


def cite(ids: list[str]) -> str:
    return "".join(f"[{i[1:]}]" for i in ids)


def inline(text: str) -> str:
    """Escaped text with its inline [S12] citations shown as [12]."""
    return re.sub(r"\[S(\d+)\]", r"[\1]", esc(text))


def _quote(text: str, limit: int = 600) -> str:
    return esc(short(text or "", limit))


def _said(text: str | None, limit: int) -> str:
    """What the customer wrote, as a block quote: their words, not casekit's."""
    quoted = _quote(text, limit)
    return f"> {quoted}" if quoted else ""


def _code(text: str, limit: int = 160) -> str:
    return "`" + esc(short(balanced(text or ""), limit)).replace("|", "∣").replace("`", "ˋ") + "`"


def _when(d: Draft) -> str:
    c, t = d.case, text_of(d)
    if not c.get("opened"):
        return t("when.none")
    return t("when.at", opened=esc(c['opened']), utc=c.get('opened_utc'))


def _outward(text: str, mine: dict, t: Catalogue = EN) -> str:
    """Text for the customer or another team: no source ids, no other customer's identifiers
    (`mine`: this case's identifiers, as the draft found them)."""
    out = re.sub(r"\s*\[S\d+\]", "", text)
    for key in ("outward.same_pattern", "outward.constraint", "outward.from_case"):
        out = re.sub(t[key], "", out)
    out = re.sub(r"\s*(?:\(|（)(?:docs/|RFC )[^)）]*(?:\)|）)", "", out)
    return scrub(out, mine)


Cell = tuple[str, str]  # (text, note): a quoted line of the case and where it came from, or plain text and ""


def is_is_not_rows(d: Draft) -> list[tuple[str, Cell, Cell]]:
    """The is / is-not table as rows (label, is, is not): the one place both the Markdown
    and the notebook form read it from."""
    tx = text_of(d)
    t = d.is_is_not or {}
    is_, not_ = t.get("is") or [], t.get("is_not") or []
    origin = lambda o: tx["origin"].get(o, o)  # observed / reported, as the draft's language says it

    def quoted(r: dict) -> Cell:
        text = f"{r['context']} → {r['text']}" if len(r["text"]) < 16 and r.get("context") else r["text"]
        return text, origin(r["origin"])

    rows = []
    for i in range(max(len(is_), len(not_))):
        rows.append((tx("isnot.where") if i == 0 else "", quoted(is_[i]) if i < len(is_) else ("", ""),
                     quoted(not_[i]) if i < len(not_) else ("", "")))
    when = t.get("when") or {}
    if when.get("onset_utc"):
        rows.append((tx("isnot.when"), (tx("isnot.from", utc=when['onset_utc'], source=origin(when.get('onset_source'))), ""),
                     (tx("isnot.before"), "")))
    for r in t.get("differences") or []:
        rows.append((tx("isnot.differs"), (r.get("detail") or "", ""), ("", "")))
    ch = t.get("change")
    if ch:
        gap = tx("isnot.gap", minutes=ch['minutes_before']) if ch.get("minutes_before") is not None else ""
        at = tx("isnot.at", utc=ch['utc']) if ch.get("utc") else ""
        rows.append((tx("isnot.changed"), (f"\x00{short(balanced(ch['text']), 110)}\x00{at}{gap}", ""), ("", "")))
    return rows


def is_is_not_table(d: Draft) -> list[str]:
    rows, t = is_is_not_rows(d), text_of(d)
    if not rows:
        return [t("isnot.empty")]

    def cell(c: Cell) -> str:
        text, note = c
        if "\x00" in text:  # a quoted line of the case inside casekit's own words
            before, quote, after = text.split("\x00", 2)
            return esc(before) + _code(quote, 130) + esc(after)
        return f"{_code(text, 130)} ({note})" if note else esc(text)
    return [t("isnot.head"), "|---|---|---|"] + [f"| {label} | {cell(a)} | {cell(b)} |" for label, a, b in rows]


def _change_cells(item: dict, t: Catalogue = EN) -> tuple[str, str, str]:
    """(rank, likelihood, status) of one changed hypothesis, before → after where it moved."""
    was, now = item.get("before"), item.get("after")
    st = lambda s: t["status"].get(s, s)
    if now is None:
        return t("since.rank_gone", rank=was["rank"]), shown(was["likelihood"]), st(was["status"])
    if was is None:
        return t("since.rank_kept", rank=now["rank"]), shown(now["likelihood"]), st(now["status"])
    rank = (t("since.rank_kept", rank=now["rank"]) if was["rank"] == now["rank"]
            else t("since.rank_moved", before=was["rank"], after=now["rank"]))
    status = st(now["status"]) if was["status"] == now["status"] else f"{st(was['status'])} → {st(now['status'])}"
    return rank, f"{shown(was['likelihood'])} → {shown(now['likelihood'])}", status


def _change_phrase(kind: str, hypothesis: str, rank: str, likelihood: str, status: str, t: Catalogue = EN) -> str:
    """'network/customer (#2 → #1, 0.40 → 0.72)', and the change of status unless the kind says it."""
    said = kind in ("ruled_out", "confirmed") or "→" not in status
    sep = t["list_sep"] if t.chinese else ", "
    open_, close = ("（", "）") if t.chinese else (" (", ")")
    return f"{hypothesis}{open_}{rank}{sep}{likelihood}" + ("" if said else f"{sep}{status}") + close


def changes_rows(block: dict | None, language: str | None = None) -> list[tuple[str, str, str, str, str]]:
    """The changed hypotheses as rows (what happened, hypothesis, rank, likelihood, status):
    the one place the Markdown sentence and the notebook form read them from."""
    if not block:
        return []
    t = text_of(language=language)
    return [(t["since.kind"][k], item["hypothesis"], *_change_cells(item, t)) for k in KINDS for item in block.get(k) or []]


def changes_sentence(block: dict | None, language: str | None = None) -> str | None:
    """'Since the previous draft: ...' in plain text (escape it for Markdown or HTML), or None
    when there is no previous draft (casekit.draft.living)."""
    if not block:
        return None
    t = text_of(language=language)
    if nothing_changed(block):
        return t("since.sentence", lead=t["since.lead"], parts=t["since.nothing"])
    parts = []
    if block["new_log_entries"]:
        n = block["new_log_entries"]
        parts.append(t["since.log_entries"][n != 1].format(n=n))
    parts += [t("since.answered", question=short(a["question"], 100), answer=short(a["answer"], 100))
              for a in block["answered"]]
    for kind in KINDS:
        rows = [(item["hypothesis"], *_change_cells(item, t)) for item in block.get(kind) or []]
        if rows:
            parts.append(t("since.part", kind=t["since.kind"][kind],
                           items=t["list_sep"].join(_change_phrase(kind, *row, t=t) for row in rows)))
    if not any(block.get(k) for k in KINDS):
        parts.append(t["since.same_ranking"])
    return t("since.sentence", lead=t["since.lead"], parts=t["clause_sep"].join(parts))


def _status(t: Catalogue, status: str) -> str:
    return t["status"].get(status, status)


def render_assessment(d: Draft) -> str:
    c, t = d.case, text_of(d)
    out = [f"# {esc(d.case_id)}: {esc(c.get('title'))}", ""]
    meta = [t("a.opened", when=_when(d))] + [f"{t['field'][k]} {esc(c[k])}" for k in ("service", "industry", "severity") if c.get(k)]
    out += [" · ".join(meta), ""]
    for n in d.notes:
        out += [t("a.note", note=esc(n)), ""]
    out += [t("a.h_symptoms"), "", _said(c.get("symptoms"), 1200) or t("a.none_given"), ""]
    out += [t("a.h_evidence"), "", t("a.h_isnot"), "", *is_is_not_table(d), ""]
    strong = [e for e in d.evidence if e.origin != "reported"][:10]
    if strong:
        out += [t("a.h_lines"), "", t("a.lines_head"), "|---|---|---|---|"]
        for e in strong:
            text = _code(e.text, 140) + (f" → {esc(e.detail_in(t))}" if e.fact else "")
            out.append(f"| {t['origin'].get(e.origin, e.origin)} | {t.name('kind', e.kind)} | {e.line or ''} | {text} |")
        out.append("")
    out += [t("a.h_signs"), ""]
    if d.signs:
        out += [t("a.signs_head"), "|---|---|---|"]
        for s in d.signs:
            out.append(f"| {t.name('kind', s.kind)} | {_code(s.text, 200)} | {s.line or ''} |")
    else:
        out.append(t("a.no_signs"))
    out += ["", t("a.h_assessment"), "", f"{inline(d.summary['text'])} {cite(d.summary['citations'])}", ""]
    since = changes_sentence(d.changes, t.language)
    if since:
        out += [esc(since), ""]
    if d.hypotheses:
        out += [t("a.h_hypotheses"), ""]
        sep = t["clause_sep"]
        for n, h in enumerate(d.hypotheses, 1):
            out.append(t("a.hypothesis", n=n, layer=h.layer, side=h.side, status=_status(t, h.status),
                         likelihood=f"{h.likelihood:.2f}") + f"{inline(h.text)} {cite(h.citations)}")
            if h.evidence_for:
                out.append(t("a.for") + sep.join(_code(e["text"], 100) + (f" [{e['source'][1:]}]" if e.get("source") else "")
                                                  for e in h.evidence_for[:4]))
            if h.evidence_against:
                out.append(t("a.against") + sep.join(f"{_code(e['text'], 100)} [{e['source'][1:]}] ({esc(e['why'])})"
                                                      for e in h.evidence_against))
        out.append("")
    if d.findings:
        out += [t("a.h_findings"), ""] + [f"- {esc(f['text'])} {cite(f['citations'])}" for f in d.findings] + [""]
    if d.missing_information:
        out += [t("a.h_missing"), ""]
        out += [f"- [ ] {esc(m['text'])}: _{esc(m['why'])}_" for m in d.missing_information] + [""]
    out += [t("a.h_next"), "", f"**{esc(d.next_question['text'])}**", "", f"_{esc(d.next_question['why'])}_", ""]
    out += [t("a.h_plan"), ""]
    out += [f"{n}. {inline(p['text'])} {cite(p['citations'])}" for n, p in enumerate(d.plan, 1)] or [t("a.no_plan")]
    out += ["", t("a.h_sources"), ""]
    for s in d.sources:
        out.append(f"[{s.id[1:]}] {esc(s.ref)} ({t.name('kind', s.kind)}{t('a.score', score=format(s.score, '.2f')) if s.kind != 'sign' else ''}): "
                   f"{_quote(s.text, 240)}")
    return "\n".join(out) + "\n"


def render_worklog(d: Draft) -> str:
    c, t = d.case, text_of(d)
    top = d.hypotheses[0] if d.hypotheses else None
    ruled = [h for h in d.hypotheses if h.status == "contradicted"]
    nxt = d.plan[0]["text"] if d.plan else d.next_question["text"]
    lp, rp = ("（", "）") if t.chinese else (" (", ")")
    hand = [
        t("w.leading", text=inline(top.text) if top else t("w.leading_none")) + (f"{lp}{_status(t, top.status)}{rp}" if top else ""),
        t("w.waiting", who=t("w.waiting_customer", question=esc(d.next_question["text"])) if d.next_question.get("text")
          else t("w.waiting_nobody")),
        t("w.next", step=inline(nxt)),
        t("w.deadline", deadline=t("w.deadline_customer", deadline=esc(c['deadline'])) if c.get("deadline") else t("w.deadline_none")),
    ]
    since = changes_sentence(d.changes, t.language)
    if since:
        hand.append(f"- {esc(since)}")
    ev = []
    for e in d.evidence[:14]:
        tag = f"[{t['origin'].get(e.origin, e.origin)}]"
        ev.append(f"- {tag} {t.name('kind', e.kind)}: {_code(e.text, 140)}" + (f" → {esc(e.detail_in(t))}" if e.fact else ""))
    steps = [f"{n}. [ ] {inline(p['text'])} {cite(p['citations'])}" for n, p in enumerate(d.plan, 1)]
    log = c.get("log") or []
    history = [f"- {esc(e['at'])} (UTC {e['at_utc']}) [{esc(e['kind'])}] {esc(e['text'])}"
               + (t("w.answers", question=esc(e['answers'])) if e.get("answers") else "") for e in log]
    taken = [f"- [x] {esc(e['at'])} [{esc(e['kind'])}] {esc(e['text'])}" for e in log if e["kind"] in ("action", "result")]
    agreed = [f"- {esc(e['at'])}: {esc(e['text'])}" for e in log if e["kind"] == "agreement"]
    repro = next((m for m in d.missing_information if m["text"] == t["m.repro"][0]), None)
    lines = [
        t("w.title", case_id=esc(d.case_id)), "",
        t("w.h_handover"), "", *hand, "",
        t("w.h_summary"), "", t("w.summary", title=esc(c.get('title')), when=_when(d))
        + (t("w.started", start=esc(c['reported_start'])) if c.get("reported_start") else "")
        + ("。" if t.chinese else ". ") + f"{inline(d.summary['text'])} {cite(d.summary['citations'])}", "",
        t("w.h_pain"), "", _said(c.get("symptoms"), 800) or t("w.not_stated"), "",
        t("w.h_isnot"), "", *is_is_not_table(d), "",
        t("w.h_evidence"), "", *(ev or [t("w.none_yet")]), "",
        t("w.h_ruled"), "", *([f"- {esc(t.name('hypothesis', h.layer + '/' + h.side))}: {_code(h.evidence_against[0]['text'], 100)}: "
                               f"{esc(h.evidence_against[0]['why'])}" for h in ruled if h.evidence_against] or [t("w.nothing_yet")]), "",
        t("w.h_history"), "", *(history or [t("w.no_log")]), "",
        t("w.h_steps"), "", *taken, *(steps or [t("w.none_planned")]), "",
        t("w.h_repro"), "", t("w.repro_ask", question=esc(repro["text"])) if repro else t("w.repro_see"), "",
        t("w.h_comm"), "",
        t("w.external"),
        t("w.internal"), "",
        t("w.h_agreements"), "", *(agreed or [t("w.no_agreements")]), "",
        t("w.h_open"), "", *([f"- {esc(m['text'])}" for m in d.missing_information] or [t("w.nothing_yet")]), "",
    ]
    return "\n".join(lines)


def _impact(d: Draft) -> str:
    from ..evidence.said import impact

    return impact(d.case.get("symptoms") or "")


def render_escalation(d: Draft) -> str:
    c, mine, t = d.case, d.identifiers, text_of(d)
    top = d.hypotheses[0] if d.hypotheses else None
    impact = _impact(d)
    evidence = [e for h in d.hypotheses[:1] for e in h.evidence_for[:4]]
    customer_side = bool(top) and top.status == "confirmed" and top.side == "customer"
    lines = [
        t("e.title", case_id=esc(d.case_id), severity=esc(c.get('severity') or t['e.no_severity'])), "",
    ]
    if customer_side:
        lines += [t("e.not_needed", layer=esc(top.layer)), ""]
    end = "。" if t.chinese else ". "
    lines += [
        t("e.situation", title=esc(c.get('title')), industry=esc(c.get('industry') or t['e.no_industry']),
          service=esc(c.get('service') or t['e.no_service']), when=_when(d))
        + (t("e.started", start=esc(c['reported_start'])) if c.get("reported_start") else "") + end
        + (t("e.impact", impact=esc(impact)) if impact else "")
        + t("e.resources", resources=t["list_sep"].join(f"`{esc(r)}`" for r in c.get("resources") or []) or t["e.no_resources"]), "",
        t("e.task") + (t("e.task_lead", layer=esc(top.layer), side=esc(top.side), question=esc(d.next_question['text']))
                       if top else t("e.task_facts", question=esc(d.next_question['text'])))
        + (t("e.deadline", deadline=esc(c['deadline'])) if c.get("deadline") else ""), "",
        t("e.action", evidence=t["clause_sep"].join(_code(e["text"], 100) for e in evidence) or t["e.no_evidence"]), "",
        t("e.result"), "", t("e.known"), "",
        *([t("e.known_item", layer=esc(h.layer), side=esc(h.side), status=_status(t, h.status), likelihood=f"{h.likelihood:.2f}",
             text=esc(_outward(h.text, mine, t))) for h in d.hypotheses]
          or [t("e.known_none")]), "",
        t("e.unknown"), "", *([f"- {esc(m['text'])}" for m in d.missing_information] or [t("e.none")]), "",
        t("e.planned"), "", *([f"- {esc(_outward(p['text'], mine, t))}" for p in d.plan[:4]] or [t("e.none")]), "",
    ]
    return "\n".join(lines)


def _spec_reference(d: Draft) -> str | None:
    """The RFC section (or official document) that explains the finding: the source of truth."""
    cited = {c for h in d.hypotheses[:1] for c in h.citations} | set(d.summary.get("citations") or [])
    rfc = [s for s in d.sources if s.ref.startswith("RFC ")]
    pick = next((s for s in rfc if s.id in cited), None) or (rfc[0] if rfc else None)
    return pick.ref if pick else None


def _industry_step(p: dict) -> bool:
    """A plan step that states the industry rule (not something the customer can do)."""
    return "industry" in p["text"].lower() or any(p["text"].startswith(rule) for lang in ("en", "zh-Hant", "zh-Hans")
                                                   for rule in catalogue(lang)["p.industry_rule"].values())


def render_reply(d: Draft) -> str:
    """The customer reply: the finding first, in neutral words; the fix and the workaround
    with their risks; the spec that explains it; only the questions still open; the start
    time as the customer gave it; when the next update comes. No internal ids, no other
    customer's identifiers."""
    c, mine, t = d.case, d.identifiers, text_of(d)
    top = d.hypotheses[0] if d.hypotheses else None
    start = c.get("reported_start") or c.get("opened")
    since = t("r.since", start=esc(start)) if start else ""
    lines = [t("r.subject", title=esc(c.get('title'))), "", t("r.hello"), "", t("r.thanks", since=since), ""]
    if top and top.status in ("confirmed", "supported"):
        found = [e for e in top.evidence_for if e.get("origin") != "reported"]  # not the customer's own answers back
        facts = [e for e in found if e.get("detail")][:1] + [e for e in found if not e.get("detail")][:2]
        lines += [t("r.found"), ""]
        for e in facts[:2]:
            if e.get("detail"):
                lines.append(f"- {esc(_outward(e['detail'], mine, t))}")
            elif len(e["text"]) < 16 and e.get("context") and e.get("section") != "Log":  # a command's bare result
                lines.append(t("r.returned", command=_code(_outward(e['context'], mine, t), 120), result=_code(e['text'])))
            else:
                lines.append(f"- {_code(_outward(e['text'], mine, t), 160)}")
        verdict = t("r.explains") if top.status == "confirmed" else t("r.likely_explains")
        lines += ["", t("r.points", verdict=verdict, layer=esc(top.layer)), ""]
    elif top:
        lines += [t("r.checking", layer=esc(top.layer)), ""]
    fixes = [p for p in d.plan if p.get("kind") in ("mitigate", "fix") and not _industry_step(p)][:2]
    if fixes:
        lines += [t("r.do_now"), ""]
        for p in fixes:
            risk = t("r.risk_mitigate") if p.get("kind") == "mitigate" else t("r.risk_fix")
            lines.append(f"- {esc(_outward(p['text'], mine, t))} {risk}")
        lines.append("")
    spec = _spec_reference(d)
    if spec:
        lines += [t("r.reference", ref=esc(spec)), ""]
    nq = d.next_question["text"].replace(t["r.first_step"], t["r.first_change"])
    open_q = [nq] + [m["text"] for m in d.missing_information if m["text"] != d.next_question["text"]][:2]
    lines += [t("r.questions"), ""] + [f"{n}. {esc(q)}" for n, q in enumerate(open_q, 1)] + [""]
    within = t["r.update_within"]
    when = within.get((c.get("severity") or "normal").lower(), within["normal"])
    if c.get("deadline"):
        lines += [t("r.deadline", deadline=esc(c['deadline']))]
    lines += [t("r.update", within=when), "", t("r.closing")]
    return "\n".join(lines) + "\n"


def render_all(d: Draft) -> str:
    return "\n\n---\n\n".join([render_assessment(d), render_worklog(d), render_escalation(d),
                               text_of(d)("r.doc_title") + "\n\n" + render_reply(d)])

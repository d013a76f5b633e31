"""The JupyterLab SOAP form: a face over the same functions as the CLI.

    from casekit.widgets import SoapApp
    app = SoapApp()          # index: $CASEKIT_INDEX_DIR or ./.casekit/index; or SoapApp(index_dir=..., case="examples/inbox/NEW-0001.md")
    app                                              # shows the form

Subjective (the customer's account) and Objective (the data) are separate fields; the signs
extracted from Objective appear live under it. Buttons find similar cases, draft the
assessment, export the documents and save the case file. Each citation [n] opens its source
excerpt in the panel beside the assessment. Errors appear in the form, never as tracebacks.
Everything shown is HTML-escaped.

The case is a living record: the log panel adds entries of any kind, the buttons under the
next question answer it (re-drafting at once), and the assessment opens with what changed
since the previous draft (casekit.draft.living: the draft the form showed before, else the one
in the export folder). Saving appends the new log entries to the case file, every other
byte kept, when nothing else in the form was changed.
"""
from __future__ import annotations

import html
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import ipywidgets as W

from .case import INDUSTRIES, LOG_KINDS, LOG_SECTION, SEVERITIES, Case, LogEntry, load_cases, write_case
from .errors import CaseKitError
from .evidence.signs import extract
from .i18n import Catalogue, catalogue

TIMEZONES = ["UTC", "Asia/Taipei", "Asia/Tokyo", "Asia/Singapore", "Asia/Kolkata", "Europe/London", "Europe/Berlin",
             "America/New_York", "America/Chicago", "America/Los_Angeles", "America/Sao_Paulo", "Australia/Sydney"]
esc = html.escape


class SoapApp:
    """A SOAP form bound to an index and a model; the Drafter loads on first use."""

    def __init__(self, index_dir: str | Path | None = None, model: str | None = None, case: Case | str | Path | None = None):
        from .paths import index_dir as default_index_dir

        self.index_dir, self.model = default_index_dir(index_dir), model
        self._drafter = None
        self.base: Case | None = None  # the loaded case: fields the form does not show survive a save
        self.pending: list[LogEntry] = []  # log entries added in the form, not yet in the case file
        self._opened_shown: tuple[str, str] | None = None  # (started, tz) as set_case showed base.opened
        self.draft = None
        # Labels and placeholders in words are the catalogue's (form.label, form.placeholder): relabel() sets them.
        lay = W.Layout(width="100%")
        self.title = W.Text(layout=lay)
        self.case_id = W.Text(value="CASE-NEW-1")
        self.report = W.Textarea(layout=W.Layout(width="100%", height="90px"))
        self.impact = W.Text(layout=lay)
        self.started = W.Text(placeholder="2026-03-02 14:05")
        self.tz = W.Combobox(options=TIMEZONES, value="UTC", ensure_option=False)
        self.resources = W.Text(placeholder="i-0123..., arn:aws:...", layout=lay)
        self.industry = W.Dropdown(options=INDUSTRIES, value="other")
        self.severity = W.Dropdown(options=SEVERITIES, value="normal")
        self.service = W.Text()
        self.need = W.Text(layout=lay)
        self.logs = W.Textarea(layout=W.Layout(width="100%", height="160px"))
        self.metrics = W.Textarea(placeholder="2026-03-02T05:00Z 12.5\n2026-03-02T05:05Z 98.0", layout=W.Layout(width="100%", height="80px"))
        self.signs_view = W.HTML()
        self.message = W.HTML()
        self.progress = W.IntProgress(min=0, max=4, value=0, layout=W.Layout(visibility="hidden"))
        self.path = W.Text(placeholder="cases/CASE-0042.md", layout=W.Layout(width="60%"), style={"description_width": "initial"})
        self.b_load, self.b_save = W.Button(), W.Button()
        self.b_similar = W.Button(icon="search")
        self.b_draft = W.Button(button_style="primary")
        self.b_export = W.Button()
        self.export_dir = W.Text(value="out")
        self.assessment = W.VBox()
        self.source_view = W.HTML(layout=W.Layout(width="38%", border="1px solid #ddd", padding="6px"))
        self.checklist = W.VBox()
        self.plots = W.Output()
        self.similar_view = W.HTML()
        self.log_kind = W.Dropdown(options=LOG_KINDS, value="observed", layout=W.Layout(width="220px"))
        self.log_text = W.Text(layout=W.Layout(width="45%"))
        self.log_at = W.Text(layout=W.Layout(width="280px"))
        self.b_log = W.Button(icon="plus")
        self.answer_text = W.Text(layout=W.Layout(width="50%"))
        self.b_answer = W.Button()
        self.log_view = W.HTML()
        self.b_load.on_click(lambda _: self._guard(self.load_file))
        self.b_save.on_click(lambda _: self._guard(self.save_file))
        self.b_similar.on_click(lambda _: self._guard(self.find_similar))
        self.b_draft.on_click(lambda _: self._guard(lambda: (self.run_draft(), self.plot())))
        self.b_export.on_click(lambda _: self._guard(self.export))
        self.b_log.on_click(lambda _: self._guard(self._add_typed_entry))
        self.b_answer.on_click(lambda _: self._guard(self.answer))
        self.logs.observe(lambda _: self._guard(self.update_signs), names="value")
        self.tz.observe(lambda _: self._guard(self.update_signs), names="value")
        # Headings in the case's language (casekit.i18n, keys form.*): relabel() sets them.
        self.headings = {key: W.HTML() for key in ("form.subjective", "form.objective", "form.signs_found", "form.log",
                                                    "form.assessment", "form.missing", "form.timeline")}
        self.language = "en"
        self.relabel("en")
        h = self.headings
        subjective = W.VBox([h["form.subjective"], self.case_id, self.title,
                             self.report, self.impact, W.HBox([self.started, self.tz]), self.resources,
                             W.HBox([self.industry, self.severity, self.service]), self.need])
        objective = W.VBox([h["form.objective"], self.logs, self.metrics, h["form.signs_found"], self.signs_view])
        actions = W.HBox([self.b_similar, self.b_draft, self.b_export, self.export_dir])
        files = W.HBox([self.path, self.b_load, self.b_save])
        log_panel = W.VBox([h["form.log"],
                            W.HBox([self.log_kind, self.log_text, self.log_at, self.b_log]), self.log_view])
        result = W.VBox([h["form.assessment"], W.HBox([self.assessment, self.source_view]),
                         h["form.missing"], self.checklist, log_panel,
                         h["form.timeline"], self.plots, self.similar_view])
        self.widget = W.VBox([files, subjective, objective, actions, self.progress, self.message, result])
        self.widget.add_class("casekit-soap")
        if case is not None:
            self.set_case(case if isinstance(case, Case) else load_cases(case)[0])
        self.update_signs()
        self.show_log()

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)

    # ------------------------------------------------------------------ errors and progress

    def _guard(self, fn) -> Any:
        """Run an action; problems become a message in the form."""
        try:
            self.message.value = ""
            return fn()
        except CaseKitError as err:
            self.message.value = f"<div class='casekit-error' style='color:#b00'>⚠ {esc(str(err))}</div>"
        except (OSError, ValueError) as err:
            self.message.value = f"<div class='casekit-error' style='color:#b00'>⚠ {esc(type(err).__name__)}: {esc(str(err))}</div>"
        finally:
            self.progress.layout.visibility = "hidden"

    def _step(self, n: int, what: str) -> None:
        self.progress.layout.visibility = "visible"
        self.progress.value = n
        self.progress.description = self.text["form.step"][what]

    @property
    def text(self) -> Catalogue:
        """The catalogue of the form's language (the case's, once one is loaded or drafted)."""
        return catalogue(self.language)

    def _ok(self, text: str) -> None:
        self.message.value = f"<span class='casekit-ok'>{text}</span>"

    # ------------------------------------------------------------------ case <-> form

    def relabel(self, language: str | None) -> None:
        """The form's headings, field labels, buttons and placeholders in `language` (the
        case's). English ones that a writer meets before any case is loaded (the Subjective
        and Objective headings, the case-file row) say the Chinese too, so a Chinese writer
        finds 主觀/客觀 and 載入 at once."""
        t, zh = catalogue(language), catalogue("zh-Hant")
        self.language = t.language
        for key, w in self.headings.items():
            text = t[key]
            if key == "form.signs_found":
                w.value = text
                continue
            if t.language == "en" and key in ("form.subjective", "form.objective"):
                head, rest = text.split(":", 1)
                text = f"{head} {zh[key].split('：')[0]}:{rest}"
            w.value = f"<h3>{text}</h3>"
        for name, text in t["form.label"].items():
            both = t.language == "en" and name in ("path", "b_load")
            getattr(self, name).description = f"{text} {zh['form.label'][name]}" if both else text
        for name, text in t["form.placeholder"].items():
            getattr(self, name).placeholder = text
        if "casekit-source" not in self.source_view.value:  # the hint, until a source is shown
            self.source_view.value = f"<i>{esc(t['form.click_citation'])}</i>"

    def set_case(self, case: Case) -> None:
        self.relabel(case.language)
        self.base, self.pending = case, []
        self.case_id.value, self.title.value = case.id, case.title
        self.report.value = case.symptoms
        self.logs.value = case.objective
        m = re.match(r"^\s*(\d{4}-\d{2}-\d{2}[ T]\d{1,2}:\d{2}(?::\d{2})?)\s*(.*)$", case.opened or "")
        self.started.value = m.group(1) if m else ""
        self.tz.value = (m.group(2) if m and m.group(2) else "UTC")
        self._opened_shown = (self.started.value, self.tz.value)
        self.resources.value = ", ".join(case.resources)
        self.industry.value = case.industry or "other"
        self.severity.value = case.severity or "normal"
        self.service.value = case.service or ""
        self.impact.value = str(case.extra.get("impact", ""))
        self.need.value = str(case.extra.get("need", ""))
        self.metrics.value = case.section("Metrics")

    def case(self) -> Case:
        """The case the form shows, on top of the loaded one (nothing the form lacks is lost)."""
        import copy

        from .case import case_from_dict
        from .text.lang import section_key

        base = copy.deepcopy(self.base) if self.base else Case(id="x", title="x")
        fields = {**base.fields(), "id": self.case_id.value.strip(), "title": self.title.value.strip(),
                  "industry": self.industry.value, "severity": self.severity.value,
                  "resources": [r.strip() for r in self.resources.value.split(",") if r.strip()]}
        for k, w in (("service", self.service), ("impact", self.impact), ("need", self.need)):
            if w.value.strip():
                fields[k] = w.value.strip()
        if self.base and base.opened and (self.started.value, self.tz.value) == self._opened_shown:
            fields["opened"] = base.opened  # untouched in the form: kept as written
        elif self.started.value.strip():
            fields["opened"] = f"{self.started.value.strip()} {self.tz.value.strip() or 'UTC'}"
        sections = dict(base.sections) if self.base else {}
        for name, w in (("Subjective", self.report), ("Objective", self.logs)):  # under the heading as written
            sections[next((h for h in sections if section_key(h) == section_key(name)), name)] = w.value
        if self.metrics.value.strip():
            sections["Metrics"] = self.metrics.value
        case = case_from_dict(Path(self.path.value or "<form>"), {**fields, "sections": sections})
        log = [*(base.log if self.base else []), *self.pending]
        return replace(case, log=log, log_heading=base.log_heading if self.base and base.log_heading else
                       (LOG_SECTION if log else None))

    def load_file(self) -> None:
        self.set_case(load_cases(self.path.value.strip())[0])
        self.update_signs()
        self.show_log()
        self._ok(self.text("form.loaded", case_id=esc(self.base.id)))

    def save_file(self) -> Path:
        """Write the case file. The log only grows: entries added in the form are appended to
        the file's log (with `append_log`, every other byte kept, when nothing else in the
        form changed), and entries the file gained meanwhile (`casekit log`) are kept."""
        from .case import append_log

        path = Path(self.path.value.strip() or f"{self.case_id.value}.md")
        form, on_disk, t = self.case(), _readable_case(path), self.text
        done = t("form.saved", path=esc(str(path)))
        if on_disk is None or on_disk.id != form.id:
            write_case(form, path)
        else:
            added = [e for e in self.pending if e not in on_disk.log]
            if replace(form, log=on_disk.log, log_heading=on_disk.log_heading) == on_disk:  # only the log grew
                for e in added:
                    append_log(path, e.text, e.kind, at=e.at, answer=e.answers)
                done = t["form.appended"][len(added) != 1].format(path=esc(str(path)), n=len(added))
            else:
                heading = on_disk.log_heading or form.log_heading
                write_case(replace(form, log=[*on_disk.log, *added], log_heading=heading), path)
        self.base, self.pending = load_cases(path)[0], []
        self.show_log()
        self._ok(done)
        return path

    # ------------------------------------------------------------------ actions

    def update_signs(self) -> None:
        signs, t = extract(self.logs.value, tz=self.tz.value or "UTC"), self.text
        if not signs:
            self.signs_view.value = f"<i>{esc(t['form.no_signs'])}</i>"
            return
        rows = "".join(f"<tr><td>{esc(s.kind)}</td><td><code>{esc(s.text)}</code></td></tr>" for s in signs)
        head = "".join(f"<th>{esc(c)}</th>" for c in _columns(t["a.signs_head"])[:2])
        self.signs_view.value = f"<table class='casekit-signs'><tr>{head}</tr>{rows}</table>"

    def drafter(self):
        if self._drafter is None:
            from .draft import Drafter

            self._drafter = Drafter(self.index_dir, model=self.model)
        return self._drafter

    def find_similar(self) -> list:
        from .retrieval.index import Index

        self._step(1, "searching")
        c = self.case()
        hits = Index.open(self.index_dir).search(f"{c.title}. {c.symptoms}", k=5, kind="case")
        t = self.text
        self.similar_view.value = f"<h4>{esc(t['form.similar'])}</h4><ol>" + "".join(
            f"<li><b>{esc(h.chunk.ref)}</b> {esc(h.chunk.title)}{esc(t('a.score', score=f'{h.score:.2f}'))}</li>"
            for h in hits) + "</ol>"
        return hits

    def run_draft(self):
        self._step(1, "loading")
        d = self.drafter()
        self._step(2, "drafting")
        case = self.case()
        draft = d.draft(case, previous=self._previous(case.id))
        self.draft = draft
        self._step(3, "rendering")
        self.show_draft()
        return self.draft

    def _previous(self, case_id: str) -> dict | None:
        """What a new draft is compared with: the draft the form shows, else the exported one."""
        from .draft import previous_draft

        if self.draft is not None and self.draft.case_id == case_id:
            return self.draft.to_dict()
        return previous_draft(self.export_dir.value or "out", case_id)

    # ------------------------------------------------------------------ the case log

    def add_log(self, text: str, kind: str = "observed", at: str | None = None, answers: str | None = None) -> LogEntry:
        """One entry into the form's log (Save writes it to the case file); re-drafts when a
        draft is shown, so the assessment says at once what the entry changed."""
        from .case import new_log_entry

        where = self.path.value.strip() or "<form>"
        entry = new_log_entry(self.case(), text, kind, at=at or None, answer=answers, path=where)
        self.pending.append(entry)
        self.show_log()
        if self.draft is not None:
            self.run_draft()
        return entry

    def answer(self, offered: str | None = None) -> LogEntry:
        """Answer the draft's next question: with an offered answer (its buttons), the typed
        text, or both ('no: nothing in CloudTrail'). Logged as the customer's words."""
        if self.draft is None:
            raise CaseKitError(self.text["form.answer_first"])
        typed = self.answer_text.value.strip()
        text = f"{offered}: {typed}" if offered and typed else (offered or typed)
        if not text:
            raise CaseKitError(self.text["form.type_answer"])
        entry = self.add_log(text, "reported", answers=self.draft.next_question["text"])
        self.answer_text.value = ""
        return entry

    def _add_typed_entry(self) -> None:
        self.add_log(self.log_text.value, self.log_kind.value, self.log_at.value.strip() or None)
        self.log_text.value = self.log_at.value = ""

    def show_log(self) -> None:
        saved, t = self.base.log if self.base else [], self.text
        rows = [(e, False) for e in saved] + [(e, True) for e in self.pending]
        if not rows:
            self.log_view.value = f"<i>{esc(t['form.no_log'])}</i>"
            return
        items = "".join(f"<li><code>{esc(e.at)}</code> [{esc(e.kind)}] {esc(e.text)}"
                        + (f" <i>{t('form.answers', question=esc(e.answers))}</i>" if e.answers else "")
                        + (f" <b>{t['form.not_saved']}</b>" if new else "") + "</li>" for e, new in rows)
        self.log_view.value = f"<ul class='casekit-log'>{items}</ul>"

    def export(self) -> list[Path]:
        if self.draft is None:
            raise CaseKitError(self.text["form.draft_first"])
        from .fsutil import atomic_write
        from .documents import render_escalation, render_reply, render_worklog, write_draft

        out = Path(self.export_dir.value or "out")
        files = write_draft(self.draft, out)
        for name, fn in (("worklog", render_worklog), ("escalation", render_escalation), ("reply", render_reply)):
            files.append(atomic_write(out / f"{self.draft.case_id}.{name}.md", fn(self.draft)))
        self._ok(self.text("form.exported", files=", ".join(esc(str(f)) for f in files)))
        return files

    # ------------------------------------------------------------------ rendering

    def _cite_buttons(self, ids: list[str]) -> W.HBox:
        buttons = []
        for sid in ids:
            b = W.Button(description=f"[{sid[1:]}]", layout=W.Layout(width="auto"), tooltip=self.text("form.cite_tip", sid=sid))
            b.add_class("casekit-cite")
            b.on_click(lambda _, sid=sid: self.open_source(sid))
            buttons.append(b)
        return W.HBox(buttons)

    def open_source(self, sid: str) -> None:
        src = next(s for s in self.draft.sources if s.id == sid)
        self.source_view.value = (f"<div class='casekit-source'><b>[{sid[1:]}] {esc(src.ref)}</b> <i>({esc(src.kind)})</i>"
                                  f"<pre style='white-space:pre-wrap'>{esc(src.text)}</pre></div>")

    def _statement(self, text: str, ids: list[str], extra: str = "") -> W.VBox:
        return W.VBox([W.HTML(f"<div class='casekit-statement'>{extra}{esc(text)}</div>"), self._cite_buttons(ids)])

    def show_draft(self) -> None:
        d = self.draft
        t = catalogue(d.language)
        self.relabel(d.language)
        items: list[W.Widget] = [self._statement(d.summary["text"], d.summary["citations"], f"<b>{t['form.summary']}</b> ")]
        if d.changes:
            items.insert(0, W.HTML(self._changes_html()))
        for n in d.notes:
            items.insert(0, W.HTML(f"<div class='casekit-note'><b>{t['form.note']}</b> {esc(n)}</div>"))
        items.append(W.HTML(self._is_is_not_html()))
        for i, h in enumerate(d.hypotheses, 1):
            sup = "; ".join(esc(s) for s in h.supporting_signs) or t["form.none"]
            con = "; ".join(f"{esc(a['text'])} ({esc(a['why'])})" for a in h.evidence_against) or t["form.none"]
            head = t("form.hypothesis", n=i, layer=esc(h.layer), side=esc(h.side), status=esc(t["status"].get(h.status, h.status)),
                     likelihood=f"{h.likelihood:.2f}")
            items.append(self._statement(h.text, h.citations, f"<b>{head}</b> "))
            items.append(W.HTML(f"<small>{t['form.evidence_for']}: {sup}<br>{t['form.evidence_against']}: {con}</small>"))
        for f in d.findings:
            items.append(self._statement(f["text"], f["citations"], f"<b>{t['form.finding']}</b> "))
        for i, p in enumerate(d.plan, 1):
            items.append(self._statement(p["text"], p["citations"], f"<b>{t('form.plan', n=i)}</b> "))
        self.assessment.children = items
        self.assessment.layout.width = "60%"
        boxes = [W.Checkbox(description=m["text"], indent=False, layout=W.Layout(width="100%")) for m in d.missing_information]
        nq = W.HTML(f"<b>{t['form.next_question']}</b> {esc(d.next_question['text'])}<br><i>{esc(d.next_question['why'])}</i>")
        answer_row = W.HBox([*self._answer_buttons(d.next_question.get("answers") or []), self.answer_text, self.b_answer])
        secrets = []
        if d.redactions:  # shown here only: the mapping is never written to a draft file or the index
            rows = "".join(f"<tr><td><code>{esc(k)}</code></td><td><code>{esc(v)}</code></td></tr>" for k, v in sorted(d.redactions.items()))
            secrets = [W.HTML(f"<details><summary>{t('form.redacted', n=len(d.redactions))}</summary>"
                              f"<table>{rows}</table></details>")]
        self.checklist.children = [nq, answer_row, *boxes, *secrets]

    def _answer_buttons(self, offered: list[str]) -> list[W.Button]:
        buttons, t = [], self.text
        for word in offered:  # the button reads in the case's language; the log gets the offered word
            label = t[word] if word in t else word
            b = W.Button(description=label, tooltip=t("form.answer_tip", word=label), layout=W.Layout(width="auto"))
            b.add_class("casekit-answer")
            b.on_click(lambda _, word=word: self._guard(lambda: self.answer(word)))
            buttons.append(b)
        return buttons

    def _changes_html(self) -> str:
        """What changed since the previous draft: the same sentence and rows as the Markdown's."""
        from .documents.render import changes_rows, changes_sentence

        language = self.draft.language
        rows = changes_rows(self.draft.changes, language)
        table = ""
        if rows:
            head = "".join(f"<th>{esc(c)}</th>" for c in catalogue(language)["since.columns"])
            body = "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>" for row in rows)
            table = f"<table class='casekit-changes-rows'><tr>{head}</tr>{body}</table>"
        return f"<div class='casekit-changes'>{esc(changes_sentence(self.draft.changes, language))}{table}</div>"

    def _is_is_not_html(self) -> str:
        """The draft's is / is-not table (the same rows as the Markdown's)."""
        from .documents.render import is_is_not_rows

        rows, t = is_is_not_rows(self.draft), self.text
        if not rows:
            return f"<i>{esc(t['isnot.empty'].strip('_'))}</i>"
        cell = lambda c: f"<code>{esc(c[0][:140])}</code> <i>({esc(c[1])})</i>" if c[1] else esc(c[0])
        body = "".join(f"<tr><th>{esc(label)}</th><td>{cell(a)}</td><td>{cell(b)}</td></tr>" for label, a, b in rows)
        head = "".join(f"<th>{esc(c)}</th>" for c in _columns(t["isnot.head"]))
        return f"<table class='casekit-isnot'><tr>{head}</tr>{body}</table>"

    def plot(self):
        """Timeline of the case's events (UTC and the customer's timezone) and pasted metrics,
        labelled in the case's language (casekit.documents.chart); returns the Figure."""
        import matplotlib.pyplot as plt

        from .documents.chart import timeline_figure
        from .text.time import parse_stamp, zone

        self.plots.clear_output()
        c = self.case()
        tz = zone(self.tz.value or "UTC")
        events = [(parse_stamp(s.utc), s.text[:40]) for s in (self.draft.signs if self.draft else []) if s.utc]
        points = []
        for line in self.metrics.value.splitlines():
            parts = line.split()
            if len(parts) >= 2:
                try:
                    points.append((parse_stamp(parts[0], tz), float(parts[1])))
                except (ValueError, CaseKitError):
                    continue
        with self.plots:
            fig = timeline_figure(events, points, self.tz.value, self.language,
                                  opened=parse_stamp(c.opened) if c.opened else None)
            plt.show()
        return fig


def _columns(header: str) -> list[str]:
    """The column names of a Markdown table header of the catalogue ('| kind | sign | line |'):
    the form's tables say what the documents' say."""
    return [c.strip() for c in header.strip().strip("|").split("|")]


def _readable_case(path: Path) -> Case | None:
    """The one case of an existing .md or .json file, or None (absent, unreadable, several)."""
    from .errors import InputError

    if path.suffix.lower() == ".jsonl" or not path.is_file():
        return None
    try:
        cases = load_cases(path)
    except InputError:
        return None
    return cases[0] if len(cases) == 1 else None

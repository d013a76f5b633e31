"""The JupyterLab SOAP form: a face over the same functions as the CLI.

    from casekit.widgets import SoapApp
    app = SoapApp()          # index: $CASEKIT_INDEX_DIR or ./.casekit/index; or SoapApp(index_dir=..., case="examples/inbox/NEW-0001.md")
    app                                              # shows the form

Subjective (the customer's account) and Objective (the data) are separate fields; the signs
extracted from Objective appear live under it. Buttons find similar cases, draft the
assessment, export the documents and save the case file. Each citation [n] opens its source
excerpt in the panel beside the assessment. Errors appear in the form, never as tracebacks.
Everything shown is HTML-escaped.
"""
from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import ipywidgets as W

from .case import INDUSTRIES, SEVERITIES, Case, load_cases, write_case
from .errors import CaseKitError
from .signs import extract

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
        self.draft = None
        lay = W.Layout(width="100%")
        self.title = W.Text(description="Title", layout=lay)
        self.case_id = W.Text(description="Case id", value="CASE-NEW-1")
        self.report = W.Textarea(description="Reports", placeholder="What the customer reports, in their words", layout=W.Layout(width="100%", height="90px"))
        self.impact = W.Text(description="Impact", layout=lay)
        self.started = W.Text(description="Started", placeholder="2026-03-02 14:05")
        self.tz = W.Combobox(description="Timezone", options=TIMEZONES, value="UTC", ensure_option=False)
        self.resources = W.Text(description="Resources", placeholder="i-0123..., arn:aws:...", layout=lay)
        self.industry = W.Dropdown(description="Industry", options=INDUSTRIES, value="other")
        self.severity = W.Dropdown(description="Severity", options=SEVERITIES, value="normal")
        self.service = W.Text(description="Service")
        self.need = W.Text(description="Needs", placeholder="a fix, a workaround, a root-cause report", layout=lay)
        self.logs = W.Textarea(description="Logs", placeholder="Paste logs, command output, error messages", layout=W.Layout(width="100%", height="160px"))
        self.metrics = W.Textarea(description="Metrics", placeholder="2026-03-02T05:00Z 12.5\n2026-03-02T05:05Z 98.0", layout=W.Layout(width="100%", height="80px"))
        self.signs_view = W.HTML()
        self.message = W.HTML()
        self.progress = W.IntProgress(min=0, max=4, value=0, layout=W.Layout(visibility="hidden"))
        self.path = W.Text(description="Case file", placeholder="cases/CASE-0042.md", layout=W.Layout(width="60%"))
        self.b_load, self.b_save = W.Button(description="Load"), W.Button(description="Save case file")
        self.b_similar = W.Button(description="Find similar cases", icon="search")
        self.b_draft = W.Button(description="Draft assessment", button_style="primary")
        self.b_export = W.Button(description="Export documents")
        self.export_dir = W.Text(description="Export to", value="out")
        self.assessment = W.VBox()
        self.source_view = W.HTML("<i>Click a citation [n] to see its source.</i>",
                                  layout=W.Layout(width="38%", border="1px solid #ddd", padding="6px"))
        self.checklist = W.VBox()
        self.plots = W.Output()
        self.similar_view = W.HTML()
        self.b_load.on_click(lambda _: self._guard(self.load_file))
        self.b_save.on_click(lambda _: self._guard(self.save_file))
        self.b_similar.on_click(lambda _: self._guard(self.find_similar))
        self.b_draft.on_click(lambda _: self._guard(lambda: (self.run_draft(), self.plot())))
        self.b_export.on_click(lambda _: self._guard(self.export))
        self.logs.observe(lambda _: self._guard(self.update_signs), names="value")
        self.tz.observe(lambda _: self._guard(self.update_signs), names="value")
        subjective = W.VBox([W.HTML("<h3>Subjective: what the customer reports (symptoms)</h3>"), self.case_id, self.title,
                             self.report, self.impact, W.HBox([self.started, self.tz]), self.resources,
                             W.HBox([self.industry, self.severity, self.service]), self.need])
        objective = W.VBox([W.HTML("<h3>Objective: the data (signs)</h3>"), self.logs, self.metrics,
                            W.HTML("<b>Signs found</b> (from Objective only)"), self.signs_view])
        actions = W.HBox([self.b_similar, self.b_draft, self.b_export, self.export_dir])
        files = W.HBox([self.path, self.b_load, self.b_save])
        result = W.VBox([W.HTML("<h3>Assessment and plan</h3>"), W.HBox([self.assessment, self.source_view]),
                         W.HTML("<h3>Missing information and next question</h3>"), self.checklist,
                         W.HTML("<h3>Timeline and metrics</h3>"), self.plots, self.similar_view])
        self.widget = W.VBox([files, subjective, objective, actions, self.progress, self.message, result])
        self.widget.add_class("casekit-soap")
        if case is not None:
            self.set_case(case if isinstance(case, Case) else load_cases(case)[0])
        self.update_signs()

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
        self.progress.description = what

    # ------------------------------------------------------------------ case <-> form

    def set_case(self, case: Case) -> None:
        self.base = case
        self.case_id.value, self.title.value = case.id, case.title
        self.report.value = case.symptoms
        self.logs.value = case.objective
        m = re.match(r"^\s*(\d{4}-\d{2}-\d{2}[ T]\d{1,2}:\d{2}(?::\d{2})?)\s*(.*)$", case.opened or "")
        self.started.value = m.group(1) if m else ""
        self.tz.value = (m.group(2) if m and m.group(2) else "UTC")
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

        base = copy.deepcopy(self.base) if self.base else Case(id="x", title="x")
        fields = {**base.fields(), "id": self.case_id.value.strip(), "title": self.title.value.strip(),
                  "industry": self.industry.value, "severity": self.severity.value,
                  "resources": [r.strip() for r in self.resources.value.split(",") if r.strip()]}
        for k, w in (("service", self.service), ("impact", self.impact), ("need", self.need)):
            if w.value.strip():
                fields[k] = w.value.strip()
        if self.started.value.strip():
            fields["opened"] = f"{self.started.value.strip()} {self.tz.value.strip() or 'UTC'}"
        sections = dict(base.sections) if self.base else {}
        sections.update({"Subjective": self.report.value, "Objective": self.logs.value})
        if self.metrics.value.strip():
            sections["Metrics"] = self.metrics.value
        return case_from_dict(Path(self.path.value or "<form>"), {**fields, "sections": sections})

    def load_file(self) -> None:
        self.set_case(load_cases(self.path.value.strip())[0])
        self.update_signs()
        self.message.value = f"<span class='casekit-ok'>Loaded {esc(self.base.id)}.</span>"

    def save_file(self) -> Path:
        p = write_case(self.case(), self.path.value.strip() or f"{self.case_id.value}.md")
        self.message.value = f"<span class='casekit-ok'>Saved {esc(str(p))}.</span>"
        return p

    # ------------------------------------------------------------------ actions

    def update_signs(self) -> None:
        signs = extract(self.logs.value, tz=self.tz.value or "UTC")
        if not signs:
            self.signs_view.value = "<i>No signs yet: paste logs or errors above.</i>"
            return
        rows = "".join(f"<tr><td>{esc(s.kind)}</td><td><code>{esc(s.text)}</code></td></tr>" for s in signs)
        self.signs_view.value = f"<table class='casekit-signs'><tr><th>kind</th><th>sign</th></tr>{rows}</table>"

    def drafter(self):
        if self._drafter is None:
            from .draft import Drafter

            self._drafter = Drafter(self.index_dir, model=self.model)
        return self._drafter

    def find_similar(self) -> list:
        from .index import Index

        self._step(1, "searching")
        c = self.case()
        hits = Index.open(self.index_dir).search(f"{c.title}. {c.symptoms}", k=5, kind="case")
        self.similar_view.value = "<h4>Similar past cases</h4><ol>" + "".join(
            f"<li><b>{esc(h.chunk.ref)}</b> {esc(h.chunk.title)} (score {h.score:.2f})</li>" for h in hits) + "</ol>"
        return hits

    def run_draft(self):
        self._step(1, "loading")
        d = self.drafter()
        self._step(2, "drafting")
        self.draft = d.draft(self.case())
        self._step(3, "rendering")
        self.show_draft()
        return self.draft

    def export(self) -> list[Path]:
        if self.draft is None:
            raise CaseKitError("draft the assessment first")
        from .fsutil import atomic_write
        from .render import render_escalation, render_reply, render_worklog, write_draft

        out = Path(self.export_dir.value or "out")
        files = write_draft(self.draft, out)
        for name, fn in (("worklog", render_worklog), ("escalation", render_escalation), ("reply", render_reply)):
            files.append(atomic_write(out / f"{self.draft.case_id}.{name}.md", fn(self.draft)))
        self.message.value = "<span class='casekit-ok'>Exported " + ", ".join(esc(str(f)) for f in files) + "</span>"
        return files

    # ------------------------------------------------------------------ rendering

    def _cite_buttons(self, ids: list[str]) -> W.HBox:
        buttons = []
        for sid in ids:
            b = W.Button(description=f"[{sid[1:]}]", layout=W.Layout(width="auto"), tooltip=f"open source {sid}")
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
        items: list[W.Widget] = [self._statement(d.summary["text"], d.summary["citations"], "<b>Summary.</b> ")]
        for n in d.notes:
            items.insert(0, W.HTML(f"<div class='casekit-note'><b>Note:</b> {esc(n)}</div>"))
        items.append(W.HTML(self._is_is_not_html()))
        for i, h in enumerate(d.hypotheses, 1):
            sup = "; ".join(esc(s) for s in h.supporting_signs) or "none"
            con = "; ".join(f"{esc(a['text'])} ({esc(a['why'])})" for a in h.evidence_against) or "none"
            items.append(self._statement(h.text, h.citations,
                                         f"<b>H{i} {esc(h.layer)} / {esc(h.side)}, {esc(h.status)}, likelihood {h.likelihood:.2f}.</b> "))
            items.append(W.HTML(f"<small>evidence for: {sup}<br>evidence against: {con}</small>"))
        for f in d.findings:
            items.append(self._statement(f["text"], f["citations"], "<b>Finding.</b> "))
        for i, p in enumerate(d.plan, 1):
            items.append(self._statement(p["text"], p["citations"], f"<b>Plan {i}.</b> "))
        self.assessment.children = items
        self.assessment.layout.width = "60%"
        boxes = [W.Checkbox(description=m["text"], indent=False, layout=W.Layout(width="100%")) for m in d.missing_information]
        nq = W.HTML(f"<b>Next question:</b> {esc(d.next_question['text'])}<br><i>{esc(d.next_question['why'])}</i>")
        secrets = []
        if d.redactions:  # shown here only: the mapping is never written to a draft file or the index
            rows = "".join(f"<tr><td><code>{esc(k)}</code></td><td><code>{esc(v)}</code></td></tr>" for k, v in sorted(d.redactions.items()))
            secrets = [W.HTML(f"<details><summary>Redacted in this draft ({len(d.redactions)}; local only, never saved)</summary>"
                              f"<table>{rows}</table></details>")]
        self.checklist.children = [nq, *boxes, *secrets]

    def _is_is_not_html(self) -> str:
        """The draft's is / is-not table (the same rows as the Markdown's)."""
        from .render import is_is_not_rows

        rows = is_is_not_rows(self.draft)
        if not rows:
            return "<i>No line of the case separates where the problem is from where it is not.</i>"
        cell = lambda c: f"<code>{esc(c[0][:140])}</code> <i>({esc(c[1])})</i>" if c[1] else esc(c[0])
        body = "".join(f"<tr><th>{esc(label)}</th><td>{cell(a)}</td><td>{cell(b)}</td></tr>" for label, a, b in rows)
        return f"<table class='casekit-isnot'><tr><th></th><th>IS</th><th>IS NOT</th></tr>{body}</table>"

    def plot(self) -> None:
        """Timeline of the case's events (UTC and the customer's timezone) and pasted metrics."""
        import matplotlib.pyplot as plt

        from .timeutil import parse_stamp, zone

        self.plots.clear_output()
        c = self.case()
        tz = zone(self.tz.value or "UTC")
        events = [(parse_stamp(s.utc), s.text[:40]) for s in (self.draft.signs if self.draft else []) if s.utc]
        if c.opened:
            events.append((parse_stamp(c.opened), "case opened"))
        points = []
        for line in self.metrics.value.splitlines():
            parts = line.split()
            if len(parts) >= 2:
                try:
                    points.append((parse_stamp(parts[0], tz), float(parts[1])))
                except (ValueError, CaseKitError):
                    continue
        with self.plots:
            fig, axes = plt.subplots(1, 2 if points else 1, figsize=(11 if points else 6, 2.8), squeeze=False)
            ax = axes[0][0]
            for i, (t, label) in enumerate(sorted(events)):
                ax.plot([t], [0], "o")
                ax.annotate(f"{label}\n{t.astimezone(tz):%H:%M} {self.tz.value}", (t, 0), xytext=(0, 10 + 18 * (i % 3)),
                            textcoords="offset points", fontsize=7, ha="center")
            ax.set_yticks([])
            ax.set_title("Timeline (axis in UTC)")
            if points:
                ax2 = axes[0][1]
                points.sort()
                xs, ys = [p[0] for p in points], [p[1] for p in points]
                ax2.plot(xs, ys, "-o")
                mean = sum(ys) / len(ys)
                sd = (sum((y - mean) ** 2 for y in ys) / len(ys)) ** 0.5
                bad = [x for x, y in zip(xs, ys) if sd and abs(y - mean) > sd]
                if bad:
                    ax2.axvspan(min(bad), max(bad), color="red", alpha=0.15, label="abnormal")
                    ax2.legend()
                ax2.set_title("Metrics (abnormal window shaded)")
            fig.autofmt_xdate()
            plt.show()

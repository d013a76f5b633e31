"""The SOAP form's log panel, driven from Python the way its buttons drive it (a real-browser
run of the same panel is in test_browser.py): entries of any kind, answers to the next
question that re-draft at once and show what changed, and a save that only appends to the
case file's log. Real index and models (the session fixtures), on copies of inbox cases."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from casekit.case import LOG_KINDS, append_log, load_cases
from conftest import INBOX

AT = "2026-03-25 10:00 +00:00"


@pytest.fixture
def form(tmp_path, index_dir, drafter):
    from casekit.widgets import SoapApp

    path = tmp_path / "NEW-0016.md"
    shutil.copy(INBOX / "NEW-0016.md", path)
    app = SoapApp(index_dir=index_dir, case=path)
    app._drafter = drafter  # the session's loaded Drafter: the form would load the same one
    app.path.value, app.export_dir.value = str(path), str(tmp_path / "out")
    return app, path


def answer_buttons(app) -> dict:
    row = app.checklist.children[1]
    return {b.description: b for b in row.children if "casekit-answer" in getattr(b, "_dom_classes", ())}


def order(app) -> list[str]:
    return [f"{h.layer}/{h.side}" for h in app.draft.hypotheses]


def test_an_answer_button_logs_redrafts_and_shows_what_changed_then_save_only_appends(form):
    app, path = form
    before = path.read_bytes()
    app.run_draft()
    assert app.draft.changes is None  # nothing drafted before, in the form or the export folder
    first, question = order(app), app.draft.next_question["text"]
    buttons = answer_buttons(app)
    assert list(buttons) == app.draft.next_question["answers"] == ["yes", "no"]

    app.answer_text.value = "the old image with nginx in front fails the same way"
    buttons["no"].click()  # what a click in the browser does
    assert app.message.value == ""
    assert order(app)[0] != first[0]  # the leader was ruled out by the answer
    ch = app.draft.changes
    assert ch["answered"] == [{"question": question, "answer": "no: the old image with nginx in front fails the same way",
                               "at": app.pending[0].at, "kind": "reported"}]
    assert [i["hypothesis"] for i in ch["ruled_out"]] == [first[0]]
    panel = app.assessment.children[0].value
    assert "casekit-changes" in panel and f"ruled out: {first[0]} (#1" in panel
    assert "<th>change</th>" in panel and f"<td>ruled out</td><td>{first[0]}</td>" in panel
    assert "(not saved yet)" in app.log_view.value and app.answer_text.value == ""
    assert app.draft.next_question["text"] != question  # answered: not asked again

    app.save_file()
    entry = f"- {app.base.log[-1].at} [reported] no: the old image with nginx in front fails the same way (answers: {question})\n"
    assert path.read_bytes() == before + b"\n## Log\n" + entry.encode()  # appended; every other byte kept
    assert "every other byte kept" in app.message.value and "(not saved yet)" not in app.log_view.value
    assert load_cases(path)[0].log[-1].answers == question


def test_the_log_panel_adds_any_kind_and_reports_bad_input_in_the_form(form):
    app, path = form
    assert tuple(app.log_kind.options) == LOG_KINDS
    app.log_kind.value, app.log_text.value, app.log_at.value = "agreement", "update the customer at 16:00", AT
    app.b_log.click()
    assert app.message.value == "" and [(e.kind, e.at) for e in app.pending] == [("agreement", AT)]
    assert app.log_text.value == "" and "[agreement] update the customer at 16:00" in app.log_view.value
    assert app.draft is None  # no draft shown: adding an entry does not draft by itself
    app.log_text.value, app.log_at.value = "checked the ALB", "tomorrow"
    app.b_log.click()
    assert "casekit-error" in app.message.value and "is not an ISO 8601 timestamp" in app.message.value
    app.log_at.value, app.log_text.value = "", "  "
    app.b_log.click()
    assert "log text is empty" in app.message.value and len(app.pending) == 1
    app.b_answer.click()
    assert "draft the assessment first" in app.message.value
    # a draft now compares with nothing; the next one, after another entry, with it
    app.run_draft()
    app.log_kind.value, app.log_text.value, app.log_at.value = "observed", "ALB idle timeout is 60 s", AT
    app.b_log.click()
    assert app.draft.changes["new_log_entries"] == 1 and app.draft.changes["answered"] == []


def test_save_with_an_edited_field_rewrites_the_case_and_keeps_entries_logged_meanwhile(form):
    app, path = form
    app.add_log("customer confirmed the 502s stopped", "result", at=AT)
    append_log(path, "logged from the command line meanwhile", "observed", at="2026-03-25 09:00 +00:00")
    app.title.value = "Intermittent 502 from ALB (Node keep-alive)"
    app.save_file()
    case = load_cases(path)[0]
    assert case.title == "Intermittent 502 from ALB (Node keep-alive)"
    assert [e.text for e in case.log] == ["logged from the command line meanwhile", "customer confirmed the 502s stopped"]
    assert case.symptoms == load_cases(INBOX / "NEW-0016.md")[0].symptoms


def test_the_first_draft_in_the_form_compares_with_the_exported_one(form, tmp_path):
    from casekit.widgets import SoapApp

    app, path = form
    app.run_draft()
    app.export()
    exported_sha = app.draft.provenance["case_sha256"]
    again = SoapApp(index_dir=app.index_dir, case=path)
    again._drafter, again.export_dir.value = app._drafter, app.export_dir.value
    again.add_log("No, the problem stays with the previous image", "reported", at=AT,
                  answers=app.draft.next_question["text"])
    again.run_draft()
    assert again.draft.changes["since"] == exported_sha and again.draft.changes["ruled_out"]

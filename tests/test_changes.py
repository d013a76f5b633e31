"""What changed since the previous draft (the `changes` block of the draft JSON, which
`Drafter.draft(case, previous=...)` fills for `casekit draft --out` and batch): hypotheses that rose, fell or were ruled
out, the answers logged since, and the rule that keeps a rerun byte-identical. The real
index, the real MiniLM and the bundled GGUF (the `drafter` fixture), on copies of inbox cases."""
from __future__ import annotations

import json
import shutil
from pathlib import Path
from types import SimpleNamespace

from casekit.case import append_log, load_cases
from casekit.draft import previous_draft
from casekit.draft.living import KINDS
from casekit.reasoning.questions import questions
from casekit.documents import write_draft
from casekit.documents.render import changes_rows, changes_sentence, render_assessment, render_worklog
from conftest import INBOX

AT = "2026-03-25 10:00 +00:00"


def copy_case(tmp_path: Path, cid: str) -> Path:
    path = tmp_path / f"{cid}.md"
    shutil.copy(INBOX / f"{cid}.md", path)
    return path


def draft_into(drafter, path: Path, out: Path) -> tuple[dict, bytes, bytes]:
    """Draft the case file into `out` as `casekit draft --out` does; its JSON and both files' bytes."""
    case = load_cases(path)[0]
    d = drafter.draft(case, previous=previous_draft(out, case.id))
    write_draft(d, out)
    j, m = out / f"{d.case_id}.json", out / f"{d.case_id}.md"
    return json.loads(j.read_text()), j.read_bytes(), m.read_bytes()


def ranking(d: dict) -> list[tuple[str, int, float, str]]:
    return [(f"{h['layer']}/{h['side']}", n, h["likelihood"], h["status"])
            for n, h in enumerate(d["assessment"]["hypotheses"], 1)]


def by_key(items: list[dict]) -> dict[str, dict]:
    return {i["hypothesis"]: i for i in items}


def test_an_answer_against_the_leader_is_recorded_as_ruled_out_and_rose_and_a_rerun_is_byte_identical(drafter, tmp_path):
    path, out = copy_case(tmp_path, "NEW-0016"), tmp_path / "out"
    first, j0, m0 = draft_into(drafter, path, out)
    assert "changes" in first and first["changes"] is None  # no previous draft
    assert "Since the previous draft" not in m0.decode()
    assert draft_into(drafter, path, out)[1:] == (j0, m0)  # a rerun of the first draft: still null, same bytes

    # the customer answers the splitting question against the leading hypothesis
    lead, question = first["assessment"]["hypotheses"][0], first["next_question"]["text"]
    keeps = next(q.keeps for q in questions() if question in q.texts())
    answer = "No, nothing like that" if keeps(SimpleNamespace(**lead)) else "Yes, it does"
    append_log(path, answer, "reported", at=AT, answer=question)
    second, j1, m1 = draft_into(drafter, path, out)
    ch = second["changes"]
    assert ch["since"] == first["provenance"]["case_sha256"] != second["provenance"]["case_sha256"]
    assert ch["baseline"]["hypotheses"] == [{"hypothesis": k, "rank": n, "likelihood": lk, "status": st}
                                            for k, n, lk, st in ranking(first)]
    assert ch["new_log_entries"] == 1
    assert ch["answered"] == [{"question": question, "answer": answer, "at": AT, "kind": "reported"}]
    lead_key = f"{lead['layer']}/{lead['side']}"
    out_ = by_key(ch["ruled_out"])[lead_key]
    assert out_["before"] == {"rank": 1, "likelihood": lead["likelihood"], "status": lead["status"]}
    assert out_["after"]["status"] == "contradicted" and out_["after"]["likelihood"] < lead["likelihood"]
    top = second["assessment"]["hypotheses"][0]
    risen = by_key(ch["rose"])[f"{top['layer']}/{top['side']}"]
    assert risen["after"]["rank"] == 1 < risen["before"]["rank"]
    # every hypothesis of either draft is accounted for once, and nothing is listed twice
    listed = [i["hypothesis"] for k in KINDS for i in ch[k]]
    assert len(listed) == len(set(listed))
    # the documents say it in one paragraph, from the same rows
    sentence = changes_sentence(ch)
    assert sentence.startswith("Since the previous draft: 1 new log entry; answered ") and f"ruled out: {lead_key} (#1" in sentence
    assert sentence in m1.decode() and m1.decode().count(sentence) == 2  # assessment and work log
    assert ("ruled out", lead_key) in [r[:2] for r in changes_rows(ch)]

    # a rerun of the identical case keeps the same baseline: byte-identical, and it still
    # says what the answer changed (not "nothing changed")
    again = draft_into(drafter, path, out)
    assert again[1:] == (j1, m1)
    assert again[0]["changes"]["answered"] == ch["answered"]


def test_an_observed_line_for_the_second_hypothesis_lifts_it_and_the_leader_falls(drafter, tmp_path):
    path, out = copy_case(tmp_path, "NEW-0016"), tmp_path / "out"
    first, _, _ = draft_into(drafter, path, out)
    (a, _, la, _), (b, _, lb, _) = ranking(first)[:2]
    assert (a, b) == ("application/customer", "network/customer")
    append_log(path, "nc -vz 10.0.3.12 3000 from the ALB subnet: connection timed out; the security group has no "
                     "inbound rule for port 3000", "observed", at=AT)
    second, _, md = draft_into(drafter, path, out)
    ch = second["changes"]
    assert ch["answered"] == [] and ch["new_log_entries"] == 1
    after = {k: (r, lk) for k, r, lk, _ in ranking(second)}
    assert after[b][1] > lb and after[a][1] < la  # the observed line moved both, the right way
    moved = by_key(ch["rose"] + ch["confirmed"])[b]
    assert moved["after"]["likelihood"] > moved["before"]["likelihood"]
    assert by_key(ch["fell"])[a]["after"]["status"] != "contradicted"
    assert ch["ruled_out"] == ch["new"] == ch["gone"] == []
    assert f"fell: {a}" in md.decode()


def test_no_usable_previous_draft_means_no_changes_block(drafter, tmp_path):
    path, out = copy_case(tmp_path, "NEW-0016"), tmp_path / "out"
    out.mkdir()
    (out / "NEW-0016.json").write_text("{ not json")  # e.g. a hand-edited file: not compared with, not an error
    assert draft_into(drafter, path, out)[0]["changes"] is None
    (out / "NEW-0016.json").write_text(json.dumps({"case_id": "NEW-0099", "provenance": {"case_sha256": "x"}}))
    assert draft_into(drafter, path, out)[0]["changes"] is None  # another case's draft


def test_a_log_entry_that_moves_nothing_says_so(drafter, tmp_path):
    path, out = copy_case(tmp_path, "NEW-0016"), tmp_path / "out"
    draft_into(drafter, path, out)
    append_log(path, "customer asked for an update by 16:00", "agreement", at=AT)
    d, _, _ = draft_into(drafter, path, out)
    assert d["changes"]["new_log_entries"] == 1 and not any(d["changes"][k] for k in KINDS)
    assert changes_sentence(d["changes"]) == ("Since the previous draft: 1 new log entry; the hypotheses kept their "
                                              "order and likelihoods.")
    # the in-memory draft renders the same paragraph the file has
    dd = drafter.draft(load_cases(path)[0])
    dd.changes = d["changes"]
    assert changes_sentence(d["changes"]) in render_assessment(dd) and changes_sentence(d["changes"]) in render_worklog(dd)


def test_a_logged_result_that_confirms_the_leader_is_reported_as_confirmed(drafter, tmp_path):
    """The rounds of notebooks/05-living-case.ipynb: two answers, then an action and its result."""
    path, out = copy_case(tmp_path, "NEW-0016"), tmp_path / "out"
    d = draft_into(drafter, path, out)[0]
    for n, text in enumerate(["Yes, with nginx back in front of one target group the 502s stop there",
                              "Yes, curl from the ALB subnet to port 3000 of a task succeeds every time"]):
        append_log(path, text, "reported", at=f"2026-03-25 10:{n}0 +00:00", answer=d["next_question"]["text"])
        d = draft_into(drafter, path, out)[0]
    lead = f"{d['assessment']['hypotheses'][0]['layer']}/{d['assessment']['hypotheses'][0]['side']}"
    append_log(path, "set server.keepAliveTimeout to 65000 ms (above the ALB idle timeout of 60 s) on one task", "action",
               at="2026-03-25 11:00 +00:00")
    append_log(path, "the changed task served 40,000 requests in two hours without a 502", "result", at="2026-03-25 13:00 +00:00")
    d, _, md = draft_into(drafter, path, out)
    ch = d["changes"]
    assert d["assessment"]["hypotheses"][0]["status"] == "confirmed"
    assert [(i["hypothesis"], i["before"]["status"], i["after"]["status"]) for i in ch["confirmed"]] == [
        (lead, "supported", "confirmed")]
    assert ch["new_log_entries"] == 2 and ch["answered"] == []
    assert f"confirmed: {lead} (#1, " in md.decode()

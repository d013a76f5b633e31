"""The case log (SPEC.md section 3): `## Log` entries, the JSON `log` list, `append_log`
(every other byte of the file kept) and `casekit log`."""
from __future__ import annotations

import json
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from casekit.case import LOG_KINDS, Case, LogEntry, append_log, parse_path, write_case
from casekit.errors import InputError
from conftest import run_cli

HEAD = """---
id: CASE-0042
title: Tasks cannot pull images after subnet change
opened: 2026-03-02 14:05 +08:00
---
## Subjective
Players cannot join since 14:00.

## Objective
CannotPullContainerError: dial tcp 1.2.3.4:443: i/o timeout
"""
# line 12 is the Log heading
LOG = """
## Log
- 2026-03-02 14:20 +08:00 [reported] customer says nothing changed
- 2026-03-02 14:31 Asia/Taipei [Observed] route table rtb-0abc has no 0.0.0.0/0 route
  (private subnets only)
- 2026-03-02T06:40Z [result] added 0.0.0.0/0 route, tasks start (answers: Was the route table changed?)
"""
TAIL = """
## Resolution
Route restored.
"""
CASE_WITH_LOG_IN_MIDDLE = HEAD + LOG + TAIL


def write(tmp_path: Path, name: str, data: str | bytes) -> Path:
    p = tmp_path / name
    p.write_bytes(data.encode() if isinstance(data, str) else data)
    return p


def one(path: Path) -> Case:
    cases, problems = parse_path(path)
    assert not problems, [str(p) for p in problems]
    assert len(cases) == 1
    return cases[0]


# --------------------------------------------------------------------------- parsing


def test_log_entries_are_parsed_with_lines_utc_and_answers(tmp_path):
    case = one(write(tmp_path, "c.md", CASE_WITH_LOG_IN_MIDDLE))
    assert [(e.line, e.kind, e.at, e.at_utc) for e in case.log] == [
        (13, "reported", "2026-03-02 14:20 +08:00", "2026-03-02T06:20:00Z"),
        (14, "observed", "2026-03-02 14:31 Asia/Taipei", "2026-03-02T06:31:00Z"),
        (16, "result", "2026-03-02T06:40Z", "2026-03-02T06:40:00Z"),
    ]
    assert case.log[1].text == "route table rtb-0abc has no 0.0.0.0/0 route (private subnets only)"  # continuation line
    assert case.log[2].text == "added 0.0.0.0/0 route, tasks start"
    assert case.log[2].answers == "Was the route table changed?"
    assert case.log[0].answers is None
    # the log is not free text: not a section, not in the Objective that signs come from
    assert list(case.sections) == ["Subjective", "Objective", "Resolution"]
    assert "route" not in case.objective and "route" not in case.symptoms
    assert case.section("Resolution") == "Route restored."
    assert case.section("log").splitlines()[2] == case.log[2].to_line()


def test_chinese_log_heading_is_the_log(tmp_path):
    text = HEAD + "\n## 工作紀錄：\n- 2026-03-02 14:20 +08:00 [action] 重新部署\n"
    case = one(write(tmp_path, "c.md", text))
    assert case.log_heading == "工作紀錄：" and [e.text for e in case.log] == ["重新部署"]
    assert "## 工作紀錄：\n- 2026-03-02 14:20 +08:00 [action] 重新部署\n" in case.to_markdown()


@pytest.mark.parametrize("entry,needle", [
    ("- 2026-03-02 14:20 +08:00 [guess] hmm", "unknown log kind 'guess' (use reported|observed|action|result|agreement|handover)"),
    ("- 2026-03-02 14:20 [observed] no zone", "has no timezone"),
    ("- yesterday [observed] not a time", "is not an ISO 8601 timestamp"),
    ("- 2026-02-30 14:20 +08:00 [observed] no such day", "is not a valid date"),
    ("- 2026-03-02 14:20 +08:00 observed no brackets", "has no [kind]"),
    ("- 2026-03-02 14:20 +08:00 [observed]", "has no text"),
    ("- [observed] no time at all", "has no timestamp"),
    ("just a sentence", "not a log entry: 'just a sentence'"),
])
def test_bad_log_lines_name_file_and_line(tmp_path, entry, needle):
    text = HEAD + f"\n## Log\n- 2026-03-02 14:20 +08:00 [reported] fine\n\n{entry}\n" + TAIL
    p = write(tmp_path, "bad.md", text)
    cases, problems = parse_path(p)
    assert cases == [] and len(problems) == 1
    assert problems[0].line == 15
    assert str(problems[0]).startswith(f"{p}:15: ") and needle in str(problems[0])


def test_second_log_section_and_front_matter_log_are_refused(tmp_path):
    p = write(tmp_path, "two.md", HEAD + LOG + "\n## 紀錄\n")
    (problem,) = parse_path(p)[1]
    assert problem.line == 18 and "second log section" in problem.message
    p = write(tmp_path, "front.md", HEAD.replace("---\n## Subjective", "log: [x]\n---\n## Subjective"))
    (problem,) = parse_path(p)[1]
    assert problem.line == 5 and "'## Log' section" in problem.message


def test_json_log_objects_and_strings(tmp_path):
    base = {"id": "J-1", "title": "t", "opened": "2026-03-02 14:05 +08:00", "objective": "x"}
    objs = {**base, "log": [{"at": "2026-03-02 14:20 +08:00", "kind": "Action", "text": "restart\nthe task"},
                            {"at": "2026-03-02 14:30 +08:00", "kind": "result", "text": "ok", "answers": "Did it start?"}]}
    strs = {**base, "log": ["- 2026-03-02 14:20 +08:00 [action] restart the task",
                            "2026-03-02 14:30 +08:00 [result] ok (answers: Did it start?)"]}
    a, b = one(write(tmp_path, "a.json", json.dumps(objs))), one(write(tmp_path, "b.json", json.dumps(strs)))
    assert a.log == b.log and a == b
    assert a.log[0].text == "restart the task" and a.log[0].kind == "action" and a.log[1].answers == "Did it start?"
    assert json.loads(a.to_json())["log"][1] == {"at": "2026-03-02 14:30 +08:00", "kind": "result", "text": "ok",
                                                  "answers": "Did it start?"}


@pytest.mark.parametrize("log,needle", [
    ({"at": "x"}, "'log' must be a list"),
    ([{"at": "2026-03-02 14:20 +08:00", "kind": "nope", "text": "t"}], "log[0]: unknown log kind 'nope'"),
    ([{"at": "2026-03-02 14:20", "kind": "action", "text": "t"}], "log[0]: log entry time: '2026-03-02 14:20' has no timezone"),
    ([{"at": "2026-03-02 14:20 +08:00", "kind": "action", "text": "t", "who": "me"}], "log[0]: unknown key 'who'"),
    (["- 2026-03-02 14:20 +08:00 [action] ok", 7], "log[1]: expected an object"),
])
def test_bad_json_log(tmp_path, log, needle):
    lines = [json.dumps({"id": "J-1", "title": "t"}), json.dumps({"id": "J-2", "title": "t", "log": log})]
    cases, problems = parse_path(write(tmp_path, "h.jsonl", "\n".join(lines)))
    assert [c.id for c in cases] == ["J-1"]
    assert len(problems) == 1 and problems[0].line == 2 and needle in problems[0].message


@pytest.mark.parametrize("suffix", [".md", ".json"])
def test_log_round_trip(tmp_path, suffix):
    case = one(write(tmp_path, "c.md", CASE_WITH_LOG_IN_MIDDLE.replace("## Log", "## 記錄")))
    again = one(write_case(case, tmp_path / f"again{suffix}"))
    assert again == case and again.log_heading == "記錄" and len(again.log) == 3
    assert [e.to_line() for e in again.log] == [e.to_line() for e in case.log]


def test_logentry_line_syntax():
    e = LogEntry.parse("- 2026-03-02 15:10 Asia/Taipei [REPORTED] yes, on Friday (answers: Was it changed (and when)?)", 3)
    assert (e.kind, e.text, e.answers, e.line) == ("reported", "yes, on Friday", "Was it changed (and when)?", 3)
    assert e.to_line() == "- 2026-03-02 15:10 Asia/Taipei [reported] yes, on Friday (answers: Was it changed (and when)?)"
    assert LogEntry.parse(e.to_line()) == e
    assert set(LOG_KINDS) == {"reported", "observed", "action", "result", "agreement", "handover"}


# --------------------------------------------------------------------------- append_log

AT = "2026-03-02 16:00 +08:00"


def test_append_into_log_in_the_middle_keeps_every_other_byte(tmp_path):
    p = write(tmp_path, "c.md", CASE_WITH_LOG_IN_MIDDLE)
    before = p.read_bytes()
    entry = append_log(p, "NAT gateway\nrecreated", "action", at=AT)
    line = b"- 2026-03-02 16:00 +08:00 [action] NAT gateway recreated\n"
    cut = before.index(b"(answers: Was the route table changed?)\n") + len(b"(answers: Was the route table changed?)\n")
    assert p.read_bytes() == before[:cut] + line + before[cut:]
    assert entry.line == 17 and entry.kind == "action" and entry.at_utc == "2026-03-02T08:00:00Z"
    case = one(p)
    assert case.log[-1] == entry and case.log[-1].line == 17 and case.section("Resolution") == "Route restored."


def test_append_creates_log_section_at_the_end(tmp_path):
    p = write(tmp_path, "c.md", HEAD)
    before = p.read_bytes()
    entry = append_log(p, "checked the NAT gateway", "observed", at=AT)
    assert p.read_bytes() == before + b"\n## Log\n- 2026-03-02 16:00 +08:00 [observed] checked the NAT gateway\n"
    assert entry.line == 13 and one(p).log == [entry]
    # a second entry goes under the first
    append_log(p, "second", "handover", at=AT)
    assert p.read_bytes().endswith(b"[observed] checked the NAT gateway\n- 2026-03-02 16:00 +08:00 [handover] second\n")


def test_append_after_a_trailing_blank_line_adds_no_second_one(tmp_path):
    p = write(tmp_path, "c.md", HEAD + "\n")
    append_log(p, "x", "action", at=AT)
    assert p.read_bytes() == (HEAD + "\n## Log\n- 2026-03-02 16:00 +08:00 [action] x\n").encode()


def test_append_keeps_crlf_bom_and_a_missing_final_newline(tmp_path):
    crlf = ("\ufeff" + CASE_WITH_LOG_IN_MIDDLE).replace("\n", "\r\n").encode()
    p = write(tmp_path, "crlf.md", crlf)
    append_log(p, "x", "action", at=AT)
    cut = crlf.index(b"changed?)\r\n") + len(b"changed?)\r\n")
    assert p.read_bytes() == crlf[:cut] + b"- 2026-03-02 16:00 +08:00 [action] x\r\n" + crlf[cut:]

    p = write(tmp_path, "crlf-nolog.md", HEAD.replace("\n", "\r\n"))
    append_log(p, "x", "action", at=AT)
    assert p.read_bytes() == (HEAD + "\n## Log\n- 2026-03-02 16:00 +08:00 [action] x\n").replace("\n", "\r\n").encode()

    p = write(tmp_path, "nonl.md", HEAD.rstrip("\n"))
    append_log(p, "x", "action", at=AT)
    assert p.read_bytes() == (HEAD.rstrip("\n") + "\n\n## Log\n- 2026-03-02 16:00 +08:00 [action] x").encode()
    append_log(p, "y", "result", at=AT)
    assert p.read_bytes().endswith(b"[action] x\n- 2026-03-02 16:00 +08:00 [result] y")


def test_append_keeps_the_file_mode(tmp_path):
    p = write(tmp_path, "c.md", HEAD)
    os.chmod(p, 0o640)
    append_log(p, "x", "action", at=AT)
    assert os.stat(p).st_mode & 0o777 == 0o640
    assert not [f for f in os.listdir(tmp_path) if f.startswith(".casekit-tmp-")]


def test_append_default_time_is_now_in_the_case_timezone(tmp_path):
    p = write(tmp_path, "c.md", HEAD.replace("+08:00", "Asia/Taipei"))
    e = append_log(p, "x", "observed")
    assert e.at.endswith(" Asia/Taipei")
    now = datetime.now(timezone.utc)
    assert abs(datetime.strptime(e.at_utc, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc) - now) < timedelta(minutes=2)
    taipei_now = now + timedelta(hours=8)
    assert e.at.startswith(taipei_now.strftime("%Y-%m-%d %H:")) or e.at.startswith((taipei_now - timedelta(minutes=1)).strftime("%Y-%m-%d %H:"))

    p = write(tmp_path, "o.md", HEAD.replace("+08:00", "-05:00"))
    e = append_log(p, "x", "observed")
    assert e.at.endswith(" -05:00")


def test_append_with_answer_links_the_question(tmp_path):
    p = write(tmp_path, "c.md", HEAD)
    e = append_log(p, "yes, on Friday", "reported", at=AT, answer="Was the route table\nchanged?")
    assert e.answers == "Was the route table changed?"
    assert p.read_text().endswith("[reported] yes, on Friday (answers: Was the route table changed?)\n")
    assert one(p).log == [e]


def test_append_to_json_keeps_every_other_byte(tmp_path):
    obj = {"id": "J-1", "title": "任務無法啟動", "opened": "2026-03-02 14:05 Asia/Taipei",
           "sections": {"客觀": "CannotPullContainerError"}, "custom": 1}
    original = json.dumps(obj, ensure_ascii=False, indent=4) + "\n"
    p = write(tmp_path, "c.json", original)
    append_log(p, "重新部署", "action", at=AT)
    text = p.read_text(encoding="utf-8")
    assert json.loads(text) == {**obj, "log": [{"at": AT, "kind": "action", "text": "重新部署"}]}
    head = original[: original.rindex("}")].rstrip()  # everything before the closing brace, as it was
    assert text.startswith(head) and text.endswith("\n}\n")
    assert text[len(head):] == ',\n    "log": [{"at": "%s", "kind": "action", "text": "重新部署"}]\n}\n' % AT
    # escapes, number spelling and inline arrays that json.dumps would rewrite stay as written
    raw = '{"id": "J-3", "title": "caf\\u00e9 \\/ x", "score": 1.50, "resources": ["i-0123456789abcdef0", "sg-1"]}'
    p3 = write(tmp_path, "raw.json", raw)
    append_log(p3, "x", "observed", at=AT)
    assert p3.read_text().startswith(raw[:-1]) and p3.read_text().endswith("}")
    append_log(p, "ok", "result", at=AT)
    assert [e.text for e in one(p).log] == ["重新部署", "ok"]

    lines = {"id": "J-2", "title": "t", "log": ["- 2026-03-02 14:20 +08:00 [action] a"]}
    p = write(tmp_path, "s.json", json.dumps(lines))
    append_log(p, "b", "result", at=AT)
    assert json.loads(p.read_text())["log"] == ["- 2026-03-02 14:20 +08:00 [action] a", f"- {AT} [result] b"]
    assert p.read_text() == json.dumps({**lines, "log": [*lines["log"], f"- {AT} [result] b"]})


@pytest.mark.parametrize("name,data,kwargs,needle", [
    ("c.jsonl", json.dumps({"id": "J-1", "title": "t"}) + "\n", {}, "JSONL file is not supported"),
    ("c.md", HEAD, {"kind": "guess"}, "unknown log kind 'guess'"),
    ("c.md", HEAD, {"entry_text": " \n "}, "log text is empty"),
    ("c.md", HEAD, {"at": "2026-03-02 16:00"}, "has no timezone"),
    ("c.md", HEAD, {"at": "tomorrow"}, "is not an ISO 8601 timestamp"),
    ("c.md", HEAD.replace("id: CASE-0042\n", ""), {}, "missing required field 'id'"),
    ("c.md", HEAD + "\n## Log\nnot an entry\n", {}, "not a log entry"),
    ("two.json", json.dumps([{"id": "A", "title": "t"}, {"id": "B", "title": "t"}]), {}, "holds 2 cases"),
])
def test_append_refuses_and_leaves_the_file_alone(tmp_path, name, data, kwargs, needle):
    p = write(tmp_path, name, data)
    before = p.read_bytes()
    args = {"entry_text": "x", "kind": "action", "at": AT, **kwargs}
    with pytest.raises(InputError) as info:
        append_log(p, **args)
    assert needle in str(info.value) and str(info.value).startswith(str(p)) and "\n" not in str(info.value)
    assert p.read_bytes() == before


def test_append_to_a_missing_file(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        append_log(tmp_path / "nope.md", "x", "action", at=AT)
    assert not (tmp_path / "nope.md").exists()


# --------------------------------------------------------------------------- casekit log


def test_cli_log_happy_path(tmp_path):
    p = write(tmp_path, "c.md", CASE_WITH_LOG_IN_MIDDLE)
    before = p.read_bytes()
    r = run_cli("log", p, "added the route", "--kind", "action", "--at", AT)
    assert r.returncode == 0, r.stderr
    assert r.stdout == f"{p}:17: - 2026-03-02 16:00 +08:00 [action] added the route\n" and r.stderr == ""
    assert p.read_bytes() == before.replace(b"changed?)\n", b"changed?)\n- 2026-03-02 16:00 +08:00 [action] added the route\n")
    r = run_cli("log", p, "tasks are running")
    assert r.returncode == 0 and " [observed] tasks are running" in r.stdout
    assert one(p).log[-1].kind == "observed" and one(p).log[-1].at.endswith("+08:00")


def test_cli_log_answer_links_the_drafts_next_question(tmp_path):
    p = write(tmp_path, "c.md", HEAD)
    out = tmp_path / "drafts"
    r = run_cli("log", p, "yes", "--answer", "--out", out)
    assert r.returncode == 2 and p.read_bytes() == HEAD.encode()
    assert r.stderr.strip().splitlines() == [
        f"{p}: no draft with a next question for CASE-0042 in {out} (or beside the case); "
        f"run 'casekit draft {p} --out {out}' first"]
    out.mkdir()
    (out / "CASE-0042.json").write_text(json.dumps({"case_id": "CASE-0042",
                                                    "next_question": {"text": "Was the route table changed?", "why": "."}}))
    r = run_cli("log", p, "yes, on Friday", "--answer", "--out", out, "--at", AT)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().endswith("[reported] yes, on Friday (answers: Was the route table changed?)")
    (entry,) = one(p).log
    assert entry.kind == "reported" and entry.answers == "Was the route table changed?"


@pytest.mark.parametrize("args,needle", [
    (["--kind", "guess"], "unknown log kind 'guess'"),
    (["--at", "2026-03-02 16:00"], "has no timezone"),
    (["--at", "soon"], "is not an ISO 8601 timestamp"),
    ("EMPTY", "log text is empty"),
    ("BROKEN", "broken YAML front matter"),
    ("MISSING", "no such file"),
])
def test_cli_log_bad_input_one_line_exit_2_file_untouched(tmp_path, args, needle):
    p = write(tmp_path, "c.md", HEAD)
    text = "checked"
    if args == "EMPTY":
        args, text = [], ""
    elif args == "BROKEN":
        args = []
        p.write_text(HEAD.replace("title: Tasks", "title: [Tasks"))
    elif args == "MISSING":
        args, p = [], tmp_path / "nope.md"
    before = p.read_bytes() if p.exists() else None
    r = run_cli("log", p, text, *args)
    assert r.returncode == 2 and "Traceback" not in r.stderr and r.stdout == ""
    err = r.stderr.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(str(p)) and needle in err[0], r.stderr
    assert (p.read_bytes() if p.exists() else None) == before


def test_cli_log_help_has_examples():
    r = run_cli("log", "--help")
    assert r.returncode == 0 and "examples:" in r.stdout and "--answer" in r.stdout and "handover" in r.stdout

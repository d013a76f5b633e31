"""Batch drafting: resumable after SIGKILL, loss-free, bad cases reported, parallel workers."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from casekit.case import load_cases
from conftest import INBOX, run_cli


def casekit_cmd(*args) -> list[str]:
    return [str(Path(sys.executable).with_name("casekit")), *map(str, args)]


def summary_of(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "summary.jsonl").read_text().splitlines()]


def test_killed_batch_resumes_to_exactly_one_complete_draft_per_case(tmp_path, index_dir):
    ids = ["NEW-0001", "NEW-0002", "NEW-0003", "NEW-0004"]
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for cid in ids:
        shutil.copy(INBOX / f"{cid}.md", inbox)
    out = tmp_path / "out"
    proc = subprocess.Popen(casekit_cmd("batch", inbox, "--out", out, "--index-dir", index_dir, "-q"),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline and proc.poll() is None and not list(out.glob("*.json")):
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)  # the first draft is complete, the second under way
    finally:
        proc.kill()
        proc.wait()
    complete = {p.stem for p in out.glob("*.json")}
    assert 1 <= len(complete) < len(ids), "the kill must leave some cases unfinished"
    assert not (out / "summary.jsonl").exists()

    r = run_cli("batch", inbox, "--out", out, "--index-dir", index_dir, "-q")
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [f"{i}.json" for i in ids] + [f"{i}.md" for i in ids] + ["summary.jsonl"])  # no temp files
    summary = summary_of(out)
    assert [s["id"] for s in summary] == ids
    status = {s["id"]: s["status"] for s in summary}
    # exactly the unfinished cases are redrafted; what was complete is kept
    assert {i for i, st in status.items() if st == "skipped"} == complete
    assert {i for i, st in status.items() if st == "drafted"} == set(ids) - complete
    for s in summary:
        d = json.loads((out / f"{s['id']}.json").read_text())
        case_sha = load_cases(inbox / f"{s['id']}.md")[0].sha256()
        assert d["case_id"] == s["id"] and d["provenance"]["case_sha256"] == case_sha
        assert (out / f"{s['id']}.md").read_text().startswith(f"# {s['id']}:")
        top = d["assessment"]["hypotheses"][0] if d["assessment"]["hypotheses"] else None
        if s["status"] == "drafted":  # the summary line says what the draft says
            assert s["layer"] == (top["layer"] if top else None)

    again = run_cli("batch", inbox, "--out", out, "--index-dir", index_dir, "-q")
    assert again.returncode == 0
    assert all(s["status"] == "skipped" for s in summary_of(out))
    # a changed case is redone, the rest are not
    p = inbox / "NEW-0002.md"
    p.write_text(p.read_text().replace("## Objective", "## Objective\nAdded later: the export now takes 90 s.\n"))
    third = run_cli("batch", inbox, "--out", out, "--index-dir", index_dir, "-q")
    statuses = {s["id"]: s["status"] for s in summary_of(out)}
    assert third.returncode == 0 and statuses["NEW-0002"] == "drafted"
    assert sum(v == "drafted" for v in statuses.values()) == 1


def test_bad_cases_are_reported_and_the_rest_drafted_with_two_workers(tmp_path, index_dir):
    src = tmp_path / "in"
    src.mkdir()
    for cid in ("NEW-0002", "NEW-0003", "NEW-0008"):
        shutil.copy(INBOX / f"{cid}.md", src)
    (src / "broken.md").write_text("---\nid: BROKEN-1\ntitle: [unclosed\n---\n")
    (src / "latin1.md").write_bytes("---\nid: L-1\ntitle: caf\xe9\n---\n".encode("latin-1"))
    out = tmp_path / "out"
    r = run_cli("batch", src, "--out", out, "--workers", "2", "--index-dir", index_dir, "-q")
    assert r.returncode == 1, r.stderr
    assert "Traceback" not in r.stderr
    summary = [json.loads(l) for l in (out / "summary.jsonl").read_text().splitlines()]
    failed = {s["origin"].split(":")[0].split("/")[-1]: s for s in summary if s["status"] == "failed"}
    assert set(failed) == {"broken.md", "latin1.md"}
    assert "broken YAML" in failed["broken.md"]["error"] and "not valid UTF-8" in failed["latin1.md"]["error"]
    assert sorted(p.stem for p in out.glob("*.json")) == ["NEW-0002", "NEW-0003", "NEW-0008"]
    # two workers draft exactly what one process drafts
    single = tmp_path / "single"
    run_cli("draft", *(src / f"{c}.md" for c in ("NEW-0002", "NEW-0003", "NEW-0008")), "--out", single,
            "--index-dir", index_dir)
    for cid in ("NEW-0002", "NEW-0003", "NEW-0008"):
        assert (out / f"{cid}.json").read_text() == (single / f"{cid}.json").read_text()


def test_batch_redrafts_only_the_case_whose_log_grew_and_its_changes_hold_the_answer(tmp_path, index_dir):
    """A case is a living record: after `casekit log --answer` (linked to the batch draft's next
    question) the next batch redrafts that case alone, and its JSON says what the answer changed."""
    ids = ["NEW-0010", "NEW-0016", "NEW-0002"]
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    inbox.mkdir()
    for cid in ids:
        shutil.copy(INBOX / f"{cid}.md", inbox)
    assert run_cli("batch", inbox, "--out", out, "--index-dir", index_dir, "-q").returncode == 0
    before = {cid: (out / f"{cid}.json").read_bytes() for cid in ids}
    first = json.loads(before["NEW-0016"])
    assert first["changes"] is None
    question = first["next_question"]["text"]
    assert first["next_question"]["answers"] == ["yes", "no"]

    r = run_cli("log", inbox / "NEW-0016.md", "No, the old image with nginx in front fails the same way", "--answer",
                "--out", out, "--at", "2026-03-25 10:00 +00:00")
    assert r.returncode == 0, r.stderr
    assert run_cli("batch", inbox, "--out", out, "--index-dir", index_dir, "-q").returncode == 0
    assert {s["id"]: s["status"] for s in summary_of(out)} == {"NEW-0010": "skipped", "NEW-0016": "drafted",
                                                                "NEW-0002": "skipped"}
    assert all((out / f"{cid}.json").read_bytes() == before[cid] for cid in ("NEW-0010", "NEW-0002"))
    second = json.loads((out / "NEW-0016.json").read_text())
    ch = second["changes"]
    assert ch["since"] == first["provenance"]["case_sha256"] and ch["new_log_entries"] == 1
    assert ch["answered"] == [{"question": question, "answer": "No, the old image with nginx in front fails the same way",
                               "at": "2026-03-25 10:00 +00:00", "kind": "reported"}]
    lead = first["assessment"]["hypotheses"][0]  # the answer "no" is against the leader, which the question keeps
    assert [i["hypothesis"] for i in ch["ruled_out"]] == [f"{lead['layer']}/{lead['side']}"]
    assert ch["rose"] and ch["rose"][0]["after"]["rank"] == 1
    assert "Since the previous draft: 1 new log entry; answered" in (out / "NEW-0016.md").read_text()
    # and the case is current again: a rerun skips it and leaves its JSON as it is
    third = (out / "NEW-0016.json").read_bytes()
    assert run_cli("batch", inbox, "--out", out, "--index-dir", index_dir, "-q").returncode == 0
    assert all(s["status"] == "skipped" for s in summary_of(out)) and (out / "NEW-0016.json").read_bytes() == third


def test_batch_usage_errors_exit_2(tmp_path, index_dir):
    r = run_cli("batch", tmp_path / "nothing-here", "--out", tmp_path / "o", "--index-dir", index_dir)
    assert r.returncode == 1 and "no such file or folder" in r.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    r = run_cli("batch", empty, "--out", tmp_path / "o2", "--index-dir", index_dir)
    assert r.returncode == 2 and r.stderr.strip() == f"casekit: no case files found in {empty}"
    r = run_cli("batch", empty, "--index-dir", index_dir)
    assert r.returncode == 2 and "--out" in r.stderr

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

from conftest import INBOX, run_cli


def casekit_cmd(*args) -> list[str]:
    return [str(Path(sys.executable).with_name("casekit")), *map(str, args)]


def outputs(out: Path) -> dict[str, dict]:
    return {p.stem: json.loads(p.read_text()) for p in out.glob("*.json")}


def test_killed_batch_resumes_to_exactly_one_complete_draft_per_case(tmp_path, index_dir):
    inbox = sorted(INBOX.glob("NEW-*.md"))
    assert len(inbox) >= 20
    out = tmp_path / "out"
    proc = subprocess.Popen(casekit_cmd("batch", INBOX, "--out", out, "--index-dir", index_dir, "-q"),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline and len(list(out.glob("*.json"))) < 3:
        time.sleep(0.2)
    time.sleep(1.5)  # somewhere inside the next draft or its writes
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    partial = len(list(out.glob("*.json")))
    assert 3 <= partial < len(inbox)
    assert not (out / "summary.jsonl").exists()

    r = run_cli("batch", INBOX, "--out", out, "--index-dir", index_dir, "-q")
    assert r.returncode == 0, r.stderr
    files = sorted(p.name for p in out.iterdir())
    ids = [p.stem for p in inbox]
    assert files == sorted([f"{i}.json" for i in ids] + [f"{i}.md" for i in ids] + ["summary.jsonl"])  # no temp files
    summary = [json.loads(l) for l in (out / "summary.jsonl").read_text().splitlines()]
    assert [s["id"] for s in summary] == ids
    assert sum(s["status"] == "skipped" for s in summary) >= partial - 1  # what was complete is not redone
    assert all(s["status"] in ("drafted", "skipped") for s in summary)
    for cid, d in outputs(out).items():
        assert d["case_id"] == cid and d["provenance"]["case_sha256"]
        assert (out / f"{cid}.md").read_text().startswith(f"# {cid}:")
    by_id = {s["id"]: s for s in summary}
    assert by_id["NEW-0001"]["layer"] == "network" or by_id["NEW-0001"]["status"] == "skipped"

    again = run_cli("batch", INBOX, "--out", out, "--index-dir", index_dir, "-q")
    assert again.returncode == 0
    assert all(json.loads(l)["status"] == "skipped" for l in (out / "summary.jsonl").read_text().splitlines())
    # a changed case is redone, the rest are not
    changed = tmp_path / "inbox"
    shutil.copytree(INBOX, changed)
    p = changed / "NEW-0005.md"
    p.write_text(p.read_text().replace("## Objective", "## Objective\nAdded later: the export now takes 90 s.\n"))
    third = run_cli("batch", changed, "--out", out, "--index-dir", index_dir, "-q")
    statuses = {json.loads(l)["id"]: json.loads(l)["status"] for l in (out / "summary.jsonl").read_text().splitlines()}
    assert third.returncode == 0 and statuses["NEW-0005"] == "drafted"
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


def test_batch_usage_errors_exit_2(tmp_path, index_dir):
    r = run_cli("batch", tmp_path / "nothing-here", "--out", tmp_path / "o", "--index-dir", index_dir)
    assert r.returncode == 1 and "no such file or folder" in r.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    r = run_cli("batch", empty, "--out", tmp_path / "o2", "--index-dir", index_dir)
    assert r.returncode == 2 and r.stderr.strip() == f"casekit: no case files found in {empty}"
    r = run_cli("batch", empty, "--index-dir", index_dir)
    assert r.returncode == 2 and "--out" in r.stderr

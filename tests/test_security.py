"""Hostile input, secret redaction, prompt injection, no network, index locking, fuzzing."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casekit.case import parse_text
from casekit.errors import IndexStateError
from casekit.retrieval.store import locked
from casekit.retrieval.ingest.rfc import sections
from casekit.text.redact import redact
from casekit.evidence.signs import extract
from conftest import CORPUS, INBOX, ROOT, run_cli

SECRETS = ["AKIANYV7GJ3ZD6NWCTVK", "S3cr3tPassw0rd", "Tr0ub4dor-Billing-77"]


def test_planted_secrets_never_reach_the_index_or_a_draft(tmp_path):
    corpus = tmp_path / "corpus" / "cases"
    corpus.mkdir(parents=True)
    text = (INBOX / "NEW-0017.md").read_text()
    assert all(s in text for s in SECRETS)
    past = text.replace("id: NEW-0017", "id: PAST-0017").replace("## Objective", "## Objective\n") + \
        "\n## Assessment\nNACL blocked return traffic.\n\n## Resolution\nAllowed ephemeral ports.\n"
    (corpus / "PAST-0017.md").write_text(past)
    (corpus.parent / "notes.md").write_text("# Notes\n\n## Access\nUse token=ghp_abcdefghijklmnopqrstuvwxyz0123456789 and "
                                           "aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n")
    idx = tmp_path / "idx"
    assert run_cli("index", corpus.parent, "--index-dir", idx, "-q").returncode == 0
    out = tmp_path / "out"
    r = run_cli("draft", INBOX / "NEW-0017.md", "--out", out, "--index-dir", idx)
    assert r.returncode == 0, r.stderr
    planted = SECRETS + ["ghp_abcdefghijklmnopqrstuvwxyz0123456789", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"]
    for folder in (idx, out):
        for p in folder.rglob("*"):
            if p.is_file():
                data = p.read_bytes()
                for s in planted:
                    assert s.encode() not in data, f"{s} leaked into {p}"
    assert "[REDACTED:" in (out / "NEW-0017.json").read_text()
    assert not any(s in r.stdout + r.stderr for s in planted)


def test_no_socket_is_opened_by_index_search_and_draft(tmp_path, index_dir):
    """A guard in the process: any socket creation fails loudly (unshare -n needs privileges
    that a user's laptop may not give; this runs everywhere)."""
    code = f"""
import socket, sys
class Guard(socket.socket):
    def __init__(self, *a, **k):
        raise SystemExit("casekit tried to open a socket")
socket.socket = Guard
socket.create_connection = lambda *a, **k: (_ for _ in ()).throw(SystemExit("network"))
from casekit.cli import main
sys.exit(main(sys.argv[1:]))
"""
    corpus = tmp_path / "c"
    (corpus / "cases").mkdir(parents=True)
    for n in ("CASE-0023.md", "CASE-0025.md"):
        (corpus / "cases" / n).write_text((CORPUS / "cases" / n).read_text())
    for args in (["index", corpus, "--index-dir", tmp_path / "i", "-q"],
                 ["search", "OOMKilled", "--index-dir", tmp_path / "i"],
                 ["draft", INBOX / "NEW-0002.md", "--index-dir", index_dir, "--json"]):
        r = subprocess.run([sys.executable, "-c", code, *map(str, args)], capture_output=True, text=True, timeout=600)
        assert r.returncode == 0, (args, r.stderr[-2000:])
        assert "socket" not in r.stderr


def test_unshare_without_network_where_possible(tmp_path, index_dir):
    if os.geteuid() != 0 or not Path("/usr/bin/unshare").exists():
        pytest.skip("unshare -n needs root")
    probe = subprocess.run(["unshare", "-n", "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip("this kernel refuses network namespaces here")
    exe = Path(sys.executable).with_name("casekit")
    r = subprocess.run(["unshare", "-n", str(exe), "draft", str(INBOX / "NEW-0003.md"), "--json", "--index-dir", str(index_dir)],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["case_id"] == "NEW-0003"


def test_concurrent_index_runs_are_serialised(tmp_path):
    folder = tmp_path / "idx"
    got = []
    with locked(folder):
        t = threading.Thread(target=lambda: got.append(_try_lock(folder)))
        t.start()
        t.join()
    assert got == ["locked"]
    with locked(folder, wait=1):
        pass  # released


def _try_lock(folder):
    try:
        with locked(folder, wait=0.5):
            return "acquired"
    except IndexStateError as e:
        assert "locked by another" in str(e)
        return "locked"


def test_two_index_processes_at_once_leave_a_valid_index(tmp_path):
    corpus = tmp_path / "c"
    (corpus / "docs").mkdir(parents=True)
    for n in ("dns-triage-guide.md", "rfc-tls-notes.md"):
        (corpus / "docs" / n).write_text((CORPUS / "docs" / n).read_text())
    exe = str(Path(sys.executable).with_name("casekit"))
    procs = [subprocess.Popen([exe, "index", str(corpus), "--index-dir", str(tmp_path / "i"), "-q"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)]
    for p in procs:
        assert p.wait(timeout=600) == 0
    r = run_cli("search", "SERVFAIL", "--index-dir", tmp_path / "i", "--json")
    assert r.returncode == 0 and json.loads(r.stdout)


def test_huge_objective_stays_bounded(tmp_path, drafter):
    """Bounded work, not a wall-clock budget (bench/huge_objective.py prints the seconds):
    only the first lines are read for signs, and memory stays far below the input's size
    times the copies an unbounded pass would make."""
    from casekit.case import load_cases

    c = load_cases(INBOX / "NEW-0006.md")[0]
    line = "2026-03-02T05:00:00Z app[123]: ERROR write failed: No space left on device (errno 28)\n"
    c.sections["Objective"] += "\n" + line * (50 * 2**20 // len(line))  # a 50 MB pasted log
    import resource

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    d = drafter.draft(c)
    from casekit.evidence.signs import HEAD_LINES, TAIL_LINES

    # the huge Objective is cut once, before redaction and scanning: a head and a tail window
    assert any(s.text.startswith(f"only the first {HEAD_LINES} and last {TAIL_LINES} of") for s in d.signs)
    assert all((e.line or 0) <= HEAD_LINES + TAIL_LINES + 1 for e in d.evidence)
    assert d.hypotheses and d.hypotheses[0].layer == "os"
    grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown < 1500, f"grew by {grown:.0f} MiB"


def test_hundred_thousand_line_corpus_document(tmp_path):
    corpus = tmp_path / "docs"
    corpus.mkdir()
    body = "\n".join(f"## Section {i}\nline {i} about throttling and retries with jitter" for i in range(50_000))
    (corpus / "big.md").write_text("# Big\n" + body)
    from casekit.retrieval.ingest import discover, read_chunks

    (src,) = discover([corpus])
    chunks = read_chunks(src)
    assert len(chunks) == 50_000


def test_case_ids_cannot_escape_the_output_folder(tmp_path, index_dir):
    # out is three levels down, so '../../etc/cron.d/x' would land inside tmp_path where we can see it
    base = tmp_path / "a" / "b"
    out = base / "out"
    ids = ["../../etc/cron.d/x", "../x", "sub/../../y", "/tmp/casekit-escape-test"]
    evil = tmp_path / "evil.jsonl"
    evil.write_text("".join(json.dumps({"id": i, "title": "t", "Subjective": "hi"}) + "\n" for i in ids))
    before = {p for p in tmp_path.rglob("*")}
    r = run_cli("batch", evil, "--out", out, "--index-dir", index_dir, "-q")
    assert r.returncode == 1 and r.stderr.count("may only hold letters") == len(ids), r.stderr
    written = {p for p in tmp_path.rglob("*")} - before
    outside = sorted(str(p) for p in written if p != out and out not in p.parents and p not in out.parents)
    assert not outside, outside
    assert {p.name for p in out.iterdir()} == {"summary.jsonl"}
    for i in ids:  # where each id would have written, had it been joined to the folder
        for suffix in (".json", ".md"):
            target = Path(os.path.normpath(out / f"{i}{suffix}"))
            assert not target.exists(), target


def test_html_in_case_text_is_escaped_in_markdown(drafter):
    from casekit.case import load_cases
    from casekit.documents.render import render_all

    c = load_cases(INBOX / "NEW-0018.md")[0]
    c.title += ' <img src=x onerror="alert(1)">'
    md = render_all(drafter.draft(c))
    assert "<img" not in md and "<script" not in md and "&lt;img" in md


# --------------------------------------------------------------------------- fuzzing

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(st.binary(max_size=2000))
def test_case_parser_never_crashes_on_bytes(data):
    for suffix in (".md", ".json", ".jsonl"):
        cases, problems = parse_text(f"fuzz{suffix}", data)
        assert all("\n" not in str(p) for p in problems)


_ident = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._-]{0,20}", fullmatch=True)
_text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\r"), max_size=200)


@FAST
@given(_ident, _text.filter(lambda t: t.strip()), st.lists(_ident, max_size=4), _text, _text)
def test_parse_write_parse_round_trips(cid, title, tags, subjective, objective):
    from casekit.case import Case

    case = Case(id=cid, title=title.strip(), tags=tags, opened="2026-01-02 03:04 Europe/Berlin",
                sections={"Subjective": subjective.strip("\n"), "Objective": objective.strip("\n")})
    for text, name in ((case.to_markdown(), "x.md"), (case.to_json(), "x.json")):
        cases, problems = parse_text(name, text.encode())
        if problems:  # only text that YAML itself cannot carry may fail, and then cleanly
            assert all("\n" not in str(p) for p in problems)
            continue
        again = cases[0]
        assert again.id == case.id and again.tags == case.tags and again.opened_utc == "2026-01-02T02:04:00Z"


@FAST
@given(st.text(max_size=3000))
def test_rfc_parser_never_crashes(text):
    for num, title, body in sections("RFC: 1234\n" + text):
        assert title and "\n" not in title and "\f" not in body


@FAST
@given(st.text(max_size=3000), st.sampled_from([None, "UTC", "+05:30", "Asia/Taipei", "Not/AZone"]))
def test_sign_extractor_never_crashes(text, tz):
    for s in extract(text, tz=tz):
        assert s.text and s.kind


@FAST
@given(st.text(max_size=500))
def test_redactor_is_idempotent_and_total(text):
    once = redact(text)
    assert redact(once) == once


@FAST
@given(st.from_regex(r"AKIA[A-Z0-9]{16}", fullmatch=True), st.text(max_size=50), st.text(max_size=50))
def test_redactor_always_masks_access_keys(key, before, after):
    out = redact(f"{before} {key} {after}")
    assert key not in out

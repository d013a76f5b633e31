"""Every option of every command, given something wrong, gives one line on stderr and
exit status 2: never a traceback, never a second line. None of these loads a model."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import INBOX, run_cli


def one_line_usage_error(r, needle: str) -> str:
    lines = r.stderr.strip().splitlines()
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert "Traceback" not in r.stderr
    assert len(lines) == 1, r.stderr
    assert needle in lines[0], lines[0]
    return lines[0]


@pytest.fixture
def export(tmp_path) -> Path:
    p = tmp_path / "export.json"
    p.write_text(json.dumps([{"id": "T-1", "title": "checkout returns 503"}]))
    return p


@pytest.fixture
def a_file(tmp_path) -> Path:
    p = tmp_path / "not-a-folder"
    p.write_text("x")
    return p


@pytest.fixture
def fake_index(tmp_path) -> Path:
    """A folder with a manifest: enough for the checks that run before anything loads."""
    d = tmp_path / "idx"
    d.mkdir()
    (d / "manifest.json").write_text(json.dumps({"format": 1, "generation": "gen-x", "artifacts": {}}))
    return d


@pytest.mark.parametrize("value,needle", [("industry", "is not FIELD=VALUE"), ("=saas", "is not FIELD=VALUE"),
                                          ("industry=", "has no value")])
def test_import_set_without_a_value(tmp_path, export, value, needle):
    r = run_cli("import", export, "--out", tmp_path / "o", "--set", value)
    one_line_usage_error(r, needle)
    assert not (tmp_path / "o").exists()


def test_import_bad_file_folder_and_timezone(tmp_path, export, a_file):
    one_line_usage_error(run_cli("import", export, "--out", a_file), "is a file, not a folder")
    one_line_usage_error(run_cli("import", tmp_path, "--out", tmp_path / "o"), "is a folder")
    one_line_usage_error(run_cli("import", tmp_path / "nope.json", "--out", tmp_path / "o"), "no such file")
    one_line_usage_error(run_cli("import", export, "--out", tmp_path / "o", "--timezone", "Mars/Base"), "unknown timezone")
    binary = tmp_path / "x.csv"
    binary.write_bytes(b"\x00\x01" * 50)
    one_line_usage_error(run_cli("import", binary, "--out", tmp_path / "o"), "binary file")
    one_line_usage_error(run_cli("import", export, "--out", tmp_path / "o", "--map", "id"), "is not field=path")


@pytest.mark.parametrize("k", ["0", "-3", "two"])
def test_search_and_eval_counts(tmp_path, k):
    one_line_usage_error(run_cli("search", "dns", "-k", k, "--index-dir", tmp_path), "argument -k")
    one_line_usage_error(run_cli("eval", "retrieval", "-k", k, "--index-dir", tmp_path), "argument -k")


def test_missing_index_for_search_draft_and_batch(tmp_path):
    missing = tmp_path / "no-index"
    one_line_usage_error(run_cli("search", "dns", "--index-dir", missing), "no index at")
    one_line_usage_error(run_cli("draft", INBOX / "NEW-0001.md", "--index-dir", missing), "no index at")
    one_line_usage_error(run_cli("batch", INBOX / "NEW-0001.md", "--out", tmp_path / "o", "--index-dir", missing),
                         "no index at")
    assert not missing.exists()


def test_a_file_given_as_out_or_index_dir(tmp_path, a_file, fake_index):
    one_line_usage_error(run_cli("draft", INBOX / "NEW-0001.md", "--out", a_file, "--index-dir", fake_index),
                         "is a file, not a folder")
    one_line_usage_error(run_cli("batch", INBOX / "NEW-0001.md", "--out", a_file, "--index-dir", fake_index),
                         "is a file, not a folder")
    one_line_usage_error(run_cli("batch", INBOX / "NEW-0001.md", "--out", a_file / "sub", "--index-dir", fake_index),
                         "is a file, not a folder")
    one_line_usage_error(run_cli("index", INBOX / "NEW-0001.md", "--index-dir", a_file, "-q"), "is a file, not a folder")


def test_batch_options(tmp_path, fake_index):
    case = INBOX / "NEW-0001.md"
    for workers in ("0", "-1", "many"):
        one_line_usage_error(run_cli("batch", case, "--out", tmp_path / "o", "--workers", workers,
                                     "--index-dir", fake_index), "argument --workers")
    one_line_usage_error(run_cli("batch", case, "--out", tmp_path / "o", "--engine", "spark", "--index-dir", fake_index),
                         "argument --engine")
    one_line_usage_error(run_cli("batch", case, "--out", tmp_path / "o", "--model", tmp_path / "missing.gguf",
                                 "--index-dir", fake_index), "missing.gguf")
    one_line_usage_error(run_cli("draft", case, "--seed", "-1", "--index-dir", fake_index), "argument --seed")


def test_eval_queries_and_json_target(tmp_path, a_file, fake_index):
    one_line_usage_error(run_cli("eval", "retrieval", "--queries", tmp_path / "none.jsonl", "--index-dir", fake_index),
                         "no such file or folder")
    empty = tmp_path / "empty"
    empty.mkdir()
    one_line_usage_error(run_cli("eval", "retrieval", "--queries", empty, "--index-dir", fake_index), "no query files")
    binary = tmp_path / "q.jsonl"
    binary.write_bytes(b"\x00\xff" * 40)
    one_line_usage_error(run_cli("eval", "retrieval", "--queries", binary, "--index-dir", fake_index), "binary file")
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"query": "x"}\n')
    one_line_usage_error(run_cli("eval", "retrieval", "--queries", bad, "--index-dir", fake_index), "bad.jsonl:1:")
    one_line_usage_error(run_cli("eval", "retrieval", "--json", empty, "--index-dir", fake_index), "is a folder")
    one_line_usage_error(run_cli("eval", "retrieval", "--json", a_file / "x.json", "--index-dir", fake_index),
                         "does not exist")


def test_defaults_outside_a_checkout(tmp_path):
    """A wheel user has no ./corpus and no ./eval: the defaults say so in one line."""
    one_line_usage_error(run_cli("index", "-q", cwd=tmp_path), "no corpus folder here")
    one_line_usage_error(run_cli("eval", "retrieval", cwd=tmp_path), "no eval/retrieval folder here")
    one_line_usage_error(run_cli("search", "dns", cwd=tmp_path, env={"CASEKIT_INDEX_DIR": ""}), "no index at .casekit/index")


def test_argument_errors_are_one_line(tmp_path):
    one_line_usage_error(run_cli("batch", INBOX), "--out")
    one_line_usage_error(run_cli("frobnicate"), "invalid choice")
    one_line_usage_error(run_cli("validate", tmp_path / "missing.md"), "no such file")

"""The case file format (SPEC.md section 1): parse, validate, round-trip, clear errors."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from casekit.case import Case, parse_path, parse_text, write_case
from conftest import CORPUS, INBOX, run_cli

GOOD = """---
id: CASE-0042
title: Tasks cannot pull images after subnet change
opened: 2026-03-02 14:05 +08:00
service: ecs
industry: gaming
severity: high
resources: [arn:aws:ecs:ap-southeast-1:123456789012:cluster/prod, i-0123456789abcdef0]
custom_field: kept
---
## Subjective
Players cannot join since 14:00.

## objective
```
CannotPullContainerError: dial tcp 1.2.3.4:443: i/o timeout
```
"""


def write(tmp_path: Path, name: str, data: str | bytes) -> Path:
    p = tmp_path / name
    p.write_bytes(data.encode() if isinstance(data, str) else data)
    return p


def test_parses_markdown_and_normalises_time(tmp_path):
    (case,), problems = parse_path(write(tmp_path, "c.md", GOOD))
    assert not problems
    assert case.id == "CASE-0042" and case.industry == "gaming"
    assert case.opened == "2026-03-02 14:05 +08:00"  # the original is kept
    assert case.opened_utc == "2026-03-02T06:05:00Z"
    assert case.timezone == "+08:00"
    assert "14:00" in case.symptoms and "CannotPullContainerError" in case.objective  # case-insensitive section names
    assert case.extra == {"custom_field": "kept"}


def test_tz_name_is_resolved():
    (case,), _ = parse_text("x.md", GOOD.replace("+08:00", "Asia/Taipei").encode())
    assert case.opened_utc == "2026-03-02T06:05:00Z" and case.timezone == "Asia/Taipei"


@pytest.mark.parametrize("suffix", [".md", ".json"])
def test_round_trip(tmp_path, suffix):
    (case,), _ = parse_text("x.md", GOOD.encode())
    p = write_case(case, tmp_path / f"again{suffix}")
    (again,), problems = parse_path(p)
    assert not problems
    assert again == case


def test_jsonl_one_case_per_line_and_bad_lines_do_not_hide_good_ones(tmp_path):
    (case,), _ = parse_text("x.md", GOOD.encode())
    lines = [case.to_json(), "{broken", json.dumps({"title": "no id"}), case.to_json().replace("CASE-0042", "CASE-0043")]
    cases, problems = parse_path(write(tmp_path, "h.jsonl", "\n".join(lines)))
    assert [c.id for c in cases] == ["CASE-0042", "CASE-0043"]
    assert [(p.line, p.message.split(":")[0]) for p in problems] == [(2, "broken JSON"), (3, "missing required field 'id'")]


@pytest.mark.parametrize("name,data,line,needle", [
    ("missing-id.md", GOOD.replace("id: CASE-0042\n", ""), 1, "missing required field 'id'"),
    ("broken.md", GOOD.replace("severity: high", "severity: [high"), None, "broken YAML"),
    ("badtz.md", GOOD.replace("+08:00", "Mars/Olympus"), 4, "unknown timezone 'Mars/Olympus'"),
    ("notz.md", GOOD.replace(" +08:00", ""), 4, "has no timezone"),
    ("enum.md", GOOD.replace("industry: gaming", "industry: space"), 6, "industry 'space' is not one of"),
    ("badid.md", GOOD.replace("CASE-0042", "../etc/passwd"), 2, "may only hold"),
    ("latin1.md", GOOD.replace("Players", "Jogadores não").encode("latin-1"), 12, "not valid UTF-8"),
    ("binary.md", b"\x7fELF\x00\x01\x02" * 50, None, "binary file"),
    ("empty.md", "", None, "file is empty"),
    ("nofront.md", "## Subjective\nhello\n", 1, "no YAML front matter"),
])
def test_bad_files_give_one_clear_problem(tmp_path, name, data, line, needle):
    p = write(tmp_path, name, data)
    cases, problems = parse_path(p)
    assert cases == [] and len(problems) == 1
    msg = str(problems[0])
    assert msg.startswith(str(p)) and needle in msg and "\n" not in msg
    if line is not None:
        assert problems[0].line == line


def test_validate_cli_reports_each_bad_file_and_exits_2(tmp_path):
    good = write(tmp_path, "good.md", GOOD)
    bad = write(tmp_path, "bad.md", GOOD.replace("id: CASE-0042\n", ""))
    missing = tmp_path / "nope.md"
    r = run_cli("validate", good, bad, missing)
    assert r.returncode == 2
    assert "Traceback" not in r.stderr
    err = r.stderr.strip().splitlines()
    assert err == [f"{bad}:1: missing required field 'id'", f"{missing}: no such file"]
    assert f"{good}: ok CASE-0042" in r.stdout
    assert run_cli("validate", good).returncode == 0


def test_shipped_cases_are_valid():
    files = sorted(CORPUS.glob("cases/*.md")) + sorted(INBOX.glob("*.md"))
    assert len(files) >= 60
    ids = []
    for f in files:
        cases, problems = parse_path(f)
        assert not problems, problems
        ids.append(cases[0].id)
    assert len(ids) == len(set(ids))
    past = [parse_path(f)[0][0] for f in sorted(CORPUS.glob("cases/*.md"))]
    assert all(c.layer and c.side and c.root_cause and c.tags for c in past)
    assert len({c.layer for c in past}) >= 7 and len({c.industry for c in past}) >= 7

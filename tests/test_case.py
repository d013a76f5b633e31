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


# --------------------------------------------------------------------------- duplicate keys


def test_duplicate_front_matter_key_is_refused_at_its_second_line(tmp_path):
    p = write(tmp_path, "dup.md", GOOD.replace("severity: high\n", "severity: high\nid: CASE-0043\n"))
    cases, problems = parse_path(p)
    assert cases == [] and [str(e) for e in problems] == [f"{p}:8: duplicate key 'id'"]
    nested = GOOD.replace("custom_field: kept\n", "custom_field:\n  a: 1\n  b: 2\n  a: 3\n")
    (problem,) = parse_path(write(tmp_path, "nested.md", nested))[1]
    assert (problem.line, problem.message) == (12, "duplicate key 'a'")


def test_duplicate_json_key_is_refused_at_its_line(tmp_path):
    text = '{\n  "id": "D1",\n  "title": "t",\n  "sections": {"Plan": "a",\n    "Plan": "b"},\n  "id": "D2"\n}\n'
    (problem,) = parse_path(write(tmp_path, "dup.json", text))[1]
    assert (problem.line, problem.message) == (5, "duplicate key 'Plan'")
    (problem,) = parse_path(write(tmp_path, "dup2.json", text.replace('"Plan": "b"', '"Do": "b"')))[1]
    assert (problem.line, problem.message) == (6, "duplicate key 'id'")
    # the same key in two different objects is fine
    ok = '[{"id": "A", "title": "t", "sections": {"title": "x"}}, {"id": "B", "title": "t"}]'
    cases, problems = parse_path(write(tmp_path, "ok.json", ok))
    assert not problems and [c.id for c in cases] == ["A", "B"]


def test_duplicate_key_in_a_jsonl_line(tmp_path):
    lines = ['{"id": "D0", "title": "t"}', '{"id": "D1", "title": "t", "id": "D2"}', '{"id": "D3", "title": "t"}']
    p = write(tmp_path, "dup.jsonl", "\n".join(lines))
    cases, problems = parse_path(p)
    assert [c.id for c in cases] == ["D0", "D3"]
    assert [str(e) for e in problems] == [f"{p}:2: duplicate key 'id'"]


def test_validate_cli_refuses_duplicate_keys(tmp_path):
    p = write(tmp_path, "dup.md", GOOD.replace("title: Tasks", "id: D2\ntitle: Tasks"))
    r = run_cli("validate", p)
    assert r.returncode == 2 and r.stderr.strip().splitlines() == [f"{p}:3: duplicate key 'id'"]


# --------------------------------------------------------------------------- Chinese headings, language

ZH_HANT = """---
id: ZH-0001
title: 任務無法拉取映像檔
opened: 2026-03-02 14:05 Asia/Taipei
---
## 主觀（Subjective）
客戶反映從下午兩點開始，玩家無法登入遊戲，ECS 任務一直停在 PENDING。

## 客觀：
事件顯示：
CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref 123456789012.dkr.ecr.ap-southeast-1.amazonaws.com/game:latest: dial tcp 52.95.1.2:443: i/o timeout

## 評估
NAT 路由可能被移除。

## Plan (計畫)
檢查路由表。

## 解決方案
補回 NAT gateway。
"""


def test_chinese_headings_map_to_the_english_sections_and_are_kept(tmp_path):
    (case,), problems = parse_text("zh.md", ZH_HANT.encode())
    assert not problems
    assert case.objective.startswith("事件顯示：\nCannotPullContainerError")
    assert case.symptoms.startswith("客戶反映")
    assert case.section("assessment") == "NAT 路由可能被移除。" and case.section("Plan") == "檢查路由表。"
    assert case.section("RESOLUTION") == case.section("解決") == "補回 NAT gateway。"
    assert case.section("客觀") == case.objective and case.section("Metrics") == ""
    assert list(case.sections) == ["主觀（Subjective）", "客觀：", "評估", "Plan (計畫)", "解決方案"]
    md = case.to_markdown()
    assert "## 主觀（Subjective）\n" in md and "## 客觀：\n" in md and "## Plan (計畫)\n" in md
    for suffix in (".md", ".json"):
        (again,), problems = parse_path(write_case(case, tmp_path / f"again{suffix}"))
        assert not problems and again == case and again.objective == case.objective


@pytest.mark.parametrize("heading,canonical", [
    ("主觀", "Subjective"), ("主诉", "Subjective"), ("客观", "Objective"), ("徵象", "Objective"),
    ("评估", "Assessment"), ("計劃", "Plan"), ("计划", "Plan"), ("解决", "Resolution"),
    ("解決方案", "Resolution"), ("日誌", "Log"), ("工作记录", "Log"), ("Subjective (主觀)", "Subjective"),
    ("客觀（Objective）：", "Objective"), ("objective:", "Objective"), ("Plan / 計畫", "Plan"),
    ("Subjective (客觀)", None), ("Notes", None), ("Metrics", None), ("主觀 analysis", None),
])
def test_canonical_section(heading, canonical):
    from casekit.text.lang import canonical_section

    assert canonical_section(heading) == canonical


def test_json_chinese_section_keys(tmp_path):
    obj = {"id": "J-1", "title": "t", "客观": "错误：连线超时", "主觀": "無法連線"}
    (case,), problems = parse_path(write(tmp_path, "c.json", json.dumps(obj, ensure_ascii=False)))
    assert not problems and case.objective == "错误：连线超时" and case.symptoms == "無法連線" and case.extra == {}


def test_language_detection():
    from casekit.text.lang import detect_language

    assert detect_language("Players cannot join since 14:00; tasks stay in PENDING.") == "en"
    assert detect_language("客戶反映從下午兩點開始，玩家無法登入遊戲。") == "zh-Hant"
    assert detect_language("客户反映从下午两点开始，玩家无法登录游戏。") == "zh-Hans"
    mixed = ("客户说：\nCannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve "
             "ref 123456789012.dkr.ecr.ap-southeast-1.amazonaws.com/game:latest: dial tcp 52.95.1.2:443: i/o timeout\n"
             "2026-03-02T06:00:01Z nginx[1]: upstream timed out while reading response header from upstream\n"
             "从两点开始所有任务都失败了。")
    assert detect_language(mixed) == "zh-Hans"
    # an English case that names a Chinese customer stays English
    assert detect_language("Customer 台灣大哥大 reports that players in Taipei see high latency since the "
                           "maintenance window; p99 rose from 80 ms to 800 ms and some sessions drop.") == "en"
    assert detect_language("") == "en"


def test_case_language_from_text_and_front_matter(tmp_path):
    (en,), _ = parse_text("x.md", GOOD.encode())
    assert en.language == "en" and en.lang is None and "language" not in en.fields()
    (zh,), _ = parse_text("zh.md", ZH_HANT.encode())
    assert zh.language == "zh-Hant"
    hans = ("---\nid: ZH-0002\ntitle: 任务无法拉取镜像\nopened: 2026-03-02 14:05 Asia/Shanghai\n---\n"
            "## 主观\n客户反映从下午两点开始，玩家无法登录游戏。\n\n## 客观\n事件显示：\n"
            "CannotPullContainerError: dial tcp 52.95.1.2:443: i/o timeout\n")
    (zh_hans,), _ = parse_text("zh.md", hans.encode())
    assert zh_hans.language == "zh-Hans" and zh_hans.objective.startswith("事件显示")
    # the front matter wins, as written, and survives a round trip
    forced = ZH_HANT.replace("opened:", "language: en\nopened:")
    (c,), _ = parse_text("zh.md", forced.encode())
    assert c.language == "en" and c.lang == "en"
    (again,), _ = parse_path(write_case(c, tmp_path / "again.md"))
    assert again.language == "en" and "language: en\n" in (tmp_path / "again.md").read_text()
    (tw,), _ = parse_text("x.md", GOOD.replace("service: ecs", "language: zh-TW").encode())
    assert tw.language == "zh-Hant" and tw.fields()["language"] == "zh-TW"
    (bare,), _ = parse_text("zh.md", hans.replace("opened:", "language: zh\nopened:").encode())
    assert bare.language == "zh-Hans"


def test_unknown_language_is_one_line_error(tmp_path):
    p = write(tmp_path, "fr.md", GOOD.replace("service: ecs", "language: fr"))
    (problem,) = parse_path(p)[1]
    assert str(problem).startswith(f"{p}:5: language 'fr' is not one of en|zh|zh-Hant|zh-Hans")

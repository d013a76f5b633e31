"""Chinese and mixed Chinese/English case text (issue 12, part A): signs, cues and evidence.

ASCII tokens inside Chinese sentences are words ('任務出現CannotPullContainerError錯誤'),
Chinese words are cues (errors, changes, healthy comparisons, absence, limits, layers),
full-width digits and punctuation are read, Chinese zone names and clock times are
converted to UTC, and every evidence line is still the case's own line, verbatim.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from casekit.rules import knowledge
from casekit.rules.layers import line_layers
from casekit.case import load_cases
from casekit.evidence import extract as evidence, is_is_not, reported, reported_start, timeline
from casekit.evidence.said import IMPACT, deadline
from casekit.i18n import catalogue
from casekit.text.identifiers import find
from casekit.text.lang import normalize_text
from casekit.text.redact import redact
from casekit.evidence.signs import extract as signs
from casekit.text.time import TimeError, clock, parse_stamp, resolve_zone, zone, zone_in

OBJECTIVE = """\
任務出現CannotPullContainerError錯誤
CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref 123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/game:1.4.2: dial tcp 52.119.1.1:443: i/o timeout
2026-03-02 13:18（台北時間）Terraform apply 完成，服務移到新子網 subnet-0c4e81f2a9d3b7065
2026-03-02 13:31:07 +08:00 第一個任務停止，連線逾時
子網subnet-0c4e81f2a9d3b7065的路由表只有 local 路由，沒有 0.0.0.0/0
其他服務都正常
CPU 使用率 98%
記憶體使用 3.9GiB / 上限 4GiB
狀態碼：５０３，回傳502錯誤，容器退出碼 137"""

SUBJECTIVE = ("台北時間約13:30 開始，新啟動的任務都無法拉取映像檔。40 個任務中有 4 個受影響；舊子網的任務仍然正常運行！"
              "昨天下午部署了新版本。今晚 19:00 錦標賽開始前要修好。")

CASE = f"""---
id: ZH-0001
title: 新子網的 ECS 任務無法拉取映像檔
opened: 2026-03-02 14:05 +08:00
service: ecs
industry: gaming
severity: high
resources: [subnet-0c4e81f2a9d3b7065]
---
## 主觀
{SUBJECTIVE}

## 客觀
{OBJECTIVE}
"""

# What a Simplified-Chinese writer would send (same lines, Simplified characters).
SIMPLIFIED = """\
任务出现CannotPullContainerError错误
2026-03-02 13:18（北京时间）Terraform apply 完成，服务迁移到新子网 subnet-0c4e81f2a9d3b7065
2026-03-02 13:31:07 +08:00 第一个任务停止，连接超时
子网subnet-0c4e81f2a9d3b7065的路由表只有 local 路由，没有 0.0.0.0/0
其他服务都正常
内存使用 3.9GiB / 上限 4GiB"""


def line_no(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.split("\n"), 1) if needle in line)


def by_line(ev):
    out: dict[int, set[str]] = {}
    for e in ev:
        if e.origin == "observed":
            out.setdefault(e.line, set()).add(e.kind)
    return out


# --------------------------------------------------------------------------- signs


def test_ascii_tokens_inside_chinese_text_are_signs():
    found = signs(OBJECTIVE, tz="+08:00", year=2026)
    texts = {(s.kind, s.text) for s in found}
    assert ("exception", "CannotPullContainerError") in texts
    assert ("error", "任務出現CannotPullContainerError錯誤") in texts  # the line, as written
    assert ("resource", "subnet-0c4e81f2a9d3b7065") in texts
    assert ("http_status", "HTTP 502 Bad Gateway") in texts
    assert ("http_status", "HTTP 503 Service Unavailable") in texts  # full-width digits: '５０３'
    assert ("exit_code", "exit code 137") in texts
    assert ("metric", "CPU 使用率 98 %") in texts and ("metric", "記憶體使用 3.9 GiB") in texts
    stamps = [s for s in found if s.kind == "timestamp"]
    assert [s.utc for s in stamps] == ["2026-03-02T05:18:00Z", "2026-03-02T05:31:07Z"]
    for s in found:  # a sign's line is a line of the case that holds what the sign quotes
        if s.kind in ("error", "exception", "resource"):
            assert s.text in OBJECTIVE.split("\n")[s.line - 1]


def test_identifiers_and_secrets_inside_chinese_text():
    text = "子網subnet-0c4e81f2a9d3b7065的路由表，帳號123456789012，IP位址10.0.0.5，叢集arn:aws:ecs:ap-northeast-1:123456789012:cluster/prod-game無法啟動"
    got = find(text)
    assert ("subnet", "subnet-0c4e81f2a9d3b7065") in got and ("account id", "123456789012") in got
    assert ("IP address", "10.0.0.5") in got
    assert ("ARN", "arn:aws:ecs:ap-northeast-1:123456789012:cluster/prod-game") in got  # ends before '無法'
    out = redact("存取金鑰AKIANYV7GJ3ZD6NWCTVK外洩了，資料庫密碼：S3cr3tPassw0rd，請協助")
    assert "AKIANYV7GJ3ZD6NWCTVK" not in out and "S3cr3tPassw0rd" not in out
    assert "[REDACTED:aws-access-key]" in out and "密碼：[REDACTED:password]，請協助" in out


# --------------------------------------------------------------------------- evidence


def test_evidence_kinds_lines_and_layers_of_a_mixed_case():
    ev = evidence(OBJECTIVE, tz="+08:00", year=2026, affected={"subnet-0c4e81f2a9d3b7065"})
    kinds = by_line(ev)
    assert "error" in kinds[line_no(OBJECTIVE, "任務出現")]
    assert "change" in kinds[line_no(OBJECTIVE, "Terraform apply")]
    assert "error" in kinds[line_no(OBJECTIVE, "連線逾時")]
    assert "absence" in kinds[line_no(OBJECTIVE, "只有 local")]
    assert "comparison" in kinds[line_no(OBJECTIVE, "其他服務都正常")]
    assert "limit" in kinds[line_no(OBJECTIVE, "上限 4GiB")]
    lines = OBJECTIVE.split("\n")
    for e in ev:  # the verbatim rule: evidence quotes the case's own line
        assert e.text == lines[e.line - 1].strip()
    at = {e.line: e for e in ev if e.origin == "observed"}
    assert at[line_no(OBJECTIVE, "Terraform apply")].utc == "2026-03-02T05:18:00Z"
    assert at[line_no(OBJECTIVE, "連線逾時")].utc == "2026-03-02T05:31:07Z"
    assert "container" in at[line_no(OBJECTIVE, "任務出現")].layers
    assert max(at[line_no(OBJECTIVE, "只有 local")].layers.items(), key=lambda kv: kv[1])[0] == "network"
    assert "network" in at[line_no(OBJECTIVE, "連線逾時")].layers
    # usage against the limit it reaches, computed, with the limit read as the 4 GiB
    inferred = [e for e in ev if e.kind == "limit" and e.origin == "inferred"]
    assert inferred and inferred[0].detail.startswith("usage 3993.6 mib against a limit of 4096 mib (98%)")


def test_simplified_and_full_width_text_reads_like_traditional():
    ev = evidence(SIMPLIFIED, tz="+08:00", year=2026)
    kinds = by_line(ev)
    assert "error" in kinds[1] and "change" in kinds[2] and "error" in kinds[3]
    assert "absence" in kinds[4] and "comparison" in kinds[5] and "limit" in kinds[6]
    at = {e.line: e for e in ev if e.origin == "observed"}
    assert at[2].utc == "2026-03-02T05:18:00Z"  # 北京時間 is UTC+8
    assert at[2].text == SIMPLIFIED.split("\n")[1]  # verbatim: Simplified stays Simplified
    assert "network" in at[3].layers and "network" in at[4].layers
    wide = evidence("記憶體使用 ３.９GiB／上限 ４GiB\nＣＰＵ使用率１００％", tz="+08:00")
    assert {e.kind for e in wide} >= {"limit"}
    assert any(e.origin == "inferred" and "(98%)" in e.detail for e in wide)
    assert any(e.text == "ＣＰＵ使用率１００％" and e.kind == "limit" for e in wide)  # saturated, quoted as written
    assert normalize_text("连接超时，ＣＰＵ９８％　没有路由") == "連接超時,CPU98% 沒有路由"


def test_negated_chinese_words_are_not_what_they_negate():
    ev = {e.text: e.kind for e in evidence("資料庫沒有錯誤\nCPU 無異常\n應用程式沒有任何變更\n安全群組沒有 443 的規則")}
    assert ev["資料庫沒有錯誤"] == "comparison" and ev["CPU 無異常"] == "comparison"
    assert ev.get("應用程式沒有任何變更") != "change"
    assert ev["安全群組沒有 443 的規則"] == "absence"


def test_reported_sentences_split_on_chinese_punctuation_and_keep_decimals():
    said = reported(SUBJECTIVE)
    texts = [e.text for e in said]
    assert "台北時間約13:30 開始，新啟動的任務都無法拉取映像檔。" in texts
    assert "舊子網的任務仍然正常運行！" in texts
    assert "昨天下午部署了新版本。" in texts
    kinds = {e.text: e.kind for e in said}
    assert kinds["舊子網的任務仍然正常運行！"] == "comparison" and kinds["昨天下午部署了新版本。"] == "change"
    assert all(e.text in SUBJECTIVE for e in said)
    assert [e.text for e in reported("Errors rose to 3.9 per second. Tasks failed after v1.4.2 was deployed.")] == \
        ["Errors rose to 3.9 per second.", "Tasks failed after v1.4.2 was deployed."]


# --------------------------------------------------------------------------- time


def test_chinese_zone_names_and_offsets():
    assert zone("台北時間").key == "Asia/Taipei" and zone("北京时间").key == "Asia/Shanghai"
    assert zone("香港時間").key == "Asia/Hong_Kong" and zone("Taipei time").key == "Asia/Taipei"
    assert str(zone("UTC+8")) == "UTC+08:00" and str(zone("GMT+8")) == str(zone("+08:00"))
    assert parse_stamp("2026-03-02 14:05 台北時間").isoformat() == "2026-03-02T14:05:00+08:00"
    assert parse_stamp("2026-03-02 14:05 UTC+8").utcoffset().total_seconds() == 8 * 3600
    with pytest.raises(TimeError, match="ambiguous"):
        zone("CST")
    assert resolve_zone("CST", chinese=True).key == "Asia/Shanghai"
    assert resolve_zone("CST").key == "America/Chicago"
    assert resolve_zone("CST", default=zone("+08:00")).key == "Asia/Shanghai"
    assert zone_in("約下午兩點（北京時間）開始")[0] == "北京時間"
    assert clock("下午1點半") == (13, 30) and clock("晚上11點15分") == (23, 15) and clock("下午兩點") == (14, 0)
    assert clock("凌晨12點") == (0, 0) and clock("13:30") == (13, 30) and clock("慢一點") is None


def test_chinese_dates_and_cst_in_log_lines():
    found = signs("2025年6月3日 13:30 開始出現 OOMKilled\n2025年6月3日 下午2點05分（UTC+8）恢復", tz="UTC")
    assert sorted(s.utc for s in found if s.kind == "timestamp") == ["2025-06-03T06:05:00Z", "2025-06-03T13:30:00Z"]
    zh = evidence("2026-03-02 09:12 CST 刪除了日誌檔案", tz="UTC")
    en = evidence("2026-03-02 09:12 CST deleted the log file", tz="UTC")
    assert zh[0].utc == "2026-03-02T01:12:00Z"  # Chinese text: China Standard Time
    assert en[0].utc == "2026-03-02T15:12:00Z"  # English text: US Central (CST, UTC-6)
    assert evidence("2026-03-02 09:12 CST deleted the log file", tz="+08:00")[0].utc == "2026-03-02T01:12:00Z"
    assert evidence("2026-03-02 09:12 CST deleted the log file", tz="UTC", language="zh-Hant")[0].utc == \
        "2026-03-02T01:12:00Z"


@pytest.mark.parametrize("text, opened, tz, phrase, utc", [
    ("台北時間約13:30 開始，任務失敗", "2026-03-02 14:05 +08:00", "+08:00", "台北時間約13:30", "2026-03-02T05:30:00Z"),
    ("从北京时间下午2点开始无法连接", "2026-03-02 16:05 +08:00", None, "北京时间下午2点", "2026-03-02T06:00:00Z"),
    ("昨天下午1點半左右開始變慢", "2026-03-02 10:05 Asia/Taipei", "Asia/Taipei", "昨天下午1點半", "2026-03-01T05:30:00Z"),
    ("約 13:30（UTC+8）起連線逾時", "2026-03-02 07:00 Z", "Z", "13:30（UTC+8）", "2026-03-02T05:30:00Z"),
    ("下午2點開始", "2026-03-02 16:05 +09:00", "+09:00", "下午2點", "2026-03-02T05:00:00Z"),
    ("Since about 13:30 Taipei time, new tasks fail", "2026-03-02 14:05 +08:00", "+08:00", "about 13:30 Taipei time",
     "2026-03-02T05:30:00Z"),
])
def test_reported_start_in_chinese_and_the_zone_it_names(text, opened, tz, phrase, utc):
    assert reported_start(text, opened, tz) == (phrase, utc)


def test_timeline_finds_the_change_before_a_chinese_onset():
    ev = evidence(OBJECTIVE, tz="+08:00", year=2026, affected={"subnet-0c4e81f2a9d3b7065"})
    _, start = reported_start(SUBJECTIVE, "2026-03-02 14:05 +08:00", "+08:00")
    tl = timeline(ev, start)
    assert tl.onset_utc == "2026-03-02T05:30:00Z" and tl.onset_source == "reported"
    assert tl.change and tl.change["utc"] == "2026-03-02T05:18:00Z" and tl.change["minutes_before"] == 12
    table = is_is_not(ev, reported(SUBJECTIVE), tl, catalogue("zh-Hant"))
    assert any(r["text"] == "其他服務都正常" for r in table["is_not"])
    assert any("只有 local" in r["text"] for r in table["is"])


# --------------------------------------------------------------------------- cue tables


def test_chinese_lines_point_at_their_layers():
    for text, layer in [("路由表沒有預設路由", "network"), ("安全群組擋住了 443", "network"), ("DNS解析失敗", "network"),
                        ("磁碟空間不足", "os"), ("容器映像檔拉取失敗", "container"), ("镜像拉取失败", "container"),
                        ("EBS 磁碟區讀寫延遲很高", "storage"), ("配額已用完，被限流", "capacity"),
                        ("憑證過期", "network"), ("昨天部署了新版本", "application"), ("可用區硬體故障", "provider")]:
        got = line_layers([text])[0]
        assert got and max(got, key=lambda k: (got[k], k == layer)) == layer, (text, got)


def test_deadline_impact_and_the_questions_already_answered():
    from casekit.evidence.context import read
    from casekit.reasoning.questions import missing_information

    case = load_cases_text(CASE)
    assert deadline(case.symptoms) == "今晚 19:00 錦標賽開始前要修好"
    assert IMPACT.search(SUBJECTIVE).group(1) == "40 個任務中有 4 個"
    assert IMPACT.search("4 of 40 tasks fail").group(1) == "4 of 40 tasks"
    asked = " ".join(m["text"] for m in missing_information(read(case), []))
    assert "timezone" not in asked and "What changed" not in asked and "healthy environment" not in asked
    assert "need first" not in asked  # '要修好' is the need; '前要' is the deadline


def test_chinese_words_cue_both_scripts():
    """Every Chinese word of the knowledge base is written in Traditional characters that the
    normalised copy keeps (a Simplified character in a record would never match); with OpenCC
    installed, the Simplified form of every plain word is found by its record."""
    kb = knowledge()
    for r in kb.rules:
        for w in r.zh:
            assert normalize_text(w) == w, (r.name, w)
    opencc = pytest.importorskip("opencc")
    t2s = opencc.OpenCC("t2s")
    plain = re.compile(r"[\u4e00-\u9fff]+")
    for r in kb.rules:
        for w in r.zh:
            word = w.split(")")[-1] if w.startswith("(?<") else w  # a word after its lookbehinds
            if plain.fullmatch(word):
                assert r.search(t2s.convert(word)), (r.name, word, t2s.convert(word))


# --------------------------------------------------------------------------- the case file


def load_cases_text(text: str, tmp: Path | None = None):
    import tempfile

    d = Path(tempfile.mkdtemp())
    p = d / "ZH-0001.md"
    p.write_text(text, encoding="utf-8")
    return load_cases(p)[0]


def test_chinese_headings_give_objective_signs_and_evidence():
    case = load_cases_text(CASE)
    assert case.objective.startswith("任務出現CannotPullContainerError錯誤")
    assert case.symptoms.startswith("台北時間約13:30")
    assert case.language == "zh-Hant"
    found = signs(case.objective, tz=case.timezone, year=2026)
    assert any(s.kind == "exception" and s.text == "CannotPullContainerError" for s in found)
    assert any(e.kind == "absence" for e in evidence(case.objective, tz=case.timezone))


@pytest.mark.parametrize("declared, expected", [("en", "en"), ("zh-CN", "zh-Hans"), ("zh-TW", "zh-Hant"),
                                                ("zh", "zh-Hant"), (None, "zh-Hant")])
def test_front_matter_language_overrides_detection(declared, expected):
    text = CASE.replace("severity: high\n", f"severity: high\nlanguage: {declared}\n") if declared else CASE
    case = load_cases_text(text)
    assert case.language == expected
    assert (case.lang or None) == declared


def test_detected_simplified_and_english_cases():
    simplified = CASE.replace(OBJECTIVE, SIMPLIFIED).replace(SUBJECTIVE, "北京时间下午2点开始，新任务都无法拉取镜像，其他服务都正常。")
    assert load_cases_text(simplified).language == "zh-Hans"
    english = CASE.replace("## 主觀\n" + SUBJECTIVE, "## Subjective\nSince about 13:30 Taipei time new tasks cannot pull "
                           "their image; tasks in the old subnets still run.").replace(
        "## 客觀\n" + OBJECTIVE, "## Objective\nCannotPullContainerError: dial tcp 52.119.1.1:443: i/o timeout\n"
        "The route table of the new subnet has only the local route")
    assert load_cases_text(english).language == "en"


# --------------------------------------------------------------------------- a draft (real index, real models)


def test_a_mixed_chinese_case_is_drafted_from_its_own_lines(drafter):
    case = load_cases_text(CASE)
    d = drafter.draft(case)
    assert d.signs and any(s.text == "CannotPullContainerError" for s in d.signs)
    top = d.hypotheses[0]
    assert top.layer == "network", [(h.layer, h.status) for h in d.hypotheses]
    lines = {line.strip() for line in (case.objective + "\n" + case.symptoms).split("\n")}
    said = {e.text for e in reported(case.symptoms)}
    for h in d.hypotheses:
        for e in h.evidence_for:  # verbatim lines of this case (or its sentences, for what the customer said)
            assert e["text"] in lines or e["text"] in said, e["text"]
    assert any("只有 local" in e["text"] for e in top.evidence_for)
    assert d.timeline["change"] and d.timeline["change"]["minutes_before"] == 12
    assert d.case["reported_start"] == "台北時間約13:30" and d.case["reported_start_utc"] == "2026-03-02T05:30:00Z"
    assert d.case["deadline"] == "今晚 19:00 錦標賽開始前要修好"

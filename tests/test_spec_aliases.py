"""Symptom aliases of RFC sections (casekit/retrieval/spec_aliases.json): the data, the alias
chunks, and a real index of a few RFCs in which a question phrased as a symptom finds the
section that defines the behaviour in the specification lane's top 3.

The questions below are written for this test (not taken from any evaluation set)."""
from __future__ import annotations

import json
import re

import pytest

from casekit.retrieval.aliases import DATA, alias_chunks, is_alias, load
from casekit.retrieval.ingest.rfc import looks_like_rfc, rfc_chunks, sections
from conftest import need_shared

SMALL = ("rfc1035.txt", "rfc2818.txt", "rfc7231.txt", "rfc9293.txt")

# symptom -> the section that defines the behaviour
SYMPTOMS = [
    ("customers see a browser warning that our site's certificate was issued for some other domain", "RFC 2818 §3.1"),
    ("the upstream app was too slow and nginx gave our users a gateway timeout after 60 seconds", "RFC 7231 §6.6.5"),
    ("telnet to the port instantly says connection refused, the packet capture shows an RST right after our SYN",
     "RFC 9293 §3.5.2"),
    ("a freshly created hostname comes back as non-existent domain from nslookup", "RFC 1035 §4.1.1"),
    ("the big TXT answer is cut short over UDP and the resolver has to ask again over TCP", "RFC 1035 §4.2.1"),
    ("客戶反映瀏覽器跳出警告，說網站憑證上的名稱跟網址不一樣", "RFC 2818 §3.1"),
    ("用户说上传大文件时服务器直接拒绝，返回 413", "RFC 7231 §6.5.11"),
    ("應用程式連到資料庫時一直卡住好幾分鐘才失敗，封包看到 SYN 不斷重送", "RFC 9293 §3.8.3"),
]


def _sections_of_shared_rfcs(rfc_dir):
    out = set()
    for path in sorted(rfc_dir.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        number = looks_like_rfc(text, path.name)
        out |= {f"RFC {number} §{num}" for num, _, _ in sections(text) if num}
    return out


def test_alias_data_loads_with_both_languages():
    data = load()
    assert len(data) >= 200
    for key, phrases in data.items():
        assert re.fullmatch(r"RFC \d+ §[0-9A-Z]+(\.\d+)*", key), key
        assert phrases["en"] and phrases["zh"], f"{key} needs English and Chinese phrases"
        assert all(re.search(r"[\u4e00-\u9fff]", p) for p in phrases["zh"]), key
    # the file is JSON a person edits: one object, comments under keys starting with '_'
    raw = json.loads(DATA.read_text(encoding="utf-8"))
    assert set(raw) - set(data) == {k for k in raw if k.startswith("_")}


def test_every_alias_points_at_an_existing_section(shared_rfc):
    known = _sections_of_shared_rfcs(shared_rfc)
    missing = sorted(set(load()) - known)
    assert not missing, f"aliases of sections that no shipped RFC has: {missing}"


def test_malformed_alias_data_is_refused(tmp_path):
    bad = tmp_path / "a.json"
    bad.write_text(json.dumps({"RFC 7231 6.6.5": {"en": ["x"], "zh": ["y"]}}), encoding="utf-8")
    with pytest.raises(ValueError, match="not a section reference"):
        load(str(bad))
    bad.write_text(json.dumps({"RFC 7231 §6.6.5": {"en": [""], "zh": []}}), encoding="utf-8")
    with pytest.raises(ValueError, match="non-empty"):
        load(str(bad))


def test_alias_chunks_stand_for_their_section(shared_rfc):
    path = shared_rfc / "rfc7231.txt"
    chunks = rfc_chunks(path, path.read_text(encoding="utf-8"), 7231)
    aliases = alias_chunks(chunks)
    assert aliases and all(is_alias(a) for a in aliases)
    by_group = {c.group: c for c in reversed(chunks)}  # the first chunk of each section
    for a in aliases:
        section = by_group[a.group]
        assert a.ref == section.ref and a.meta["of"] == section.id and a.kind == "doc"
        assert a.id.startswith(f"{section.group}#alias-")
    assert len({a.id for a in aliases}) == len(aliases)
    five04 = [a.text for a in aliases if a.ref.startswith("RFC 7231 §6.6.5 ")]
    assert any("504" in t for t in five04) and any(re.search(r"[\u4e00-\u9fff]", t) for t in five04)
    assert alias_chunks(chunks) == aliases  # deterministic


@pytest.fixture(scope="module")
def small_index(shared_rfc, tmp_path_factory):
    from casekit.retrieval import Index, build_index

    d = tmp_path_factory.mktemp("spec-index")
    errors: list[str] = []
    stats = build_index([shared_rfc / name for name in SMALL], d, progress=False, on_error=errors.append)
    assert not errors, errors
    assert stats.aliases > 100
    again = build_index([], d, progress=False)  # nothing changed: the alias vectors are cached too
    assert again.embedded == 0 and again.aliases == stats.aliases
    return Index.open(d)


@pytest.mark.parametrize("question,section", SYMPTOMS, ids=[s for _, s in SYMPTOMS])
def test_symptom_finds_its_defining_section_in_the_spec_lane(small_index, question, section):
    spec = small_index.lanes(question, k=3)["spec"]
    refs = [h.chunk.ref for h in spec]
    assert any(r == section or r.startswith(section + " ") for r in refs), refs
    assert not any(is_alias(h.chunk) for h in spec)  # a hit shows the section's own text, never an alias
    assert all(h.chunk.text in {c.text for c in small_index.group_chunks(h.chunk.group)} for h in spec)


def test_group_chunks_never_hold_aliases(small_index):
    chunks = small_index.group_chunks("rfc:7231#6.6.5")
    assert chunks and not any(is_alias(c) for c in chunks)


def test_eval_reports_the_spec_lane_per_language(small_index):
    from casekit.evaluate import evaluate

    queries = [{"query": q, "relevant": [s]} for q, s in SYMPTOMS]
    report = evaluate(small_index, queries, k=10).to_dict()
    assert {"metrics", "lanes_recall", "misses", "spec_lane_recall", "spec_lane_recall_by_lang"} <= set(report)
    by_lang = report["spec_lane_recall_by_lang"]
    assert by_lang["en"]["sections"] == 5 and by_lang["zh"]["sections"] == 3
    assert by_lang["en"]["recall"] == 1.0 and by_lang["zh"]["recall"] == 1.0

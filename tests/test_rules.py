"""The knowledge base: every record's examples match it and its counter-examples do not; the
loader refuses a bad record with one line naming its file; a team's folder adds and replaces
records."""
from __future__ import annotations

import pytest

from casekit.errors import InputError
from casekit.rules import load
from casekit.rules.records import KINDS

KB = load()
CASES = [(r.name, e, True) for r in KB.rules for e in r.examples] + \
        [(r.name, e, False) for r in KB.rules for e in r.counter]


@pytest.mark.parametrize("name,line,matches", CASES, ids=[f"{n}:{'+' if m else '-'}{i}" for i, (n, _, m) in enumerate(CASES)])
def test_every_record_reads_its_own_examples(name, line, matches):
    assert bool(KB.by_name[name].search(line)) is matches, (name, line)


def test_every_record_has_examples_both_ways_and_a_known_kind():
    for r in KB.rules:
        assert r.kind in KINDS, r.name
        assert r.examples, f"{r.name} has no example line"
        assert r.counter, f"{r.name} has no counter-example line"


def test_every_contradiction_says_why_in_every_language():
    from casekit.i18n import LANGUAGES, catalogue

    for r in KB.of("contradiction"):
        for lang in LANGUAGES:
            assert catalogue(lang)[r.why], (r.name, lang)


def test_chinese_words_reach_simplified_text():
    assert KB.any("healthy", "网络指标一切正常") and KB.any("healthy", "網路指標一切正常")
    assert KB.any("not_change", "我们没有改动任何配置")


def test_a_team_folder_adds_and_replaces_records(tmp_path):
    (tmp_path / "ours.yaml").write_text(
        "- name: network.dns\n  kind: signature\n  layer: storage\n  words: [nxdomain]\n"
        "  examples: ['status: NXDOMAIN']\n  counter: ['fine']\n"
        "- name: ours.vendor-code\n  kind: signature\n  layer: application\n  en: '\\bACME-E\\d{3}\\b'\n"
        "  examples: ['ACME-E042 license check failed']\n  counter: ['ACME rocks']\n", encoding="utf-8")
    kb = load([tmp_path])
    assert kb.by_name["network.dns"].layer == "storage" and kb.by_name["network.dns"].source.startswith(str(tmp_path))
    assert kb.layers_of("ACME-E042 license check failed").get("application")
    assert len(kb.rules) == len(KB.rules) + 1


@pytest.mark.parametrize("text,what", [
    ("- name: x\n  kind: nonsense\n  en: a\n", "unknown kind 'nonsense'"),
    ("- name: x\n  kind: signature\n  layer: moon\n  en: a\n", "unknown layer 'moon'"),
    ("- name: x\n  kind: signature\n  en: '(unclosed'\n", "bad pattern"),
    ("- name: x\n  kind: signature\n", "needs en, words or zh"),
    ("- name: [x\n", "not a YAML list of rules"),
    ("name: x\n", "expected a list of rules"),
])
def test_a_bad_record_is_one_error_naming_its_file(tmp_path, text, what):
    (tmp_path / "bad.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as e:
        load([tmp_path])
    assert "bad.yaml" in str(e.value) and what in str(e.value) and "\n" not in str(e.value)


def test_a_rule_from_an_outside_folder_changes_a_draft(drafter, tmp_path, monkeypatch):
    """A team's record, loaded from CASEKIT_RULES, is read like casekit's own: a vendor error code
    that casekit has never seen becomes a sign of the storage layer, and the draft follows it."""
    from casekit.case import load_cases

    case_file = tmp_path / "ACME-1.md"
    case_file.write_text("---\nid: ACME-1\ntitle: Nightly export job fails\nopened: 2026-05-02 10:00 +00:00\n---\n"
                         "## Subjective\nThe nightly export job fails since last night.\n\n## Objective\n"
                         "2026-05-02T02:00:11Z ERROR export-job: QZV-7731 returned by the appliance\n"
                         "2026-05-02T02:00:12Z export-job: giving up after QZV-7731\n", encoding="utf-8")
    before = drafter.draft(load_cases(case_file)[0])
    assert not any(h.layer == "storage" for h in before.hypotheses)
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "acme.yaml").write_text(
        "- name: acme.appliance-volume-full\n  kind: signature\n  layer: storage\n  weight: 3\n"
        "  en: '\\bQZV-77\\d\\d\\b'\n  examples: ['export-job: QZV-7731 returned by the appliance']\n"
        "  counter: ['QZV rocks']\n", encoding="utf-8")
    monkeypatch.setenv("CASEKIT_RULES", str(rules))
    after = drafter.draft(load_cases(case_file)[0])
    assert after.hypotheses and after.hypotheses[0].layer == "storage"
    assert any("QZV-7731" in e["text"] for e in after.hypotheses[0].evidence_for)

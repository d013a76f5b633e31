"""Documents in the customer's language (issue 12, part B): a case written in Chinese gets its
reply, work log, escalation and casekit's own sentences of the assessment in Traditional
Chinese (Simplified for a zh-Hans case); quoted evidence, identifiers and RFC references
stay as written; English cases are unchanged. Real index and models (the session fixtures).
"""
from __future__ import annotations

import json
import re
import string

import pytest

from casekit.case import load_cases
from casekit.text.hanzi import simplified
from casekit.text.lang import HANT_ONLY, detect_language, han_count
from casekit.prose import supported, wrong_language
from casekit.documents.render import inline, render_assessment, render_escalation, render_reply, render_worklog
from casekit.i18n import LANGUAGES, catalogue
from conftest import INBOX, ROOT

ZT01 = ROOT / "eval" / "cases" / "tune" / "EVAL-ZT01.md"
ZT03 = ROOT / "eval" / "cases" / "tune" / "EVAL-ZT03.md"
ENGLISH_FIXED = ("Thank you", "Hello", "Best regards", "**Situation.**", "Work log", "Handover summary", "What we found",
                 "Known:", "Unknown:", "Subject:", "To close this out", "We will update you")


def load_text(tmp_path, name: str, text: str):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return load_cases(p)[0]


@pytest.fixture(scope="module")
def zh(drafter):
    case = load_cases(ZT01)[0]
    assert case.language == "zh-Hant"
    return drafter.draft(case)


@pytest.fixture(scope="module")
def en(drafter):
    return drafter.draft(load_cases(INBOX / "NEW-0001.md")[0])


@pytest.fixture(scope="module")
def zh_hans(drafter, tmp_path_factory):
    """The same case as a Simplified-Chinese writer would send it, declared zh-Hans."""
    text = simplified(ZT01.read_text(encoding="utf-8")).replace("---\nid:", "---\nlanguage: zh-Hans\nid:", 1)
    case = load_text(tmp_path_factory.mktemp("hans"), "EVAL-ZT01.md", text)
    assert case.language == "zh-Hans"
    return drafter.draft(case)


def own_lines(doc: str, draft=None) -> list[str]:
    """The lines of a document that are casekit's own fixed sentences: headings and prose,
    not list items (quoted evidence, plan steps, questions), not table rows, and not the
    draft's statements (summary, hypotheses: they quote past cases and evidence details;
    their own words are checked on the JSON)."""
    if draft is not None:
        for text in [draft.summary["text"], *(h.text for h in draft.hypotheses)]:
            doc = doc.replace(inline(text), " ")
    return [line for line in doc.splitlines()
            if line.strip() and not re.match(r"\s*(?:[-|]|\d+\.|\[\d+\]|>)", line)]


def without_quotes(text: str) -> str:
    """Text without what casekit quotes: code spans and identifiers."""
    text = re.sub(r"`[^`]*`", " ", text)
    return re.sub(r"\[\d+\]|\b[\w.:/-]*\d[\w.:/-]*\b", " ", text)


def latin_letters(text: str) -> int:
    return sum(1 for ch in text if ch.isascii() and ch.isalpha())


# ------------------------------------------------------------------ the catalogues


def placeholders(value) -> list:
    if isinstance(value, str):
        return sorted({f[1] for f in string.Formatter().parse(value) if f[1] is not None})
    if isinstance(value, tuple):
        return [placeholders(v) for v in value]
    if isinstance(value, dict):
        return {k: placeholders(v) for k, v in value.items()}
    return type(value).__name__


@pytest.mark.parametrize("language", [x for x in LANGUAGES if x != "en"])
def test_every_catalogue_has_the_english_keys_and_placeholders(language):
    en, other = catalogue("en"), catalogue(language)
    assert sorted(other.keys()) == sorted(en.keys()), set(en.keys()) ^ set(other.keys())
    for key in en.keys():
        assert placeholders(other[key]) == placeholders(en[key]), key


def test_simplified_catalogue_has_no_traditional_only_character():
    t = catalogue("zh-Hans")
    found = {key: sorted({c for c in json.dumps(t[key], ensure_ascii=False) if c in HANT_ONLY}) for key in t.keys()}
    assert not {k: v for k, v in found.items() if v}


def test_simplified_catalogue_uses_mainland_words():
    """zh-Hans is not zh-Hant in other characters: Taiwan's words read as the mainland writes them."""
    from casekit.i18n.zh_hans import TERMS

    t = catalogue("zh-Hans")
    text = json.dumps(t.table, ensure_ascii=False)
    assert "网络" in text and "网路" not in text
    assert t["layer_phrase"]["network"] == "网络" and t["layer_phrase"]["os"] == "操作系统"
    assert "同一个命令" in t["fact.lacks"] and "超时" in t["against.timeout"] and "逾时" not in text
    mainland = "".join(TERMS.values())
    for taiwan in TERMS:  # none is left, unless it is part of a mainland word (资料 in 参考资料)
        if simplified(taiwan) not in mainland:
            assert simplified(taiwan) not in text, taiwan
    # the words of the table only: what the customer wrote keeps its words
    assert simplified("網路逾時") == "网路逾时" and catalogue("zh-Hant")["layer_phrase"]["network"] == "網路"


def test_language_codes_pick_a_catalogue():
    assert catalogue(None).language == catalogue("fr").language == "en"
    assert catalogue("zh").language == catalogue("zh-TW").language == "zh-Hant"
    assert catalogue("zh-CN").language == catalogue("zh-Hans").language == "zh-Hans"


# ------------------------------------------------------------------ a Traditional-Chinese case


def test_chinese_case_documents_are_in_chinese(zh):
    assert zh.language == "zh-Hant" and json.loads(zh.to_json())["language"] == "zh-Hant"
    docs = {"reply": render_reply(zh), "worklog": render_worklog(zh), "escalation": render_escalation(zh),
            "assessment": render_assessment(zh)}
    for name, doc in docs.items():
        mine = without_quotes("\n".join(own_lines(doc, zh)))
        assert han_count(mine) > 2 * latin_letters(mine), (name, mine[:400])
        for english in ENGLISH_FIXED:
            assert english not in doc, (name, english)
        assert "(observed)" not in doc and "（observed）" not in doc, name  # the is / is-not table's notes
    reply = docs["reply"]
    assert reply.startswith("主旨：") and "您好" in reply and "感謝" in reply
    # quoted evidence and identifiers stay as the case wrote them
    assert "subnet-0f4b2c8e1a7d93560" in reply  # the affected resource, named as the customer knows it
    assert "# 工作紀錄：EVAL-ZT01" in docs["worklog"] and "**情境（Situation）。**" in docs["escalation"]


def test_chinese_case_json_texts_casekit_writes_are_chinese(zh):
    d = zh.to_dict()
    t = catalogue("zh-Hant")
    for h in d["assessment"]["hypotheses"]:
        assert h["text"].startswith(tuple(t["side_phrase"].values()) + tuple(t["layer_phrase"].values())), h["text"]
    assert detect_language(d["next_question"]["text"]) == "zh-Hant"
    assert detect_language(d["next_question"]["why"]) == "zh-Hant"
    for m in d["missing_information"]:
        assert detect_language(m["text"]) != "en" and detect_language(m["why"]) != "en", m
    own_steps = [p for p in d["plan"] if p["kind"] in ("mitigate", "fix", "ask")]
    assert own_steps
    for p in own_steps:
        assert han_count(without_quotes(p["text"])) > 0, p["text"]
    assert d["assessment"]["summary"]["text"].startswith(("本案自身的證據", "最有可能", "沒有任何"))


def test_chinese_case_citations_are_valid(zh):
    d = zh.to_dict()
    ids = {s["id"] for s in d["sources"]}
    objs = [d["assessment"]["summary"], *d["assessment"]["hypotheses"], *d["assessment"]["findings"], *d["plan"]]
    for o in objs:
        assert o["citations"] and set(o["citations"]) <= ids, o
    for o in objs:  # every [Sn] a text names is a source
        assert set(re.findall(r"\[(S\d+)\]", o["text"])) <= ids


def test_chinese_case_drafts_deterministically(drafter, zh):
    again = drafter.draft(load_cases(ZT01)[0])
    assert again.to_json() == zh.to_json()
    assert render_reply(again) == render_reply(zh)


def test_a_chinese_answer_to_a_chinese_question_is_read(tmp_path):
    from types import SimpleNamespace

    from casekit.evidence.context import read
    from casekit.reasoning.questions import answered

    t = catalogue("zh-Hant")
    text = ZT01.read_text(encoding="utf-8") + (
        f"\n## 紀錄\n- 2026-04-10 19:00 +08:00 [reported] 沒有，那一小時沒有變更 (answers: {t['q.change']})\n")
    case = load_text(tmp_path, "EVAL-ZT01.md", text)
    got = answered(read(case))
    assert case.log and case.log[0].answers
    assert [(q, yes) for _, q, _, yes in got] == [(t["q.change"], False)]
    keeps = got[0][2]  # 'yes, something changed' keeps the customer's side, not the provider's
    assert keeps(SimpleNamespace(layer="network", side="customer")) and not keeps(SimpleNamespace(layer="provider", side="provider"))


# ------------------------------------------------------------------ a Simplified-Chinese case


def test_simplified_case_gets_simplified_documents(zh_hans):
    assert zh_hans.language == "zh-Hans"
    for doc in (render_reply(zh_hans), render_worklog(zh_hans), render_escalation(zh_hans)):
        mine = "\n".join(own_lines(doc, zh_hans))
        assert not {c for c in mine if c in HANT_ONLY}, mine[:400]
        assert han_count(without_quotes(mine)) > 2 * latin_letters(without_quotes(mine))
    assert render_reply(zh_hans).startswith("主题：") and "感谢" in render_reply(zh_hans)  # mainland words (text.zh_hans)
    # a hypothesis quotes its past case's root cause as written (a Traditional-Chinese past case stays Traditional)
    own = [re.split(r"与 \S+ 的模式相同：", h.text)[0] for h in zh_hans.hypotheses]
    texts = [zh_hans.next_question["text"], zh_hans.next_question["why"], *own,
             *(m[k] for m in zh_hans.missing_information for k in ("text", "why"))]
    assert not {c for t in texts for c in without_quotes(t) if c in HANT_ONLY}


# ------------------------------------------------------------------ English cases are unchanged


def test_english_case_keeps_english_documents(en):
    d = en
    assert d.language == "en" and d.to_dict()["language"] == "en"
    reply = render_reply(d)
    assert reply.splitlines()[2] == "Hello," and "Thank you for the details." in reply and reply.endswith("Best regards,\n")
    assert han_count(render_worklog(d)) == 0 and han_count(render_escalation(d)) == 0


def test_a_contradiction_says_why_in_the_case_language(zh, en):
    """The reason a line rules a hypothesis out (cues.CONTRADICTIONS) is casekit's own sentence:
    Chinese in a Chinese draft, the same English as before in an English one."""
    zh_why = [a["why"] for h in zh.hypotheses for a in h.evidence_against]
    assert catalogue("zh-Hant")["against.timeout"] in zh_why
    for why in zh_why:
        assert han_count(why) > latin_letters(without_quotes(why)), why
    assert "逾時表示沒有收到任何回應" in render_assessment(zh) and "a timeout means" not in zh.to_json()
    en_why = [a["why"] for h in en.hypotheses for a in h.evidence_against]
    assert "a timeout means no answer came back; an authorization failure answers at once (AccessDenied, 403)" in en_why


def english_fact_words() -> set[str]:
    """The words of casekit's English computed facts (catalogue keys fact.*), outside placeholders and quotes."""
    en, words = catalogue("en"), set()
    for key in (k for k in en.keys() if k.startswith("fact.")):
        for text in en[key].values() if isinstance(en[key], dict) else [en[key]]:
            words |= set(re.findall(r"[A-Za-z]{2,}", re.sub(r"\{\w+\}|`[^`]*`", " ", text)))
    return words


def facts_written(d) -> list[str]:
    """Every place a draft writes a computed fact: the JSON's details, the sources' titles, the plan."""
    j = d.to_dict()
    out = [e["detail"] for e in j["evidence"] if e.get("detail")]
    out += [r["detail"] for r in j["is_is_not"]["differences"]]
    out += [e["detail"] for h in j["assessment"]["hypotheses"] for e in h["evidence_for"] if e.get("detail")]
    out += [s["title"].partition(": ")[2] for s in j["sources"] if s["kind"] == "sign" and ": " in s["title"]]
    return out + [p["text"] for p in j["plan"] if p["kind"] == "fix"]


@pytest.fixture(scope="module")
def zh_quota(drafter):
    """EVAL-ZT03 (Simplified): 400 vCPU running against the Fargate vCPU quota of 400, which
    the quota query prints without its unit; computed."""
    return drafter.draft(load_cases(ZT03)[0])


def test_a_computed_fact_reads_in_the_case_language(zh, zh_quota, en):
    """Usage against a limit and the difference of two outputs are casekit's own sentences:
    Chinese wherever a Chinese draft writes them (quoted lines and identifiers as written),
    while the reasoning reads the same English fact as before."""
    assert zh_quota.language == "zh-Hans"
    limit = [e for e in zh_quota.evidence if e.kind == "limit" and e.fact]
    assert limit and limit[0].detail == "usage 400 vcpus against a quota of 400 vcpus (100%), line 17"  # what cues read
    assert limit[0].detail_in(catalogue("zh-Hans")) == "用量 400 vCPU，对照第 17 行的配额 400 vCPU（100%）"
    english = english_fact_words()
    for d in (zh, zh_quota):
        written = facts_written(d)
        assert any(e.fact for e in d.evidence) and written
        for text in written:
            bare = without_quotes(text)
            assert not set(re.findall(r"[A-Za-z]{2,}", bare)) & english, text
            assert han_count(bare) > latin_letters(bare), text
        docs = render_assessment(d) + render_worklog(d) + render_escalation(d) + render_reply(d)
        for e in d.evidence:
            if e.fact:
                assert inline(e.detail) not in docs, e.detail
    assert not {c for t in facts_written(zh_quota) for c in without_quotes(t) if c in HANT_ONLY}
    assert "用量 400 vCPU，对照第 17 行的配额 400 vCPU（100%）" in render_assessment(zh_quota)
    # an English draft writes the English fact, as before
    assert [e["detail"] for e in en.to_dict()["evidence"] if "detail" in e] == [e.detail for e in en.evidence if e.fact]
    assert any(" lacks `" in e.detail for e in en.evidence)


# ------------------------------------------------------------------ the verifier


def test_verifier_rejects_english_prose_for_a_chinese_case(zh):
    h = zh.hypotheses[0]
    by_id = {s.id: s.text for s in zh.sources}
    cited = [by_id[c] for c in h.citations]
    english = ("A customer-side network problem: the new subnet-0f4b2c8e1a7d93560 has only the local route, "
               "so tasks cannot reach the registry.")
    ok, why = supported(english, cited, basis=h.text, language="zh-Hant")
    assert not ok and "English" in why
    # the deterministic Chinese statement is in the case's language; Simplified prose is not zh-Hant's script
    assert wrong_language(h.text, "zh-Hant") is None
    assert wrong_language(simplified("本案自身的證據確認了主要假設：客戶端的網路問題，路由表沒有預設路由。"), "zh-Hant")
    assert wrong_language("客戶端的網路問題：新子網路的路由表只有 local 路由，沒有 0.0.0.0/0。", "en")
    assert wrong_language(english, "en") is None and wrong_language(english, None) is None


# ------------------------------------------------------------------ the notebook form


def test_form_headings_follow_the_case_language(index_dir):
    pytest.importorskip("ipywidgets")
    from casekit.widgets import SoapApp

    blank = SoapApp(index_dir=index_dir)
    assert "Subjective 主觀" in blank.headings["form.subjective"].value
    app = SoapApp(index_dir=index_dir, case=ZT01)
    assert app.language == "zh-Hant" and "主觀" in app.headings["form.subjective"].value
    assert "Subjective" not in app.headings["form.subjective"].value


def test_form_labels_buttons_and_status_lines_follow_the_case_language(index_dir):
    """Every field label, button and placeholder in words is the catalogue's: Chinese for a
    Chinese case; before a case is loaded, the case-file row says the Chinese too."""
    pytest.importorskip("ipywidgets")
    from casekit.widgets import SoapApp

    blank = SoapApp(index_dir=index_dir)
    assert blank.b_load.description == "Load 載入" and blank.path.description == "Case file 案件檔案"
    assert blank.title.description == "Title" and blank.b_draft.description == "Draft assessment"
    app = SoapApp(index_dir=index_dir, case=ZT01)
    t = catalogue("zh-Hant")
    for name in t["form.label"]:
        label = getattr(app, name).description
        assert han_count(label) and not re.search(r"[A-Za-z]", label), (name, label)
    for name in t["form.placeholder"]:
        text = without_quotes(getattr(app, name).placeholder)
        assert han_count(text) > latin_letters(text), (name, text)
    for html in (app.source_view.value, app.log_view.value, app.signs_view.value):
        assert han_count(re.sub(r"<code>.*?</code>", "", html)) and "sign</th>" not in html, html[:200]
    app._guard(app.export)  # no draft yet: the status line says so in the case's language
    assert "casekit-error" in app.message.value and t["form.draft_first"] in app.message.value
    hans = SoapApp(index_dir=index_dir, case=ZT03)
    assert hans.language == "zh-Hans" and hans.b_load.description == "加载" and hans.path.description == "案件文件"

"""Documents a person would send: every labelled case (tuning, held-out and the blind rounds, in
both languages) is drafted with the real index and models, and its four documents are read the
way the engineer who sends them would: no raw JSON fragments or unbalanced brackets in what
casekit writes, no past case's results in a plan step, no empty heading, and no English word
of casekit's own in a Chinese document."""
from __future__ import annotations

import re

import pytest

from casekit.case import load_cases
from casekit.documents.render import render_assessment, render_escalation, render_reply, render_worklog
from casekit.evaluate import labelled_cases
from conftest import ROOT

CODE = re.compile(r"`[^`\n]*`")
# what casekit writes in English when it names its own things: layers, sides, statuses, kinds of
# evidence and of sources, line references
OWN_WORDS = re.compile(
    r"\b(?:network|os|container|storage|application|capacity|provider|customer|third-party|confirmed|supported|"
    r"contradicted|unjudged|unclear|absence|limit|comparison|configuration|timeline|error|change|state|observed|"
    r"reported|inferred|sign|case|doc|Objective|Subjective|line)\b")
JSON_FRAGMENT = re.compile(r'"[A-Za-z_][\w.-]*"\s*:|[\[{]\s*"[A-Za-z_]|"\s*[\]}]|^\s*[\]}]|[\[{]\s*$')
PAST_RESULT = re.compile(r"(?i)\bresult:|\bas expected\b|\bfrom CASE-\d+|adapt to this case|結果：|如預期|如预期")
PAIRS = {")": "(", "]": "[", "}": "{", "）": "（", "」": "「", "】": "【"}


def prose(line: str) -> str:
    """A line as casekit wrote it: without the quotes of the case's own lines (code spans),
    links, cited source ids and the table pipes."""
    text = CODE.sub(" ", line)
    if re.match(r"^\[\d+\] ", text):  # a source: its id, where it is and what kind, then a quote of it
        text = re.split(r"(?<=[)）])[:：] ?", text, maxsplit=1)[0]
    return text


def unquoted(text: str) -> str:
    """casekit's own words only: without the quotes of the case or of a source, and without the
    names of the corpus's documents."""
    for _ in range(3):  # quotes inside quotes, innermost first
        text = re.sub(r'"[^"]*(?:"|$)|「[^「」]*(?:」|$)|“[^“”]*(?:”|$)', " ", text)
    text = re.sub(r"\S+\.md(?: › [^(（，]*)?", " ", text)
    text = re.sub(r"\]\([^)]*\)", "]", text)  # markdown links keep their text
    text = re.sub(r"\[S?\d+\]|\[x\]|\[ \]", " ", text)  # [S3] citations, [3] source numbers, checkboxes
    return text.replace("|", " ")


def balanced(text: str) -> bool:
    stack = []
    for ch in text:
        if ch in "([{（「【":
            stack.append(ch)
        elif ch in PAIRS:
            if not stack or stack.pop() != PAIRS[ch]:
                return False
    return not stack


def empty_headings(doc: str) -> list[str]:
    lines = [ln for ln in doc.splitlines()]
    out = []
    for i, ln in enumerate(lines):
        head = ln.startswith("#") or re.fullmatch(r"\*\*[^*]+[:：]\*\*|[A-Z][\w /]+:|[^\s#]{1,12}[:：]", ln.strip())
        if not head:
            continue
        rest = next((x for x in lines[i + 1:] if x.strip()), None)
        level = len(ln) - len(ln.lstrip("#"))
        deeper = rest is not None and level and rest.startswith("#" * (level + 1))  # a section opening with its first subsection
        if rest is None or (rest.startswith("#") and not deeper) or rest.strip() == "---":
            out.append(ln)
    return out


def problems(doc: str, chinese: bool, plan: list[str]) -> list[str]:
    out = []
    for ln in doc.splitlines():
        if ln.startswith(">") or ln.startswith("|---"):
            continue  # a quote of what the customer wrote; a table rule
        text = prose(ln)
        if JSON_FRAGMENT.search(text):
            out.append(f"raw JSON fragment: {ln[:120]}")
        text = unquoted(text)
        if not balanced(text):
            out.append(f"unbalanced bracket: {ln[:120]}")
        if chinese:
            words = [w for w in OWN_WORDS.findall(text)]
            if words:
                out.append(f"English word {words[0]!r} in a Chinese document: {ln[:120]}")
    out += [f"past case's result in a plan step: {p[:120]}" for p in plan if PAST_RESULT.search(p)]
    out += [f"empty heading: {h}" for h in empty_headings(doc)]
    return out


def test_the_checks_find_what_they_look_for():
    """The reader is not blind: each kind of fault, written on purpose, is found."""
    assert problems('The table lacks { "DestinationCidrBlock": "0.0.0.0/0" } that the old one has', False, [])
    assert problems("the old subnets' table also sends 0.0.0.0/0 ]", False, [])
    assert problems("## Open questions\n\n## Plan\n\n1. Roll back", False, [])
    assert problems("1. ok", False, ["From CASE-0023: Start one task. Result: new error, as expected."])
    assert problems("問題指向 network 這一層", True, [])
    assert not problems("問題指向 `network` 這一層（見 [S2]）", True, [])
    assert not problems("The route table of `subnet-0c4e` has only the local route [S3].\n\n## Plan\n\n1. Add the route",
                        False, ["Add the route"])


@pytest.mark.slow
def test_every_labelled_case_drafts_documents_one_could_send(drafter):
    labels = labelled_cases(ROOT, "all")
    assert len(labels) > 150
    found: dict[str, list[str]] = {}
    for lab in labels:
        case = load_cases(lab["path"])[0]
        d = drafter.draft(case)
        chinese = (d.language or "en").startswith("zh")
        plan = [p["text"] for p in d.plan]
        for render in (render_assessment, render_worklog, render_escalation, render_reply):
            for p in problems(render(d), chinese, plan):
                found.setdefault(p, []).append(f"{lab['id']}:{render.__name__}")
    report = "\n".join(f"{len(v)}x {k} ({', '.join(sorted(set(v))[:3])})" for k, v in
                       sorted(found.items(), key=lambda kv: -len(kv[1])))
    english = [k for k in found if k.startswith("English word")]
    assert len(found) == len(english), f"{len(found) - len(english)} problems:\n{report[:6000]}"
    # A ratchet, not a pass: 20 lines of 243 cases' documents (2 of them customer titles) still
    # carry an English word of casekit's vocabulary where a quoted line holds backticks of its
    # own. Lower the bound as they are fixed; never raise it.
    assert len(english) <= 20, f"{len(english)} lines with English words:\n{report[:6000]}"

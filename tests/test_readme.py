"""The README is the front door: at most 10,000 characters, and its sample draft excerpt is
what the current code drafts (after `make demo`'s index of ./corpus), not a memory of an older
version. Regenerate the excerpt with `CASEKIT_UPDATE_README=1 pytest tests/test_readme.py`."""
from __future__ import annotations

import os

import pytest

from casekit.case import load_cases
from casekit.documents.render import render_assessment
from conftest import CORPUS, INBOX, ROOT

START, END = "<!-- sample: NEW-0001 (generated; tests/test_readme.py) -->", "<!-- /sample -->"


@pytest.fixture(scope="module")
def demo_drafter(tmp_path_factory):
    from casekit.draft import Drafter
    from casekit.retrieval import build_index

    d = tmp_path_factory.mktemp("demo-index")
    build_index([CORPUS], d, progress=False)
    return Drafter(d)


def sample(drafter) -> str:
    """The assessment's opening paragraph and the first two steps of the plan."""
    md = render_assessment(drafter.draft(load_cases(INBOX / "NEW-0001.md")[0]))
    assessment = md[md.index("## Assessment"):].split("\n\n")[:2]
    plan = md[md.index("## Plan"):].split("\n")
    steps = [line for line in plan if line[:3] in ("1. ", "2. ")]
    return "\n\n".join(assessment + ["## Plan", "\n".join(steps)])


def test_readme_sample_draft_is_current(demo_drafter):
    readme = ROOT / "README.md"
    text = readme.read_text(encoding="utf-8")
    assert START in text and END in text
    head, rest = text.split(START, 1)
    block, tail = rest.split(END, 1)
    want = "\n\n```markdown\n" + sample(demo_drafter) + "\n```\n\n"
    if os.environ.get("CASEKIT_UPDATE_README"):
        readme.write_text(head + START + want + END + tail, encoding="utf-8")
        block = want
    assert block == want, "README sample is stale: CASEKIT_UPDATE_README=1 pytest tests/test_readme.py"


def test_readme_is_a_short_front_door():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(text) <= 10_000, f"README.md has {len(text)} characters; the manual belongs in docs/"
    for link in ("docs/cli.md", "docs/cases.md", "docs/draft-format.md", "docs/reasoning.md", "docs/architecture.md",
                 "docs/figures.md", "models/README.md"):
        assert link in text and (ROOT / link).is_file(), link

"""The labelled evaluation cases (eval/cases): labels.jsonl against the case files, with no
model and no index. Every case file has one label, every label names a file in its split's
folder, and every decisive string occurs in exactly one line of that case's Objective
section. The count table of eval/cases/README.md matches the labels."""
from __future__ import annotations

import json
import re
from collections import Counter

import pytest

from conftest import ROOT

CASES = ROOT / "eval" / "cases"
SPLITS = sorted(p.name for p in CASES.iterdir() if p.is_dir())
LAYERS = ("network", "os", "container", "storage", "application", "capacity", "provider")
REPEATS = ("blind2", "threads-b")  # labelled as written by their authors: a decisive line may repeat
KINDS = ("state", "configuration", "absence", "comparison", "timeline", "limit", "error", "change")
OBJECTIVE = re.compile(r"^##\s*(objective|客觀|客观)\s*$", re.I)
# Labels written before this check whose decisive string sits in two equivalent lines (two
# logrotate "skipping" lines). Left as labelled: narrowing it would change how that held-out
# case is scored.
TWO_LINES = {("EVAL-ZH03", "because parent directory has insecure permissions")}


def labels() -> list[dict]:
    return [json.loads(line) for line in (CASES / "labels.jsonl").read_text(encoding="utf-8").splitlines()]


def objective_lines(text: str) -> list[str]:
    out, inside = [], False
    for line in text.split("---", 2)[2].splitlines():
        if line.startswith("## "):
            inside = bool(OBJECTIVE.match(line.strip()))
        elif inside:
            out.append(line)
    return out


def test_every_case_file_has_exactly_one_label_in_its_own_split():
    labs = labels()
    ids = Counter(lab["id"] for lab in labs)
    assert not [i for i, n in ids.items() if n > 1]
    files = {(p.parent.name, p.stem) for split in SPLITS for p in (CASES / split).glob("*.md")}
    assert files == {(lab["split"], lab["id"]) for lab in labs}


@pytest.mark.parametrize("lab", labels(), ids=lambda lab: lab["id"])
def test_label_fields_and_decisive_lines(lab):
    text = (CASES / lab["split"] / f"{lab['id']}.md").read_text(encoding="utf-8")
    front = text.split("---", 2)[1]
    assert re.search(rf"^id:\s*{re.escape(lab['id'])}\s*$", front, re.M)
    assert not re.search(r"^(layer|side|root_cause|tags):", front, re.M), "an inbox case carries no answer"
    if lab["topic"] == "off":
        assert (lab["layer"], lab["side"], lab["decisive"]) == ("unknown", "unknown", [])
        return
    assert lab["topic"] == "on" and lab["layer"] in LAYERS
    assert lab["side"] in ("customer", "provider", "third-party")
    assert lab["decisive_kind"] in KINDS and lab["note"].strip()
    if "change" in lab and lab["change"]:  # the change before the onset, where a round labels it
        body = text.split("---", 2)[2].splitlines()  # the customer may be the one who names it
        seen = sum(lab["change"] in line for line in text.splitlines() if lab["split"] in REPEATS) or \
            sum(lab["change"] in line for line in body) == 1
        assert seen and lab["change_causal"] in (True, False)
    assert set(lab["also_acceptable_layers"]) <= set(LAYERS) and lab["layer"] not in lab["also_acceptable_layers"]
    lines = objective_lines(text)
    assert lines, "no Objective section"
    assert 1 <= len(lab["decisive"]) <= 3
    for d in lab["decisive"]:
        want = 2 if (lab["id"], d) in TWO_LINES else 1
        found = sum(d in line for line in lines)  # the blind rounds' authors may quote a line that repeats
        assert found == want or lab["split"] in REPEATS and found >= 1, f"{d!r} is not in exactly one Objective line"


def test_readme_count_table_matches_the_labels():
    rows = {}
    for line in (CASES / "README.md").read_text(encoding="utf-8").splitlines():
        m = re.match(r"^\|\s*([\w-]+)\s*\|((?:\s*\d+\s*\|){7}\s*\d+\s*)\|\s*$", line)
        if m:
            rows[m.group(1)] = [int(x) for x in m.group(2).split("|")]
    want = {}
    for split in SPLITS:
        c = Counter(lab["layer"] if lab["topic"] == "on" else "off" for lab in labels() if lab["split"] == split)
        want[split] = [c[layer] for layer in LAYERS] + [c["off"]]
    assert rows == want

"""Ingestion: RFC plain text by section, Markdown by heading, and the importer on real post-mortems."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from casekit.case import parse_path
from casekit.retrieval.ingest import CorpusFile, discover, read_chunks
from casekit.retrieval.ingest.importer import import_file
from casekit.retrieval.ingest.rfc import clean, looks_like_rfc, sections
from conftest import CORPUS, need_shared, run_cli

RFC_FILES = ["rfc791.txt", "rfc1035.txt", "rfc2818.txt", "rfc3986.txt", "rfc5246.txt", "rfc5681.txt", "rfc7230.txt",
             "rfc7231.txt", "rfc7232.txt", "rfc7234.txt", "rfc7235.txt", "rfc7540.txt", "rfc8446.txt", "rfc9293.txt"]


@pytest.mark.parametrize("name", RFC_FILES)
def test_every_rfc_parses_into_numbered_sections(name):
    path = need_shared("rfc") / name
    text = path.read_text(encoding="utf-8")
    number = looks_like_rfc(text, name)
    assert number == int(name[3:-4])
    secs = sections(text)
    nums = [n for n, _, _ in secs if n]
    # every numbered heading of the body that a human sees is found (TOC lines excluded)
    body_headings = {m.group(1) for m in re.finditer(r"^(\d+(?:\.\d+)*)\.?\s{1,4}[A-Z][^.\n]*$", text, re.M)}
    assert body_headings <= set(nums), sorted(body_headings - set(nums))[:5]
    assert len(nums) == len(set(nums)), "a section was found twice (the table of contents is not a source)"
    chunks = read_chunks(CorpusFile(path, name))
    assert chunks and all(c.ref.startswith(f"RFC {number} ") for c in chunks)
    for c in chunks:
        assert "\f" not in c.text and not re.search(r"\[Page [0-9ivx]+\]", c.text)
        assert not re.search(rf"^RFC {number}\s{{2,}}", c.text, re.M), "page header left in a chunk"
        assert "....." not in c.text or c.meta["section"] not in ("", "1")


def test_rfc_7231_504_section_is_cited_as_spec_says():
    path = need_shared("rfc") / "rfc7231.txt"
    chunks = read_chunks(CorpusFile(path, path.name))
    (c,) = [c for c in chunks if c.meta["section"] == "6.6.5"]
    assert c.ref == "RFC 7231 §6.6.5 504 Gateway Timeout"
    assert c.text.startswith("The 504 (Gateway Timeout) status code indicates")
    assert c.title == "Hypertext Transfer Protocol (HTTP/1.1): Semantics and Content"


def test_rfc_791_centred_headings_and_page_headers():
    text = (need_shared("rfc") / "rfc791.txt").read_text()
    lines = clean(text)
    assert sum(l.strip() == "September 1981" for l in lines) == 1  # the cover page keeps its date; page headers go
    assert text.count("September 1981") > 40
    titles = {n: t for n, t, _ in sections(text)}
    assert titles["1"] == "INTRODUCTION" and titles["3.1"] == "Internet Header Format"


def test_long_sections_are_split_with_overlap():
    path = need_shared("rfc") / "rfc8446.txt"
    chunks = read_chunks(CorpusFile(path, path.name))
    by_section: dict[str, list] = {}
    for c in chunks:
        by_section.setdefault(c.meta["section"], []).append(c)
    long = [cs for cs in by_section.values() if len(cs) > 2]
    assert long
    a, b = long[0][0].text.split("\n"), long[0][1].text.split("\n")
    assert a[-1] in b[:8]  # the next piece starts with the end of the previous one
    assert all(len(c.text.split()) <= 200 for c in chunks)


def test_markdown_documents_are_chunked_by_heading():
    src = next(s for s in discover([CORPUS]) if s.rel == "docs/load-balancer-5xx-triage.md")
    chunks = read_chunks(src)
    assert len(chunks) >= 4
    assert all(c.ref.startswith("docs/load-balancer-5xx-triage.md › ") and c.kind == "doc" for c in chunks)
    assert len({c.id for c in chunks}) == len(chunks)


def test_discover_refuses_symlinks_out_of_the_corpus(tmp_path):
    (tmp_path / "corpus").mkdir()
    (tmp_path / "secret.md").write_text("# secret\n\nnot for the index\n")
    (tmp_path / "corpus" / "link.md").symlink_to(tmp_path / "secret.md")
    (tmp_path / "corpus" / "ok.md").write_text("# ok\n\n## a\ntext\n")
    problems = []
    found = discover([tmp_path / "corpus"], on_error=problems.append)
    assert [s.rel for s in found] == ["ok.md"]
    assert "symlink points outside" in str(problems[0])


POSTMORTEM_MAP = ("id=*,title=title,opened=time,service=service_name,subjective=summary+impact symptom,objective=details,"
                  "root_cause=root cause.details,assessment=root cause.label,plan=mitigation.troubleshooting,"
                  "resolution=mitigation.details+mitigation.label")


def test_importer_on_all_356_real_postmortems(tmp_path):
    folder = need_shared("postmortems")
    out = tmp_path / "imported"
    total, notes = 0, []
    for f in sorted(folder.glob("*.json")):
        n, problems = import_file(f, out, mapping=POSTMORTEM_MAP, defaults={"side": "provider"})
        total += n
        notes += problems
    assert total == 356
    # the dataset holds one id twice (in two files): both are kept, and it is reported
    assert [p.message for p in notes] == ["record azure-20180904-1: id 'azure-20180904-1' is already taken; written as 'azure-20180904-1-2'"]
    files = sorted(out.glob("*.md"))
    assert len(files) == 356
    case = parse_path(out / "google-GCE-15055.md")[0][0]
    assert case.opened_utc == "2015-08-04T00:00:00Z" and case.side == "provider"
    assert case.section("Plan").startswith("1. trigger immediate alerts")
    assert "software deployment" in case.root_cause
    for f in files:
        cases, problems = parse_path(f)
        assert not problems and cases[0].title
    again, notes2 = import_file(folder / "anomaly_collection_Google_GCE.json", out, mapping=POSTMORTEM_MAP,
                                defaults={"side": "provider"})
    assert len(list(out.glob("*.md"))) == 356 and not notes2  # rerunning is idempotent


def test_import_cli_bad_map_and_bad_file(tmp_path):
    bad = tmp_path / "x.json"
    bad.write_text("{not json")
    r = run_cli("import", bad, "--out", tmp_path / "o", "--map", "id=id,title=title")
    assert r.returncode == 2 and r.stderr.strip() == f"{bad}:1: broken JSON: Expecting property name enclosed in double quotes"
    r = run_cli("import", bad, "--out", tmp_path / "o", "--map", "colour=x")
    assert r.returncode == 2 and "unknown field 'colour'" in r.stderr and "Traceback" not in r.stderr


def test_case_chunks_carry_plan_and_resolution_steps_as_data():
    from casekit.case import Case
    from casekit.retrieval.ingest.cases import case_chunks
    from casekit.text.redact import redact

    src = next(s for s in discover([CORPUS]) if s.rel == "cases/CASE-0014.md")
    chunks = read_chunks(src)
    meta = chunks[0].meta
    assert all(c.meta["plan_steps"] == meta["plan_steps"] for c in chunks)  # every view carries them
    assert len(meta["plan_steps"]) == 5
    assert meta["plan_steps"][1] == ("Lower `nf_conntrack_tcp_timeout_established` to 3600 (MQTT keepalive is 60 s, "
                                     "so live entries refresh).")
    assert meta["resolution_steps"] == []  # CASE-0014's Resolution is prose

    case = Case(id="C-1", title="t", sections={
        "Plan": "Check this first:\n- ok\n*   restart    it   now\n",
        "Resolution": "Fixed by:\n1) Raised nofile to 65536 for the service\n2. Redeployed with password=Hunter2Secret9\n"})
    meta = case_chunks(case, redact=redact)[0].meta
    # no Plan steps (too short, or not a step): the Resolution's, whitespace-normalised, secrets masked
    assert meta["plan_steps"] == meta["resolution_steps"]
    assert meta["resolution_steps"][0] == "Raised nofile to 65536 for the service"
    assert "Hunter2Secret9" not in json.dumps(meta) and "[REDACTED" in meta["resolution_steps"][1]
    case.sections["Plan"] = "1. restart   the proxy on every node\n- ok"
    assert case_chunks(case)[0].meta["plan_steps"] == ["restart the proxy on every node"]


def test_corpus_front_matter_has_one_rule(tmp_path):
    """A Markdown file is a case when its front matter names an id; a document's front
    matter is dropped; both by casekit.case.frontmatter."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "guide.md").write_text("---\ntitle: A guide\n...\n# Guide\n\n## Step\nDo the thing with care.\n")
    (docs / "case.md").write_text("---\r\nid: C-9\r\ntitle: t\r\n---\r\n## Subjective\r\nhi\r\n")
    (docs / "unclosed.md").write_text("---\nid: C-10\ntitle: t\n## Subjective\nhi\n")
    problems: list = []
    by_name = {}
    for s in discover([docs]):
        try:
            by_name[s.path.name] = read_chunks(s)
        except Exception as e:  # noqa: BLE001 - the test names what it expects below
            problems.append(e)
    assert [c.kind for c in by_name["guide.md"]] == ["doc"] and "title:" not in by_name["guide.md"][0].text
    assert {c.kind for c in by_name["case.md"]} == {"case"}
    assert [str(p) for p in problems] == [f"{docs / 'unclosed.md'}:1: front matter is not closed by a '---' line"]


def test_import_cli_set_applies_to_every_case(tmp_path):
    export = tmp_path / "x.json"
    export.write_text(json.dumps([{"id": "T-1", "title": "one"}, {"id": "T-2", "title": "two"}]))
    r = run_cli("import", export, "--out", tmp_path / "o", "--set", "industry=SaaS", "--set", "side = provider")
    assert r.returncode == 0, r.stderr
    for cid in ("T-1", "T-2"):
        case = parse_path(tmp_path / "o" / f"{cid}.md")[0][0]
        assert case.industry == "saas" and case.side == "provider"

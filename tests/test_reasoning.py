"""Reasoning on this case's evidence (not on past cases): evidence of every kind, the
is / is-not table and timeline, hypotheses judged by the case's lines, a plan and
documents that carry this customer's identifiers only.

The labelled sets: examples/expected.jsonl and eval/cases/tune (the tuning split) and
eval/cases/heldout (never tuned on). Each label names the decisive line of the case.
"""
from __future__ import annotations

import re

import pytest

from casekit.case import load_cases
from casekit.i18n import catalogue
from casekit.evidence import extract, is_is_not, reported, reported_start, timeline
from casekit.text.identifiers import find, foreign, own, scrub
from casekit.prose import supported
from casekit.evaluate import evaluate_drafts, labelled_cases
from casekit.documents.render import render_escalation, render_reply, render_worklog
from conftest import INBOX, ROOT

def new_0001():
    return load_cases(INBOX / "NEW-0001.md")[0]


# --------------------------------------------------------------------------- evidence (pure)


def test_evidence_of_new_0001_reads_state_absence_comparison_and_change():
    c = new_0001()
    ev = extract(c.objective, tz=c.timezone, year=2026, affected=set(c.resources))
    kinds = {e.kind for e in ev}
    assert {"change", "comparison", "error"} <= kinds
    diff = [e for e in ev if e.origin == "inferred" and "0.0.0.0/0" in e.detail]
    assert diff, [e.detail for e in ev if e.detail]
    # the affected subnet (in the case's resources) is the one that lacks the default route
    assert diff[0].detail.startswith("subnet-0c4e81f2a9d3b7065 lacks")
    assert "subnet-0a77d2c1b9e04f385 has" in diff[0].detail
    # every evidence line is verbatim text of the case
    for e in ev:
        assert e.text in c.objective


def test_timeline_finds_the_change_before_the_onset():
    c = new_0001()
    ev = extract(c.objective, tz=c.timezone, year=2026, affected=set(c.resources))
    phrase, utc = reported_start(c.symptoms, c.opened, c.timezone)
    assert phrase == "about 13:30 Taipei time" and utc == "2026-03-02T05:30:00Z"
    tl = timeline(ev, utc)
    assert tl.change and tl.change["utc"] == "2026-03-02T05:18:00Z" and "Terraform apply" in tl.change["text"]
    assert tl.change["minutes_before"] is not None and 0 < tl.change["minutes_before"] <= 20
    table = is_is_not(ev, reported(c.symptoms), tl, catalogue("en"))
    assert any("old subnets" in r["text"] for r in table["is_not"])
    assert any("0.0.0.0/0" in (r["detail"] or "") for r in table["differences"])


def test_no_throttling_rules_out_capacity_and_the_same_change_working_elsewhere_rules_out_the_change():
    from casekit.reasoning.hypotheses import _applies
    from casekit.rules import knowledge

    def rule(why):
        r = next(r for r in knowledge().of("contradiction") if r.why == why)
        return r.rx, lambda layer, side, lead: _applies(r, layer, side, lead)

    rx, applies = rule("against.no_throttling")
    for line in ("Lambda Throttles 為 0，Duration p99 從 180 ms 升到 9.4 s", "ThrottledRequests: 0", "no throttling on the table"):
        assert rx.search(line), line
    assert not rx.search("ThrottledRequests: 0.5k per minute") and not rx.search("Throttles 為 120")
    assert applies("capacity", "customer", "") and not applies("network", "customer", "")
    rx, applies = rule("against.same_change_fine")
    assert rx.search("同一份 IAM 變更在 07:35 也套用到 us-west-2 的同一套堆疊，那邊的打卡從早上到現在都正常")
    assert rx.search("The same config change was rolled out to eu-west-1, which works normally")
    assert not rx.search("同一份 IAM 變更在 07:35 也套用到 us-west-2，那邊也一直失敗")
    assert applies("application", "customer", "") and not applies("provider", "provider", "")


def test_a_cloudtrail_call_that_changes_something_is_the_change_before_the_onset():
    lines = ["- CloudTrail：`2026-05-21T07:58:14Z AssociateDhcpOptions dhcpOptionsId=dopt-1 userName=netops`",
             "- CloudTrail：`2026-05-21T07:59:02Z DescribeInstances userName=monitor`"]
    ev = extract("\n".join(lines), year=2026)
    tl = timeline(ev, "2026-05-21T08:05:00Z")
    assert tl.change and "AssociateDhcpOptions" in tl.change["text"] and tl.change["minutes_before"] == 7
    assert not timeline(extract(lines[1], year=2026), "2026-05-21T08:05:00Z").change  # a read changes nothing


def test_limits_against_usage_and_timeouts_on_both_sides():
    text = "\n".join([
        "resources.limits.memory: 512Mi",
        "container_memory_working_set_bytes climbs to 509Mi before each restart",
        "ALB attribute `idle_timeout.timeout_seconds` = 60",
        "(Node default `server.keepAliveTimeout` = 5000 ms)",
    ])
    ev = extract(text)
    limit = [e for e in ev if e.kind == "limit" and e.origin == "inferred"]
    assert limit and "509" in limit[0].text and "512" in limit[0].detail
    both = [e for e in ev if e.origin == "inferred" and "timeouts" in e.detail]
    assert both and "keepAliveTimeout" in both[0].text and "5 s here against 60 s" in both[0].detail


def test_kubernetes_millicores_are_cpu_and_docker_m_is_memory():
    text = "\n".join([
        '{"limits":{"cpu":"500m","memory":"512Mi"},"requests":{"cpu":"250m","memory":"256Mi"}}',
        "pricing-api-7c5d8f9b6-2xkqz   498m         203Mi",
        "memory limit: 512m",
        "docker stats: 505m used",
    ])
    limit = [(e.line, e.detail) for e in extract(text) if e.kind == "limit" and e.origin == "inferred"]
    assert (2, "usage 498 millicores against a limit of 500 millicores (100%), line 1") in limit
    assert (4, "usage 505 mib against a limit of 512 mib (99%), line 3") in limit
    assert not [d for _, d in limit if "512 mib (" in d and "millicores" in d]


def test_a_service_quota_printed_without_unit_is_a_limit_the_usage_reaches():
    # the query prints the quota's name and a bare number; the vCPUs come from the name
    text = "\n".join([
        "```",
        "$ aws service-quotas get-service-quota --service-code ec2 --quota-code L-1216C47A --query 'Quota.[QuotaName,Value]'",
        '[ "Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances", 256.0 ]',
        "```",
        "- 執行中：31 台 c6i.2xlarge（248 vCPU）加 1 台 bastion。",
        "- CPU 使用率 35%，記憶體 2 GiB。",
    ])
    limit = [e for e in extract(text) if e.kind == "limit" and e.origin == "inferred"]
    assert [e.line for e in limit] == [5]
    assert "248 vcpus against a quota of 256 vcpus (97%)" in limit[0].detail
    assert not [e for e in extract(text.replace("service-quotas get-service-quota", "ec2 describe-instances"))
                if e.kind == "limit" and e.origin == "inferred"]


def test_absence_lines_are_evidence_and_a_bare_result_keeps_its_command():
    text = "```\n$ aws ec2 describe-vpc-endpoints --filters Name=vpc-id,Values=vpc-0d3f5a7c9e1b24680\n[]\n```\n" \
           "Active: inactive (dead) since Mon 2026-03-02 05:10:00 UTC\nassignPublicIp: DISABLED"
    ev = {e.text: e for e in extract(text)}
    assert ev["[]"].kind == "absence" and "describe-vpc-endpoints" in ev["[]"].context
    assert ev["assignPublicIp: DISABLED"].kind == "absence"
    assert ev["Active: inactive (dead) since Mon 2026-03-02 05:10:00 UTC"].kind in ("absence", "change")


# --------------------------------------------------------------------------- identifiers (pure)


def test_scrub_keeps_this_customers_identifiers_and_replaces_the_others():
    mine = own("arn:aws:ecs:ap-northeast-1:123456789012:cluster/prod-game subnet-0c4e81f2a9d3b7065")
    step = ("Create `com.amazonaws.ap-southeast-1.ecr.dkr` and add 0.0.0.0/0 to rtb-0e7d21c94a3b58f60 in "
            "account 210987654321 for subnet-0c4e81f2a9d3b7065 (10.9.8.7)")
    out = scrub(step, mine)
    assert "ap-southeast-1" not in out and "com.amazonaws.ap-northeast-1.ecr.dkr" in out
    assert "rtb-0e7d21c94a3b58f60" not in out and "<route table>" in out
    assert "210987654321" not in out and "123456789012" in out  # the one account this case has
    assert "subnet-0c4e81f2a9d3b7065" in out and "0.0.0.0/0" in out and "<IP address>" in out
    assert foreign(out, mine) == []
    found = find(step)
    assert ("region", "ap-southeast-1") in found and ("route table", "rtb-0e7d21c94a3b58f60") in found
    assert ("account id", "210987654321") in found and all(v != "0.0.0.0/0" for _, v in found)


# --------------------------------------------------------------------------- the verifier (pure)


def test_verifier_rejects_another_cases_root_cause_as_this_cases_summary():
    case_text = "build server iowait 45% since the nightly job; await 120 ms on nvme1n1; queue depth 30"
    past = "Root cause: The search node's 300 GiB gp2 volume used up its I/O burst credits."
    basis = "A customer-side storage problem. This case shows `await 120 ms on nvme1n1`. Same pattern as CASE-0031: " + past
    copy = "Root cause: The search node's 300 GiB gp2 volume used up its I/O burst credits."
    ok, why = supported(copy, [past, case_text], basis=basis, case_text=case_text, other_texts=[past])
    assert not ok and ("another case" in why or "this case" in why), why
    own_words = "The build server waits on storage: await 120 ms on nvme1n1 with queue depth 30."
    ok, why = supported(own_words, [past, case_text], basis=basis, case_text=case_text, other_texts=[past])
    assert ok, why


# --------------------------------------------------------------------------- drafts (real index, real models)


@pytest.fixture(scope="module")
def d0001(drafter):
    return drafter.draft(new_0001())


def test_new_0001_states_the_route_difference_the_timeline_and_rules_out_the_role(d0001):
    d = d0001
    top = d.hypotheses[0]
    assert top.layer == "network" and top.status == "confirmed"
    assert "0.0.0.0/0" in top.text and "min before the first failure" in top.text
    assert any("0.0.0.0/0" in (e.get("detail") or e["text"]) for e in top.evidence_for)
    role = [h for h in d.hypotheses if "execution-role" in h.text or "GetAuthorizationToken" in h.text]
    assert role and all(h.status == "contradicted" and h.evidence_against for h in role)
    assert all(d.hypotheses.index(h) > 0 for h in role)
    assert "Ruled out" in d.summary["text"]
    # the evidence cited inline is a source of kind sign holding the case's own line
    by_id = {s.id: s for s in d.sources}
    for sid in re.findall(r"\[(S\d+)\]", top.text):
        assert by_id[sid].kind == "sign" and by_id[sid].ref.startswith("NEW-0001 ")


def test_new_0001_plan_starts_with_the_route_or_the_move_back(d0001):
    first = d0001.plan[0]
    assert first["kind"] in ("mitigate", "fix")
    assert "0.0.0.0/0" in first["text"] or "undo" in first["text"]
    assert "tournament" in first["text"]  # the customer's own constraint
    # the question is not one the case already answers
    assert "curl" not in d0001.next_question["text"]
    assert not any("What changed" in m["text"] for m in d0001.missing_information)


def test_new_0001_documents_for_this_customer_only(d0001):
    reply, esc, log = render_reply(d0001), render_escalation(d0001), render_worklog(d0001)
    assert "about 13:30 Taipei time" in reply and "14:05" not in reply
    assert not re.search(r"\bCASE-\d+|\[S?\d+\]|docs/", reply)
    assert "0.0.0.0/0" in reply
    assert "4 of 40 tasks" in esc and "No escalation needed" in esc
    assert "| | IS | IS NOT |" in log and "[inferred]" in log and "[reported]" in log and "Ruled out" in log
    mine = new_0001().identifiers()
    for doc in (reply, esc, "\n".join(p["text"] for p in d0001.plan)):
        assert foreign(doc, mine) == [], foreign(doc, mine)


# The bar of issue 10 (85%) holds on the whole labelled set and on its tuning part; the
# held-out part, which nothing was tuned on, is held to a floor that catches a regression,
# and its figures are reported as measured (casekit eval drafts --split heldout).
BARS = {"tune": 0.85, "all": 0.80, "heldout": 0.75}  # all: with the blind rounds and real threads, harder by design


@pytest.mark.slow
@pytest.mark.parametrize("split", sorted(BARS))
def test_labelled_cases_decisive_evidence_layer_and_no_foreign_identifiers(drafter, split):
    report = evaluate_drafts(drafter, labelled_cases(ROOT, split), split)
    assert report.n >= 28
    assert report.foreign == 0, report.table()
    assert report.rate("decisive_ok") >= BARS[split], report.table()
    assert report.rate("layer_ok") >= BARS[split], report.table()


def test_a_quota_fully_used_outweighs_the_container_words_around_it(drafter):
    # EVAL-ZT03 (tuning): Fargate, tasks and pendingCount on every line of the ECS output
    # read as container; the quota's 400 vCPUs all in use is what decides
    d = drafter.draft(load_cases(ROOT / "eval" / "cases" / "tune" / "EVAL-ZT03.md")[0])
    top = d.hypotheses[0]
    assert (top.layer, top.side) == ("capacity", "customer")
    assert any("的配额 400 vCPU（100%）" in (e.get("detail") or "") for e in top.evidence_for)  # written in the case language


# --------------------------------------------------------------------------- the case log


def test_an_answer_that_contradicts_the_leading_hypothesis_changes_the_ranking(drafter, tmp_path):
    from casekit.case import append_log

    path = tmp_path / "NEW-0016.md"  # application vs network: the case's lines leave it open
    path.write_bytes((INBOX / "NEW-0016.md").read_bytes())
    before = drafter.draft(load_cases(path)[0])
    lead, question = before.hypotheses[0], before.next_question["text"]
    assert "bits of uncertainty" in before.next_question["why"]
    # the customer answers the splitting question against the leading hypothesis
    from casekit.reasoning.questions import questions

    keeps = next(q.keeps for q in questions() if question in q.texts())
    answer = "Yes, we checked" if not keeps(lead) else "No, nothing like that in any log or metric"
    append_log(path, answer, "reported", at="2026-03-19 22:00 America/Los_Angeles", answer=question)
    after = drafter.draft(load_cases(path)[0])
    moved = next(h for h in after.hypotheses if (h.layer, h.side) == (lead.layer, lead.side))
    assert after.hypotheses[0] is not moved and moved.status == "contradicted"
    assert any(a["section"] == "Log" and a["text"] == answer for a in moved.evidence_against)
    assert after.next_question["text"] != question  # answered: not asked again
    log = render_worklog(after)
    assert "2026-03-19 22:00 America/Los_Angeles (UTC 2026-03-20T05:00:00Z) [reported] " + answer in log


def test_a_logged_result_is_evidence_cited_with_its_time(drafter, tmp_path):
    from casekit.case import append_log

    path = tmp_path / "NEW-0001.md"
    path.write_bytes((INBOX / "NEW-0001.md").read_bytes())
    text = "describe-route-tables for subnet-0c4e81f2a9d3b7065 now has 0.0.0.0/0 -> nat-04b2e9c7a1f3d6850; a test task started"
    append_log(path, text, "result", at="2026-03-02 14:40 +08:00")
    d = drafter.draft(load_cases(path)[0])
    row = next(e for e in d.hypotheses[0].evidence_for if e["section"] == "Log")
    src = next(s for s in d.sources if s.id == row["source"])
    assert row["text"] == text and src.kind == "sign" and src.ref.startswith("NEW-0001 Log line ")
    assert any(e.section == "Log" and e.utc == "2026-03-02T06:40:00Z" for e in d.evidence)
    assert "[x] 2026-03-02 14:40 +08:00 [result] " in render_worklog(d)

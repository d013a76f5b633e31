"""Sign extraction and redaction on real logs (loghub) and realistic case data."""
from __future__ import annotations

import csv
import re

import pytest

from casekit.text.redact import redact
from casekit.evidence.signs import extract
from conftest import INBOX, need_shared

ERRORISH = re.compile(r"(?i)fail|error|denied|invalid|refused|timeout|panic|killed|abnormal|illegal|bad|break-in|"
                      r"warn|unable|cannot|couldn't|not |reset|exceed|drop|lost")


@pytest.mark.parametrize("name", ["Linux", "OpenSSH", "Apache"])
def test_loghub_error_templates_are_recalled(name):
    folder = need_shared("loghub")
    rows = list(csv.DictReader(open(folder / f"{name}_2k.log_structured.csv", encoding="utf-8")))
    lines = (folder / f"{name}_2k.log").read_text(encoding="utf-8", errors="replace").split("\n")
    wanted = {r["EventId"]: r for r in rows if ERRORISH.search(r["EventTemplate"]) or r.get("Level") in ("error", "warn")}
    assert wanted
    # each template's lines, extracted one template at a time (signs dedupe repeats)
    found = 0
    for eid, row in wanted.items():
        sample = [lines[int(r["LineId"]) - 1] for r in rows if r["EventId"] == eid][:3]
        signs = extract("\n".join(sample), tz="UTC", year=2005)
        if any(s.kind in ("error", "kernel", "warning", "exception", "code") for s in signs):
            found += 1
    recall = found / len(wanted)
    print(f"{name}: template recall {recall:.2f} ({found}/{len(wanted)})")
    assert recall >= 0.9


def test_whole_loghub_file_is_bounded_and_ordered():
    folder = need_shared("loghub")
    text = (folder / "Linux_2k.log").read_text(encoding="utf-8", errors="replace")
    signs = extract(text, tz="UTC", year=2005)
    assert 10 <= len(signs) <= 41
    stamps = [s for s in signs if s.kind == "timestamp"]
    assert [s.utc for s in stamps] == sorted(s.utc for s in stamps)  # the window: first and last


def test_signs_of_a_realistic_case():
    from casekit.case import load_cases

    c = load_cases(INBOX / "NEW-0002.md")[0]
    signs = extract(c.objective, tz=c.timezone)
    texts = {(s.kind, s.text) for s in signs}
    assert ("code", "OOMKilled") in texts
    assert ("exit_code", "exit code 137") in texts
    assert not any("customer" in s.text.lower() for s in signs if s.kind == "error")  # symptoms are not signs


def test_timestamps_use_the_case_timezone():
    signs = extract("2026-03-02 14:05:10 ERROR upstream timed out\n2026-03-02T06:30:00Z retry ok", tz="Asia/Taipei")
    utc = [s.utc for s in signs if s.kind == "timestamp"]
    assert utc == ["2026-03-02T06:05:10Z", "2026-03-02T06:30:00Z"]


def test_http_statuses_and_exceptions():
    signs = extract('10.0.0.1 - - "GET /report HTTP/1.1" 504 0 elb_status_code=504\n'
                    "botocore.errorfactory.ThrottlingException: Rate exceeded\nHTTP/1.1 502 Bad Gateway")
    texts = {(s.kind, s.text) for s in signs}
    assert ("http_status", "HTTP 504 Gateway Timeout") in texts and ("http_status", "HTTP 502 Bad Gateway") in texts
    assert any(k == "exception" and "ThrottlingException" in t for k, t in texts)


def test_huge_objective_is_truncated_with_a_note():
    text = "\n".join(f"2026-01-01 00:00:{i % 60:02d} ERROR disk {i} failed" for i in range(30_000))
    signs = extract(text, tz="UTC")
    assert signs[-1].text.startswith("only the first 20000 of 30000 lines")


def test_redaction_of_the_planted_secrets():
    text = (INBOX / "NEW-0017.md").read_text()
    out = redact(text)
    for secret in ("AKIANYV7GJ3ZD6NWCTVK", "S3cr3tPassw0rd", "Tr0ub4dor-Billing-77", "eyJ"):
        assert secret in text and secret not in out, secret
    assert "[REDACTED:aws-access-key]" in out and "[REDACTED:url-password]" in out
    assert re.search(r"aws_secret_access_key\s*=\s*\[REDACTED:aws-secret-key\]", out)
    assert "10." in out  # IP addresses are kept by default: they matter for troubleshooting
    mapping: dict = {}
    numbered = redact(text, mapping)
    assert mapping["[REDACTED:aws-access-key#1]"] == "AKIANYV7GJ3ZD6NWCTVK" and "[REDACTED:aws-access-key#1]" in numbered
    assert redact(out) == out  # idempotent

"""The Ray engine on a local Ray instance (2 CPUs, no dashboard, loopback only) drafts exactly
what the local engine drafts. Every run has a timeout."""
from __future__ import annotations

import shutil

import pytest

from conftest import INBOX, run_cli

pytest.importorskip("ray", reason="the Ray engine is an optional extra: pip install 'casekit[ray]'")
CASES = ("NEW-0002", "NEW-0008", "NEW-0013")


def test_ray_engine_equals_local_engine(tmp_path, index_dir):
    src = tmp_path / "in"
    src.mkdir()
    for cid in CASES:
        shutil.copy(INBOX / f"{cid}.md", src)
    local, remote = tmp_path / "local", tmp_path / "ray"
    r = run_cli("batch", src, "--out", local, "--index-dir", index_dir, "-q", timeout=900)
    assert r.returncode == 0, r.stderr
    r = run_cli("batch", src, "--out", remote, "--engine", "ray", "--workers", "2", "--index-dir", index_dir, "-q",
                env={"RAY_ADDRESS": ""}, timeout=900)
    assert r.returncode == 0, r.stderr[-3000:]
    for cid in CASES:
        assert (remote / f"{cid}.json").read_text() == (local / f"{cid}.json").read_text()
        assert (remote / f"{cid}.md").read_text() == (local / f"{cid}.md").read_text()
    assert sorted(p.name for p in remote.iterdir()) == sorted(p.name for p in local.iterdir())

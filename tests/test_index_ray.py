"""`casekit index --engine ray` on a local Ray instance (2 CPUs, no dashboard, loopback only)
writes the index the local engine writes: the same chunks, the same vectors, the same search
results. Every run has a timeout."""
from __future__ import annotations

import json

import numpy as np
import pytest

from conftest import run_cli
from test_index import small_corpus  # noqa: F401  (fixture)

pytest.importorskip("ray", reason="the Ray engine is an optional extra: pip install 'casekit[ray]'")
QUERIES = ("negative caching NXDOMAIN", "ALB 504 when the backend is slow", "CannotPullContainerError i/o timeout")


def test_ray_engine_writes_the_local_index(small_corpus, tmp_path):  # noqa: F811
    from casekit.retrieval import Index

    local, remote = tmp_path / "local", tmp_path / "ray"
    r = run_cli("index", small_corpus, "--index-dir", local, "-q", timeout=900)
    assert r.returncode == 0, r.stderr
    r = run_cli("index", small_corpus, "--index-dir", remote, "--engine", "ray", "--workers", "2", "-q",
                env={"RAY_ADDRESS": ""}, timeout=900)
    assert r.returncode == 0, r.stderr[-3000:]
    assert "embedded" in r.stdout
    a, b = Index.open(local), Index.open(remote)
    ma, mb = (json.loads((d / "manifest.json").read_text()) for d in (local, remote))
    assert ma["artifacts"]["chunks.jsonl"] == mb["artifacts"]["chunks.jsonl"]
    assert ma["files"] == mb["files"] and ma["embedding"] == mb["embedding"]
    assert len(a.chunks) == len(b.chunks) > 20
    assert np.allclose(np.asarray(a.vectors), np.asarray(b.vectors), atol=1e-5)
    for q in QUERIES:
        assert [(h.chunk.id, round(h.score, 4)) for h in a.search(q, k=5)] == \
               [(h.chunk.id, round(h.score, 4)) for h in b.search(q, k=5)]


def test_unknown_engine_is_a_usage_error(tmp_path):
    r = run_cli("index", tmp_path, "--engine", "spark", "--index-dir", tmp_path / "idx")
    assert r.returncode == 2 and "invalid choice" in r.stderr and "Traceback" not in r.stderr

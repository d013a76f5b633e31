"""The pieces that let an index hold a support organisation's whole history, each on small
data (bench/scale_bench.py builds the large index; no test does): BM25 postings carried over
by an update, an IVF that keeps its centroids, the quick check of large artifacts, and the
ticket history generator read by the importer."""
from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from conftest import ROOT, need_shared, run_cli
from test_index import small_corpus  # noqa: F401  (fixture)

DOCS = ["CannotPullContainerError i/o timeout pulling image from ECR",
        "ALB returns 504 Gateway Timeout when the backend is slow",
        "nf_conntrack table full, dropping packet on i-0123456789abcdef0",
        "任務無法拉取映像檔 i/o timeout", "DNS NXDOMAIN negative caching SOA minimum TTL",
        "ThrottlingException Rate exceeded on DescribeInstances"]


def test_bm25_update_equals_a_fresh_build():
    from casekit.retrieval.lexical import BM25
    from casekit.text.tokens import tokenize

    old = BM25.build([tokenize(d) for d in DOCS[:4]])
    # old doc 1 removed, the others move; two new documents arrive between them
    new_order = [DOCS[0], DOCS[4], DOCS[2], DOCS[3], DOCS[5]]
    keep = np.array([0, -1, 2, 3])
    updated = old.update(keep, [tokenize(DOCS[4]), tokenize(DOCS[5])], np.array([1, 4]))
    fresh = BM25.build([tokenize(d) for d in new_order])
    for q in ("i/o timeout", "conntrack dropping packet", "映像檔", "NXDOMAIN", "rate exceeded", "504"):
        assert np.allclose(updated.scores(q), fresh.scores(q), atol=1e-6), q
    assert updated.scores("ALB Gateway backend").max() == 0  # the removed document is gone


def test_large_history_gets_an_ivf_that_keeps_its_centroids(small_corpus, tmp_path, monkeypatch):  # noqa: F811
    from casekit.retrieval import Index, build_index, dense

    monkeypatch.setattr(dense, "APPROX_THRESHOLD", 20)  # the small corpus stands in for a large one
    idx = tmp_path / "idx"
    build_index([small_corpus], idx, progress=False)
    manifest = json.loads((idx / "manifest.json").read_text())
    assert manifest["faiss"] == "ivf" and "centroids.npy" in manifest["artifacts"]
    index = Index.open(idx)
    q = index.vectors[3]
    ids, _ = index.rank_dense(np.asarray(q), 5)
    assert ids[0] == 3  # a chunk's own vector finds it
    before = manifest["artifacts"]["centroids.npy"]
    doc = small_corpus / "docs" / "dns-triage-guide.md"
    doc.write_text(doc.read_text() + "\n## A new section\nNegative caching keeps NXDOMAIN answers for the SOA minimum TTL.\n")
    stats = build_index([small_corpus], idx, progress=False)
    assert stats.embedded == 1
    assert json.loads((idx / "manifest.json").read_text())["artifacts"]["centroids.npy"] == before
    assert Index.open(idx).search("negative caching NXDOMAIN SOA minimum", k=1)[0].chunk.ref.endswith("A new section")


def test_large_artifacts_are_checked_by_size_and_samples(small_corpus, tmp_path, monkeypatch):  # noqa: F811
    from casekit.errors import IndexStateError
    from casekit.retrieval import Index, build_index, store

    monkeypatch.setattr(store, "FULL_CHECK_BYTES", 0)  # every artifact counts as large
    idx = tmp_path / "idx"
    build_index([small_corpus], idx, progress=False)
    manifest = json.loads((idx / "manifest.json").read_text())
    assert set(manifest["samples"]) == set(manifest["artifacts"])
    vec = idx / manifest["generation"] / "vectors.npy"
    data = bytearray(vec.read_bytes())
    data[200] ^= 0xFF  # inside the first sampled block
    vec.write_bytes(bytes(data))
    with pytest.raises(IndexStateError, match="corrupted .vectors.npy"):
        Index.open(idx)
    with pytest.raises(IndexStateError, match="corrupted .vectors.npy"):
        store.verify(idx, manifest, quick=False)  # what casekit doctor and an update check
    vec.write_bytes(bytes(data[:-4]))  # truncated: the size alone tells
    with pytest.raises(IndexStateError, match="corrupted .vectors.npy"):
        Index.open(idx)


def test_history_generator_is_deterministic_and_importable(tmp_path):
    need_shared("postmortems")
    gen = [sys.executable, str(ROOT / "bench" / "gen_history.py"), "--tickets", "40"]
    subprocess.run([*gen, "--out", tmp_path / "a"], check=True, capture_output=True)
    subprocess.run([*gen, "--out", tmp_path / "b"], check=True, capture_output=True)
    (a,), (b,) = sorted((tmp_path / "a").glob("*.jsonl")), sorted((tmp_path / "b").glob("*.jsonl"))
    assert a.read_bytes() == b.read_bytes()
    sys.path.insert(0, str(ROOT / "bench"))
    from gen_history import MAP

    r = run_cli("import", a, "--out", tmp_path / "cases", "--map", MAP)
    assert r.returncode == 0, r.stderr
    cases = sorted((tmp_path / "cases").glob("*.md"))
    assert len(cases) == 40
    texts = [p.read_text() for p in cases]
    assert any("## Objective" in t and "layer:" in t for t in texts)
    assert 2 <= sum(any("\u4e00" <= ch <= "\u9fff" for ch in t.split("---")[1]) for t in texts) <= 20
    assert len({t.split("industry:")[1].split()[0] for t in texts if "industry:" in t}) >= 4

"""The hybrid index: real MiniLM + FAISS + BM25, incremental updates, integrity, search CLI."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from casekit.errors import IndexStateError
from casekit.retrieval import Index, build_index
from casekit.text.tokens import tokenize
from conftest import CORPUS, SHARED, run_cli


def test_tokenizer_keeps_identifiers_whole():
    toks = tokenize("CannotPullContainerError on i-0123456789abcdef0: HTTP 504, nf_conntrack full, HikariPool-1, ERR_SSL_PROTOCOL_ERROR")
    for whole in ("cannotpullcontainererror", "i-0123456789abcdef0", "504", "nf_conntrack", "hikaripool-1", "err_ssl_protocol_error"):
        assert whole in toks
    assert {"cannot", "pull", "container"} <= set(toks)  # parts too, so plain words still match


def test_504_query_finds_rfc_7231_section_6_6_5(index_dir):
    if not (SHARED / "rfc").exists():
        pytest.skip("../shared/data/rfc is absent")
    r = run_cli("search", "load balancer returns 504 when the backend is slow", "--json", "--index-dir", index_dir)
    assert r.returncode == 0, r.stderr
    hits = json.loads(r.stdout)
    assert all({"id", "kind", "ref", "title", "score", "text", "lane"} <= set(h) for h in hits)
    by_lane = {lane: [h["ref"] for h in hits if h["lane"] == lane] for lane in ("case", "doc", "spec")}
    assert all(len(v) == 3 for v in by_lane.values()), by_lane  # 3 per lane by default
    assert any(ref.startswith("RFC 7231 §6.6.5") for ref in by_lane["spec"]), by_lane
    assert [h["score"] for h in hits] == sorted((h["score"] for h in hits), reverse=True)
    flat = json.loads(run_cli("search", "load balancer 504", "--flat", "-k", "4", "--json", "--index-dir", index_dir).stdout)
    assert len(flat) == 4


def test_search_prints_lanes_without_loading_torch(index_dir):
    code = ("import sys; from casekit.cli import main; rc = main(['search', 'ALB 504 backend slow', '--index-dir', "
            f"{str(index_dir)!r}]); print('torch loaded' if 'torch' in sys.modules else 'no torch'); sys.exit(rc)")
    import subprocess
    import sys

    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "== past cases" in r.stdout and "== documents" in r.stdout
    assert r.stdout.rstrip().endswith("no torch"), r.stdout[-300:]


def test_numpy_minilm_gives_the_sentence_transformers_vectors():
    from casekit import models

    texts = ["ALB returns 504 when the backend is slow", "任務出現CannotPullContainerError錯誤",
             " ".join(["conntrack table full, dropping packet"] * 80)]  # longer than the 256-token window
    ours = models.bert_encoder().encode(texts)
    ref = models.embedder().encode(texts, normalize_embeddings=True, convert_to_numpy=True)
    assert (ours * ref).sum(axis=1).min() > 0.9999


def test_chinese_tokens_fold_traditional_and_simplified():
    trad, simp = tokenize("任務無法拉取映像檔，網路逾時"), tokenize("任务无法拉取镜像，网络超时")
    assert {"无法", "拉取", "网络"} <= set(trad) & set(simp)  # 網路 (Taiwan) and 网络 meet
    assert "504" in tokenize("回應５０４") and "cannotpullcontainererror" in tokenize("出現CannotPullContainerError錯誤")


def test_chinese_query_finds_chinese_and_english_sources(index):
    lanes = index.lanes("換了子網之後 ECS 任務無法拉取映像檔 CannotPullContainerError i/o timeout", k=5)
    refs = [h.chunk.ref for h in lanes["case"]]
    assert "CASE-0023" in refs, refs  # the English case of the same failure (Chinese cases rank near it)
    twin = index.lanes("tasks cannot pull the container image after we changed subnets, i/o timeout", k=5)
    assert {h.chunk.ref for h in twin["case"]} & set(refs)


def test_exact_error_string_and_kind_filter(index):
    hits = index.search("nf_conntrack: table full, dropping packet", k=3, kind="case")
    assert hits and all(h.chunk.kind == "case" for h in hits)
    assert hits[0].chunk.ref == "CASE-0014"
    docs = index.search("what does SERVFAIL mean", k=3, kind="doc")
    assert docs and all(h.chunk.kind == "doc" for h in docs)
    assert len({h.chunk.group for h in docs}) == len(docs)  # one hit per source


def test_hybrid_beats_each_alone_on_the_labelled_queries(index):
    if not (SHARED / "rfc").exists():
        pytest.skip("the RFC queries need ../shared/data/rfc")
    from casekit.evaluate import evaluate, load_queries

    report = evaluate(index, load_queries(Path(__file__).parents[1] / "eval" / "retrieval"))
    m = report.metrics
    assert report.n >= 40
    # The fusion is chosen for what a person reads: the top 5 (and the lanes), not the first hit.
    assert m["hybrid"]["recall@5"] > max(m["dense"]["recall@5"], m["bm25"]["recall@5"]), report.table()
    assert m["hybrid"]["mrr"] > m["dense"]["mrr"], report.table()
    assert m["hybrid"]["recall@5"] >= 0.85 and report.lanes >= 0.85, report.table()


@pytest.fixture
def small_corpus(tmp_path) -> Path:
    root = tmp_path / "corpus"
    (root / "cases").mkdir(parents=True)
    (root / "docs").mkdir()
    for name in ("CASE-0003.md", "CASE-0014.md", "CASE-0025.md", "CASE-0031.md"):
        shutil.copy(CORPUS / "cases" / name, root / "cases" / name)
    for name in ("dns-triage-guide.md", "load-balancer-5xx-triage.md"):
        shutil.copy(CORPUS / "docs" / name, root / "docs" / name)
    return root


def test_incremental_update_reembeds_only_what_changed(small_corpus, tmp_path):
    idx = tmp_path / "idx"
    first = build_index([small_corpus], idx, progress=False)
    assert first.changed == 6 and first.embedded == first.chunks
    again = build_index([small_corpus], idx, progress=False)
    assert again.changed == 0 and again.embedded == 0 and again.chunks == first.chunks
    doc = small_corpus / "docs" / "dns-triage-guide.md"
    doc.write_text(doc.read_text() + "\n## A new section\nNegative caching keeps NXDOMAIN answers for the SOA minimum TTL.\n")
    third = build_index([small_corpus], idx, progress=False)
    assert third.changed == 1 and third.embedded == 1 and third.chunks == first.chunks + 1
    (small_corpus / "cases" / "CASE-0031.md").unlink()
    fourth = build_index([], idx, progress=False)  # no path: the index's own roots are rescanned
    assert fourth.removed == 1 and fourth.embedded == 0
    index = Index.open(idx)
    assert "CASE-0031" not in {c.ref for c in index.chunks}
    assert index.search("negative caching NXDOMAIN SOA minimum", k=1)[0].chunk.ref.endswith("A new section")


def test_vectors_match_a_fresh_embedding(small_corpus, tmp_path):
    from casekit.retrieval.encoders import embed

    build_index([small_corpus], tmp_path / "idx", progress=False)
    index = Index.open(tmp_path / "idx")
    fresh = embed([c.embed_text() for c in index.chunks[:5]])
    assert np.allclose(fresh, index.vectors[:5], atol=1e-5)


def test_tampered_or_truncated_index_is_refused(small_corpus, tmp_path):
    idx = tmp_path / "idx"
    build_index([small_corpus], idx, progress=False)
    manifest = json.loads((idx / "manifest.json").read_text())
    gen = idx / manifest["generation"]
    vec = gen / "vectors.npy"
    vec.write_bytes(vec.read_bytes()[:-100])
    with pytest.raises(IndexStateError, match="corrupted .vectors.npy"):
        Index.open(idx)
    r = run_cli("search", "dns", "--index-dir", idx)
    assert r.returncode == 2 and "corrupted" in r.stderr and "Traceback" not in r.stderr
    stats = build_index([small_corpus], idx, progress=False)  # a rebuild repairs it
    assert "did not match its hash" in stats.rebuilt
    assert Index.open(idx).search("dns", k=1)


PICKLE_HEADERS = tuple(bytes([0x80, proto]) for proto in range(2, 6))  # protocols 2..5 open with PROTO n


def _no_pickle(data: bytes, where) -> None:
    assert not data.startswith(PICKLE_HEADERS), f"{where} starts with a pickle header"
    if data.startswith(b"\x93NUMPY"):  # an .npy: after its header come raw numbers, never a pickle stream
        body = data[data.index(b"\n") + 1 :]
        assert not body.startswith(PICKLE_HEADERS), f"{where} holds a pickled array"


def test_no_pickle_in_the_index(small_corpus, tmp_path):
    import zipfile

    idx = tmp_path / "idx"
    build_index([small_corpus], idx, progress=False)
    files = [p for p in idx.rglob("*") if p.is_file()]
    assert {".npy", ".json", ".jsonl", ".index"} <= {p.suffix for p in files}
    for p in files:
        data = p.read_bytes()
        _no_pickle(data, p)
        if p.suffix == ".npy":
            assert np.load(p, allow_pickle=False).dtype != object
        elif p.suffix == ".npz":
            with zipfile.ZipFile(p) as z:
                for member in z.namelist():
                    _no_pickle(z.read(member), f"{p}:{member}")
            with np.load(p, allow_pickle=False) as z:
                assert all(z[name].dtype != object for name in z.files)
        elif p.suffix == ".json":
            json.loads(data)
        elif p.suffix == ".jsonl":
            assert all(isinstance(json.loads(line), dict) for line in data.decode("utf-8").splitlines() if line)


def test_index_cli_reports_bad_files_and_indexes_the_rest(small_corpus, tmp_path):
    (small_corpus / "cases" / "broken.md").write_text("---\nid: [oops\n---\n")
    (small_corpus / "docs" / "binary.md").write_bytes(b"\x00\x01\x02" * 10)
    dup = (small_corpus / "cases" / "CASE-0003.md").read_text()
    (small_corpus / "cases" / "copy-of-0003.md").write_text(dup)
    r = run_cli("index", small_corpus, "--index-dir", tmp_path / "idx", "-q")
    assert r.returncode == 2
    err = r.stderr.strip().splitlines()
    assert len(err) == 3 and "Traceback" not in r.stderr
    assert any("broken.md:2: broken YAML" in e for e in err)
    assert any("binary.md: binary file" in e for e in err)
    assert any("duplicate case id CASE-0003" in e for e in err)
    assert "indexed 6 files" in r.stdout
    assert {c.ref for c in Index.open(tmp_path / "idx").chunks if c.kind == "case"} == {"CASE-0003", "CASE-0014", "CASE-0025", "CASE-0031"}

"""Index figures: embedding throughput against a plain SentenceTransformer.encode of the same
chunks (same run), incremental re-index after touching one file, and hybrid query latency
p50/p95 at 10k, 100k and 1M chunks (synthetic vectors and term weights; real FAISS, real
BM25 scoring, real fusion).

usage: python bench/index_bench.py [--sizes 10000,100000,1000000] [--shared ../shared/data]
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def embedding_throughput(shared: Path) -> None:
    from casekit.embed import embed
    from casekit.ingest import discover, read_chunks
    from casekit.models import embedder

    paths = [ROOT / "corpus"] + ([shared / "rfc" / "rfc7231.txt"] if (shared / "rfc").exists() else [])
    chunks = [c for s in discover(paths) for c in read_chunks(s)]
    texts = [c.embed_text() for c in chunks][:600]
    model = embedder()
    model.encode(texts[:8])  # warm
    t = time.perf_counter()
    model.encode(texts, batch_size=32)
    plain = time.perf_counter() - t
    t = time.perf_counter()
    embed(texts)
    ours = time.perf_counter() - t
    words = statistics.mean(len(x.split()) for x in texts)
    print(f"embedding {len(texts)} chunks (mean {words:.0f} words): plain encode {len(texts) / plain:.1f} chunks/s, "
          f"casekit {len(texts) / ours:.1f} chunks/s, ratio {plain / ours:.2f}")
    for n in (128,):
        old = model.max_seq_length
        model.max_seq_length = n
        t = time.perf_counter()
        model.encode(texts, batch_size=32)
        short = time.perf_counter() - t
        model.max_seq_length = old
        print(f"  with max_seq_length {n} instead of {old}: {len(texts) / short:.1f} chunks/s "
              f"(not used: it truncates chunks of 160 words, see the note in README)")


def incremental() -> None:
    from casekit.build import build_index

    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        shutil.copytree(ROOT / "corpus", corpus)
        idx = Path(tmp) / "idx"
        t = time.perf_counter()
        full = build_index([corpus], idx, progress=False)
        first = time.perf_counter() - t
        doc = corpus / "docs" / "dns-triage-guide.md"
        doc.write_text(doc.read_text() + "\n## Bench\nA changed paragraph about negative caching.\n")
        t = time.perf_counter()
        inc = build_index([corpus], idx, progress=False)
        second = time.perf_counter() - t
        t = time.perf_counter()
        build_index([corpus], idx, progress=False)
        third = time.perf_counter() - t
        print(f"shipped corpus: full build {first:.1f} s ({full.chunks} chunks); one changed file {second:.2f} s "
              f"({inc.embedded} chunk embedded), ratio {second / first:.3f}; nothing changed {third:.2f} s")


def latency(sizes: list[int]) -> None:
    from scipy import sparse

    from casekit.chunks import Chunk
    from casekit.dense import build_faiss
    from casekit.index import Index
    from casekit.lexical import BM25

    rng = np.random.default_rng(0)
    dim, vocab_n, terms_per_doc = 384, 50_000, 40
    vocab = {f"t{i}": i for i in range(vocab_n)}
    for n in sizes:
        vecs = rng.standard_normal((n, dim), dtype=np.float32)
        vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
        t = time.perf_counter()
        fa = build_faiss(vecs)
        build = time.perf_counter() - t
        rows = np.repeat(np.arange(n), terms_per_doc)
        cols = np.minimum(rng.zipf(1.3, n * terms_per_doc) - 1, vocab_n - 1)
        w = rng.random(n * terms_per_doc, dtype=np.float32) * 3
        m = sparse.csc_matrix((w, (rows, cols)), shape=(n, vocab_n))
        m.sum_duplicates()
        chunks = [Chunk(f"c{i}", "doc" if i % 3 else "case", f"ref {i}", "t", "", {}) for i in range(n)]
        index = Index(Path("."), {"artifacts": {}}, chunks, vecs, fa, BM25(vocab, m))
        qs = rng.standard_normal((60, dim), dtype=np.float32)
        qs /= np.linalg.norm(qs, axis=1, keepdims=True)
        words = [" ".join(f"t{int(x)}" for x in np.minimum(rng.zipf(1.3, 6) - 1, vocab_n - 1)) + " t5000" for _ in qs]
        times = []
        for q, text in zip(qs, words):
            t = time.perf_counter()
            index.search(text, k=10, qvec=q)
            times.append((time.perf_counter() - t) * 1000)
        times = times[5:]
        recall = ""
        if n >= 50_000:
            import faiss

            exact = faiss.IndexFlatIP(dim)
            exact.add(vecs)
            _, truth = exact.search(qs[:20], 10)
            _, got = fa.search(qs[:20], 10)
            recall = f", IVF recall@10 vs exact {np.mean([len(set(a) & set(b)) / 10 for a, b in zip(truth, got)]):.2f}"
        print(f"{n:>9,} chunks ({type(fa).__name__}, built in {build:.1f} s): hybrid query p50 {np.percentile(times, 50):.1f} ms, "
              f"p95 {np.percentile(times, 95):.1f} ms{recall}")
        del index, chunks, fa, vecs, m


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="10000,100000,1000000")
    ap.add_argument("--shared", default=str(ROOT.parent / "shared" / "data"))
    ap.add_argument("--skip-embedding", action="store_true")
    args = ap.parse_args()
    if not args.skip_embedding:
        embedding_throughput(Path(args.shared))
        incremental()
    latency([int(x) for x in args.sizes.split(",")])


if __name__ == "__main__":
    main()

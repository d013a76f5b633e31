"""Batch throughput: cases/min for the local engine with 1 and 2 workers and for the Ray engine
on a local instance, over the same cases in the same run (fresh output folders each time).

usage: python bench/batch_bench.py [--index-dir DIR] [--cases 8] [--no-ray]
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from casekit import default_index_dir

ROOT = Path(__file__).resolve().parents[1]


def run(args: list[str]) -> float:
    t = time.perf_counter()
    r = subprocess.run([str(Path(sys.executable).with_name("casekit")), *args], capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(r.stderr[-2000:])
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--index-dir", default=None, help="default: $CASEKIT_INDEX_DIR or ./.casekit/index")
    ap.add_argument("--cases", type=int, default=8)
    ap.add_argument("--no-ray", action="store_true")
    args = ap.parse_args()
    args.index_dir = str(default_index_dir(args.index_dir))
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "in"
        src.mkdir()
        for p in sorted((ROOT / "examples" / "inbox").glob("NEW-*.md"))[: args.cases]:
            shutil.copy(p, src)
        rows = []
        for label, extra in [("local, 1 worker", ["--workers", "1"]), ("local, 2 workers", ["--workers", "2"])] + \
                ([] if args.no_ray else [("ray, local instance", ["--engine", "ray", "--workers", "2"])]):
            out = Path(tmp) / label.replace(" ", "_").replace(",", "")
            secs = run(["batch", str(src), "--out", str(out), "--index-dir", args.index_dir, "-q", *extra])
            summary = [json.loads(l) for l in (out / "summary.jsonl").read_text().splitlines()]
            drafting = sum(s["seconds"] for s in summary)
            rows.append((label, secs, args.cases / secs * 60, drafting / args.cases))
            resume = run(["batch", str(src), "--out", str(out), "--index-dir", args.index_dir, "-q", *extra[:2]])
            rows.append((f"  rerun (all skipped)", resume, args.cases / resume * 60, 0.0))
        base = rows[0][2]
        print(f"{'engine':<22} {'wall s':>7} {'cases/min':>10} {'vs 1 worker':>12} {'s/case in worker':>17}")
        for label, secs, rate, per in rows:
            print(f"{label:<22} {secs:>7.1f} {rate:>10.1f} {rate / base:>11.2f}x {per:>17.1f}")
        print("(wall time includes process start and model loading: ~10 s per worker)")


if __name__ == "__main__":
    main()

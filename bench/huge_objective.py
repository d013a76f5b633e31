"""How long drafting takes when the Objective is a 50 MB pasted log (NEW-0006 with the same
error line repeated), and how much the process grows: the work must stay bounded (only the
first lines are read for signs), so this is seconds, not minutes.

usage: python bench/huge_objective.py [--index-dir DIR] [--mb 50]
"""
from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

from casekit import Drafter, default_index_dir, load_cases

ROOT = Path(__file__).resolve().parents[1]
LINE = "2026-03-02T05:00:00Z app[123]: ERROR write failed: No space left on device (errno 28)\n"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--index-dir", default=None, help="default: $CASEKIT_INDEX_DIR or ./.casekit/index")
    ap.add_argument("--mb", type=int, default=50, help="size of the pasted log in MB (default 50)")
    args = ap.parse_args()


    drafter = Drafter(default_index_dir(args.index_dir))
    case = load_cases(ROOT / "examples" / "inbox" / "NEW-0006.md")[0]
    drafter.draft(case)  # warm: models loaded, prefix cached
    case.sections["Objective"] += "\n" + LINE * (args.mb * 2**20 // len(LINE))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t = time.perf_counter()
    d = drafter.draft(case)
    secs = time.perf_counter() - t
    grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    notes = [s.text for s in d.signs if s.text.startswith("only the first")]
    print(f"draft with a {args.mb} MB Objective: {secs:.1f} s, peak memory grew by {grown:.0f} MiB")
    print(f"  signs: {len(d.signs)}; truncation note: {notes[0] if notes else 'none'}")
    print(f"  top hypothesis: {d.hypotheses[0].layer if d.hypotheses else '-'}")


if __name__ == "__main__":
    main()

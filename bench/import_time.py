"""How long `import casekit` and `casekit --help` take, against a bare interpreter start in
the same run (the ratio is the figure that travels between machines)."""
from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

RUNS = 7


def timed(args: list[str]) -> float:
    samples = []
    for _ in range(RUNS):
        t = time.perf_counter()
        subprocess.run(args, check=True, capture_output=True)
        samples.append(time.perf_counter() - t)
    return statistics.median(samples)


def main() -> None:
    py = sys.executable
    base = timed([py, "-c", "pass"])
    imp = timed([py, "-c", "import casekit"])
    cli = timed([str(Path(py).with_name("casekit")), "--help"])
    heavy = timed([py, "-c", "import torch, sentence_transformers, llama_cpp"])
    print(f"bare python            {base * 1000:7.0f} ms")
    print(f"import casekit         {imp * 1000:7.0f} ms   ({imp / base:.2f}x bare; +{(imp - base) * 1000:.0f} ms)")
    print(f"casekit --help         {cli * 1000:7.0f} ms   ({cli / base:.2f}x bare)")
    print(f"torch+st+llama_cpp     {heavy * 1000:7.0f} ms   (what a lazy import saves)")


if __name__ == "__main__":
    main()

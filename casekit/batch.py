"""Batch drafting: resumable, loss-free, parallel on one machine (Ray: casekit.batch_ray).

Every output is written atomically (temp file, fsync, rename), `<id>.md` first and `<id>.json`
last: the JSON is the commit mark, and it records the sha256 of the case it was drafted from
(with the model, index and seed). A rerun skips a case whose JSON is present and current and
redoes the rest, so a run killed at any moment (SIGINT or SIGKILL) and rerun ends with exactly
one complete draft per case. `summary.jsonl` is rewritten atomically at the end of each run.
"""
from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from .case import CASE_SUFFIXES, Case, parse_path
from .errors import CaseKitError, InputError
from .fsutil import atomic_write, clean_temp_files

SUMMARY = "summary.jsonl"


@dataclass
class Item:
    """One unit of batch work: a parsed case, or the reason it could not be parsed."""

    origin: str  # file, or file:line for JSONL
    case: Case | None = None
    error: str | None = None

    @property
    def key(self) -> str:
        return self.case.id if self.case else self.origin


@dataclass
class Result:
    id: str
    status: str  # drafted | skipped | failed
    origin: str
    top: str | None = None
    layer: str | None = None
    likelihood: float | None = None
    seconds: float = 0.0
    error: str | None = None
    timings: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"id": self.id, "status": self.status, "origin": self.origin, "top_hypothesis": self.top,
                "layer": self.layer, "likelihood": self.likelihood, "seconds": round(self.seconds, 3),
                "error": self.error, "timings": self.timings}


def collect(inputs: Iterable[str | Path]) -> list[Item]:
    """Case files, folders of them (recursively) and JSONL, in a stable order."""
    files: list[Path] = []
    items: list[Item] = []
    for raw in inputs:
        p = Path(raw)
        if p.is_dir():
            files += sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in CASE_SUFFIXES
                            and not f.name.startswith(".") and f.name.lower() != "readme.md")
        elif p.exists():
            files.append(p)
        else:
            items.append(Item(str(p), error=f"{p}: no such file or folder"))
    seen: dict[str, str] = {}
    for f in files:
        cases, problems = parse_path(f)
        for e in problems:
            items.append(Item(f"{f}:{e.line}" if e.line else str(f), error=str(e)))
        for c in cases:
            origin = str(f)
            if c.id in seen:
                items.append(Item(origin, error=f"{origin}: duplicate case id {c.id} (first in {seen[c.id]}); skipped"))
                continue
            seen[c.id] = origin
            items.append(Item(origin, case=c))
    return items


def is_current(out_dir: Path, case: Case, fingerprint: dict) -> bool:
    """Are both outputs present, and was the JSON drafted from this very case and setup?"""
    j, m = out_dir / f"{case.id}.json", out_dir / f"{case.id}.md"
    if not (j.exists() and m.exists()):
        return False
    try:
        prov = json.loads(j.read_text(encoding="utf-8")).get("provenance", {})
    except (OSError, ValueError):
        return False
    return prov.get("case_sha256") == case.sha256() and all(prov.get(k) == v for k, v in fingerprint.items())


class Worker:
    """Holds one Drafter; drafts and writes one case at a time (local processes and Ray
    actors both use it, so both write exactly the same files)."""

    def __init__(self, index_dir: str, model: str | None, seed: int = 0):
        from .draft import Drafter

        self.drafter = Drafter(index_dir, model=model, seed=seed)

    def fingerprint(self) -> dict:
        d = self.drafter
        return {"model_sha256": d.model_sha, "index": d.index.identity, "seed": d.seed}

    def run(self, case: Case, origin: str, out_dir: str) -> Result:
        out = Path(out_dir)
        t0 = time.perf_counter()
        if is_current(out, case, self.fingerprint()):
            return Result(case.id, "skipped", origin, seconds=time.perf_counter() - t0)
        try:
            draft = self.drafter.draft(case)
            self.drafter.write(draft, out)
        except (CaseKitError, OSError, ValueError, RuntimeError) as e:
            return Result(case.id, "failed", origin, seconds=time.perf_counter() - t0, error=f"{type(e).__name__}: {e}")
        h = draft.hypotheses[0] if draft.hypotheses else None
        return Result(case.id, "drafted", origin, top=h.text if h else None, layer=h.layer if h else None,
                      likelihood=round(h.likelihood, 3) if h else None, seconds=time.perf_counter() - t0,
                      timings=draft.timings)


# ------------------------------------------------------------------ local processes

_worker: Worker | None = None


def _init(index_dir: str, model: str | None, threads: int) -> None:
    os.environ["CASEKIT_THREADS"] = str(threads)
    global _worker
    _worker = Worker(index_dir, model)


def _run(args: tuple[Case, str, str]) -> Result:
    assert _worker is not None
    return _worker.run(*args)


def threads_per_worker(workers: int) -> int:
    """Cores divided between workers, so workers x threads never oversubscribes."""
    from .models import threads

    return max(1, threads() // max(1, workers))


def run_local(items: list[Item], out_dir: Path, workers: int, index_dir: Path, model: str | None, progress: bool):
    todo = [(it.case, it.origin, str(out_dir)) for it in items if it.case]
    if workers <= 1:
        from .models import llm_threads

        os.environ.setdefault("CASEKIT_THREADS", str(llm_threads()))
        w = Worker(str(index_dir), model)
        yield from (w.run(*t) for t in todo)
        return
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    ctx = mp.get_context("spawn")  # a fresh interpreter per worker: no forked torch or llama state
    with ProcessPoolExecutor(workers, mp_context=ctx, initializer=_init,
                             initargs=(str(index_dir), model, threads_per_worker(workers))) as pool:
        yield from pool.map(_run, todo, chunksize=1)


def run_batch(inputs: list[str], out_dir: Path, workers: int = 1, engine: str = "local", index_dir: Path | None = None,
              model: str | None = None, address: str | None = None, progress: bool = True) -> int:
    """Draft every case under `inputs` into `out_dir`. Exit status: 0 all done, 1 some failed."""
    if workers < 1:
        raise CaseKitError("--workers must be 1 or more")
    if out_dir.exists() and not out_dir.is_dir():
        raise CaseKitError(f"--out {out_dir} is a file, not a folder")
    out_dir.mkdir(parents=True, exist_ok=True)
    removed = clean_temp_files(out_dir)
    items = collect(inputs)
    if not items:
        raise CaseKitError("no case files found in " + ", ".join(map(str, inputs)))
    t0 = time.perf_counter()
    results: dict[str, Result] = {}
    for it in items:
        if it.error:
            results[it.origin] = Result(it.case.id if it.case else Path(it.origin.split(":")[0]).stem, "failed",
                                        it.origin, error=it.error)
            print(it.error, file=sys.stderr)
    n = sum(1 for it in items if it.case)
    bar = None
    if progress and n:
        from tqdm.auto import tqdm

        bar = tqdm(total=n, unit="case", desc="drafting")
    if engine == "ray":
        from .batch_ray import run_ray

        stream = run_ray(items, out_dir, workers, index_dir, model, address)
    else:
        stream = run_local(items, out_dir, workers, index_dir, model, progress)
    done = 0
    for r in stream:
        results[r.id] = r
        done += 1
        if bar:
            rate = done / max(1e-9, time.perf_counter() - t0) * 60
            bar.set_postfix_str(f"{rate:.1f} cases/min")
            bar.update(1)
    if bar:
        bar.close()
    order = [it.case.id if it.case else it.origin for it in items]
    lines = "".join(json.dumps(results[k].to_dict(), ensure_ascii=False) + "\n" for k in order if k in results)
    atomic_write(out_dir / SUMMARY, lines)
    counts = {s: sum(1 for r in results.values() if r.status == s) for s in ("drafted", "skipped", "failed")}
    secs = time.perf_counter() - t0
    rate = counts["drafted"] / secs * 60 if secs else 0.0
    print(f"{'drafted':>8} {'skipped':>8} {'failed':>7} {'seconds':>8} {'cases/min':>10}")
    print(f"{counts['drafted']:>8} {counts['skipped']:>8} {counts['failed']:>7} {secs:>8.1f} {rate:>10.1f}")
    if removed:
        print(f"(removed {removed} temp file(s) left by an interrupted run)")
    print(f"summary: {out_dir / SUMMARY}")
    return 1 if counts["failed"] else 0

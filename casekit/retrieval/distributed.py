"""`casekit index --engine ray`: the encoding of an index build spread over a Ray cluster.

The texts are cut into the same steps as a local build (casekit.retrieval.encoders.plan) and
each step is encoded whole by one actor with the same function, so a step's vectors do not
depend on where it ran: the store is the one the local engine writes. Everything else of a
build (reading files, BM25, FAISS, writing the generation) stays on the driver; the encoding
is nearly all of a large build's time. Each actor loads both encoders once.
"""
from __future__ import annotations

import json

import numpy as np

from ..cluster import ACTOR_CPUS, ACTOR_THREADS, cluster_cpus, ray_session
from .encoders import DIM, encode_step, plan

ROWS_PER_BLOCK = 4  # steps per Ray block: enough to keep an actor busy, few enough to spread


class _EncodeActor:
    def __init__(self, on_torch: bool):
        from ..models import use_threads

        use_threads(ACTOR_THREADS)
        self.on_torch = on_torch

    def __call__(self, batch: dict) -> dict:
        vectors = [encode_step(json.loads(t), self.on_torch).tobytes() for t in batch["texts"]]
        return {"step": list(batch["step"]), "vectors": vectors}


def embed_on_ray(texts: list[str], address: str | None = None, workers: int | None = None,
                 progress: bool = False) -> np.ndarray:
    """The vectors casekit.retrieval.encoders.embed gives, computed by a pool of Ray actors."""
    from ..models import threads

    out = np.zeros((len(texts), DIM), dtype=np.float32)
    steps, on_torch = plan(texts)
    if not steps:
        return out
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(texts), desc="embedding (ray)", unit="chunk")
    with ray_session(address, threads()) as ray:
        pool = max(1, min(workers or cluster_cpus(ray), cluster_cpus(ray), len(steps)))
        rows = [{"step": k, "texts": json.dumps([texts[i] for i in ids], ensure_ascii=False)} for k, ids in enumerate(steps)]
        ds = ray.data.from_items(rows, override_num_blocks=max(1, -(-len(rows) // ROWS_PER_BLOCK)))
        done = ds.map_batches(_EncodeActor, fn_constructor_args=(on_torch,), batch_size=1,
                              compute=ray.data.ActorPoolStrategy(size=pool), num_cpus=ACTOR_CPUS, batch_format="numpy")
        for row in done.iter_rows():
            ids = steps[int(row["step"])]
            out[ids] = np.frombuffer(row["vectors"], dtype=np.float32).reshape(len(ids), DIM)
            if bar:
                bar.update(len(ids))
    if bar:
        bar.close()
    return out

"""Text -> unit-length vectors: MiniLM and multilingual USE v3, joined.

Each text gets [MiniLM (384) | USE (512)] / sqrt(2): one vector, so the inner product of
two texts is the mean of the two models' cosines and FAISS keeps one flat index. MiniLM
carries English (it has 244 Chinese characters in its vocabulary: Chinese embeds as
[UNK]); USE carries Chinese and finds a text's twin across languages. On the tuning
queries the joined vector beat either model alone and a rank fusion of the two
(figures in README.md).

Few texts (a query, a case) go through the numpy MiniLM (casekit.models.bert): no torch import,
so a cold `casekit search` takes about a second. Many texts (building an index) go
through sentence-transformers on torch, which batches faster; the two give the same
vectors (cosine > 0.9999).
"""
from __future__ import annotations

import numpy as np

from ..text.hanzi import HAN_RUN

EMBED_BATCH = 32
TORCH_FROM = 64  # texts at once from which MiniLM runs on torch (index builds)
MINILM_DIM, USE_DIM = 384, 512
DIM = MINILM_DIM + USE_DIM


def for_minilm(text: str) -> str:
    """What MiniLM reads of a text: Han characters are not in its vocabulary (they become
    [UNK], and any two Chinese texts then look alike), so it sees the rest: the English
    words, error strings and identifiers that mixed text carries. USE reads the whole text."""
    return HAN_RUN.sub(" ", text) if HAN_RUN.search(text) else text


def _minilm(texts: list[str], on_torch: bool) -> np.ndarray:
    from .. import models

    texts = [for_minilm(t) for t in texts]

    if not on_torch:
        return models.bert_encoder().encode(texts)
    return models.embedder().encode(texts, batch_size=EMBED_BATCH, normalize_embeddings=True,
                                    convert_to_numpy=True, show_progress_bar=False).astype(np.float32)


def _use(texts: list[str]) -> np.ndarray:
    from ..models import use_encoder

    return np.asarray(use_encoder().encode(texts), dtype=np.float32).reshape(len(texts), USE_DIM)


STEP = EMBED_BATCH * 4  # texts per step: the unit of work of a local or a Ray build


def plan(texts: list[str]) -> tuple[list[list[int]], bool]:
    """How a job of texts is encoded: steps of STEP texts in order of length (so batches pad
    little), and whether MiniLM runs on torch (decided per job, so a job's vectors all come
    one way). A step is always encoded whole, by encode_step, wherever it runs."""
    order = sorted(range(len(texts)), key=lambda i: (-len(texts[i]), i))
    return [order[s : s + STEP] for s in range(0, len(order), STEP)], len(texts) >= TORCH_FROM


def encode_step(batch: list[str], on_torch: bool) -> np.ndarray:
    """Unit-length [MiniLM | USE] / sqrt(2) vectors of one step."""
    return (np.hstack([_minilm(batch, on_torch), _use(batch)]) / np.sqrt(2.0)).astype(np.float32)


def embed(texts: list[str], progress: bool = False) -> np.ndarray:
    """Unit-length float32 vectors (DIM wide), one per text."""
    out = np.zeros((len(texts), DIM), dtype=np.float32)
    steps, on_torch = plan(texts)
    bar = None
    if progress and len(texts) > EMBED_BATCH:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(texts), desc="embedding", unit="chunk")
    for ids in steps:
        out[ids] = encode_step([texts[i] for i in ids], on_torch)
        if bar:
            bar.update(len(ids))
    if bar:
        bar.close()
    return out


# Bump when the way texts become vectors changes with the same models: indexes rebuild.
RECIPE = "2: [MiniLM without Han characters | USE] / sqrt(2)"


def embedding_fingerprint() -> dict:
    """Which embedding models (and recipe) made the vectors: an index built otherwise is refused."""
    import hashlib

    from ..models import EMBEDDING_ID, embedding_hash

    sha = hashlib.sha256(f"{embedding_hash()}\n{RECIPE}".encode()).hexdigest()
    return {"id": EMBEDDING_ID, "sha256": sha, "dim": DIM, "recipe": RECIPE}

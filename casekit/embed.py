"""Text -> unit-length vectors with the bundled MiniLM (loaded once, in casekit.models)."""
from __future__ import annotations

import numpy as np

EMBED_BATCH = 32


def embed(texts: list[str], progress: bool = False) -> np.ndarray:
    """Unit-length float32 vectors. Texts are sorted by length so batches pad little."""
    from .models import embedder

    model = embedder()
    dim = (getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension)()
    out = np.zeros((len(texts), dim), dtype=np.float32)
    if not texts:
        return out
    order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
    bar = None
    if progress and len(texts) > EMBED_BATCH:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(texts), desc="embedding", unit="chunk")
    for start in range(0, len(order), EMBED_BATCH * 4):
        ids = order[start : start + EMBED_BATCH * 4]
        vecs = model.encode([texts[i] for i in ids], batch_size=EMBED_BATCH, normalize_embeddings=True,
                            convert_to_numpy=True, show_progress_bar=False)
        out[ids] = vecs.astype(np.float32)
        if bar:
            bar.update(len(ids))
    if bar:
        bar.close()
    return out


def embedding_fingerprint() -> dict:
    """Which embedding model made the vectors: an index built with another is refused."""
    from .models import EMBEDDING_ID, embedding_hash

    return {"id": EMBEDDING_ID, "sha256": embedding_hash()}

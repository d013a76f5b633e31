"""A BERT sentence encoder in numpy: the bundled MiniLM without torch.

`casekit search` embeds one short query. Through sentence-transformers that means
importing torch and transformers first, about 10 s cold on this 2-core machine, for a
forward pass that takes milliseconds. This is the same model (the same safetensors
weights, the same WordPiece tokenizer, mean pooling, unit length) in about 40 lines of
numpy: it starts in a fraction of a second and gives the same vectors (cosine > 0.9999
against sentence-transformers, checked in tests/test_index.py).

Only the BERT shape that sentence-transformers' mean-pooled models use is supported;
any other local model goes through sentence-transformers (casekit.retrieval.encoders).
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np


def _layer_norm(x: np.ndarray, g: np.ndarray, b: np.ndarray, eps: float) -> np.ndarray:
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * g + b


def _erf(x: np.ndarray) -> np.ndarray:
    """erf to 1.5e-7 (Abramowitz and Stegun 7.1.26): scipy.special would cost a cold
    search a fifth of a second to import."""
    a = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    return np.sign(x) * (1.0 - poly * np.exp(-a * a))


def _gelu(x: np.ndarray) -> np.ndarray:
    return 0.5 * x * (1.0 + _erf(x * np.float32(0.7071067811865476)))


class Bert:
    """Mean-pooled, normalised sentence vectors from a BERT folder (config.json,
    model.safetensors, tokenizer.json)."""

    def __init__(self, folder: str | Path, max_tokens: int | None = None):
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        folder = Path(folder)
        cfg = json.loads((folder / "config.json").read_text())
        if cfg.get("model_type") != "bert" or cfg.get("hidden_act") != "gelu":
            raise ValueError(f"{folder}: not a BERT model with gelu ({cfg.get('model_type')})")
        if max_tokens is None:
            st = folder / "sentence_bert_config.json"
            max_tokens = json.loads(st.read_text()).get("max_seq_length", 512) if st.exists() else 512
        self.heads, self.eps = cfg["num_attention_heads"], cfg.get("layer_norm_eps", 1e-12)
        self.layers = cfg["num_hidden_layers"]
        w = load_file(str(folder / "model.safetensors"))
        # Weights stored transposed and contiguous: x @ W is one BLAS call (a transposed
        # view can send numpy's matmul down a slow loop).
        self.w = {k.removeprefix("bert."): np.ascontiguousarray(v.T if k.endswith("dense.weight") or ".self." in k
                                                                  and k.endswith(".weight") else v, dtype=np.float32)
                  for k, v in w.items()}
        self.tok = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tok.enable_truncation(max_length=int(max_tokens))
        self.tok.no_padding()
        self.dim = cfg["hidden_size"]

    def _forward(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        w, (n, t) = self.w, ids.shape
        x = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:t][None]
        x = x + w["embeddings.token_type_embeddings.weight"][0]
        x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], self.eps)
        h, d = self.heads, self.dim // self.heads
        bias = np.where(mask[:, None, None, :] > 0, 0.0, -1e9).astype(np.float32)
        for i in range(self.layers):
            p = f"encoder.layer.{i}."
            def proj(name: str, v: np.ndarray) -> np.ndarray:
                y = v.reshape(-1, v.shape[-1]) @ w[p + name + ".weight"] + w[p + name + ".bias"]
                return y.reshape(*v.shape[:-1], -1)
            # einsum(optimize=True) reaches BLAS; numpy's stacked 4-D matmul does not (10x slower).
            q, k, v = (proj(f"attention.self.{m}", x).reshape(n, t, h, d) for m in ("query", "key", "value"))
            att = np.einsum("bthd,bshd->bhts", q, k, optimize=True) / np.float32(np.sqrt(d)) + bias
            att = np.exp(att - att.max(-1, keepdims=True))
            att /= att.sum(-1, keepdims=True)
            ctx = np.einsum("bhts,bshd->bthd", att, v, optimize=True).reshape(n, t, self.dim)
            x = _layer_norm(x + proj("attention.output.dense", ctx), w[p + "attention.output.LayerNorm.weight"],
                            w[p + "attention.output.LayerNorm.bias"], self.eps)
            ff = proj("output.dense", _gelu(proj("intermediate.dense", x)))
            x = _layer_norm(x + ff, w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"], self.eps)
        m = mask[:, :, None].astype(np.float32)
        pooled = (x * m).sum(1) / np.maximum(m.sum(1), 1e-9)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)

    def encode(self, texts: list[str], batch: int = 16) -> np.ndarray:
        """Unit-length float32 vectors, one per text. Similar lengths are batched together."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        encs = self.tok.encode_batch(list(texts)) if texts else []
        order = sorted(range(len(texts)), key=lambda i: len(encs[i].ids))
        for s in range(0, len(order), batch):
            idx = order[s : s + batch]
            t = max(len(encs[i].ids) for i in idx)
            ids = np.zeros((len(idx), t), dtype=np.int64)
            mask = np.zeros((len(idx), t), dtype=np.int64)
            for r, i in enumerate(idx):
                e = encs[i].ids
                ids[r, : len(e)], mask[r, : len(e)] = e, 1
            out[idx] = self._forward(ids, mask)
        return out

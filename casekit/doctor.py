"""`casekit doctor`: what is installed, which models would be used, is it all usable."""
from __future__ import annotations

import os
import platform
import sys
from importlib import metadata
from pathlib import Path

from . import models
from .errors import CaseKitError
from .version import __version__


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def _size(path: Path) -> str:
    return f"{path.stat().st_size / 2**20:.1f} MiB"


def report(index_dir: Path, model: str | None = None) -> tuple[dict[str, str], bool]:
    """Facts as ordered key/value lines, and whether everything needed is usable."""
    out: dict[str, str] = {
        "casekit": __version__,
        "python": f"{platform.python_version()} ({sys.executable})",
        "platform": f"{platform.system()} {platform.machine()}",
        "threads": f"{models.threads()} usable cores; llama.cpp uses {models.llm_threads()} (CASEKIT_THREADS to change)",
    }
    for dist in ("llama-cpp-python", "sentence-transformers", "torch", "faiss-cpu", "ipywidgets", "jupyterlab"):
        out[dist] = _version(dist)
    problems: list[str] = []
    offline = {k: os.environ.get(k, "") for k in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")}
    out["offline"] = ", ".join(f"{k}={v}" for k, v in offline.items())
    if any(v != "1" for v in offline.values()):
        problems.append("HF_HUB_OFFLINE/TRANSFORMERS_OFFLINE are not 1; casekit must run offline")
    try:
        path = models.resolve_llm(model)
        out["llm"] = str(path)
        out["llm size"] = _size(path)
        out["llm sha256"] = models.sha256(path)
        out["llm source"] = "--model" if model else ("CASEKIT_MODEL" if os.environ.get("CASEKIT_MODEL") else "bundled default")
    except CaseKitError as e:
        out["llm"] = "unusable"
        problems.append(str(e))
    try:
        emb = models.embedding_path()
        out["embedding"] = f"{models.EMBEDDING_ID} at {emb}"
        weights = next((p for p in sorted(emb.rglob("*.safetensors"))), None) or next(iter(sorted(emb.rglob("*.bin"))), None)
        if weights is None:
            raise CaseKitError(f"no weights under {emb}")
        out["embedding size"] = _size(weights)
        out["embedding sha256"] = models.sha256(weights)
    except CaseKitError as e:
        out["embedding"] = "unusable"
        problems.append(str(e))
    if _version("llama-cpp-python") == "not installed":
        problems.append("llama-cpp-python is not installed (make demo installs it)")
    from .retrieval.store import MANIFEST

    manifest = Path(index_dir) / MANIFEST
    out["index"] = f"{index_dir} ({'present' if manifest.exists() else 'not built yet: casekit index PATH'})"
    if manifest.exists():
        from .retrieval.index import Index
        from .retrieval.store import read_manifest, verify

        try:
            verify(Path(index_dir), read_manifest(index_dir) or {}, quick=False)  # every artifact whole
            idx = Index.open(index_dir)
            out["index"] = f"{index_dir} ({len(idx.chunks)} chunks from {len(idx.manifest['files'])} files, verified)"
        except CaseKitError as e:
            out["index"] = f"{index_dir} (unusable: {e})"
    for n, p in enumerate(problems, 1):
        out[f"problem {n}"] = p
    out["status"] = "ok" if not problems else f"{len(problems)} problem(s)"
    return out, not problems

"""casekit: local, offline, LLM-assisted case reasoning for support engineers and SREs.

The public API::

    from casekit import Case, load_cases, parse_path      # the case format
    from casekit import Index, build_index                # retrieval
    from casekit import Drafter, run_batch                # drafting one case, or many
    from casekit import errors                            # CaseKitError and its kinds

Importing casekit is cheap on purpose: the names above load their modules on first use,
and torch, sentence-transformers, llama.cpp and FAISS only when a model or an index is
actually needed (see casekit.models).
"""
import os as _os

# Offline always, and set before anything can import transformers or huggingface_hub.
for _k in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE"):
    _os.environ.setdefault(_k, "1")
_os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
_os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
_os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
_os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
_os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")

from . import errors  # noqa: E402
from .errors import CaseKitError, InputError, ModelError  # noqa: E402
from .version import __version__  # noqa: E402

__all__ = ["Case", "CaseKitError", "Drafter", "Index", "InputError", "ModelError", "build_index", "errors",
           "load_cases", "parse_path", "run_batch", "__version__"]


def __getattr__(name: str):
    """The heavier names, imported on first use."""
    if name in ("Case", "load_cases", "parse_path"):
        from . import case as module
    elif name == "Drafter":
        from . import draft as module
    elif name == "Index":
        from . import index as module
    elif name == "build_index":
        from . import build as module
    elif name == "run_batch":
        from . import batch as module
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(module, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))

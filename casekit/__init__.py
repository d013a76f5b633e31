"""casekit: local, offline, LLM-assisted case reasoning for support engineers and SREs.

Importing casekit is cheap on purpose: torch, sentence-transformers and llama.cpp are
loaded only when a command needs them (see casekit.models).
"""
import os as _os

__version__ = "0.1.0"

# Offline always, and set before anything can import transformers or huggingface_hub.
for _k in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE"):
    _os.environ.setdefault(_k, "1")
_os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
_os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
_os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
_os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
_os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")

from .errors import CaseKitError, InputError, ModelError  # noqa: E402
from .case import Case, load_cases, parse_path  # noqa: E402

__all__ = ["Case", "CaseKitError", "InputError", "ModelError", "load_cases", "parse_path", "__version__"]

"""casekit: local, offline, LLM-assisted case reasoning for support engineers and SREs.

The public API: what a notebook, a script or a benchmark needs. Everything else in the
package is internal and may change::

    from casekit import Case, load_cases, parse_path, write_case, append_log   # the case format
    from casekit import Index, build_index, import_file, embed                 # retrieval
    from casekit import Drafter, Draft, previous_draft, write_draft            # drafting one case
    from casekit import render_assessment, render_worklog, render_escalation, render_reply
    from casekit import run_batch, SoapApp                                     # many cases; the form
    from casekit import evaluate_retrieval, evaluate_drafts, labelled_cases    # measuring
    from casekit import CaseKitError, InputError, ModelError, IndexStateError  # errors

A draft in four lines::

    import casekit
    drafter = casekit.Drafter(casekit.default_index_dir())
    draft = drafter.draft(casekit.load_cases("examples/inbox/NEW-0001.md")[0])
    print(casekit.render_assessment(draft))

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
from .errors import CaseKitError, IndexStateError, InputError, ModelError  # noqa: E402
from .version import __version__  # noqa: E402

# name -> (module, attribute): imported on first use
_LAZY = {
    "Case": ("case", "Case"), "LogEntry": ("case", "LogEntry"), "load_cases": ("case", "load_cases"),
    "parse_path": ("case", "parse_path"), "write_case": ("case", "write_case"), "append_log": ("case", "append_log"),
    "Index": ("retrieval", "Index"), "Hit": ("retrieval", "Hit"), "build_index": ("retrieval", "build_index"),
    "import_file": ("retrieval.ingest.importer", "import_file"), "embed": ("retrieval.encoders", "embed"),
    "extract_signs": ("evidence.signs", "extract"),
    "Drafter": ("draft", "Drafter"), "Draft": ("draft", "Draft"), "previous_draft": ("draft", "previous_draft"),
    "write_draft": ("documents", "write_draft"), "render_assessment": ("documents", "render_assessment"),
    "render_worklog": ("documents", "render_worklog"), "render_escalation": ("documents", "render_escalation"),
    "render_reply": ("documents", "render_reply"), "render_all": ("documents", "render_all"),
    "changes_sentence": ("documents.render", "changes_sentence"), "changes_rows": ("documents.render", "changes_rows"),
    "run_batch": ("batch", "run_batch"), "SoapApp": ("widgets", "SoapApp"),
    "evaluate_retrieval": ("evaluate", "evaluate"), "load_queries": ("evaluate", "load_queries"),
    "evaluate_drafts": ("evaluate", "evaluate_drafts"), "labelled_cases": ("evaluate", "labelled_cases"),
    "default_index_dir": ("paths", "index_dir"), "resolve_model": ("models", "resolve_llm"),
}

__all__ = sorted([*_LAZY, "CaseKitError", "IndexStateError", "InputError", "ModelError", "errors", "__version__"])


def __getattr__(name: str):
    """The heavier names, imported on first use."""
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    module, attr = _LAZY[name]
    value = getattr(importlib.import_module(f"{__name__}.{module}"), attr)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))

"""Where things are when the user does not say: the one home of every default location.

Defaults are resolved against the working directory, as a command-line user expects. A
default that is not there is one clear CaseKitError (one line at the CLI edge), never a
missing-path error further down: a user of the wheel has no checkout, so no ./corpus and
no ./eval beside them.
"""
from __future__ import annotations

import os
from pathlib import Path

from .errors import CaseKitError

INDEX_DIR_ENV = "CASEKIT_INDEX_DIR"
DEFAULT_INDEX_DIR = ".casekit/index"
DEFAULT_CORPUS = "corpus"
MODELS_DIR_ENV = "CASEKIT_MODELS_DIR"
DEFAULT_MODELS_DIR = "models"
DEFAULT_EVAL_QUERIES = "eval/retrieval"


def index_dir(given: str | os.PathLike | None = None) -> Path:
    """The index folder: `given`, else $CASEKIT_INDEX_DIR, else ./.casekit/index."""
    return Path(given or os.environ.get(INDEX_DIR_ENV) or DEFAULT_INDEX_DIR).expanduser()


def corpus_paths(given: list[str | os.PathLike] | None = None) -> list[Path]:
    """What `casekit index` reads: the paths given, else ./corpus when it exists."""
    if given:
        return [Path(p).expanduser() for p in given]
    if Path(DEFAULT_CORPUS).is_dir():
        return [Path(DEFAULT_CORPUS)]
    raise CaseKitError(f"no {DEFAULT_CORPUS} folder here ({Path.cwd()}); pass PATH: casekit index PATH [PATH ...] "
                       "(a corpus folder with cases/ and docs/, case files, Markdown or RFC text)")


def models_dir() -> Path:
    """Where a bare model file name is looked up: $CASEKIT_MODELS_DIR, else ./models."""
    return Path(os.environ.get(MODELS_DIR_ENV) or DEFAULT_MODELS_DIR).expanduser()


def eval_queries(given: str | os.PathLike | None = None) -> Path:
    """The labelled retrieval queries: `given`, else ./eval/retrieval when it exists."""
    if given:
        return Path(given).expanduser()
    if Path(DEFAULT_EVAL_QUERIES).is_dir():
        return Path(DEFAULT_EVAL_QUERIES)
    raise CaseKitError(f"no {DEFAULT_EVAL_QUERIES} folder here ({Path.cwd()}); pass --queries FILE "
                       '(JSON Lines of {"query": "...", "relevant": [...]})')


def output_dir(given: str | os.PathLike, option: str = "--out") -> Path:
    """A folder to write into: it may not exist yet, but it may not be a file."""
    p = Path(given).expanduser()
    if p.exists() and not p.is_dir():
        raise CaseKitError(f"{option} {p} is a file, not a folder")
    for parent in p.parents:
        if parent.exists():
            if not parent.is_dir():
                raise CaseKitError(f"{option} {p}: {parent} is a file, not a folder")
            break
    return p


def output_file(given: str | os.PathLike, option: str) -> Path:
    """A file to write: its folder must exist, and it may not be a folder itself."""
    p = Path(given).expanduser()
    if p.is_dir():
        raise CaseKitError(f"{option} {p} is a folder, not a file")
    if not p.parent.is_dir():
        raise CaseKitError(f"{option} {p}: the folder {p.parent} does not exist")
    return p


def eval_root(given: str | os.PathLike | None = None) -> Path:
    """The folder holding the labelled cases (examples/expected.jsonl, eval/cases/)."""
    root = Path(given or ".").expanduser()
    if not (root / "examples" / "expected.jsonl").exists():
        raise CaseKitError(f"no labelled cases under {root} (examples/expected.jsonl); run from a casekit checkout "
                           "or pass --root")
    return root

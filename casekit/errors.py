"""One error type per kind of trouble, each rendered as one line at the CLI edge."""
from __future__ import annotations

from pathlib import Path


class CaseKitError(Exception):
    """Base class: anything casekit reports to a user as one line, exit status 2."""


class InputError(CaseKitError):
    """Bad input (a case file, a corpus document, an export): names file and line."""

    def __init__(self, path: str | Path | None, message: str, line: int | None = None):
        self.path = str(path) if path is not None else None
        self.line = line
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.path or "<input>"
        if self.line:
            where += f":{self.line}"
        return f"{where}: {self.message}"


class ModelError(CaseKitError):
    """A model file is missing, unreadable or not a model."""


class IndexStateError(CaseKitError):
    """The index is missing, stale, corrupted or locked."""

"""Turn corpus files into chunks: past cases, Markdown documents, RFC plain text.

`discover` walks the paths a user gives; `read_chunks` turns one file into chunks or
raises an InputError naming the file. Secrets are masked before anything leaves here.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ..case import decode, parse_text
from ..chunks import Chunk
from ..errors import InputError
from ..redact import redact
from .cases import case_chunks
from .markdown import markdown_chunks
from .rfc import looks_like_rfc, rfc_chunks

CHUNKER_VERSION = "1"
SUFFIXES = (".md", ".markdown", ".json", ".jsonl", ".txt")
MAX_FILE_BYTES = 32 * 1024 * 1024


@dataclass(frozen=True)
class Source:
    """A corpus file: where it is, and the name it is cited by."""

    path: Path  # absolute
    rel: str  # relative to the root it was found under: 'docs/dns-triage-guide.md'


def discover(paths: list[Path], on_error=None) -> list[Source]:
    """Corpus files under `paths`, sorted; symlinks that leave a root are refused."""
    found: dict[Path, Source] = {}
    for root in paths:
        root = Path(root)
        if not root.exists():
            _report(on_error, InputError(root, "no such file or folder"))
            continue
        if root.is_file():
            p = root.resolve()
            found.setdefault(p, Source(p, root.name))
            continue
        real_root = root.resolve()
        for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for name in sorted(filenames):
                if name.startswith(".") or not name.lower().endswith(SUFFIXES) or name.lower() == "readme.md":
                    continue
                p = Path(dirpath) / name
                real = p.resolve()
                if p.is_symlink() and real_root not in real.parents:
                    _report(on_error, InputError(p, f"symlink points outside {root} (to {real}); not indexed"))
                    continue
                found.setdefault(real, Source(real, p.relative_to(root).as_posix()))
    return sorted(found.values(), key=lambda s: (s.rel, str(s.path)))


def _report(on_error, e: InputError) -> None:
    if on_error is None:
        raise e
    on_error(e)


def read_chunks(src: Source, data: bytes | None = None) -> list[Chunk]:
    """All chunks of one corpus file. Raises InputError for unreadable content."""
    path = src.path
    if data is None:
        try:
            if path.stat().st_size > MAX_FILE_BYTES:
                raise InputError(path, f"file is over {MAX_FILE_BYTES // 2**20} MB; split it before indexing")
            data = path.read_bytes()
        except OSError as e:
            raise InputError(path, f"cannot read: {e.strerror or e}") from None
    suffix = path.suffix.lower()
    if suffix in (".json", ".jsonl") or (suffix in (".md", ".markdown") and _is_case(data)):
        cases, problems = parse_text(path, data)
        if problems and not cases:
            raise problems[0]
        # a JSONL file with some bad lines: the good ones are indexed, the first problem reported
        chunks = [c for case in cases for c in case_chunks(case, redact=redact)]
        if problems:
            raise PartialInput(problems, chunks)
        return chunks
    text = decode(path, data, "a text document")
    if suffix == ".txt":
        number = looks_like_rfc(text, path.name)
        if number:
            return rfc_chunks(path, redact(text), number)
    return markdown_chunks(src.rel, redact(_strip_front_matter(text)))


class PartialInput(InputError):
    """Some records of a multi-record file were bad; the good chunks travel with it."""

    def __init__(self, problems: list[InputError], chunks: list[Chunk]):
        first = problems[0]
        more = f" (and {len(problems) - 1} more bad lines)" if len(problems) > 1 else ""
        super().__init__(first.path, first.message + more, first.line)
        self.problems, self.chunks = problems, chunks


def _is_case(data: bytes) -> bool:
    head = data[:4096].lstrip(b"\xef\xbb\xbf")
    if not head.startswith(b"---"):
        return False
    end = head.find(b"\n---", 3)
    front = head[: end if end > 0 else len(head)]
    return b"\nid:" in front or front.startswith(b"---\nid:")


def _strip_front_matter(text: str) -> str:
    if text.startswith("---\n"):
        end = text.find("\n---", 4)
        if end > 0:
            return text[text.find("\n", end + 1) + 1 :]
    return text

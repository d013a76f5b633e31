"""Turn corpus files into chunks: past cases, Markdown documents, RFC plain text.

`discover` walks the paths a user gives; `read_chunks` turns one file into chunks or
raises an InputError naming the file. Secrets are masked before anything leaves here.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ...case import decode, parse_text
from ..chunks import Chunk
from ...errors import InputError
from ...case.frontmatter import names_an_id, strip_front_matter
from ...fsutil import MAX_CORPUS_FILE_BYTES, walk
from ...text.redact import redact
from .cases import case_chunks
from .markdown import markdown_chunks
from .rfc import looks_like_rfc, rfc_chunks

# Bump when chunks change (text, ids or meta): every index then rebuilds.
# 2: case chunks carry plan_steps and resolution_steps; root_cause in meta is redacted.
# 3: BM25 tokens include Chinese characters and bigrams, folded (casekit.retrieval.lexical).
CHUNKER_VERSION = "3"
SUFFIXES = (".md", ".markdown", ".json", ".jsonl", ".txt")


@dataclass(frozen=True)
class CorpusFile:
    """A corpus file: where it is, and the name it is cited by."""

    path: Path  # absolute
    rel: str  # relative to the root it was found under: 'docs/dns-triage-guide.md'


def discover(paths: list[Path], on_error=None) -> list[CorpusFile]:
    """Corpus files under `paths`, sorted; symlinks that leave a root are refused."""
    found: dict[Path, CorpusFile] = {}
    report = lambda e: _report(on_error, e)  # noqa: E731
    for root in paths:
        root = Path(root)
        if not root.exists():
            report(InputError(root, "no such file or folder"))
            continue
        if root.is_file():
            p = root.resolve()
            found.setdefault(p, CorpusFile(p, root.name))
            continue
        for p, rel in walk(root, SUFFIXES, report):
            real = p.resolve()
            found.setdefault(real, CorpusFile(real, rel))
    return sorted(found.values(), key=lambda s: (s.rel, str(s.path)))


def _report(on_error, e: InputError) -> None:
    if on_error is None:
        raise e
    on_error(e)


def read_chunks(src: CorpusFile, data: bytes | None = None) -> list[Chunk]:
    """All chunks of one corpus file. Raises InputError for unreadable content."""
    path = src.path
    if data is None:
        try:
            if path.stat().st_size > MAX_CORPUS_FILE_BYTES:
                raise InputError(path, f"file is over {MAX_CORPUS_FILE_BYTES // 2**20} MB; split it before indexing")
            data = path.read_bytes()
        except OSError as e:
            raise InputError(path, f"cannot read: {e.strerror or e}") from None
    suffix = path.suffix.lower()
    text = None if suffix in (".json", ".jsonl") else decode(path, data, "a text document")
    if text is None or (suffix in (".md", ".markdown") and names_an_id(text)):
        cases, problems = parse_text(path, data)
        if problems and not cases:
            raise problems[0]
        # a JSONL file with some bad lines: the good ones are indexed, the first problem reported
        chunks = [c for case in cases for c in case_chunks(case, redact=redact)]
        if problems:
            raise PartialInput(problems, chunks)
        return chunks
    if suffix == ".txt":
        number = looks_like_rfc(text, path.name)
        if number:
            return rfc_chunks(path, redact(text), number)
    return markdown_chunks(src.rel, redact(strip_front_matter(text)))


class PartialInput(InputError):
    """Some records of a multi-record file were bad; the good chunks travel with it."""

    def __init__(self, problems: list[InputError], chunks: list[Chunk]):
        first = problems[0]
        more = f" (and {len(problems) - 1} more bad lines)" if len(problems) > 1 else ""
        super().__init__(first.path, first.message + more, first.line)
        self.problems, self.chunks = problems, chunks

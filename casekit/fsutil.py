"""Files: loss-free writing (a reader never sees half a file, a crash leaves no temp file
behind that a rerun would mistake for output), the one folder walker, and the size limits
of input files."""
from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import Callable, Iterator

from .errors import InputError

TMP_PREFIX = ".casekit-tmp-"
# The size limits of input files, each in one place.
MAX_CASE_BYTES = 64 * 2**20  # a case file (one case, or JSONL of many)
MAX_CORPUS_FILE_BYTES = 32 * 2**20  # a corpus file read for the index


def atomic_write(path: str | Path, data: str | bytes) -> Path:
    """Write to a temp file in the same folder, fsync, then rename over `path`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=TMP_PREFIX, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(raw)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return path


def clean_temp_files(folder: str | Path) -> int:
    """Remove temp files a killed run left behind; returns how many."""
    n = 0
    folder = Path(folder)
    if folder.is_dir():
        for p in folder.glob(TMP_PREFIX + "*"):
            p.unlink(missing_ok=True)
            n += 1
    return n


def sha256_file(path: str | Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def walk(root: str | Path, suffixes: tuple[str, ...], on_error: Callable[[InputError], None]) -> Iterator[tuple[Path, str]]:
    """(path, path relative to `root`) of the files under the folder `root` whose names end
    with one of `suffixes`, sorted by relative path. Hidden files and folders and README.md
    are skipped; a symlink that leads out of `root` is reported through `on_error` and skipped."""
    root = Path(root)
    real_root = root.resolve()
    found: list[tuple[str, Path]] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in filenames:
            low = name.lower()
            if name.startswith(".") or not low.endswith(suffixes) or low == "readme.md":
                continue
            p = Path(dirpath) / name
            if p.is_symlink():
                real = p.resolve()
                if real_root not in real.parents:
                    on_error(InputError(p, f"symlink points outside {root} (to {real}); skipped"))
                    continue
            found.append((p.relative_to(root).as_posix(), p))
    for rel, p in sorted(found):
        yield p, rel

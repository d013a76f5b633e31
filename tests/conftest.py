"""Shared fixtures: the real corpus, the real RFCs (when ../shared is beside the repo), one
real index built once per session with the bundled MiniLM."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("CASEKIT_SHARED_DATA", ROOT.parent / "shared" / "data"))
CORPUS = ROOT / "corpus"
INBOX = ROOT / "examples" / "inbox"


_SCREENSHOTS: list[Path] = []


@pytest.fixture
def screenshots() -> list[Path]:
    """Append a screenshot's path here and the end of the test run names it."""
    return _SCREENSHOTS


def pytest_terminal_summary(terminalreporter) -> None:
    shots = [p for p in _SCREENSHOTS if p.exists()]
    if shots:
        terminalreporter.write_sep("-", "screenshots")
        for p in shots:
            terminalreporter.write_line(str(p))


def need_shared(sub: str = "") -> Path:
    p = SHARED / sub
    if not p.exists():
        pytest.skip(f"{p} is absent (the shared test data sits beside the repo in CI, not on a user's machine)")
    return p


@pytest.fixture(scope="session")
def shared_rfc() -> Path:
    return need_shared("rfc")


def apt_install(package: str, present) -> None:
    """Install a Debian package with apt-get when `present()` says it is missing: the test
    setup's way to get what a fresh CI machine lacks (Chromium, a CJK font). Needs root and
    apt-get; a user's machine without them skips with the reason. Waits for another apt-get
    holding the lock (tests of several worktrees may share a machine)."""
    if present():
        return
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        pytest.skip(f"Debian's {package} is not installed and apt-get needs root")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    lock = ["-o", "DPkg::Lock::Timeout=900"]
    subprocess.run(["apt-get", *lock, "update", "-qq"], env=env, capture_output=True, timeout=1200)
    r = subprocess.run(["apt-get", *lock, "install", "-y", "-qq", package], env=env,
                       capture_output=True, text=True, timeout=1800)
    if r.returncode != 0 or not present():
        pytest.fail(f"apt-get install {package} failed: {r.stderr[-500:]}")


def cjk_font_files() -> list[str]:
    """The font files fontconfig (what Chromium uses) knows to cover Traditional Chinese."""
    if not shutil.which("fc-list"):
        return []
    out = subprocess.run(["fc-list", ":lang=zh-tw", "file"], capture_output=True, text=True, timeout=60).stdout
    return sorted({line.strip().rstrip(":") for line in out.splitlines() if line.strip()})


@pytest.fixture(scope="session")
def cjk_font() -> list[str]:
    """A font with Chinese glyphs, installed the way Chromium is (Debian's fonts-noto-cjk, by
    apt-get where root; else a skip): the files fontconfig lists for Chinese. casekit's chart
    font lookup is reset, so it sees a font installed in this session."""
    if not shutil.which("fc-list"):
        apt_install("fontconfig", lambda: shutil.which("fc-list"))
    apt_install("fonts-noto-cjk", cjk_font_files)
    from casekit.documents.chart import cjk_family

    cjk_family.cache_clear()
    return cjk_font_files()


def run_cli(*args: str, env: dict | None = None, cwd: Path | None = None, timeout: float = 900) -> subprocess.CompletedProcess:
    """Run the installed console script the way a user does."""
    exe = Path(sys.executable).with_name("casekit")
    return subprocess.run([str(exe), *map(str, args)], capture_output=True, text=True, cwd=cwd or ROOT,
                          env={**os.environ, **(env or {})}, timeout=timeout, stdin=subprocess.DEVNULL)


@pytest.fixture(scope="session")
def index_dir(tmp_path_factory) -> Path:
    """The shipped corpus, plus every RFC of ../shared when it is there: one real index."""
    from casekit.retrieval import build_index

    d = tmp_path_factory.mktemp("index")
    reuse = os.environ.get("CASEKIT_TEST_INDEX")  # a developer's shortcut: a copy of an index built the same way
    if reuse:
        shutil.copytree(reuse, d, dirs_exist_ok=True)
        return d
    paths = [CORPUS]
    rfc = SHARED / "rfc"
    if rfc.exists():
        paths.append(rfc)
    errors: list[str] = []
    stats = build_index(paths, d, progress=False, on_error=errors.append)
    assert not errors, errors
    assert stats.chunks > 300
    return d


@pytest.fixture(scope="session")
def index(index_dir):
    from casekit.retrieval import Index

    return Index.open(index_dir)


@pytest.fixture(scope="session")
def drafter(index_dir):
    from casekit.draft import Drafter

    return Drafter(index_dir)

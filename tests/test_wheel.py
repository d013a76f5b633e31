"""The wheel works: built from the source (offline, with the installed setuptools),
installed into a plain folder (not editable), and run from outside the checkout."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile

import pytest

from conftest import CORPUS, ROOT


def run(*args, **kw) -> subprocess.CompletedProcess:
    r = subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=900, stdin=subprocess.DEVNULL, **kw)
    assert r.returncode == 0, (args, r.stdout[-2000:], r.stderr[-3000:])
    return r


@pytest.mark.slow
def test_the_wheel_installs_and_indexes_outside_the_checkout(tmp_path):
    # build from a copy, so that the checkout gets no build/ or egg-info
    src = tmp_path / "src"
    shutil.copytree(ROOT / "casekit", src / "casekit", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    wheels = tmp_path / "wheels"
    run(sys.executable, "-m", "pip", "wheel", src, "--no-deps", "--no-build-isolation", "--no-index", "-q", "-w", wheels)
    (wheel,) = wheels.glob("casekit-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "casekit/retrieval/ingest/__init__.py" in names
    assert "casekit/retrieval/spec_aliases.json" in names  # data read at run time
    assert "casekit/rules/layer_model.npz" in names and "casekit/rules/data/10-lines.yaml" in names  # the knowledge base
    modules = {p.relative_to(src).as_posix() for p in (src / "casekit").rglob("*.py")}
    assert modules <= names, sorted(modules - names)

    site = tmp_path / "site"
    run(sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "-q", "--target", site, wheel)
    folder = tmp_path / "history"
    (folder / "cases").mkdir(parents=True)
    (folder / "docs").mkdir()
    shutil.copy(CORPUS / "cases" / "CASE-0014.md", folder / "cases")
    shutil.copy(CORPUS / "docs" / "dns-triage-guide.md", folder / "docs")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(site)}
    env.pop("CASEKIT_INDEX_DIR", None)
    where = run(sys.executable, "-c", "import casekit, casekit.retrieval.ingest; print(casekit.__file__)", cwd=elsewhere, env=env)
    assert where.stdout.strip().startswith(str(site)), where.stdout  # the wheel's copy, not the checkout's
    idx = tmp_path / "idx"
    r = run(sys.executable, "-m", "casekit.cli", "index", folder, "--index-dir", idx, "-q", cwd=elsewhere, env=env)
    assert "indexed 2 files" in r.stdout
    assert (idx / "manifest.json").is_file()
    # and without a corpus folder here, the default says so in one line
    r = subprocess.run([sys.executable, "-m", "casekit.cli", "index", "-q"], capture_output=True, text=True, cwd=elsewhere,
                       env=env, timeout=300)
    assert r.returncode == 2 and r.stderr.strip().startswith("casekit: no corpus folder here"), r.stderr

"""The public face: `casekit.__all__` is what notebooks, bench scripts and users import, and
each of its names resolves. Notebooks and bench scripts import nothing else of casekit."""
from __future__ import annotations

import ast
import json
import re

import pytest

import casekit
from conftest import ROOT


def test_every_public_name_resolves():
    for name in casekit.__all__:
        assert getattr(casekit, name) is not None, name


def _code_cells(path) -> str:
    nb = json.loads(path.read_text(encoding="utf-8"))
    return "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")


def _imports(source: str) -> list[str]:
    """Every casekit name a piece of code reaches: `from casekit.x import y` gives 'casekit.x',
    `from casekit import y` gives 'y', and `casekit.x.y` attribute paths give 'casekit.x'."""
    out = []
    source = "\n".join(re.sub(r"^\s*[%!].*", "", line) for line in source.split("\n"))  # IPython magics
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "casekit":
            if node.module == "casekit":
                out += [a.name for a in node.names]
            else:
                out.append(node.module)
        elif isinstance(node, ast.Import):
            out += [a.name for a in node.names if a.name.startswith("casekit.")]
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "casekit":
            out.append(node.attr)
    # code inside strings run by a subprocess (bench baselines) counts too
    for s in re.findall(r"(?:from casekit[.\w]* import [\w, ]+|casekit\.\w+(?:\.\w+)*)", source):
        if s.startswith("from casekit."):
            out.append(s.split()[1])
    return out


FILES = sorted(ROOT.glob("notebooks/*.ipynb")) + sorted(ROOT.glob("bench/*.py"))


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_notebooks_and_bench_use_only_the_public_api(path):
    source = _code_cells(path) if path.suffix == ".ipynb" else path.read_text(encoding="utf-8")
    private = [n for n in _imports(source) if n not in casekit.__all__]
    assert not private, f"{path.name} reaches past casekit's public API: {sorted(set(private))}"


def test_the_check_sees_a_private_import():
    assert _imports("from casekit.reasoning.plan import plan\nimport casekit\ncasekit.retrieval.index.Index") == \
        ["casekit.reasoning.plan", "retrieval", "casekit.reasoning.plan"]

"""The house: casekit's stages are packages on floors, and dependencies flow one way, from the
faces down to the base. A module imports only from its own floor or the floors below it, and
no import cycle exists among the modules. Every import counts, including the ones inside
functions (a lazy import is still a dependency)."""
from __future__ import annotations

import ast
from pathlib import Path

from conftest import ROOT

PKG = ROOT / "casekit"

# Edges that close a cycle today, each with the change that removes it. Nothing else may.
KNOWN_CYCLE_EDGES: dict[tuple[str, str], str] = {}

# The floors, lowest first: each entry is a module or a package (with everything in it).
FLOORS: list[tuple[str, tuple[str, ...]]] = [
    ("base", ("casekit.version", "casekit.errors", "casekit.paths", "casekit.fsutil", "casekit.cluster")),
    ("text helpers", ("casekit.text",)),
    ("models", ("casekit.models",)),
    ("catalogues", ("casekit.i18n",)),
    ("case", ("casekit.case",)),
    ("knowledge base", ("casekit.rules",)),
    ("evidence", ("casekit.evidence",)),
    ("retrieval", ("casekit.retrieval",)),
    ("reasoning", ("casekit.reasoning",)),
    ("prose", ("casekit.prose",)),
    ("draft", ("casekit.draft",)),
    ("documents", ("casekit.documents",)),
    ("faces", ("casekit.batch", "casekit.widgets", "casekit.evaluate", "casekit.doctor", "casekit.train", "casekit.cli")),
    ("public face", ("casekit",)),
]


def floor_of(module: str) -> int:
    best, best_len = None, -1
    for n, (_, names) in enumerate(FLOORS):
        for name in names:
            if (module == name or module.startswith(name + ".")) and len(name) > best_len:
                best, best_len = n, len(name)
    assert best is not None, f"{module} is on no floor: add it to FLOORS"
    return best


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PKG.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PKG.rglob("*.py"))}


def imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The casekit modules that `name` imports, anywhere in the file."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: set[str] = set()

    def add(target: str) -> None:
        while target and target not in known:  # 'casekit.retrieval.index.Index' -> 'casekit.retrieval.index'
            target = target.rpartition(".")[0]
        if target and target != name:
            out.add(target)

    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "casekit" or alias.name.startswith("casekit."):
                    add(alias.name)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                origin = ".".join(base + ([node.module] if node.module else []))
            else:
                origin = node.module or ""
            if origin != "casekit" and not origin.startswith("casekit."):
                continue
            for alias in node.names:
                sub = f"{origin}.{alias.name}"
                add(sub if sub in known else origin)  # a submodule, or a name from `origin`
    return out


def graph() -> dict[str, set[str]]:
    mods = modules()
    known = set(mods)
    return {name: imports(name, path, known) for name, path in mods.items()}


def cycles(g: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(g.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(g):
        if v not in index:
            visit(v)
    return out


def test_the_import_walker_sees_lazy_and_relative_imports(tmp_path):
    g = graph()
    assert "casekit.cli" in g and "casekit.retrieval.ingest.importer" in g
    assert "casekit.case" in g["casekit.retrieval.ingest.importer"]  # from ..case import ...
    assert "casekit.batch" in g["casekit.cli"]  # imported inside cmd_batch
    assert "casekit.batch.worker" in g["casekit.batch.ray"]
    # and the cycle finder finds a cycle when there is one
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_cycle_among_casekit_modules():
    g = graph()
    for (src, dst) in KNOWN_CYCLE_EDGES:
        assert dst in g.get(src, set()), f"{src} -> {dst} is gone: delete it from KNOWN_CYCLE_EDGES"
        g[src].discard(dst)
    found = cycles(g)
    detail = "; ".join(" <-> ".join(c) + " (" + ", ".join(f"{a}->{b}" for a in c for b in sorted(g[a]) if b in c) + ")"
                       for c in found)
    assert not found, f"import cycles: {detail}"


def test_every_module_is_on_a_floor_and_imports_only_downward():
    g = graph()
    up = []
    for src, targets in sorted(g.items()):
        for dst in sorted(targets):
            if src == "casekit" and dst.startswith("casekit."):
                continue  # the public face imports every floor (lazily)
            if floor_of(dst) > floor_of(src):
                up.append(f"{src} ({FLOORS[floor_of(src)][0]}) -> {dst} ({FLOORS[floor_of(dst)][0]})")
    assert not up, "imports that go up: " + "; ".join(up)


def test_the_floor_check_fails_on_an_import_that_goes_up():
    assert floor_of("casekit.reasoning.plan") > floor_of("casekit.evidence.lines") > floor_of("casekit.text.lang")
    assert floor_of("casekit.text.lang") == floor_of("casekit.text.tokens")
    assert floor_of("casekit.cli") > floor_of("casekit.documents.render")

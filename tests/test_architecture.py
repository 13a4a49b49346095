"""The layout holds: no import circle between aigov's modules, one owner per outside library."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.conftest import PROJECT_ROOT

SOURCE = PROJECT_ROOT / "src"

# The only module (or package) of aigov that may import each outside library: one place knows
# its API, its errors and its cost (STYLE.md, "one module owns each outside system").
LIBRARY_OWNERS = {
    "github": ("aigov.scm.github",),
    "gitlab": ("aigov.scm.gitlab",),
    "great_expectations": ("aigov.evidence.data_quality.run",),
    "mlflow": ("aigov.evidence.mlflow",),
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SOURCE).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(p): p for p in sorted((SOURCE / "aigov").rglob("*.py"))}


def _imports(path: Path) -> Iterator[str]:
    """Every module ``path`` imports, at its top or inside a function (both run some day)."""
    package = _module_name(path)
    if path.name != "__init__.py":
        package = package.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)


def _graph() -> dict[str, set[str]]:
    return {
        name: {target for target in _imports(path) if target in MODULES and target != name}
        for name, path in MODULES.items()
    }


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_no_import_circle_between_aigov_modules() -> None:
    assert _cycles(_graph()) == []


def test_the_circle_finder_finds_a_circle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c"]]


def test_a_package_importing_its_own_modules_is_no_circle() -> None:
    # aigov.x/__init__ importing aigov.x.y is an edge from the package to its module only.
    assert _cycles({"p": {"p.m"}, "p.m": set()}) == []


@pytest.mark.parametrize("library", sorted(LIBRARY_OWNERS))
def test_one_module_owns_each_outside_library(library: str) -> None:
    importers = sorted(
        name
        for name, path in MODULES.items()
        if any(target.split(".")[0] == library for target in _imports(path))
    )
    owners = LIBRARY_OWNERS[library]
    assert importers and all(any(i.startswith(o) for o in owners) for i in importers), importers


MAX_FUNCTION_LINES = 80
LONG_FUNCTION_MARK = "# long function:"
"""A function may run longer when a comment inside it, starting with this mark, says why."""


def test_no_function_is_longer_than_a_screen_unless_it_says_why() -> None:
    long = []
    for name, path in MODULES.items():
        text = path.read_text("utf-8")
        lines = text.splitlines()
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                body = lines[node.lineno - 1 : node.end_lineno]
                if length > MAX_FUNCTION_LINES and not any(LONG_FUNCTION_MARK in b for b in body):
                    long.append(f"{name}.{node.name}: {length} lines")
    assert long == []

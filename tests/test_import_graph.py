"""No import cycles in ``shared/``: neither between modules nor between its subpackages.

The graph holds the imports that run: module-level and function-level ``import``/``from`` statements,
read from the AST (nothing is imported). Imports under ``if TYPE_CHECKING:`` are not edges because they
never run (handlers in ``api/`` and ``webpubsub/`` name ``Services`` for typing only). For the package
graph each module collapses to ``shared.<first part>`` (``shared.webpubsub.events`` ->
``shared.webpubsub``); top-level modules such as ``shared.composition`` are their own node.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "shared"


def module_files(root: Path = ROOT / PACKAGE) -> dict[str, Path]:
    found = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _runtime_imports(node: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.If) and _is_type_checking(child):
            for other in child.orelse:
                yield from _runtime_imports_of(other)
            continue
        yield from _runtime_imports_of(child)


def _runtime_imports_of(node: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    if isinstance(node, ast.Import | ast.ImportFrom):
        yield node
    yield from _runtime_imports(node)


def _targets(
    module: str, is_package: bool, node: ast.Import | ast.ImportFrom, known: Mapping[str, Path]
) -> set[str]:
    if isinstance(node, ast.Import):
        return {alias.name for alias in node.names}
    base = node.module or ""
    if node.level:  # relative: from the module's package, up level - 1
        package = module.split(".") if is_package else module.split(".")[:-1]
        package = package[: len(package) - (node.level - 1)]
        base = ".".join([*package, base] if base else package)
    # ``from shared.cli import store`` imports the module shared.cli.store; otherwise the named module
    return {f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names}


def import_graph(files: Mapping[str, Path]) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for module, path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        is_package = path.name == "__init__.py"
        edges: set[str] = set()
        for node in _runtime_imports(tree):
            for target in _targets(module, is_package, node, files):
                # importing a.b.c runs a and a.b too; the nearest known module is the edge
                while target and target not in files:
                    target = target.rpartition(".")[0]
                if target and target != module:
                    edges.add(target)
        graph[module] = edges
    return graph


def collapse(graph: Mapping[str, set[str]]) -> dict[str, set[str]]:
    def node(module: str) -> str:
        return ".".join(module.split(".")[:2])

    packages: dict[str, set[str]] = {}
    for module, edges in graph.items():
        packages.setdefault(node(module), set()).update(node(e) for e in edges if node(e) != node(module))
    return packages


def find_cycle(graph: Mapping[str, set[str]]) -> list[str] | None:
    """One cycle as ``[a, b, ..., a]``, or ``None``."""
    state: dict[str, int] = {}  # 1 on the current path, 2 finished
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (cycle := visit(start)):
            return cycle
    return None


def test_the_graph_sees_the_imports_that_run():
    graph = import_graph(module_files())
    assert "shared.settings.model" in graph["shared.settings"]  # re-exports are edges
    assert "shared.webpubsub.historical" in graph["shared.webpubsub.worker"]
    assert "shared.cli.fetch" in graph["shared.cli.main"]  # function-level import
    assert "shared.composition" not in graph["shared.webpubsub.events"]  # TYPE_CHECKING only


def test_no_cycle_between_modules():
    cycle = find_cycle(import_graph(module_files()))
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_no_cycle_between_packages():
    cycle = find_cycle(collapse(import_graph(module_files())))
    assert cycle is None, "import cycle between packages: " + " -> ".join(cycle or [])


def test_the_check_would_notice_a_cycle(tmp_path):
    pkg = tmp_path / PACKAGE
    (pkg / "a").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "a" / "__init__.py").write_text("")
    (pkg / "a" / "one.py").write_text("def f():\n    from shared.b import two\n")
    (pkg / "b.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from shared.a import one\n"
    )
    files = module_files(pkg)
    assert find_cycle(import_graph(files)) is None  # the TYPE_CHECKING import is no edge
    (pkg / "b.py").write_text("from .a import one\n")
    assert find_cycle(import_graph(module_files(pkg))) == ["shared.a.one", "shared.b", "shared.a.one"]
    (pkg / "b.py").write_text("import shared.a\n")
    assert find_cycle(import_graph(module_files(pkg))) is None
    assert find_cycle(collapse(import_graph(module_files(pkg)))) == ["shared.a", "shared.b", "shared.a"]

"""The journey modules form no import cycle, counting every import statement in them.

The controller gets its journeys from the composition root (``kiosk.journeys.registry``)
and journeys reach it only through ``JourneyContext``; a cycle hidden in a function body
or under ``TYPE_CHECKING`` would undo that, so those imports count here too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import kiosk.journeys

Graph = dict[str, set[str]]


def modules_of(package_dir: Path, package: str) -> dict[str, Path]:
    """Every module of the package (and its subpackages) by dotted name."""
    found = {}
    for path in sorted(package_dir.rglob("*.py")):
        parts = list(path.relative_to(package_dir).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join([package, *parts])] = path
    return found


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """The known modules ``path`` imports anywhere in its body (module level, functions, ``if``)."""
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = name.split(".") if is_package else name.split(".")[:-1]
                anchor = anchor[:len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [base, *(f"{base}.{alias.name}" for alias in node.names)]
        else:
            continue
        found.update(t for t in targets if t in known and t != name)
    return found


def import_graph(package_dir: Path, package: str) -> Graph:
    modules = modules_of(package_dir, package)
    return {name: imports_of(name, path, set(modules)) for name, path in modules.items()}


def cycles(graph: Graph) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
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

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_kiosk_journeys_has_no_import_cycle() -> None:
    package_dir = Path(kiosk.journeys.__file__).parent
    graph = import_graph(package_dir, "kiosk.journeys")
    assert "kiosk.journeys.technician.mode" in graph and "kiosk.journeys.controller" in graph
    assert "kiosk.journeys.base" in graph["kiosk.journeys.pay"]  # the scan sees real imports
    assert cycles(graph) == []


def test_the_controller_imports_no_journey() -> None:
    graph = import_graph(Path(kiosk.journeys.__file__).parent, "kiosk.journeys")
    reachable, todo = set(), ["kiosk.journeys.controller"]
    while todo:
        for nxt in graph[todo.pop()] - reachable:
            reachable.add(nxt)
            todo.append(nxt)
    for journey in ("home", "guide", "identify", "rate", "goodbye", "queue", "certificates", "technician",
                    "registry"):
        assert f"kiosk.journeys.{journey}" not in reachable, journey


def test_a_cycle_through_a_function_body_or_type_checking_is_found(tmp_path: Path) -> None:
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from pkg import b\n")
    (pkg / "b.py").write_text("def late():\n    from pkg.sub.c import thing\n")
    (pkg / "sub" / "c.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ..a import x\n")
    (pkg / "d.py").write_text("import pkg.a\n")
    graph = import_graph(pkg, "pkg")
    assert cycles(graph) == [["pkg.a", "pkg.b", "pkg.sub.c"]]

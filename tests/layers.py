"""The import graph of the ``checkers`` package and the rules its layers follow.

Layers, lowest first: ``sandbox`` < ``engine`` < ``authoring`` < ``exercises`` < ``batch``
< ``cli`` < the facade (``checkers/__init__.py``, ``__main__.py``). A module may import its
own layer or a lower one; ``sandbox`` imports nothing outside itself; an exercise never
imports another exercise; and no two modules import each other, directly or in a loop.
Every import counts, including those inside functions and under ``TYPE_CHECKING``.
"""

from __future__ import annotations

import ast
from pathlib import Path

LAYERS = ("sandbox", "engine", "authoring", "exercises", "batch", "cli", "facade")


def module_name(root: Path, path: Path) -> str:
    """``checkers/engine/model.py`` -> ``checkers.engine.model`` (``root`` holds checkers/)."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules(root: Path) -> dict[str, Path]:
    """Every module of the ``checkers`` package under ``root``."""
    return {module_name(root, p): p for p in sorted((root / "checkers").rglob("*.py"))}


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """The ``checkers`` modules that module ``name`` imports (resolved to modules)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base
                       for a in node.names]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target.startswith("checkers") and target != name:
                found.add(target)
    return found


def layer_of(name: str) -> str:
    """The layer a module belongs to."""
    parts = name.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in LAYERS else "facade"


def _exercise_of(name: str) -> str | None:
    parts = name.split(".")
    return parts[2] if len(parts) > 2 and parts[1] == "exercises" else None


def violations(root: Path) -> list[str]:
    """Every import that breaks a layer rule, and every import cycle, as sentences."""
    found = modules(root)
    graph = {name: imports_of(name, path, set(found)) for name, path in found.items()}
    problems = []
    for source, targets in sorted(graph.items()):
        for target in sorted(targets):
            a, b = layer_of(source), layer_of(target)
            if a == "sandbox" and b != "sandbox":
                problems.append(f"{source} (sandbox) imports {target}: the sandbox stands alone")
            elif LAYERS.index(b) > LAYERS.index(a):
                problems.append(f"{source} ({a}) imports {target} ({b}), a higher layer")
            elif _exercise_of(source) and _exercise_of(target) not in (None,
                                                                        _exercise_of(source)):
                problems.append(f"{source} imports another exercise's module {target}")
    problems += [f"import cycle: {' -> '.join(cycle)}" for cycle in cycles(graph)]
    return problems


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle through each strongly connected group of modules (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

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
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group) + [sorted(group)[0]])

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups

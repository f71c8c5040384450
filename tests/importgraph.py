"""The package's import graph, read from the source (every import, inside functions and
``TYPE_CHECKING`` blocks included), for the cycle and private-name checks of
``tests/test_imports.py``. Run directly, it prints the cycles and private imports."""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass, field
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = "pairmatch"


@dataclass
class Graph:
    modules: dict[str, Path]
    edges: dict[str, set[str]] = field(default_factory=dict)
    #: (importer, imported module, name, line) for each ``_name`` taken across modules
    private: list[tuple[str, str, str, int]] = field(default_factory=list)

    def cycles(self) -> list[list[str]]:
        """Strongly connected components of more than one module, or with a self-loop."""
        index: dict[str, int] = {}
        low: dict[str, int] = {}
        stack: list[str] = []
        on: set[str] = set()
        found: list[list[str]] = []
        counter = [0]
        sys.setrecursionlimit(10_000)

        def visit(v: str) -> None:
            index[v] = low[v] = counter[0]
            counter[0] += 1
            stack.append(v)
            on.add(v)
            for w in sorted(self.edges.get(v, ())):
                if w not in index:
                    visit(w)
                    low[v] = min(low[v], low[w])
                elif w in on:
                    low[v] = min(low[v], index[w])
            if low[v] == index[v]:
                part = []
                while True:
                    w = stack.pop()
                    on.discard(w)
                    part.append(w)
                    if w == v:
                        break
                if len(part) > 1 or v in self.edges.get(v, ()):
                    found.append(sorted(part))

        for v in sorted(self.modules):
            if v not in index:
                visit(v)
        return found


def module_name(path: Path, src: Path = SRC) -> str:
    parts = list(path.relative_to(src).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _resolve(node: ast.ImportFrom, current: str, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    base = current.split(".")
    if not is_package:
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def build(src: Path = SRC) -> Graph:
    """The import graph of the package under ``src``."""
    modules = {module_name(p, src): p for p in sorted((src / PACKAGE).rglob("*.py"))}
    graph = Graph(modules)
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        targets: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.split(".")[0] == PACKAGE:
                        targets.add(_owner(alias.name, modules))
            elif isinstance(node, ast.ImportFrom):
                base = _resolve(node, name, path.name == "__init__.py")
                if base.split(".")[0] != PACKAGE:
                    continue
                for alias in node.names:
                    sub = f"{base}.{alias.name}"
                    if sub in modules:
                        targets.add(sub)
                        continue
                    owner = _owner(base, modules)
                    targets.add(owner)
                    private = alias.name.startswith("_") and not alias.name.startswith("__")
                    if private and owner != name:
                        graph.private.append((name, owner, alias.name, node.lineno))
        targets.discard(name)
        graph.edges[name] = targets
    return graph


def _owner(dotted: str, modules: dict[str, Path]) -> str:
    while dotted not in modules and "." in dotted:
        dotted = dotted.rsplit(".", 1)[0]
    return dotted


if __name__ == "__main__":
    g = build()
    for cycle in g.cycles():
        print("cycle:", " ".join(cycle))
    for importer, owner, name, line in g.private:
        print(f"private: {importer}:{line} takes {owner}.{name}")

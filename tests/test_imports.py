"""The package's shape, checked from its source: no import cycle (imports inside functions
and ``TYPE_CHECKING`` blocks count), no private name taken across modules, and every import
pointing down the layers of ``docs/architecture.md``."""

from __future__ import annotations

from pathlib import Path

import pytest

from importgraph import Graph, build

#: The layers, lowest first; a module may import its own layer or lower ones only.
LAYERS: list[tuple[str, list[str]]] = [
    ("foundation", [
        "words", "errors", "messages_zh", "arguments", "version", "arrays", "exact", "progress",
        "limits", "labels", "dates", "outputs.html", "outputs.personal", "model", "office",
        "files", "io", "synth",
    ]),
    ("county arrays", [
        "registry", "distance", "fit", "reach", "candidates", "problem", "team_rules",
    ]),
    ("solvers", ["solvers"]),
    ("what a run gives", ["views", "explain", "outputs"]),
    ("result", ["result"]),
    ("pipeline", ["pipeline"]),
    ("entry points", ["match", "partition", "rematching"]),
    ("top", ["verify", "cli", "warmup", ""]),  # "": the package root itself
]  # fmt: skip


def layer_of(module: str) -> int:
    """The layer of a module: its longest matching prefix in :data:`LAYERS`."""
    name = module.removeprefix("pairmatch").removeprefix(".")
    best, found = -1, None
    for level, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            matches = name == prefix or (prefix != "" and name.startswith(prefix + "."))
            if matches and len(prefix) > best:
                best, found = len(prefix), level
    assert found is not None, f"{module} is in no layer"
    return found


@pytest.fixture(scope="module")
def graph() -> Graph:
    return build()


def test_no_import_cycle(graph: Graph) -> None:
    assert graph.cycles() == []


def test_no_private_name_is_imported_across_modules(graph: Graph) -> None:
    taken = [f"{a}:{line} takes {b}.{name}" for a, b, name, line in graph.private]
    assert taken == []


def test_imports_point_down_the_layers(graph: Graph) -> None:
    up = [
        f"{a} ({LAYERS[layer_of(a)][0]}) imports {b} ({LAYERS[layer_of(b)][0]})"
        for a, targets in sorted(graph.edges.items())
        for b in sorted(targets)
        if layer_of(b) > layer_of(a)
    ]
    assert up == []


def _package(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / "pairmatch" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return tmp_path


def test_the_checker_sees_imports_inside_functions_and_type_checking(tmp_path: Path) -> None:
    src = _package(tmp_path, {
        "__init__.py": "",
        "a.py": "def f():\n    from pairmatch.b import g\n",
        "b.py": "import typing\nif typing.TYPE_CHECKING:\n    from pairmatch import c\n",
        "c.py": "import pairmatch.a\nfrom pairmatch.a import _hidden\n",
        "d.py": "from pairmatch.sub import e\n",
        "sub/__init__.py": "",
        "sub/e.py": "from ..d import x\n",
    })  # fmt: skip
    g = build(src)
    assert g.cycles() == [
        ["pairmatch.a", "pairmatch.b", "pairmatch.c"],
        ["pairmatch.d", "pairmatch.sub.e"],
    ]
    assert [(a, b, name) for a, b, name, _ in g.private] == [
        ("pairmatch.c", "pairmatch.a", "_hidden")
    ]


def test_every_module_has_a_layer(graph: Graph) -> None:
    for module in graph.modules:
        layer_of(module)
    with pytest.raises(AssertionError, match="in no layer"):
        layer_of("pairmatch.newcomer")  # a new module must be given its layer

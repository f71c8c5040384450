"""The public API is what ``pairmatch.__all__`` lists: every name exists and is documented."""

from __future__ import annotations

import inspect
import subprocess
import sys

import pairmatch as pm


def test_every_exported_name_exists_and_is_documented() -> None:
    for name in pm.__all__:
        assert hasattr(pm, name), name
        obj = getattr(pm, name)
        if inspect.isclass(obj) or inspect.isfunction(obj) or inspect.ismodule(obj):
            assert inspect.getdoc(obj), f"{name} has no docstring"


def test_no_import_side_effects() -> None:
    # in a fresh interpreter, after its dependencies (which set filters of their own):
    # importing pairmatch adds no warning filter and no handler but its own NullHandler
    code = (
        "import logging, warnings\n"
        "import numpy, pandas, pydantic, scipy.spatial, scipy.sparse.csgraph\n"
        "import ortools.sat.python.cp_model, ortools.graph.python.min_cost_flow\n"
        "before = list(warnings.filters)\n"
        "import pairmatch\n"
        "assert warnings.filters == before, 'warning filters changed'\n"
        "assert not logging.getLogger().handlers, 'root logger got a handler'\n"
        "hs = logging.getLogger('pairmatch').handlers\n"
        "assert all(isinstance(h, logging.NullHandler) for h in hs), hs\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)


def test_backends_registry() -> None:
    assert list(pm.BACKENDS) == ["flow", "cpsat"]
    for backend in pm.BACKENDS.values():
        assert backend.available()

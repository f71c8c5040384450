"""The public API is what ``pairmatch.__all__`` lists: every name exists and is documented."""

from __future__ import annotations

import inspect

import pairmatch as pm


def test_every_exported_name_exists_and_is_documented() -> None:
    for name in pm.__all__:
        assert hasattr(pm, name), name
        obj = getattr(pm, name)
        if inspect.isclass(obj) or inspect.isfunction(obj) or inspect.ismodule(obj):
            assert inspect.getdoc(obj), f"{name} has no docstring"


def test_no_import_side_effects() -> None:
    import logging
    import warnings

    handlers = logging.getLogger("pairmatch").handlers
    assert all(isinstance(h, logging.NullHandler) for h in handlers)
    assert not any(f[0] == "ignore" and f[2] is None for f in warnings.filters[:1])


def test_backends_registry() -> None:
    assert list(pm.BACKENDS) == ["flow", "cpsat"]
    for backend in pm.BACKENDS.values():
        assert backend.available()

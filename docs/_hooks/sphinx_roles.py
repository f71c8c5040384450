"""MkDocs hook: turn the Sphinx roles in pairmatch's docstrings into links.

The docstrings write cross-references the Sphinx way (``:class:`~pairmatch.MatchResult```,
``:meth:`to_ledger```). mkdocstrings renders them as the role name followed by code, so this
hook rewrites each one into an autorefs reference before autorefs resolves the links.

A relative target is looked up from the object being documented outward (its class, its
module, then ``pairmatch``), the way Sphinx does; the first name that imports is used. A
target that is not on the site (numpy, a private module) stays plain code: the reference is
marked optional, so it never warns.
"""

from __future__ import annotations

import html
import importlib
import re
from typing import Any

from mkdocs.plugins import event_priority

_ROLE = re.compile(r":(?:class|func|meth|attr|mod|data|obj|exc|const|py:\w+):<code>([^<]+)</code>")
_ANCHOR = re.compile(r'id="(pairmatch(?:\.[A-Za-z_]\w*)*)"')


def _lookup(path: str) -> Any:
    """The Python object at a dotted path, as ``import`` and attribute access see it (so
    ``pairmatch.match`` is the function, not the module of the same name)."""
    head, *rest = path.split(".")
    try:
        obj = importlib.import_module(head)
    except ImportError as err:
        raise LookupError(path) from err
    done = head
    for name in rest:
        done = f"{done}.{name}"
        if hasattr(obj, name):
            obj = getattr(obj, name)
            continue
        try:
            obj = importlib.import_module(done)
        except ImportError as err:
            raise LookupError(path) from err
    return obj


def _canonical(path: str, obj: Any) -> str:
    """Where a function, class or module is defined (the anchor mkdocstrings gives it)."""
    module, qualname = getattr(obj, "__module__", None), getattr(obj, "__qualname__", None)
    if isinstance(module, str) and isinstance(qualname, str) and "<" not in qualname:
        return f"{module}.{qualname}"
    name = getattr(obj, "__name__", None)
    if type(obj).__name__ == "module" and isinstance(name, str):
        return name
    return path


def _resolve(target: str, context: str | None) -> tuple[str, str]:
    """(identifier, fallback identifier) of a role's target seen from ``context``."""
    scopes: list[str] = []
    while context:
        scopes.append(context)
        try:  # the module an object is defined in is a scope too (pairmatch.rematching.matcher)
            module = getattr(_lookup(context), "__module__", None)
        except LookupError:
            module = None
        if isinstance(module, str) and module.startswith("pairmatch") and module not in scopes:
            scopes.append(module)
        context = context.rpartition(".")[0]
    candidates = [f"{scope}.{target}" for scope in scopes]
    candidates += [target, f"pairmatch.{target}"]
    for path in candidates:
        try:
            obj = _lookup(path)
        except LookupError:
            continue
        return _canonical(path, obj), path
    return target, f"pairmatch.{target}"


@event_priority(100)  # before search indexes the page and autorefs collects references
def on_page_content(html_text: str, **_: Any) -> str:
    anchors = [(m.start(), m.group(1)) for m in _ANCHOR.finditer(html_text)]

    def replace(match: re.Match[str]) -> str:
        raw = html.unescape(match.group(1)).strip()
        short = raw.startswith("~")
        target = raw.lstrip("~.").removesuffix("()")
        context = None
        for start, anchor in anchors:
            if start > match.start():
                break
            context = anchor
        identifier, fallback = _resolve(target, context)
        title = target.rsplit(".", 1)[-1] if short else raw.lstrip("~")
        return (
            f'<autoref identifier="{html.escape(identifier)}" slug="{html.escape(fallback)}" '
            f"optional><code>{html.escape(title)}</code></autoref>"
        )

    return _ROLE.sub(replace, html_text)

"""The few HTML pieces every notebook view is made of (a styled box, a table, a status
line), every text escaped, in English or Chinese. Near a leaf: it imports only the words
of :mod:`pairmatch.labels`, so any object's ``_repr_html_`` can use it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape
from typing import Any

import numpy as np

from pairmatch.labels import Lang, phrase, solver_name, status_name, value

__all__ = ["box", "status_line", "table", "text"]

_STYLE = (
    "<style>.pm-box{font-family:var(--jp-ui-font-family,sans-serif);font-size:13px}"
    ".pm-box h4{margin:.2em 0 .4em}.pm-box table{border-collapse:collapse;margin:.2em 0 .6em}"
    ".pm-box td,.pm-box th{padding:2px 8px;text-align:right;border-bottom:1px solid #ddd}"
    ".pm-box th:first-child,.pm-box td:first-child{text-align:left}"
    ".pm-ok{color:#1a7f37}.pm-warn{color:#b35900}.pm-bad{color:#c62828}</style>"
)
_STATUS_CLASS = {"OPTIMAL": "pm-ok", "FEASIBLE": "pm-warn"}


def table(header: Sequence[str], rows: Iterable[Sequence[Any]], lang: Lang = "en") -> str:
    """A table of ``rows`` under ``header``, each cell written by :func:`text`."""
    head = "".join(f"<th>{escape(str(h))}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(text(x, lang))}</td>" for x in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def text(x: Any, lang: Lang = "en") -> str:
    """A cell's value for people: figures with separators, yes/no in ``lang``."""
    if isinstance(x, bool | np.bool_):
        return value("bool", str(bool(x)), lang)
    if isinstance(x, float | np.floating):
        return "" if np.isnan(x) else f"{x:,.2f}"
    if isinstance(x, int | np.integer):
        return f"{x:,}"
    return str(x)


def box(title: str, *parts: str) -> str:
    """A styled box with a title over ``parts`` (HTML already escaped)."""
    return f'{_STYLE}<div class="pm-box"><h4>{escape(title)}</h4>{"".join(parts)}</div>'


def status_line(
    status: str, gap: float, bound: float, objective: float, solver: str, lang: Lang = "en"
) -> str:
    """A result's status, solver, objective, bound and gap on one line, in ``lang``."""
    css = _STATUS_CLASS.get(status, "pm-bad")
    shown, by = escape(status_name(status, lang)), escape(solver_name(solver, lang))
    if lang == "zh":
        return (
            f'<p><b class="{css}">{shown}</b>（{by}）· {phrase("objective", lang)} '
            f"{objective:,.3f} · {phrase('bound', lang)} {bound:,.3f} · "
            f"{phrase('gap', lang)} {gap:.3g}</p>"
        )
    return (
        f'<p><b class="{css}">{shown}</b> by {by} · objective '
        f"{objective:,.3f} · bound {bound:,.3f} · gap {gap:.3g}</p>"
    )

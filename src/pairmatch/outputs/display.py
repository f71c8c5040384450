"""How pairmatch's objects look in Jupyter: ``_repr_html_`` for results, matchers and
policies.

Headline figures first (children paired by category, unmatched by reason, distances,
optimality, time), then the first rows of the pairs. Only ids, codes and figures are
shown: names, id numbers and addresses never are, and every text is escaped.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from pairmatch.labels import VALUES
from pairmatch.outputs.ledger import by_category, lead_distances
from pairmatch.model.policy import Policy

if TYPE_CHECKING:
    from pairmatch.rematching.matcher import Matcher
    from pairmatch.partition import PartitionedResult
    from pairmatch.result import MatchResult

__all__ = ["matcher_html", "partitioned_html", "policy_html", "result_html"]

#: Pair rows shown under the headline figures.
HEAD_ROWS = 5

_STYLE = (
    "<style>.pm-box{font-family:var(--jp-ui-font-family,sans-serif);font-size:13px}"
    ".pm-box h4{margin:.2em 0 .4em}.pm-box table{border-collapse:collapse;margin:.2em 0 .6em}"
    ".pm-box td,.pm-box th{padding:2px 8px;text-align:right;border-bottom:1px solid #ddd}"
    ".pm-box th:first-child,.pm-box td:first-child{text-align:left}"
    ".pm-ok{color:#1a7f37}.pm-warn{color:#b35900}.pm-bad{color:#c62828}</style>"
)
_STATUS_CLASS = {"OPTIMAL": "pm-ok", "FEASIBLE": "pm-warn"}


def _table(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    head = "".join(f"<th>{escape(str(h))}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(_text(x))}</td>" for x in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _text(x: Any) -> str:
    if isinstance(x, bool | np.bool_):
        return str(bool(x))
    if isinstance(x, float | np.floating):
        return "" if np.isnan(x) else f"{x:,.2f}"
    if isinstance(x, int | np.integer):
        return f"{x:,}"
    return str(x)


def _box(title: str, *parts: str) -> str:
    return f'{_STYLE}<div class="pm-box"><h4>{escape(title)}</h4>{"".join(parts)}</div>'


def _status_line(status: str, gap: float, bound: float, objective: float, solver: str) -> str:
    css = _STATUS_CLASS.get(status, "pm-bad")
    return (
        f'<p><b class="{css}">{escape(status)}</b> by {escape(solver)} · objective '
        f"{objective:,.3f} · bound {bound:,.3f} · gap {gap:.3g}</p>"
    )


def _by_category(category: pd.Series, paired: np.ndarray, policy: Policy) -> str:
    """Children and paired by category, the categories ranked first (highest priority) on
    top."""
    table = by_category(category, paired, policy)
    rows = [
        (f"{c} ({VALUES['category'].get(c, c)})", w, n, k, f"{share:.1%}")
        for c, w, n, k, share in table.itertuples(index=False)
    ]
    return _table(["category", "priority points", "children", "paired", "share"], rows)


def _unmatched(reasons: pd.Series) -> str:
    counts = reasons.value_counts()
    if not len(counts):
        return "<p>Every child is paired.</p>"
    return _table(["unmatched, by reason", "children"], counts.items())


def _distances(pairs: pd.DataFrame) -> str:
    lead = lead_distances(pairs)
    if not len(lead):
        return ""
    return (
        f"<p>distance to the lead volunteer: mean {lead.mean():.2f} km, 90th percentile "
        f"{lead.quantile(0.9):.2f} km, max {lead.max():.2f} km</p>"
    )


def _head(pairs: pd.DataFrame, total: int) -> str:
    columns = [c for c in ("child_id", "volunteer_id", "role", "distance_km", "fit", "covers")
               if c in pairs.columns]  # fmt: skip
    rows = pairs[columns].head(HEAD_ROWS).itertuples(index=False)
    more = ""
    if total > HEAD_ROWS:
        more = f"<p>… {total - HEAD_ROWS:,} more pairs in <code>.pairs</code></p>"
    return _table(columns, rows) + more


def result_html(result: MatchResult) -> str:
    """The notebook view of a :class:`~pairmatch.MatchResult`."""
    n = len(result.children)
    paired = np.zeros(n, bool)
    ids = pd.Index(result.children["id"])
    paired[ids.get_indexer(result.pairs["child_id"].unique())] = True
    seconds = sum(result.timings.values())
    return _box(
        f"MatchResult: {result.n_paired:,} of {n:,} children paired "
        f"({result.n_paired / max(n, 1):.1%}), {len(result.volunteers):,} volunteers",
        _status_line(
            result.status.value, result.gap, result.bound, result.objective, result.solution.solver
        ),
        f"<p>{len(result.candidates):,} candidate pairs · solved in {seconds:.2f} s</p>",
        _by_category(result.children["category"], paired, result.policy),
        _unmatched(result.unmatched["reason"]),
        _distances(result.pairs),
        _head(result.pairs, len(result.pairs)),
    )


def partitioned_html(result: PartitionedResult) -> str:
    """The notebook view of a :class:`~pairmatch.PartitionedResult`."""
    parts = result.parts
    n = len(result._ledger)
    worst = parts.sort_values(["gap", "part"], ascending=[False, True]).head(HEAD_ROWS)
    columns = ["part", "children", "volunteers", "status", "gap", "seconds"]
    ledger = result._ledger
    return _box(
        f"PartitionedResult: {result.n_paired:,} of {n:,} children paired in {len(parts):,} parts",
        _status_line(result.status.value, result.gap, result.bound, result.objective, "by parts"),
        f"<p>solved in {parts['seconds'].sum():.2f} s of work (all parts)</p>",
        _by_category(ledger["category"], (ledger["status"] == "paired").to_numpy(), result.policy),
        _unmatched(result.unmatched["reason"]),
        _distances(result.pairs),
        "<p>parts with the largest gap:</p>",
        _table(columns, worst[columns].itertuples(index=False)),
        _head(result.pairs, len(result.pairs)),
    )


def matcher_html(matcher: Matcher) -> str:
    """The notebook view of a :class:`~pairmatch.Matcher`: registers, pairs by status, and
    the last result."""
    active = matcher.active
    by_status = active["status"].value_counts() if len(active) else pd.Series(dtype=int)
    ended = int(matcher.history["end"].notna().sum())
    parts = [
        _table(
            ["", "count"],
            [
                ("children", len(matcher.children)),
                ("volunteers", len(matcher.volunteers)),
                *((f"pairs {s}", int(k)) for s, k in by_status.items()),
                ("pairs ended (history)", ended),
                ("pairs forbidden", len(matcher.forbidden)),
            ],
        ),
        f"<p>stability {escape(matcher.stability)}</p>",
    ]
    if matcher.result is not None:
        r = matcher.result
        parts.append(_status_line(r.status.value, r.gap, r.bound, r.objective, r.solution.solver))
    else:
        parts.append("<p>not solved yet: call <code>.solve()</code></p>")
    if len(active):
        columns = ["child_id", "volunteer_id", "role", "status", "start"]
        rows = active[columns].head(HEAD_ROWS).itertuples(index=False)
        parts.append(_table(columns, rows))
        if len(active) > HEAD_ROWS:
            parts.append(f"<p>… {len(active) - HEAD_ROWS:,} more in <code>.active</code></p>")
    return _box("Matcher", *parts)


def policy_html(policy: Policy) -> str:
    """The notebook view of a :class:`~pairmatch.Policy`: each setting, its value and what
    it means, the settings changed from the defaults in bold."""
    default = Policy()
    rows = []
    for name, field in Policy.model_fields.items():
        value = getattr(policy, name)
        changed = value != getattr(default, name)
        label = f"<b>{escape(name)}</b>" if changed else escape(name)
        about = escape(" ".join((field.description or "").split()))
        rows.append(
            f"<tr><td>{label}</td><td>{escape(_text(value))}</td>"
            f'<td style="text-align:left">{about}</td></tr>'
        )
    table = (
        "<table><thead><tr><th>setting</th><th>value</th><th>meaning</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )
    return _box("Policy (settings changed from the defaults in bold)", table)

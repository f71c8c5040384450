"""How pairmatch's objects look in Jupyter: ``_repr_html_`` for results, matchers and
policies.

Headline figures first (children paired by category, unmatched by reason, distances,
optimality, time), then the first rows of the pairs. Only ids, codes and figures are
shown: names, id numbers and addresses never are, and every text is escaped.
"""

from __future__ import annotations

from html import escape

import numpy as np
import pandas as pd

from pairmatch.labels import VALUES
from pairmatch.model.policy import Policy
from pairmatch.outputs import html
from pairmatch.outputs.ledger import by_category, lead_distances
from pairmatch.views import MatcherView, Partitioned, Solved

__all__ = ["matcher_html", "partitioned_html", "result_html"]

#: Pair rows shown under the headline figures.
HEAD_ROWS = 5


def _by_category(category: pd.Series, paired: np.ndarray, policy: Policy) -> str:
    """Children and paired by category, the categories ranked first (highest priority) on
    top."""
    table = by_category(category, paired, policy)
    rows = [
        (f"{c} ({VALUES['category'].get(c, c)})", w, n, k, f"{share:.1%}")
        for c, w, n, k, share in table.itertuples(index=False)
    ]
    return html.table(["category", "priority points", "children", "paired", "share"], rows)


def _unmatched(reasons: pd.Series) -> str:
    counts = reasons.value_counts()
    if not len(counts):
        return "<p>Every child is paired.</p>"
    return html.table(["unmatched, by reason", "children"], counts.items())


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
    return html.table(columns, rows) + more


def result_html(result: Solved) -> str:
    """The notebook view of a :class:`~pairmatch.MatchResult`."""
    n = len(result.children)
    paired = np.zeros(n, bool)
    ids = pd.Index(result.children["id"])
    paired[ids.get_indexer(result.pairs["child_id"].unique())] = True
    seconds = sum(result.timings.values())
    return html.box(
        f"MatchResult: {result.n_paired:,} of {n:,} children paired "
        f"({result.n_paired / max(n, 1):.1%}), {len(result.volunteers):,} volunteers",
        html.status_line(
            result.status.value, result.gap, result.bound, result.objective, result.solution.solver
        ),
        f"<p>{len(result.candidates):,} candidate pairs · solved in {seconds:.2f} s</p>",
        _by_category(result.children["category"], paired, result.policy),
        _unmatched(result.unmatched["reason"]),
        _distances(result.pairs),
        _head(result.pairs, len(result.pairs)),
    )


def partitioned_html(result: Partitioned) -> str:
    """The notebook view of a :class:`~pairmatch.PartitionedResult`."""
    parts = result.parts
    ledger = result.ledger()
    n = len(ledger)
    worst = parts.sort_values(["gap", "part"], ascending=[False, True]).head(HEAD_ROWS)
    columns = ["part", "children", "volunteers", "status", "gap", "seconds"]
    return html.box(
        f"PartitionedResult: {result.n_paired:,} of {n:,} children paired in {len(parts):,} parts",
        html.status_line(
            result.status.value, result.gap, result.bound, result.objective, "by parts"
        ),
        f"<p>solved in {parts['seconds'].sum():.2f} s of work (all parts)</p>",
        _by_category(ledger["category"], (ledger["status"] == "paired").to_numpy(), result.policy),
        _unmatched(result.unmatched["reason"]),
        _distances(result.pairs),
        "<p>parts with the largest gap:</p>",
        html.table(columns, worst[columns].itertuples(index=False)),
        _head(result.pairs, len(result.pairs)),
    )


def matcher_html(matcher: MatcherView) -> str:
    """The notebook view of a :class:`~pairmatch.Matcher`: registers, pairs by status, and
    the last result."""
    active = matcher.active
    by_status = active["status"].value_counts() if len(active) else pd.Series(dtype=int)
    ended = int(matcher.history["end"].notna().sum())
    parts = [
        html.table(
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
        parts.append(
            html.status_line(r.status.value, r.gap, r.bound, r.objective, r.solution.solver)
        )
    else:
        parts.append("<p>not solved yet: call <code>.solve()</code></p>")
    if len(active):
        columns = ["child_id", "volunteer_id", "role", "status", "start"]
        rows = active[columns].head(HEAD_ROWS).itertuples(index=False)
        parts.append(html.table(columns, rows))
        if len(active) > HEAD_ROWS:
            parts.append(f"<p>… {len(active) - HEAD_ROWS:,} more in <code>.active</code></p>")
    return html.box("Matcher", *parts)

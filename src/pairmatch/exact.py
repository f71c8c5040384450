"""The bounds that keep pairmatch's arithmetic exact, and the helpers that check them.

Both objective levels are integers. pairmatch adds them up in 64-bit integers, reports them
(``objective``, ``bound``) as 64-bit floats, and CP-SAT reports its objective and bound as
64-bit floats too. Every integer of magnitude at most ``2**53`` is exact as a float, so a
:class:`~pairmatch.Problem` keeps every number it holds, and every total a pairing can reach,
within :data:`EXACT`; a back end that needs more room (the flow's folded costs, CP-SAT's
linear expressions) checks its own bound before it solves.
"""

from __future__ import annotations

import numpy as np

from pairmatch.errors import InputIssue

__all__ = ["CPSAT_LIMIT", "EXACT", "NAMED", "entry_issues", "over"]

#: Largest magnitude of any number in a problem, and of any total a pairing can reach:
#: the integers a 64-bit float holds exactly.
EXACT = 2**53

#: Largest sum of the positive (or of the negative) terms of one CP-SAT linear expression
#: that pairmatch builds. CP-SAT 9.15 declares a model invalid from 2**62 on (measured: one
#: term of 2**62 - 1 is accepted, 2**62 is not; two of 2**61 are not); half of that leaves
#: room for other versions.
CPSAT_LIMIT = 2**61

#: Bad entries named one by one for each argument; the rest are counted in one more line.
NAMED = 5


def over(
    values: np.ndarray,
    limit: int | np.ndarray,
    labels: np.ndarray | None = None,
    size: int = 1,
) -> np.ndarray:
    """Whether the sum of non-negative int64 ``values`` exceeds ``limit``, for each label
    (``labels`` gives each value's label in ``0..size-1``; without it, one sum of all).

    Exact: sums are estimated in floats, and those within a millionth of their limit (where
    float rounding could decide) are recounted in Python integers."""
    as_float = values.astype(float)
    if labels is None:
        estimate = np.array([as_float.sum()])
    else:
        estimate = np.bincount(labels, weights=as_float, minlength=size)
    bound = np.broadcast_to(np.asarray(limit, dtype=float), estimate.shape)
    out = estimate > bound
    for k in np.flatnonzero(np.abs(estimate - bound) <= bound * 1e-6).tolist():
        part = values if labels is None else values[labels == k]
        cap = int(np.broadcast_to(np.asarray(limit), estimate.shape)[k])
        out[k] = sum(part.tolist()) > cap
    return out


def entry_issues(
    table: str,
    field: str,
    bad: np.ndarray,
    message: str,
    where: str = "entry {i}",
    *,
    rows: np.ndarray | None = None,
) -> list[InputIssue]:
    """One issue per bad entry (``bad`` is a boolean mask over the argument), the first
    :data:`NAMED` named by position and the rest counted in one more issue.

    ``message`` may use ``{where}`` (filled from ``where``, which may use ``{i}``, the
    entry's position, and ``{j}``, its column for a matrix); ``rows`` gives each entry's
    row (default: its position)."""
    positions = np.argwhere(bad) if bad.ndim > 1 else np.flatnonzero(bad)[:, None]
    issues = []
    for pos in positions[:NAMED].tolist():
        i, j = pos[0], pos[1] if len(pos) > 1 else None
        text = message.format(where=where.format(i=i, j=j))
        row = i if rows is None else int(rows[i])
        issues.append(InputIssue(table, row, None, field, text))
    if len(positions) > NAMED:
        more = len(positions) - NAMED
        issues.append(InputIssue(table, None, None, field, f"and {more} more entries like these"))
    return issues

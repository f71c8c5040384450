"""The main entry point: :func:`match`, from registers to a proven-optimal pairing."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from pairmatch.io import Source, read_children, read_volunteers
from pairmatch.model.policy import Policy, read_policy
from pairmatch.pipeline import all_or_nothing, run
from pairmatch.progress import reporting
from pairmatch.registry import Registry
from pairmatch.result import MatchResult
from pairmatch.solvers import read_options
from pairmatch.solvers.base import Backend, Options

__all__ = ["match"]


def match(
    children: Source,
    volunteers: Source,
    policy: Policy | Mapping[str, Any] | None = None,
    *,
    forbidden: Any = None,
    locked: Any = None,
    keep: Any = None,
    options: Options | None = None,
    solver: str | Backend = "auto",
    time_limit: float | None = None,
    workers: int | None = None,
    seed: int = 0,
    deterministic: bool = True,
    progress: bool = False,
) -> MatchResult:
    """Pair volunteers with children: every child who can be paired is, the neediest first,
    and among those pairings the one with the best total fit.

    Parameters
    ----------
    children, volunteers:
        The registers: DataFrames in the table form, paths to CSV/Excel/Parquet files, open
        files, or lists of :class:`Child` / :class:`Volunteer` records.
    policy:
        Rules and weights: a :class:`Policy`, or a dict of its settings such as
        ``{"max_distance_km": 5}`` (default :class:`Policy()`).
    forbidden:
        Pairs that must not be made: ``(child_id, volunteer_id)`` tuples or a DataFrame with
        those columns.
    locked:
        Pairs that must be made (e.g. pairs that already work). A locked pair that breaks a
        hard rule, or locks beyond a volunteer's capacity, makes the result ``INFEASIBLE``
        with the reasons in ``result.reasons``.
    keep:
        Existing pairs worth ``policy.switching_cost`` fit points each if kept (stability
        when re-pairing); pairs that now break a hard rule are simply not available.
    options:
        How to search: a :class:`pairmatch.Options` (solver, time limit, workers, seed,
        determinism). The keywords below are a shorthand for the same fields; give either
        ``options`` or those keywords, not both.
    solver:
        ``"auto"`` (exact min-cost flow when possible, else CP-SAT), ``"flow"`` or
        ``"cpsat"``.
    time_limit, workers, seed, deterministic:
        Search options (see :class:`pairmatch.Options`); ``time_limit`` counts building
        the model too.
    progress:
        Show progress bars (stages, the candidate search on large registers, the search's
        best pairing and bound as they improve); silent by default. In Jupyter the bars are
        widgets when ipywidgets is installed.

    Returns
    -------
    MatchResult

    Examples
    --------
    >>> import pairmatch as pm
    >>> children, volunteers = pm.synth.county(300, seed=7)
    >>> result = pm.match(children, volunteers, pm.Policy(max_distance_km=10))
    >>> result.status.value
    'OPTIMAL'
    >>> len(result.pairs) + len(result.unmatched) == len(children)
    True
    """
    policy = read_policy(policy)
    # bad options are refused before any work
    options = read_options(
        options, solver=solver, time_limit=time_limit, workers=workers, seed=seed,
        deterministic=deterministic,
    )  # fmt: skip
    with reporting(progress, "pairmatch.match", stages=4) as reporter:
        timings: dict[str, float] = {}
        t = time.perf_counter()
        if reporter is not None:
            reporter.stage("reading registers")
        child_table, volunteer_table = all_or_nothing(
            lambda: read_children(children), lambda: read_volunteers(volunteers)
        )
        registry = Registry.build(child_table, volunteer_table)
        banned, fixed, kept = all_or_nothing(
            lambda: registry.pair_indices(forbidden, "forbidden pairs"),
            lambda: registry.pair_indices(locked, "locked pairs"),
            lambda: registry.pair_indices(keep, "kept pairs"),
        )
        timings["validate"] = time.perf_counter() - t
        return run(
            registry, policy, options, banned=banned, fixed=fixed, kept=kept,
            reporter=reporter, timings=timings,
        )  # fmt: skip

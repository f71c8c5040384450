"""Compile pairmatch's numeric kernels once, into numba's on-disk cache.

The kernels of the candidate search, the re-pairing (shortest paths on the live flow), the
team pricing and the pruned flow of a time limit are compiled by numba the first time they
run, which takes seconds; numba then keeps the machine code in its cache (``__pycache__``
beside the sources, or ``NUMBA_CACHE_DIR``) and later processes load it in milliseconds.
:func:`warm_up` runs a tiny county through every path that uses a kernel, so that the
compiling happens at install time (``make`` does it, and so does ``pairmatch warmup`` after
a ``pip install``), not during an office's first re-pairing.
"""

from __future__ import annotations

import time

import numpy as np

__all__ = ["warm_up"]


def warm_up() -> float:
    """Run each kernel once on a tiny synthetic county; returns the seconds it took (a few
    seconds on a fresh install, well under one when the cache is already there)."""
    from pairmatch.match import match
    from pairmatch.model.policy import Policy
    from pairmatch.rematching.changes import Changes
    from pairmatch.rematching.matcher import Matcher
    from pairmatch.solvers.teams.pricing import price_teams
    from pairmatch.synth import county

    began = time.perf_counter()
    children, volunteers = county(60, seed=1)
    m = Matcher(children, volunteers, Policy(max_distance_km=10))
    first = m.solve(at="2026-01-01")
    kids = first.pairs["child_id"].tolist()
    vols = first.pairs["volunteer_id"].tolist()
    m.update(Changes(remove_volunteers=[vols[0]]), at="2026-01-02")
    m.update(
        Changes(
            add_children=children.iloc[:1].assign(id="warm-up-child"),
            edit_children=children.iloc[[1]][["id"]].assign(need_life=3),
            end_pairs=[(kids[1], vols[1], "warm-up")],
        ),
        at="2026-01-03",
    )
    m.update(Changes(remove_children=["warm-up-child"]), at="2026-01-04")
    # the carrying path (what the live network cannot hold in place, such as fairness)
    fair = Matcher(children, volunteers, Policy(max_distance_km=10, fairness_penalty=1))
    fair.solve(at="2026-01-01")
    fair.update(Changes(edit_children=children.iloc[[1]][["id"]].assign(need_life=3)),
                at="2026-01-02")  # fmt: skip
    # the rules checked on pairs found another way (a carried pair, a moved record)
    from pairmatch.candidates import candidates_of
    from pairmatch.distance import great_circle_km
    from pairmatch.io import read_children, read_volunteers
    from pairmatch.registry import Registry

    registry = Registry.build(read_children(children), read_volunteers(volunteers))
    c, v = np.arange(3), np.arange(3)
    km = great_circle_km(registry.child_xyz[c], registry.volunteer_xyz[v])
    candidates_of(registry, Policy(max_distance_km=10), c, v, km)
    # the team pricing (run when a search stops short of a proof)
    teams = match(
        children, volunteers, Policy(max_distance_km=10, severe_team_size=(1, 2))
    ).solution
    problem = teams.problem
    price_teams(problem, np.arange(problem.n_edges), teams.priority_value, 0, 1.0)
    # column generation's listing of the columns within a gap (run when a gap is left)
    from pairmatch.solvers.teams.colgen import ColumnGeneration, Stage, enumerate_columns
    from pairmatch.solvers.teams.pricing import Subproblems

    sub = Subproblems.of(problem, np.arange(problem.n_edges))
    if sub is not None:
        master = ColumnGeneration(problem, sub, Stage(1))
        master.run(None)
        enumerate_columns(master, 1.0, 1000)
    # the pruned flow of a time limit (every round, and the bound when the time runs out)
    from pairmatch.solvers.base import Options
    from pairmatch.solvers.flow.pruned import solve_pruned

    plain = first.solution.problem
    solve_pruned(plain, Options(time_limit=60), k=1)
    solve_pruned(plain, Options(time_limit=1e-9), k=1)
    return time.perf_counter() - began

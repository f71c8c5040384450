"""Hypothesis strategies for small random problems, and the checks the property tests
share (a solution obeys every rule; it equals the exhaustive oracle of ``reference.py``)."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st

import pairmatch as pm
from pairmatch.problem import Teams

# no example database: nothing is written into the repository, and every run is independent
FAST = settings(deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])


def budget(examples: int) -> settings:
    """Settings for one property: no deadline (CP-SAT timings vary) and a fixed budget."""
    return settings(FAST, max_examples=examples)


# ---------------------------------------------------------------------------- strategies

UNIT, UNIFORM, ANY = "unit", "uniform", "any"


@st.composite
def problems(
    draw: st.DrawFn,
    *,
    max_children: int = 6,
    max_volunteers: int = 4,
    loads: str = UNIT,
    min_priority: int = 0,
    max_priority: int = 3,
    scores: tuple[int, int] = (-5, 20),
    must_pair: bool = True,
    locked: bool = True,
    fairness: bool = False,
) -> pm.Problem:
    """A valid random problem: distinct (child, volunteer) edges in random order, integer
    scores, loads >= 1 (all 1, one load per volunteer, or one per edge), capacities 0..3,
    priorities, optional must-pair children and optional locked edges."""
    n = draw(st.integers(0, max_children), label="n_children")
    m = draw(st.integers(1, max_volunteers), label="n_volunteers")
    density = draw(st.integers(1, 4), label="density (quarters)")
    pairs = [(c, v) for c in range(n) for v in range(m) if draw(st.integers(0, 3)) < density]
    pairs = draw(st.permutations(pairs), label="edge order")
    e = len(pairs)
    child = np.array([c for c, _ in pairs], np.int64)
    volunteer = np.array([v for _, v in pairs], np.int64)
    score = draw(st.lists(st.integers(*scores), min_size=e, max_size=e), label="score")
    if loads == UNIT:
        load = [1] * e
    elif loads == UNIFORM:
        per_volunteer = draw(st.lists(st.integers(1, 3), min_size=m, max_size=m))
        load = [per_volunteer[v] for v in volunteer.tolist()]
    else:
        load = draw(st.lists(st.integers(1, 3), min_size=e, max_size=e), label="load")
    capacity = draw(st.lists(st.integers(0, 3), min_size=m, max_size=m), label="capacity")
    priority = draw(
        st.lists(st.integers(min_priority, max_priority), min_size=n, max_size=n),
        label="priority",
    )
    must = [False] * n
    if must_pair:
        must = draw(st.lists(st.integers(0, 3).map(lambda k: k == 0), min_size=n, max_size=n))
    lock: list[int] = []
    if locked and e:
        lock = draw(st.lists(st.integers(0, e - 1), max_size=2), label="locked")
    fair: dict = {}
    if fairness:
        fair = {
            "fair_load": np.array(draw(st.lists(st.integers(0, 2), min_size=m, max_size=m))),
            "overload_penalty": draw(st.integers(0, 8), label="overload penalty"),
        }
    return pm.Problem(
        n_children=n,
        n_volunteers=m,
        child=child,
        volunteer=volunteer,
        score=np.array(score, np.int64),
        load=np.array(load, np.int64),
        capacity=np.array(capacity, np.int64),
        priority=np.array(priority, np.int64),
        must_pair=np.array(must, bool),
        locked=np.array(lock, np.int64),
        **fair,
    )


# ---------------------------------------------------------------------------- helpers


def solve(problem: pm.Problem, solver: str, **kwargs) -> pm.Solution:
    if solver == "cpsat":
        kwargs.setdefault("workers", 1)
    return pm.solve(problem, solver, **kwargs)


def check_solution(sol: pm.Solution) -> None:
    """What must hold for every solution, feasible or not."""
    report = pm.verify(sol)
    assert report.ok and bool(report), report.violations
    p = sol.problem
    chosen = np.asarray(sol.chosen)
    assert np.all(np.diff(chosen) > 0), "chosen edges must be ascending and distinct"
    assert sol.n_paired == chosen.size
    if sol.status is pm.Status.INFEASIBLE:
        assert sol.reasons, "INFEASIBLE without reasons"
        assert chosen.size == 0
        return
    assert sol.status in (pm.Status.OPTIMAL, pm.Status.FEASIBLE)
    expected = np.full(p.n_children, -1)
    expected[p.child[chosen]] = p.volunteer[chosen]
    np.testing.assert_array_equal(sol.assignment, expected)
    assert set(p.locked.tolist()) <= set(chosen.tolist())
    assert sol.objective == sol.score_value * p.score_scale


def check_against_oracle(sol: pm.Solution, best: tuple[int, int] | None) -> None:
    check_solution(sol)
    p = sol.problem
    demand = np.bincount(p.volunteer, weights=p.load, minlength=p.n_volunteers)
    binding = bool(np.any(demand > p.capacity))
    event(f"{sol.solver}: {'infeasible' if best is None else 'feasible'}, capacity binds {binding}")
    if best is None:
        assert sol.status is pm.Status.INFEASIBLE, sol
        return
    assert sol.status is pm.Status.OPTIMAL, (sol, sol.reasons)
    assert (sol.priority_value, sol.score_value) == best, sol
    assert (sol.priority_bound, sol.score_bound) == best
    assert sol.gap == 0.0


K = 2  # need categories in these small instances


@st.composite
def team_problems(draw, k: int = K) -> pm.Problem:
    n = draw(st.integers(1, 3))
    m = draw(st.integers(1, 3))
    pairs = [(c, v) for c in range(n) for v in range(m) if draw(st.booleans())]
    e = len(pairs)
    child = np.array([c for c, _ in pairs], np.int64)
    vol = np.array([v for _, v in pairs], np.int64)

    def ints(lo: int, hi: int, size: int) -> np.ndarray:
        return np.array(draw(st.lists(st.integers(lo, hi), min_size=size, max_size=size)), np.int64)

    size_min = ints(1, 2, n)
    size_max = size_min + ints(0, 1, n)
    teams = Teams(
        size_min=size_min,
        size_max=size_max,
        support_load=ints(1, 2, e),
        cover_required=ints(0, 1, n * k).reshape(n, k).astype(bool),
        covers=ints(0, 1, e * k).reshape(e, k).astype(bool),
        category_value=ints(0, 6, e * k).reshape(e, k),
        max_leads=ints(0, 2, m) if draw(st.booleans()) else None,
    )
    locked = [i for i in range(e) if draw(st.integers(0, 9)) == 0]
    fair = {}
    if draw(st.booleans()):
        fair = {"fair_load": ints(0, 2, m), "overload_penalty": draw(st.integers(0, 5))}
    return pm.Problem(
        n_children=n, n_volunteers=m, child=child, volunteer=vol, score=ints(-3, 5, e),
        load=ints(1, 2, e), capacity=ints(0, 3, m), priority=ints(0, 3, n),
        must_pair=ints(0, 3, n) == 0, locked=locked, teams=teams, **fair,
    )  # fmt: skip

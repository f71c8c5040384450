"""The flow repair (solvers/flow/repair.py): after any change it reaches the optimum a fresh
min-cost flow finds, and its certificate rejects what is not optimal."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import pairmatch as pm
from pairmatch.solvers import solve
from pairmatch.solvers.base import level2_value
from pairmatch.solvers.flow import repair
from pairmatch.solvers.flow.repair import FlowRepair


def _problem(rng: np.random.Generator, value: np.ndarray, cap: np.ndarray, prio: np.ndarray,
             penalty: int, locked: list[tuple[int, int]]) -> pm.Problem:  # fmt: skip
    p = pm.Problem.from_matrices(value, capacity=cap, priority=prio)
    if penalty:
        p = replace(p, fair_load=np.ones(value.shape[1], np.int64), overload_penalty=penalty)
    if locked:
        keys = p.child * value.shape[1] + p.volunteer
        want = [c * value.shape[1] + v for c, v in locked]
        p = replace(p, locked=np.searchsorted(keys, want))
    return p


def _value(p: pm.Problem, chosen: np.ndarray) -> tuple[int, int]:
    return int(p.priority[np.unique(p.child[chosen])].sum()), level2_value(p, chosen)


@settings(max_examples=150, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), penalty=st.sampled_from([0, 0, 3]), lock=st.booleans())
def test_repair_reaches_the_flow_optimum(seed: int, penalty: int, lock: bool) -> None:
    rng = np.random.default_rng(seed)
    n, m = int(rng.integers(1, 9)), int(rng.integers(1, 6))
    value = rng.integers(-5, 12, (n, m)).astype(float)
    value[rng.random((n, m)) < 0.4] = np.nan
    cap, prio = rng.integers(0, 3, m), rng.integers(0, 4, n)
    p = _problem(rng, value, cap, prio, penalty, [])
    state = FlowRepair.start(p, solve(p, "flow").chosen)
    assert state is not None and state.certify()
    # a child's needs, a volunteer's skills, capacity and priority change; one record of
    # each side is rebuilt
    c, v = int(rng.integers(n)), int(rng.integers(m))
    value2 = value.copy()
    value2[c] = np.where(rng.random(m) < 0.5, rng.integers(-5, 12, m), np.nan)
    value2[:, v] = np.where(rng.random(n) < 0.5, rng.integers(-5, 12, n), np.nan)
    cap2, prio2 = cap.copy(), prio.copy()
    cap2[v], prio2[c] = rng.integers(0, 3), rng.integers(0, 4)
    # strict mode: lock one current pair that survives the change, if any
    locks: list[tuple[int, int]] = []
    if lock:
        for e in state.chosen.tolist():
            a, b = int(p.child[e]), int(p.volunteer[e])
            if a != c and b != v and cap2[b] >= 1:
                locks = [(a, b)]
                break
    p2 = _problem(rng, value2, cap2, prio2, penalty, locks)
    old = {(int(a), int(b)): i for i, (a, b) in enumerate(zip(p.child, p.volunteer, strict=True))}
    edge_from = np.array(
        [old.get((int(a), int(b)), -1) if a != c and b != v else -1
         for a, b in zip(p2.child, p2.volunteer, strict=True)],
        np.int64,
    )  # fmt: skip
    child_from, vol_from = np.arange(n), np.arange(m)
    child_from[c], vol_from[v] = -1, -1
    repaired = state.advance(p2, edge_from, child_from, vol_from)
    assert repaired is not None and repaired.certify()
    exact = solve(p2, "flow")
    assert _value(p2, repaired.chosen) == (exact.priority_value, exact.score_value)
    assert set(p2.locked.tolist()) <= set(repaired.chosen.tolist())


def test_certificate_rejects_what_is_not_optimal() -> None:
    value = np.array([[5.0, 1.0], [4.0, 3.0]])
    p = pm.Problem.from_matrices(value, priority=1)
    best = solve(p, "flow").chosen
    assert FlowRepair.start(p, best) is not None
    worse = np.setdiff1d(np.arange(p.n_edges), best)  # the other perfect pairing: 1 + 4 < 8
    assert FlowRepair.start(p, worse) is None
    state = FlowRepair.start(p, best)
    assert state is not None
    state.pi[0] -= 10**6  # tampered potentials: a residual arc now has a negative cost
    assert not state.certify()


def test_teams_are_not_repaired() -> None:
    children, volunteers = pm.synth.county(40, seed=2)
    policy = pm.Policy(max_distance_km=5, severe_team_size=(1, 3), cover_need_from=3)
    result = pm.match(children, volunteers, policy)
    assert result.solution.problem.has_teams
    assert FlowRepair.start(result.solution.problem, result.solution.chosen) is None


def test_a_change_beyond_max_units_is_solved_in_full(monkeypatch) -> None:
    children, volunteers = pm.synth.county(300, seed=5)
    policy = pm.Policy(max_distance_km=5)
    fast, usual = (pm.Matcher(children, volunteers, policy) for _ in range(2))
    full = pm.Matcher(children, volunteers, policy, incremental=False)
    for m in (fast, usual, full):
        m.solve(at="2026-01-01")
    busy = fast.active["volunteer_id"].value_counts().index[:3].tolist()
    changes = pm.Changes(remove_volunteers=busy)
    assert "repair_searches" in usual.update(changes, at="2026-01-02").solution.stats
    monkeypatch.setattr(repair, "MAX_UNITS", 1)
    big = fast.update(changes, at="2026-01-02")
    assert "repair_searches" not in big.solution.stats  # it fell back
    other = full.update(changes, at="2026-01-02")
    assert pm.verify(big).ok
    assert (big.solution.priority_value, big.solution.score_value) == (
        other.solution.priority_value, other.solution.score_value)  # fmt: skip
    assert big.diff.equals(other.diff)

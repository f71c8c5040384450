"""The in-place flow (solvers/flow/in_place.py): after any sequence of changes it reaches the
optimum a fresh min-cost flow finds on the same records, proven by its certificate."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import pairmatch as pm
from pairmatch.solvers import solve
from pairmatch.solvers.flow.in_place import DEAD, LiveFlow
from pairmatch.solvers.flow.repair import FlowRepair


def _fresh(live: LiveFlow) -> tuple[int, int]:
    """(level 1, level 2) of a fresh flow solve over the live pairs (children and
    volunteers renumbered; the pairs' scores with their bonus)."""
    e = np.flatnonzero(live.cost[: live.n_edges] != DEAD)
    score = live.score[e] + live.bonus * live.preferred[e]
    p = pm.Problem(
        n_children=live.n, n_volunteers=live.m, child=live.child[e],
        volunteer=live.volunteer[e], score=score, capacity=live.room.copy(),
        priority=live.priority.copy(), locked=np.flatnonzero(live.locked_edge[e]),
    )  # fmt: skip
    exact = solve(p, "flow")
    return exact.priority_value, exact.score_value


def _valid(live: LiveFlow) -> None:
    chosen = live.chosen
    assert np.all(live.cost[chosen] != DEAD)
    assert np.unique(live.child[chosen]).size == chosen.size
    load = np.bincount(live.volunteer[chosen], minlength=live.m)
    assert np.all(load <= live.room)
    assert np.all(live.matched[np.flatnonzero(live.locked_edge[: live.n_edges])])


@settings(max_examples=150, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), bonus=st.sampled_from([0, 0, 4]), steps=st.integers(1, 6))
def test_live_flow_stays_optimal(seed: int, bonus: int, steps: int) -> None:
    rng = np.random.default_rng(seed)
    n, m = int(rng.integers(1, 9)), int(rng.integers(1, 6))
    value = rng.integers(-5, 12, (n, m)).astype(float)
    value[rng.random((n, m)) < 0.4] = np.nan
    cap, prio = rng.integers(0, 3, m), rng.integers(0, 4, n)
    p = pm.Problem.from_matrices(value, capacity=cap, priority=prio)
    state = FlowRepair.start(p, solve(p, "flow").chosen)
    assert state is not None
    live = LiveFlow.start(state, spare_children=4, spare_edges=40, bonus=bonus)
    assert live is not None
    gone_c: set[int] = set()
    gone_v: set[int] = set()
    for step in range(steps * 2):
        kind = rng.integers(6)
        if kind == 0 and live.used_children - len(gone_c):
            c = int(rng.choice([c for c in range(live.used_children) if c not in gone_c]))
            live.remove_child(c)
            gone_c.add(c)
        elif kind == 1 and len(gone_v) < m:
            v = int(rng.choice([v for v in range(m) if v not in gone_v]))
            live.remove_volunteer(v)
            gone_v.add(v)
        elif kind == 2 and live.n_edges:
            e = int(rng.integers(live.n_edges))
            live.forbid(int(live.child[e]), int(live.volunteer[e]))
        elif kind == 3:
            alive = [v for v in range(m) if v not in gone_v]
            pick = rng.permutation(alive)[: rng.integers(0, len(alive) + 1)]
            vols = np.sort(np.asarray(pick, np.int64))
            if live.room_for(1, vols.size):
                c = live.add_child(int(rng.integers(0, 4)), vols, rng.integers(-5, 12, vols.size))
                if vols.size and rng.random() < 0.5:  # an edited child keeps her volunteer
                    live.prefer(np.array([live.start_[c]]), True)
                    if rng.random() < 0.5 and live.room[vols[0]] > live.lock_load[vols[0]]:
                        live.pin(int(live.start_[c]))  # ... and her lock
        elif kind == 4:  # the current pairs become the kept ones (the switching bonus)
            live.prefer(np.flatnonzero(live.preferred[: live.n_edges]), False)
            live.prefer(live.chosen, True)
        else:  # stability="strict": some current pairs are locked, as many as fit
            room = live.room - live.lock_load
            pick = []
            for e in live.chosen[rng.random(live.chosen.size) < 0.5].tolist():
                v = int(live.volunteer[e])
                if not live.locked_edge[e] and room[v] > 0:
                    room[v] -= 1
                    pick.append(e)
            live.lock(np.array(pick, np.int64))
        if step % 2 == 0 and rng.random() < 0.5:
            continue  # two changes in one step
        assert live.settle()
        _valid(live)
        assert live.values(live.chosen) == _fresh(live)


def test_a_volunteer_leaving_moves_her_child() -> None:
    value = np.array([[5.0, 1.0], [np.nan, 4.0]])
    p = pm.Problem.from_matrices(value, capacity=[1, 2], priority=[1, 1])
    live = LiveFlow.start(FlowRepair.start(p, solve(p, "flow").chosen))
    assert live is not None
    before = {(int(live.child[e]), int(live.volunteer[e])) for e in live.chosen}
    assert before == {(0, 0), (1, 1)}
    live.remove_volunteer(0)
    assert live.settle()
    after = {(int(live.child[e]), int(live.volunteer[e])) for e in live.chosen}
    assert after == {(0, 1), (1, 1)}
    assert live.searches >= 1


def test_rollback_brings_back_the_state() -> None:
    rng = np.random.default_rng(5)
    value = rng.integers(-5, 12, (12, 6)).astype(float)
    value[rng.random((12, 6)) < 0.3] = np.nan
    p = pm.Problem.from_matrices(value, capacity=[2] * 6, priority=rng.integers(1, 4, 12))
    live = LiveFlow.start(FlowRepair.start(p, solve(p, "flow").chosen), bonus=3)
    assert live is not None
    live.prefer(live.chosen, True)
    assert live.settle()
    before = {k: getattr(live, k).copy() for k in ("cost", "matched", "pi", "died", "preferred")}
    chosen, values = live.chosen, live.values(live.chosen)
    live.begin()
    live.remove_volunteer(int(live.volunteer[chosen[0]]))
    live.add_child(3, np.array([0, 2, 5]), np.array([4, 9, 1]))
    live.prefer(live.chosen[:2], False)
    live.rollback()
    for key, array in before.items():
        np.testing.assert_array_equal(getattr(live, key), array)
    assert live.certify()
    np.testing.assert_array_equal(live.chosen, chosen)
    assert live.values(chosen) == values
    live.remove_child(0)  # and it goes on from there
    assert live.settle()
    assert live.values(live.chosen) == _fresh(live)

"""Random sequences of changes (hypothesis state machine): after every step the pairing is
verified, no record is lost, history only grows, and save -> load round-trips exactly."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

import pairmatch as pm
from pairmatch.candidates import find_candidates

CHILDREN, VOLUNTEERS = pm.synth.county(80, seed=31)
EXTRA_CHILDREN, EXTRA_VOLUNTEERS = pm.synth.county(30, seed=32)


class MatcherStates(RuleBasedStateMachine):
    stability = "keep"
    policy = pm.Policy(max_distance_km=5)

    def __init__(self) -> None:
        super().__init__()
        self.m = pm.Matcher(CHILDREN, VOLUNTEERS, self.policy, stability=self.stability)
        self.result = self.m.solve()
        self.history_size = len(self.m.history)
        self.added = 0
        self.folder = Path(tempfile.mkdtemp())

    @rule(k=st.integers(0, 10**6))
    def volunteer_leaves(self, k: int) -> None:
        ids = self.m.volunteers["id"]
        self.result = self.m.update(pm.Changes(remove_volunteers=[ids.iat[k % len(ids)]]))

    @rule(k=st.integers(0, 10**6))
    def child_exits(self, k: int) -> None:
        ids = self.m.children["id"]
        self.result = self.m.update(pm.Changes(remove_children={ids.iat[k % len(ids)]: "moved"}))

    @rule(count=st.integers(1, 3))
    def children_join(self, count: int) -> None:
        new = EXTRA_CHILDREN.iloc[self.added % 27 : self.added % 27 + count].copy()
        new["id"] = [f"NEW{self.added + i:04d}" for i in range(len(new))]
        self.added += len(new)
        self.result = self.m.update(pm.Changes(add_children=new))

    @rule(k=st.integers(0, 10**6), consent=st.booleans())
    def consent_changes(self, k: int, consent: bool) -> None:
        ids = self.m.children["id"]
        edit = pd.DataFrame({"id": [ids.iat[k % len(ids)]], "guardian_consent": [consent]})
        self.result = self.m.update(pm.Changes(edit_children=edit))

    @rule(k=st.integers(0, 10**6), capacity=st.integers(0, 3))
    def capacity_changes(self, k: int, capacity: int) -> None:
        ids = self.m.volunteers["id"]
        edit = [{"id": ids.iat[k % len(ids)], "capacity": capacity}]
        self.result = self.m.update(pm.Changes(edit_volunteers=edit))

    @precondition(lambda self: len(self.m.active) > 0)
    @rule(k=st.integers(0, 10**6), accept=st.booleans())
    def family_answers(self, k: int, accept: bool) -> None:
        current = self.m.active
        proposed = current[current["status"] == "proposed"]
        if len(proposed):
            row = proposed.iloc[k % len(proposed)]
            out = self.m.respond(row["child_id"], row["volunteer_id"], accept, "no")
            self.result = out if out is not None else self.result

    @precondition(lambda self: len(self.m.active) > 0)
    @rule(k=st.integers(0, 10**6))
    def office_ends_a_pair(self, k: int) -> None:
        row = self.m.active.iloc[k % len(self.m.active)]
        change = pm.Changes(end_pairs=[(row["child_id"], row["volunteer_id"], "request")])
        self.result = self.m.update(change)

    @precondition(lambda self: len(self.m.active) > 0)
    @rule(k=st.integers(0, 10**6))
    def mixed_batch(self, k: int) -> None:
        """Several kinds of change at once (their interplay is where carry-over can slip)."""
        row = self.m.active.iloc[k % len(self.m.active)]
        vols = self.m.volunteers["id"]
        kids = self.m.children["id"]
        gone = vols.iat[(k // 7) % (len(vols) - 1)]
        new = EXTRA_CHILDREN.iloc[[self.added % 30]].assign(id=[f"MIX{self.added:04d}"])
        self.added += 1
        change = pm.Changes(
            remove_volunteers=[gone] if gone != row["volunteer_id"] else [],
            end_pairs=[(row["child_id"], row["volunteer_id"], "request")],
            add_children=new,
            edit_children=[{"id": kids.iat[(k // 3) % len(kids)], "need_life": k % 4}],
            edit_volunteers=[{"id": v, "capacity": k % 3} for v in vols.iloc[-1:] if v != gone],
        )
        self.result = self.m.update(change)

    @rule()
    def save_and_load(self) -> None:
        path = self.m.save(self.folder / "state.pm")
        loaded = pm.Matcher.load(path)
        pd.testing.assert_frame_equal(loaded.history, self.m.history)
        pd.testing.assert_frame_equal(loaded.children, self.m.children)
        pd.testing.assert_frame_equal(loaded.volunteers, self.m.volunteers)
        assert loaded.forbidden == self.m.forbidden
        self.m = loaded

    @invariant()
    def pairing_is_valid_and_complete(self) -> None:
        report = pm.verify(self.result, children=self.m.children)
        assert report.ok, report.violations
        current = self.m.active
        pairs = set(zip(self.result.pairs["child_id"], self.result.pairs["volunteer_id"],
                        strict=True))  # fmt: skip
        assert set(zip(current["child_id"], current["volunteer_id"], strict=True)) == pairs

    @invariant()
    def repaired_equals_full(self) -> None:
        """A re-pairing repaired from the last one is what a full run finds: the same
        candidate pairs (to the last bit of their fit) and an optimum of the same value."""
        r = self.result
        if r.solution.problem.has_teams:
            return  # teams are always solved in full
        reg = r.registry
        kids, vols = set(reg.child_ids), set(reg.volunteer_ids)
        forbidden = sorted(p for p in self.m.forbidden if p[0] in kids and p[1] in vols)
        full = find_candidates(reg, self.policy, reg.pair_indices(forbidden, "forbidden"))
        for name in ("child", "volunteer", "score", "reach"):
            np.testing.assert_array_equal(getattr(full, name), getattr(r.candidates, name))
        exact = pm.solve(r.solution.problem, "flow")
        got = (r.solution.priority_value, r.solution.score_value)
        assert got == (exact.priority_value, exact.score_value)

    @invariant()
    def history_only_grows(self) -> None:
        size = len(self.m.history)
        assert size >= self.history_size
        self.history_size = size
        assert not (set(self.m.forbidden) & set(zip(self.result.pairs["child_id"],
                                                    self.result.pairs["volunteer_id"],
                                                    strict=True)))  # fmt: skip


MatcherStates.TestCase.settings = settings(max_examples=12, stateful_step_count=6, deadline=None)
test_matcher_states = MatcherStates.TestCase


class StrictStates(MatcherStates):
    """The same with working pairs locked (the flow repair keeps them fixed)."""

    stability = "strict"


StrictStates.TestCase.settings = settings(max_examples=8, stateful_step_count=6, deadline=None)
test_strict_states = StrictStates.TestCase


class StrictTeamStates(MatcherStates):
    """The same, with working pairs locked and teams with coverage and half-slot supporters."""

    stability = "strict"
    policy = pm.Policy(
        max_distance_km=5, severe_team_size=(1, 3), cover_need_from=3, support_load=0.5
    )


StrictTeamStates.TestCase.settings = settings(max_examples=8, stateful_step_count=5, deadline=None)
test_strict_team_states = StrictTeamStates.TestCase

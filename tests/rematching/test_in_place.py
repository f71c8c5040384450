"""Re-pairing in place (pairmatch.rematching.in_place): the everyday changes take the
in-place path and give what a full solve gives; the rest hands the flow back to the
carrying path."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import pairmatch as pm
from pairmatch.candidates import find_candidates
from pairmatch.rematching.in_place import DeferredResult
from pairmatch.solvers.flow.in_place import LiveFlow

POLICY = pm.Policy(max_distance_km=5, same_township_bonus=1, same_village_bonus=0.5)


def _same_state(source: pm.Matcher, target: pm.Matcher) -> None:
    """``target`` takes ``source``'s registers and pairs (ties may be broken apart)."""
    target.children, target.volunteers = source.children, source.volunteers
    target.forbidden = set(source.forbidden)
    target._history = source.history


def _check(fast: pm.MatchResult, full: pm.MatchResult, forbidden: set) -> None:
    values = (fast.priority_paired, fast.solution.score_value)
    assert values == (full.solution.priority_value, full.solution.score_value)
    assert fast.objective == full.objective
    assert pm.verify(fast).ok
    # the tables built later are those of a full run, to the last bit
    reg = fast.registry
    kids, vols = set(reg.child_ids), set(reg.volunteer_ids)
    banned = reg.pair_indices(sorted(p for p in forbidden if p[0] in kids and p[1] in vols), "f")
    cand = find_candidates(reg, POLICY, banned)
    for name in ("child", "volunteer", "score", "reach"):
        np.testing.assert_array_equal(getattr(cand, name), getattr(fast.candidates, name))
    np.testing.assert_array_equal(fast.preferred, full.preferred)
    pd.testing.assert_frame_equal(fast.pairs, full.pairs)


@pytest.mark.parametrize("stability", ["keep", "strict"])
def test_everyday_changes_are_made_in_place(stability: str) -> None:
    children, volunteers = pm.synth.county(300, seed=11)
    extra = children.iloc[20:25]  # new children where volunteers are in reach
    fast = pm.Matcher(children, volunteers, POLICY, stability=stability)
    full = pm.Matcher(children, volunteers, POLICY, stability=stability, incremental=False)
    fast.solve(at="2026-01-01")
    full.solve(at="2026-01-01")
    day = pd.Timestamp("2026-01-02")
    busy = fast.active["volunteer_id"].value_counts().index
    kid = fast.active["child_id"]
    steps = [
        pm.Changes(remove_volunteers=[busy[0]]),
        pm.Changes(remove_children={kid.iat[3]: "moved away"}),
        pm.Changes(add_children=extra.assign(id=[f"N{i}" for i in range(5)])),
        pm.Changes(edit_children=[{"id": kid.iat[7], "need_study": 3, "lat": 31.0}]),
        pm.Changes(end_pairs=[(kid.iat[9], fast.active["volunteer_id"].iat[9], "request")]),
        pm.Changes(remove_volunteers=list(busy[1:4]), remove_children=[kid.iat[11]]),
    ]
    for changes in steps:
        _same_state(fast, full)
        got = fast.update(changes, at=day)
        want = full.update(changes, at=day)
        assert isinstance(got, DeferredResult)
        _check(got, want, fast.forbidden)
        pd.testing.assert_frame_equal(got.diff, want.diff)
        np.testing.assert_array_equal(got.solution.problem.locked, want.solution.problem.locked)
        day += pd.Timedelta(days=1)
    # a family declines a proposed pair: the pair is forbidden and re-paired in place
    row = fast.active.iloc[0]
    _same_state(fast, full)
    got = fast.respond(row["child_id"], row["volunteer_id"], False, "no", at=day)
    want = full.respond(row["child_id"], row["volunteer_id"], False, "no", at=day)
    assert isinstance(got, DeferredResult)
    _check(got, want, fast.forbidden)


def test_a_volunteer_change_hands_the_flow_back() -> None:
    children, volunteers = pm.synth.county(200, seed=13)
    m = pm.Matcher(children, volunteers, POLICY)
    m.solve(at="2026-01-01")
    gone = m.active["volunteer_id"].iat[0]
    assert isinstance(m.update(pm.Changes(remove_volunteers=[gone]), at="2026-01-02"),
                      DeferredResult)  # fmt: skip
    vid = m.active["volunteer_id"].iat[0]
    result = m.update(pm.Changes(edit_volunteers=[{"id": vid, "capacity": 0}]), at="2026-01-03")
    assert not isinstance(result, DeferredResult)
    assert "repair_searches" in result.solution.stats  # repaired from the handed-back flow
    assert pm.verify(result).ok
    assert vid not in set(result.pairs["volunteer_id"])
    # and the next everyday change is made in place again
    kid = m.active["child_id"].iat[0]
    again = m.update(pm.Changes(remove_children=[kid]), at="2026-01-04")
    assert isinstance(again, DeferredResult) and pm.verify(again).ok


def test_headline_figures_build_no_tables() -> None:
    children, volunteers = pm.synth.county(200, seed=14)
    m = pm.Matcher(children, volunteers, POLICY)
    first = m.solve(at="2026-01-01")
    gone = first.pairs["volunteer_id"].iat[0]
    result = m.update(pm.Changes(remove_volunteers=[gone]), at="2026-01-02")
    assert isinstance(result, DeferredResult)
    text = repr(result)
    assert "OPTIMAL" in text and result.gap == 0 and result.n_paired > 0
    assert result.diff is not None
    assert "registry" not in result.__dict__ and "candidates" not in result.__dict__
    assert result.n_paired == len(result.pairs)  # now they are built
    assert "registry" in result.__dict__


def test_a_change_that_cannot_settle_in_place_is_repaired_the_other_way(monkeypatch) -> None:
    children, volunteers = pm.synth.county(200, seed=15)
    m = pm.Matcher(children, volunteers, POLICY)
    m.solve(at="2026-01-01")
    kid = m.active["child_id"]
    assert isinstance(m.update(pm.Changes(remove_children=[kid.iat[0]]), at="2026-01-02"),
                      DeferredResult)  # fmt: skip
    monkeypatch.setattr(LiveFlow, "settle", lambda self: False)
    gone = m.active["volunteer_id"].iat[0]
    result = m.update(pm.Changes(remove_volunteers=[gone]), at="2026-01-03")
    assert not isinstance(result, DeferredResult)
    assert "repair_searches" in result.solution.stats  # the flow was handed back intact
    assert pm.verify(result).ok and gone not in set(result.pairs["volunteer_id"])


def test_a_deferred_result_can_be_replaced() -> None:
    from dataclasses import replace

    children, volunteers = pm.synth.county(150, seed=16)
    m = pm.Matcher(children, volunteers, POLICY)
    m.solve(at="2026-01-01")
    result = m.update(pm.Changes(remove_children=[m.active["child_id"].iat[0]]), at="2026-01-02")
    assert isinstance(result, DeferredResult)
    plain = replace(result, diff=None)
    assert type(plain) is pm.MatchResult and plain.diff is None
    pd.testing.assert_frame_equal(plain.pairs, result.pairs)
    assert plain.objective == result.objective and plain.status == result.status


def test_no_room_for_new_pairs_takes_the_carrying_path(monkeypatch) -> None:
    children, volunteers = pm.synth.county(200, seed=17)
    m = pm.Matcher(children, volunteers, POLICY)
    m.solve(at="2026-01-01")
    kid = m.active["child_id"].iat[0]
    assert isinstance(m.update(pm.Changes(remove_children=[kid]), at="2026-01-02"), DeferredResult)
    monkeypatch.setattr(LiveFlow, "room_for", lambda self, children, edges: edges == 0)
    joined = children.iloc[:2].assign(id=["J1", "J2"])  # where volunteers are in reach
    result = m.update(pm.Changes(add_children=joined), at="2026-01-03")
    assert not isinstance(result, DeferredResult)
    assert "repair_searches" in result.solution.stats and pm.verify(result).ok
    assert {"J1", "J2"} <= set(result.ledger()["child_id"])


def test_new_children_are_coded_as_a_full_registry_codes_them() -> None:
    from pairmatch.candidates import candidates_near
    from pairmatch.io import read_children, read_volunteers
    from pairmatch.registry import Registry

    children, volunteers = pm.synth.county(120, seed=19)
    children, volunteers = read_children(children), read_volunteers(volunteers)
    new = children.iloc[:6].copy()
    new["id"] = [f"Z{i}" for i in range(6)]
    new["township"] = ["Unseen town", "", *new["township"].iloc[2:]]  # a new name, a blank
    new["village"] = ["", "v9", *new["village"].iloc[2:]]
    new["interests"] = ["chess;unseen-tag", "", *new["interests"].iloc[2:]]
    new = read_children(new)
    base = Registry.build(children, volunteers)
    both = Registry.build(pd.concat([children, new], ignore_index=True), volunteers)
    quick = base.with_children(new)
    rows = both.child_index.get_indexer(pd.Index(quick.child_ids))
    vols = np.arange(len(volunteers))
    got = candidates_near(quick, POLICY, np.arange(len(new)), vols)
    want = candidates_near(both, POLICY, np.sort(rows), vols)
    np.testing.assert_array_equal(rows[got.child], want.child)
    for name in ("volunteer", "score"):
        np.testing.assert_array_equal(getattr(got, name), getattr(want, name))
    assert len(got)  # the new children do have pairs


def _twins(children: pd.DataFrame, volunteers: pd.DataFrame, policy: pm.Policy):
    fast = pm.Matcher(children, volunteers, policy)
    full = pm.Matcher(children, volunteers, policy, incremental=False)
    fast.solve(at="2026-01-01")
    full.solve(at="2026-01-01")
    return fast, full


def test_a_child_who_may_have_a_team_is_not_paired_in_place() -> None:
    """(review) a joining child with team_min=2 switches teams on: no flow any more."""
    children, volunteers = pm.synth.county(200, seed=3)
    fast, full = _twins(children, volunteers, pm.Policy(max_distance_km=5))
    fast.update(pm.Changes(remove_children=[fast.active["child_id"].iat[0]]), at="2026-01-02")
    _same_state(fast, full)
    new = children.iloc[[10]].assign(id="TEAM1", team_min=2, team_max=2)
    got = fast.update(pm.Changes(add_children=new), at="2026-01-03")
    want = full.update(pm.Changes(add_children=new), at="2026-01-03")
    assert not isinstance(got, DeferredResult) and got.has_teams
    assert (got.priority_paired, got.objective) == (want.priority_paired, want.objective)
    assert pm.verify(got).ok and (got.pairs["child_id"] == "TEAM1").sum() == 2


def test_pairs_or_forbidden_pairs_set_from_outside_are_honoured() -> None:
    """(review) a history replaced, or a pair added to Matcher.forbidden, by the caller."""
    children, volunteers = pm.synth.county(200, seed=3)
    fast, full = _twins(children, volunteers, pm.Policy(max_distance_km=5))
    fast.update(pm.Changes(remove_children=[fast.active["child_id"].iat[0]]), at="2026-01-02")
    h = fast.history  # an office closes some pairs by hand (e.g. restoring a backup)
    rows = h.index[h["end"].isna()][:40]
    h.loc[rows, "end"] = pd.Timestamp("2026-01-03", tz="UTC")
    h.loc[rows, ["status", "end_reason"]] = ["ended", "closed by hand"]
    fast._history = h
    _same_state(fast, full)
    change = pm.Changes(remove_children=[fast.active["child_id"].iat[5]])
    got = fast.update(change, at="2026-01-04")
    want = full.update(change, at="2026-01-04")
    assert (got.priority_paired, got.objective) == (want.priority_paired, want.objective)
    assert pm.verify(got).ok
    kid = fast.active["child_id"].iat[2]
    assert isinstance(fast.update(pm.Changes(remove_children=[kid]), at="2026-01-04"),
                      DeferredResult)  # fmt: skip
    row = fast.active.iloc[5]
    pair = (row["child_id"], row["volunteer_id"])
    fast.forbidden.add(pair)  # while the live network holds the pair
    got = fast.update(pm.Changes(remove_children=[fast.active["child_id"].iat[9]]), at="2026-01-05")
    assert isinstance(got, DeferredResult) and pm.verify(got).ok
    assert pair not in set(zip(got.pairs["child_id"], got.pairs["volunteer_id"], strict=True))


def test_a_rolled_back_re_assessment_hands_the_flow_back(monkeypatch) -> None:
    """(review) the edited child's id written into a spare slot survived the rollback."""
    children, volunteers = pm.synth.county(200, seed=3)
    m = pm.Matcher(children, volunteers, pm.Policy(max_distance_km=5))
    m.solve(at="2026-01-01")
    m.update(pm.Changes(remove_children=[m.active["child_id"].iat[0]]), at="2026-01-02")
    monkeypatch.setattr(LiveFlow, "settle", lambda self: False)
    cid = m.active["child_id"].iat[4]
    result = m.update(pm.Changes(edit_children=[{"id": cid, "need_life": 3}]), at="2026-01-03")
    assert "repair_searches" in result.solution.stats and pm.verify(result).ok


def test_an_extra_column_edited_to_another_type_keeps_the_value() -> None:
    """(review) an edit patched into the register must not force the old dtype."""
    children, volunteers = pm.synth.county(60, seed=3)
    children = children.assign(cohort=range(len(children)), vip=False)
    m = pm.Matcher(children, volunteers, pm.Policy(max_distance_km=5))
    m.solve(at="2026-01-01")
    cid = children["id"].iat[0]
    m.update(pm.Changes(edit_children=[{"id": cid, "cohort": "2025-B", "vip": "pending"}]),
             at="2026-01-02")  # fmt: skip
    row = m.children[m.children["id"] == cid]
    assert row["cohort"].iat[0] == "2025-B" and row["vip"].iat[0] == "pending"
    assert m.children["cohort"].iat[1] == 1  # the other rows keep theirs

"""Re-pairing in place: the :class:`~pairmatch.Matcher`'s fast path for the everyday
changes (a child exits, arrives or is re-assessed; a volunteer leaves; the office ends a
pair or a family declines one) on plain problems.

The Matcher's other path carries candidate pairs and the last flow over to a new problem
(:mod:`pairmatch.rematching.carry`, :class:`~pairmatch.solvers.flow.repair.FlowRepair`):
a few passes over every candidate pair, about 0.3 s in a 20,000-child county with 4.6M
pairs. Here the network stays put (:class:`~pairmatch.solvers.flow.in_place.LiveFlow`): a
change touches only its records' pairs, shortest paths re-balance the flow, and the
certificate proves the new pairing optimal over every pair of the county. The result is a
:class:`~pairmatch.MatchResult` whose whole-problem tables (the registry, the candidate
pairs, the problem) are built the first time something asks for them; its pairs, values
and ``diff`` are there at once.

Used only where it gives exactly what a full solve gives: no teams (nor a new child who
may have one), one load per pair, no fairness penalty, either stability, no volunteer
added or edited, no forbidden pair allowed again, and pairs and forbidden pairs set only
through the Matcher. Other changes take the other path, which this state hands its flow
back to (:meth:`InPlace.flow_repair`).

A :class:`DeferredResult` keeps the whole live network alive for the tables it may still
build: keep the latest results, not every one.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from pairmatch.candidates import Candidates, candidates_near, priorities
from pairmatch.model.policy import Policy
from pairmatch.pipeline import NO_PAIRS, broken_rules, prepare
from pairmatch.registry import Registry
from pairmatch.rematching.carry import banned_in_reach
from pairmatch.rematching.changes import Applied
from pairmatch.result import MatchResult
from pairmatch.solvers.base import Solution, Status
from pairmatch.solvers.flow.in_place import LiveFlow
from pairmatch.solvers.flow.network import Network
from pairmatch.solvers.flow.repair import FlowRepair
from pairmatch.team_rules import wants_teams

__all__ = ["DeferredResult", "InPlace", "InPlaceStep", "supported"]


class InPlaceStep(NamedTuple):
    """What :meth:`InPlace.update` gives the Matcher."""

    result: DeferredResult
    pairs: pd.DataFrame  # the pairs as the history records them, sorted by child id
    broken: dict[tuple[str, str], str]  # kept pairs a hard rule now breaks, with the rule
    gained: set[tuple[str, str]]  # pairs made
    lost: set[tuple[str, str]]  # pairs gone
    fresh: list[int]  # the rows of ``pairs`` that are new


def supported(problem_has_teams: bool, policy: Policy) -> bool:
    """Whether a Matcher's problems can be re-paired in place (either stability)."""
    return not problem_has_teams and not policy.fairness_penalty


@dataclass(frozen=True, eq=False)
class _Snapshot:
    """What a result needs to build its whole-problem tables later: the live network keeps
    changing, but an edge's ends and score never do, and ``died`` tells which edges were
    alive at ``epoch``."""

    live: LiveFlow
    epoch: int
    n_edges: int
    chosen: np.ndarray  # live edges
    child_ids: np.ndarray  # per child slot
    volunteer_ids: np.ndarray  # per volunteer slot
    children: pd.DataFrame
    volunteers: pd.DataFrame
    policy: Policy
    forbidden: list[tuple[str, str]]
    kept: set[tuple[str, str]]
    values: tuple[int, int]
    strict: bool  # the kept pairs that are still allowed were locked
    timings: dict[str, float]
    stats: dict[str, int]

    def build(self) -> dict[str, Any]:
        """The fields of the MatchResult a full solve would give (the same registry,
        candidate pairs, problem and solution)."""
        reg = Registry.build(self.children, self.volunteers)
        live = self.live
        row_c = reg.child_index.get_indexer(pd.Index(self.child_ids, dtype=object))
        row_v = reg.volunteer_index.get_indexer(pd.Index(self.volunteer_ids, dtype=object))
        e = live.alive(self.epoch, self.n_edges)
        c, v = row_c[live.child[e]], row_v[live.volunteer[e]]
        # within a child, volunteers keep their order (their slots follow their ids and
        # none is added here); children added later sit after the others: a stable sort by
        # child puts every pair in (child, volunteer) order
        order = np.argsort(c, kind="stable")
        e, c, v = e[order], c[order], v[order]
        banned = _indices(reg, self.forbidden)
        reach = np.bincount(c, minlength=len(reg.children)).astype(np.int64)
        reach += banned_in_reach(reg, self.policy, banned)
        candidates = Candidates(c, v, live.score[e].copy(), reach)
        prio = priorities(reg, self.policy)
        kept = _indices(reg, sorted(self.kept))
        fixed = NO_PAIRS
        if self.strict:  # as the carrying path locks them: the kept pairs still allowed
            held = candidates.edges(*kept) >= 0
            fixed = (kept[0][held], kept[1][held])
        prepared = prepare(reg, self.policy, candidates, prio, banned=banned, kept=kept,
                           fixed=fixed)  # fmt: skip
        chosen = _positions(e, self.chosen)
        solution = Solution(
            prepared.problem, chosen, Status.OPTIMAL, self.values[0], self.values[1], "flow",
            components=1, stats=dict(self.stats),
        )  # fmt: skip
        return {
            "registry": reg,
            "candidates": candidates,
            "solution": solution,
            "priority": prio,
            "preferred": prepared.preferred,
        }


def _positions(sorted_edges: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Where each of ``edges`` is in ``sorted_edges`` (a permutation of a superset),
    ascending."""
    inverse = np.full(int(sorted_edges.max(initial=-1)) + 1, -1, np.int64)
    inverse[sorted_edges] = np.arange(sorted_edges.size)
    return np.sort(inverse[edges])


def _indices(reg: Registry, pairs: list[tuple[str, str]]) -> tuple[np.ndarray, np.ndarray]:
    """Registry indices of the (child_id, volunteer_id) pairs whose records are registered."""
    c, v = reg.indices_of(pairs)
    ok = (c >= 0) & (v >= 0)
    return c[ok], v[ok]


_LAZY = ("registry", "candidates", "solution", "priority", "preferred")


class DeferredResult(MatchResult):
    """A :class:`MatchResult` of an in-place re-pairing: its headline figures are known at
    once; the registry, candidate pairs and problem are built when first asked for."""

    def __init__(
        self, snapshot: _Snapshot | None = None, diff: pd.DataFrame | None = None, **fields: Any
    ) -> None:
        if snapshot is None:  # dataclasses.replace(): a plain result, built in full
            object.__setattr__(self, "__class__", MatchResult)
            MatchResult.__init__(self, diff=diff, **fields)
            return
        object.__setattr__(self, "_snapshot", snapshot)
        object.__setattr__(self, "policy", snapshot.policy)
        object.__setattr__(self, "timings", snapshot.timings)
        object.__setattr__(self, "forbidden_pairs", frozenset(snapshot.forbidden))
        object.__setattr__(self, "diff", diff)

    def __getattr__(self, name: str) -> Any:
        snap = self.__dict__.get("_snapshot")
        if name in _LAZY and snap is not None:
            for key, value in snap.build().items():
                object.__setattr__(self, key, value)
            return self.__dict__[name]
        raise AttributeError(name)

    @property
    def status(self) -> Status:
        return Status.OPTIMAL

    @property
    def objective(self) -> float:
        return self._snapshot.values[1] * self.policy.score_resolution

    @property
    def bound(self) -> float:
        return self.objective

    @property
    def gap(self) -> float:
        return 0.0

    @property
    def priority_paired(self) -> int:
        return self._snapshot.values[0]

    @property
    def priority_bound(self) -> int:
        return self._snapshot.values[0]

    @property
    def reasons(self) -> tuple[str, ...]:
        return ()

    @property
    def n_paired(self) -> int:
        return int(self._snapshot.chosen.size)

    @property
    def has_teams(self) -> bool:
        return False

    @property
    def _headcount(self) -> tuple[int, str]:
        return len(self._snapshot.children), "flow"


class InPlace:
    """The live network of a Matcher and the records in its slots."""

    def __init__(self, live: LiveFlow, result: MatchResult, strict: bool) -> None:
        reg = result.registry
        n, m = len(reg.children), len(reg.volunteers)
        self.live = live
        self.child_ids = np.empty(live.n, object)
        self.child_ids[:n] = reg.child_ids
        self.county = np.empty(live.n, object)
        self.county[:n] = reg.children["county"].to_numpy(object)
        self.township = np.empty(live.n, object)
        self.township[:n] = reg.children["township"].to_numpy(object)
        self.volunteer_ids = reg.volunteer_ids
        self.child_slot = dict(zip(reg.child_ids.tolist(), range(n), strict=True))
        self.volunteer_slot = dict(zip(reg.volunteer_ids.tolist(), range(m), strict=True))
        self.volunteer_alive = np.ones(m, bool)
        self.forbidden_seen: set[tuple[str, str]] = set(result.forbidden_pairs)  # dead here
        self.base = reg  # its volunteers are the volunteer slots; new children are coded by it
        _ = reg._codes  # built now, with the network, rather than on the first new child
        self.strict = strict  # working pairs are locked
        self.by_id = np.arange(n)  # child slots in id order (a slot that left stays)
        self.chosen = np.sort(np.asarray(result.solution.chosen, np.int64))  # current pairs
        # the pairs with the stability bonus: the current ones (moved to each new pairing)
        self.preferred = np.asarray(result.preferred, np.int64)
        self._move_bonus(self.chosen)
        if strict:
            live.lock(self.chosen)

    @classmethod
    def start(
        cls, result: MatchResult, flow: FlowRepair, policy: Policy, strict: bool
    ) -> InPlace | None:
        """The in-place state of a Matcher's last full result and its flow, or None when
        the flow cannot be held in place."""
        bonus = round(policy.switching_cost / policy.score_resolution)
        preferred = np.asarray(result.preferred, np.int64)
        live = LiveFlow.start(flow, bonus=bonus, preferred=preferred)
        return None if live is None else cls(live, result, strict)

    def _move_bonus(self, chosen: np.ndarray) -> None:
        """The bonus goes with the current pairs (only those that changed are touched)."""
        self.live.prefer(np.setdiff1d(self.preferred, chosen), False)
        self.live.prefer(np.setdiff1d(chosen, self.preferred), True)
        self.preferred = chosen

    def fits(self, applied: Applied | None, forbidden_all: set[tuple[str, str]]) -> bool:
        """Whether this change can be made in place: no volunteer added or edited, no
        forbidden pair allowed again (a dead edge does not come back), room for the new
        children (their pairs are counted later)."""
        if not self.forbidden_seen <= forbidden_all:
            return False
        if applied is None:
            return True
        if applied.touched_volunteers:
            return False
        return self.live.room_for(len(applied.touched_children), 0)

    def update(
        self,
        children: pd.DataFrame,
        volunteers: pd.DataFrame,
        applied: Applied | None,
        forbidden_all: set[tuple[str, str]],
        kept: set[tuple[str, str]],
        policy: Policy,
        timings: dict[str, float],
    ) -> InPlaceStep | None:
        """Make the change and re-pair. None when the re-pairing cannot be proven here;
        the state is then as it was (see :meth:`flow_repair`).

        ``forbidden_all``: every forbidden pair (of records registered or not; those not
        seen before are made dead now); ``kept``: the current pairs not ended by the
        change."""
        t = time.perf_counter()
        live = self.live
        live.begin()
        saved = (dict(self.child_slot), dict(self.volunteer_slot), self.volunteer_alive.copy(),
                 self.preferred, self.by_id, set(self.forbidden_seen))  # fmt: skip
        if applied is not None:
            for cid in applied.removed_children:
                live.remove_child(self.child_slot.pop(cid))
            for vid in applied.removed_volunteers:
                v = self.volunteer_slot.pop(vid)
                live.remove_volunteer(v)
                self.volunteer_alive[v] = False
        for cid, vid in forbidden_all - self.forbidden_seen:  # new since (whoever added them)
            c, v = self.child_slot.get(cid), self.volunteer_slot.get(vid)
            if c is not None and v is not None:
                live.forbid(c, v)
        self.forbidden_seen |= forbidden_all
        broken: dict[tuple[str, str], str] | None = {}
        if applied is not None and applied.touched_children:
            broken = self._add_children(children, volunteers, applied, forbidden_all, kept, policy)
        if broken is None:  # no room for the new children's pairs
            self._undo(saved)
            return None
        # forbidden pairs apply while both records are registered
        forbidden = sorted(
            p for p in forbidden_all if p[0] in self.child_slot and p[1] in self.volunteer_slot
        )
        timings["candidates"] = time.perf_counter() - t
        t = time.perf_counter()
        ok = live.settle()
        timings["solve"] = time.perf_counter() - t
        if not ok:
            self._undo(saved)
            return None
        live.commit()
        t = time.perf_counter()
        chosen = live.chosen
        values = live.values(chosen)
        # the pairs in child-id order, and what changed
        edge_of = np.full(live.n, -1, np.int64)
        edge_of[live.child[chosen]] = chosen
        ordered = edge_of[self.by_id]
        ordered = ordered[ordered >= 0]
        c = live.child[ordered]
        gained, lost = (
            self._pairs(np.setdiff1d(chosen, self.chosen, assume_unique=True)),
            (self._pairs(np.setdiff1d(self.chosen, chosen, assume_unique=True))),
        )
        same = gained & lost  # an edited child who kept her volunteer (a new slot's pair)
        gained -= same
        lost -= same
        new = np.setdiff1d(chosen, self.chosen, assume_unique=True)
        fresh = np.flatnonzero(np.isin(ordered, new)).tolist()
        ids = self.child_ids[c]
        vids = self.volunteer_ids[live.volunteer[ordered]]
        fresh = [i for i in fresh if (ids[i], vids[i]) in gained]
        pairs = pd.DataFrame(
            {
                "child_id": ids,
                "volunteer_id": vids,
                "role": np.full(chosen.size, "lead", object),
                "county": self.county[c],
                "township": self.township[c],
            },
            dtype=object,  # the history's text columns (no conversion to str and back)
        )
        snapshot = _Snapshot(
            live, live.epoch, live.n_edges, chosen, self.child_ids[: live.used_children].copy(),
            self.volunteer_ids, children, volunteers, policy, forbidden, kept, values,
            self.strict, timings,
            {"edges": live.n_edges - live.dead, "repair_searches": live.searches,
             "repair_settled": live.settled},
        )  # fmt: skip
        live.epoch += 1
        self._move_bonus(chosen)
        if self.strict:  # the pairs made now are working pairs from the next change on
            live.lock(new)
        self.chosen = chosen
        timings["result"] = time.perf_counter() - t
        return InPlaceStep(DeferredResult(snapshot), pairs, broken, gained, lost, fresh)

    def _undo(self, saved: tuple[Any, ...]) -> None:
        self.live.rollback()
        (self.child_slot, self.volunteer_slot, self.volunteer_alive, self.preferred,
         self.by_id, self.forbidden_seen) = saved  # fmt: skip
        used = self.live.used_children  # the spare slots the change had taken are spare again
        self.child_ids[used:] = self.county[used:] = self.township[used:] = None

    def _pairs(self, edges: np.ndarray) -> set[tuple[str, str]]:
        live = self.live
        c = self.child_ids[live.child[edges]].tolist()
        v = self.volunteer_ids[live.volunteer[edges]].tolist()
        return set(zip(c, v, strict=True))

    def _add_children(
        self,
        children: pd.DataFrame,
        volunteers: pd.DataFrame,
        applied: Applied,
        forbidden_all: set[tuple[str, str]],
        kept: set[tuple[str, str]],
        policy: Policy,
    ) -> dict[tuple[str, str], str] | None:
        """New and edited children (an edited one leaves her slot for a new one) with their
        candidate pairs; returns the kept pairs of edited children that a rule now breaks,
        or None when the network has no room for the new pairs or a new child may have a
        team (the problem is then no flow problem)."""
        live = self.live
        ids = sorted(applied.touched_children)
        new = set(ids)
        keep_of = {}  # the volunteer each edited child keeps, if any
        for cid in new.intersection(self.child_slot):
            edges = live.edges_of_child(self.child_slot[cid])
            for e in edges[live.matched[edges]].tolist():
                pair = (cid, str(self.volunteer_ids[live.volunteer[e]]))
                if pair in kept:
                    keep_of[cid] = pair[1]
        for cid in ids:
            if cid in self.child_slot:
                live.remove_child(self.child_slot.pop(cid))
        rows = children[children["id"].isin(ids)]
        mini = self.base.with_children(rows)  # the new children and the volunteer slots
        if wants_teams(mini, policy):  # a child who may have a team: not a flow any more
            return None
        banned = _indices(mini, [p for p in forbidden_all if p[0] in new])
        k = len(mini.children)
        alive = np.flatnonzero(self.volunteer_alive)
        cand = candidates_near(mini, policy, np.arange(k), alive, banned)
        if not live.room_for(0, cand.child.size):
            return None
        prio = priorities(mini, policy)
        lo = np.searchsorted(cand.child, np.arange(k + 1))
        broken: dict[tuple[str, str], str] = {}
        for i, cid in enumerate(mini.child_ids.tolist()):
            vols = cand.volunteer[lo[i] : lo[i + 1]]
            slot = live.add_child(int(prio[i]), vols, cand.score[lo[i] : lo[i + 1]])
            self.child_slot[cid] = slot
            self.child_ids[slot] = cid
            at = int(np.searchsorted(self.child_ids[self.by_id], cid))
            self.by_id = np.insert(self.by_id, at, slot)
            self.county[slot] = mini.children["county"].iat[i]
            self.township[slot] = mini.children["township"].iat[i]
            vid = keep_of.get(cid)
            if vid is None:
                continue
            v = self.volunteer_slot[vid]
            edge = live.start_[slot] + np.flatnonzero(vols == v)
            if edge.size:  # her pair still allowed: it keeps its bonus (and its lock)
                live.prefer(edge, True)
                self.preferred = np.union1d(self.preferred, edge)
                if self.strict:
                    live.pin(int(edge[0]))
            else:
                j = int(mini.volunteer_index.get_indexer(pd.Index([vid]))[0])
                rules = broken_rules(mini, policy, i, j, False)
                broken[(cid, vid)] = "a hard rule now breaks it: " + "; ".join(rules)
        return broken

    def flow_repair(self, result: MatchResult) -> FlowRepair | None:
        """This state's flow as a :class:`FlowRepair` of ``result``'s problem (the last
        in-place result, built in full), so that the other path can carry it on."""
        snap = result._snapshot if isinstance(result, DeferredResult) else None
        if snap is None or snap.epoch != self.live.epoch - 1:
            return None
        live, p = self.live, result.solution.problem
        reg = result.registry
        n, m = p.n_children, p.n_volunteers
        # the slots of the records registered now (a re-assessed child's old slot has
        # her id too)
        slots_c = np.fromiter(self.child_slot.values(), np.int64, len(self.child_slot))
        slots_v = np.fromiter(self.volunteer_slot.values(), np.int64, len(self.volunteer_slot))
        row_c = np.full(live.n, -1, np.int64)
        row_c[slots_c] = reg.child_index.get_indexer(pd.Index(self.child_ids[slots_c]))
        row_v = np.full(live.m, -1, np.int64)
        row_v[slots_v] = reg.volunteer_index.get_indexer(pd.Index(self.volunteer_ids[slots_v]))
        if (row_c[slots_c] < 0).any() or (row_v[slots_v] < 0).any() or slots_c.size != n:
            return None
        pi = np.empty(n + m + 1, np.int64)
        pi[row_c[slots_c]] = live.pi[slots_c]
        pi[n + row_v[slots_v]] = live.pi[live.n + slots_v]
        pi[n + m] = live.pi[live.n + live.m]
        net = Network.build(p, live.weight)
        matched = np.zeros(p.n_edges, bool)
        matched[result.solution.chosen] = True
        to_sink = np.bincount(p.volunteer[matched], minlength=m)
        paired = np.zeros(n, bool)
        paired[p.child[matched]] = True
        state = FlowRepair(net, matched, to_sink, ~paired & net.free, pi)
        return state if state.certify() else None

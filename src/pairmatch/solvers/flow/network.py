"""The pairing network that exact min-cost flow solves, defined once: its nodes, arcs,
capacities and folded costs.

Nodes: children ``0..n-1``, volunteers ``n..n+m-1`` and the sink ``n+m``. Arcs:

* child → volunteer, one per candidate pair (edge), capacity 1, cost
  ``-(weight * priority(child) + score(pair))`` (:func:`fold_costs`): the two objective
  levels folded into one integer, with a ``weight`` above every possible difference in
  level 2 (:func:`needed_weight`), so that no gain in score pays for a unit of priority;
* volunteer → sink, her capacity in pairs (:func:`unit_capacity`): cost 0 up to her fair
  load (:func:`fair_capacity`), the overload penalty (:func:`penalty`) for each pair beyond;
* child → sink, cost 0, for a child who may stay unpaired.

:class:`Network` holds it in arrays, with locked pairs kept in it (their children's arcs
frozen), for the certificate and the shortest paths of :mod:`.shortest_paths`; it is the
:class:`Arcs` those read, which :class:`~pairmatch.solvers.flow.in_place.LiveFlow` also
gives them over its slot-numbered copy (child and volunteer slots in place of the
problem's numbers, spare slots after them). :mod:`.repair` and :mod:`.pruned` build it
from a problem; :mod:`.backend` gives OR-Tools the same arcs, capacities and costs as
explicit arc lists, with two differences kept on purpose:

* its nodes are numbered per network it solves (a group's children, then the volunteers
  they reach, then the sink) and its weight is each component's own ``M`` (the least that
  fits OR-Tools' 64-bit costs, which it scales by the node count), where :class:`Network`
  numbers the whole problem and takes one power-of-two weight with room to grow (so that
  potentials carry over a change without rescaling). Either fold has the same optima, but
  OR-Tools' choice among equal optima follows the arc order and costs it is given: the
  numbering and weights it has always had keep the pairs it has always returned;
* locked pairs are fixed before it (their children leave the problem), and a child who
  must be paired has no arc to the sink; :class:`Network` keeps locks in the network and
  holds must-pair children only through a lock (see
  :func:`~pairmatch.solvers.flow.repair.repair_unsupported`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pairmatch.problem import Problem

__all__ = [
    "POTENTIAL_LIMIT", "Arcs", "Network", "fair_capacity", "fits", "fold_costs",
    "largest_cost", "needed_weight", "penalty", "per_child_spread", "potentials_fit",
    "unit_capacity",
]  # fmt: skip

#: Potentials and path lengths stay below this in size: |pi| <= (nodes + 1) * (largest
#: |cost|), far inside 64 bits.
POTENTIAL_LIMIT = 2.0**60


def unit_capacity(problem: Problem) -> np.ndarray:
    """Capacity in pairs: capacity // load for each volunteer (loads are uniform per volunteer)."""
    load = np.ones(problem.n_volunteers, np.int64)
    load[problem.volunteer] = problem.load
    return problem.capacity // load


def fair_capacity(problem: Problem, room: np.ndarray, vols: np.ndarray | None = None) -> np.ndarray:
    """The pairs each volunteer (of ``vols``, default all; ``room`` theirs) takes before
    each one more costs the overload penalty: her room, or less when fairness applies."""
    if not problem.has_fairness:
        return room
    assert problem.fair_load is not None
    fair_load = problem.fair_load if vols is None else problem.fair_load[vols]
    return np.minimum(room, fair_load)


def penalty(problem: Problem) -> int:
    """The cost of each pair beyond a volunteer's fair load (0 without fairness)."""
    return int(problem.overload_penalty) if problem.has_fairness else 0


def per_child_spread(problem: Problem) -> np.ndarray:
    """max(0, best score) - min(0, worst score) over each child's edges, exact in int64
    (scores are checked to lie within ±2**61 first)."""
    n, child, score = problem.n_children, problem.child, problem.score
    hi = np.zeros(n, np.int64)
    lo = np.zeros(n, np.int64)
    if child.size and np.all(child[1:] >= child[:-1]):  # sorted (pairmatch's): per run
        starts = np.flatnonzero(np.r_[True, child[1:] != child[:-1]])
        hi[child[starts]] = np.maximum(np.maximum.reduceat(score, starts), 0)
        lo[child[starts]] = np.minimum(np.minimum.reduceat(score, starts), 0)
    else:
        np.maximum.at(hi, child, score)
        np.minimum.at(lo, child, score)
    # pairing one child more or less changes the fairness penalty by at most one unit
    return hi - lo + problem.overload_penalty


def needed_weight(problem: Problem) -> int:
    """1 + the largest possible difference in level 2: the least weight that folds the two
    levels into one cost for the whole problem."""
    return int(per_child_spread(problem).sum()) + 1


def fold_costs(priority: np.ndarray, score: np.ndarray, weight: int) -> np.ndarray:
    """The child → volunteer costs ``-(weight * priority + score)`` of edges with these
    priorities (of their children; a fresh array, which becomes the costs in place) and
    scores."""
    priority *= -weight
    priority -= score
    return priority


def largest_cost(problem: Problem, weight: int) -> float:
    """The largest |cost| of any arc of ``problem``'s network with folded costs of
    ``weight`` (without building the network)."""
    p = problem
    top = float(weight) * float(p.priority.max(initial=0)) + penalty(p)
    return top + max(float(p.score.max(initial=0)), -float(p.score.min(initial=0)))


def potentials_fit(top: float, nodes: int, headroom: float = 1.0) -> bool:
    """Whether potentials and path lengths of a network of ``nodes`` nodes whose largest
    |cost| is ``top`` stay inside :data:`POTENTIAL_LIMIT` (with ``headroom`` times it)."""
    return top * headroom * nodes < POTENTIAL_LIMIT


def fits(problem: Problem, weight: int, headroom: float = 1.0) -> bool:
    """Whether that network's potentials and path lengths stay inside 64 bits (with
    ``headroom`` times the largest cost)."""
    nodes = problem.n_children + problem.n_volunteers + 2
    return potentials_fit(largest_cost(problem, weight), nodes, headroom)


@dataclass(frozen=True, eq=False)
class Arcs:
    """The network's arrays, as the certificate and the shortest paths read them: per
    edge, per child and per volunteer (nodes numbered as in the module text; the flow on
    them is passed beside)."""

    child: np.ndarray
    volunteer: np.ndarray
    cost: np.ndarray  # per edge, folded
    start: np.ndarray  # CSR: edges of child c are start[c]:start[c + 1]
    locked_edge: np.ndarray  # bool per edge
    locked_child: np.ndarray  # bool per child
    free: np.ndarray  # children who may stay unpaired (all but the locked ones)
    room: np.ndarray  # pairs a volunteer can take
    fair: np.ndarray  # pairs she takes before each one costs the overload penalty
    lock_load: np.ndarray  # locked pairs per volunteer
    pen: int

    @property
    def n(self) -> int:
        """Children (child slots)."""
        return self.free.size

    @property
    def m(self) -> int:
        """Volunteers (volunteer slots)."""
        return self.room.size

    @property
    def sink(self) -> int:
        return self.n + self.m


@dataclass(frozen=True, eq=False)
class Network(Arcs):
    """The network of one problem (edges sorted by child), with its locks, folded with
    ``weight``: the arcs built once from the problem."""

    problem: Problem
    weight: int

    @classmethod
    def build(cls, problem: Problem, weight: int) -> Network:
        n, m = problem.n_children, problem.n_volunteers
        room = unit_capacity(problem)
        locked_edge = np.zeros(problem.n_edges, bool)
        locked_edge[problem.locked] = True
        locked_child = np.zeros(n, bool)
        locked_child[problem.child[problem.locked]] = True
        return cls(
            child=problem.child,
            volunteer=problem.volunteer,
            cost=fold_costs(problem.priority[problem.child], problem.score, weight),
            start=np.searchsorted(problem.child, np.arange(n + 1)),
            locked_edge=locked_edge,
            locked_child=locked_child,
            free=~locked_child,
            room=room,
            fair=np.asarray(fair_capacity(problem, room), np.int64),
            lock_load=np.bincount(problem.volunteer[problem.locked], minlength=m),
            pen=penalty(problem),
            problem=problem,
            weight=weight,
        )

    @property
    def top(self) -> float:
        """The largest |cost| of any arc."""
        return largest_cost(self.problem, self.weight)

    def fits(self, headroom: float = 1.0) -> bool:
        """Whether potentials and path lengths stay inside 64 bits (with ``headroom``
        times the largest cost)."""
        return fits(self.problem, self.weight, headroom)

"""The solver-neutral problem: edges, loads, capacities and a lexicographic objective.

A :class:`Problem` knows nothing of children or volunteers as people: rows ("children") are
paired with at most one column ("volunteer") each, along allowed edges. The objective is

1. maximise ``sum(priority[row] for every paired row)`` (level 1), then
2. maximise ``sum(score[edge] for every chosen edge)`` (level 2),

minus ``overload_penalty`` for every pair a column takes beyond its ``fair_load`` (fairness),
subject to ``sum(load[edge]) <= capacity[column]`` for every column, every row in
``must_pair`` paired, and every ``locked`` edge chosen. Scores are integers; ``score_scale``
converts them back to the user's units (``objective = score_scale * sum(score)``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from pairmatch.errors import InputIssue, ValidationError

__all__ = ["Problem", "Teams"]


def _int_array(values: object, name: str, size: int | None = None) -> np.ndarray:
    arr = np.asarray(values)
    if arr.dtype == bool or not (np.issubdtype(arr.dtype, np.integer) or arr.size == 0):
        if np.issubdtype(arr.dtype, np.floating) and np.all(arr == np.round(arr)):
            arr = arr.astype(np.int64)
        else:
            raise ValidationError([InputIssue("problem", None, None, name, "must be integers")])
    arr = arr.astype(np.int64, copy=False)
    if arr.ndim != 1:
        arr = arr.ravel()
    if size is not None and arr.shape != (size,):
        raise ValidationError(
            [InputIssue("problem", None, None, name, f"must have {size} entries, got {arr.size}")]
        )
    return arr


@dataclass(frozen=True, eq=False)
class Teams:
    """Many-to-one pairing: a child may get a team of volunteers (one lead, the rest support).

    With teams, level 2 of the objective is
    ``sum(score[e] for member edges) + sum over (child, k) of max(category_value[e, k] for
    the child's members)`` (complementary skills count once per category), and a third level
    prefers fewer members where level 2 ties.

    Parameters
    ----------
    size_min, size_max:
        Team size range of each child when paired (1 <= size_min <= size_max).
    support_load:
        Capacity an edge uses when its volunteer is a supporting member (the problem's
        ``load`` is the lead's); integers, so a half slot is load 1 of capacity 2.
    cover_required:
        (children × K) flags: categories a paired child's team must cover.
    covers:
        (edges × K) flags: whether the edge's volunteer covers the category for that child.
    category_value:
        (edges × K) non-negative integers counted once per (child, category).
    max_leads:
        Optional per volunteer: the most children she may lead.
    """

    size_min: np.ndarray
    size_max: np.ndarray
    support_load: np.ndarray
    cover_required: np.ndarray
    covers: np.ndarray
    category_value: np.ndarray
    max_leads: np.ndarray | None = None

    def check(self, n: int, e: int, m: int) -> list[str]:
        """Problems with the arrays' shapes and values for n children, e edges and m
        volunteers."""
        out = []
        k = np.asarray(self.cover_required).shape[1] if np.ndim(self.cover_required) == 2 else -1
        shapes = {
            "size_min": (n,), "size_max": (n,), "support_load": (e,),
            "cover_required": (n, k), "covers": (e, k), "category_value": (e, k),
        }  # fmt: skip
        for name, shape in shapes.items():
            if np.shape(getattr(self, name)) != shape or k < 0:
                out.append(f"teams.{name} must have shape {shape}")
        if out:
            return out
        if n and (np.min(self.size_min) < 1 or np.any(self.size_max < self.size_min)):
            out.append("team sizes must satisfy 1 <= size_min <= size_max")
        if e and np.min(self.support_load) < 1:
            out.append("every support load must be >= 1")
        if e and np.min(self.category_value) < 0:
            out.append("category values must be >= 0")
        if self.max_leads is not None:
            if np.shape(self.max_leads) != (m,):
                out.append(f"teams.max_leads must have shape {(m,)}")
            elif m and np.min(self.max_leads) < 0:
                out.append("every max_leads must be >= 0")
        return out

    def restrict(self, edges: np.ndarray) -> Teams:
        """The same teams on the given edges only (per-edge arrays sliced)."""
        return replace(
            self,
            support_load=self.support_load[edges],
            covers=self.covers[edges],
            category_value=self.category_value[edges],
        )

    @property
    def trivial(self) -> bool:
        """One volunteer per child, nothing to cover and no lead cap: an ordinary pairing
        problem (see :func:`pairmatch.solvers.solve`, which also folds a lead cap)."""
        return bool(
            np.all(self.size_max == 1)
            and not np.any(self.cover_required)
            and self.max_leads is None
        )


@dataclass(frozen=True, eq=False)
class Problem:
    """A pairing problem in arrays. Build one with :meth:`from_matrices` or from records
    with :func:`pairmatch.match` (which builds it for you).

    Parameters
    ----------
    n_children, n_volunteers:
        Number of rows and columns.
    child, volunteer:
        Edge endpoints (one entry per allowed pair; no pair twice).
    score:
        Level-2 value of each edge, integer.
    load:
        Capacity each edge uses at its volunteer (default 1).
    capacity:
        Capacity of each volunteer (default 1).
    priority:
        Level-1 weight of each child (default 0: only level 2 counts).
    must_pair:
        Children that must be paired (bool per child, default none).
    locked:
        Edge indices that must be chosen.
    score_scale:
        User units per score unit.
    teams:
        Optional :class:`Teams` (many-to-one pairing with need coverage).
    fair_load, overload_penalty:
        Fairness: level 2 loses ``overload_penalty`` (an integer) for each pair a volunteer
        takes beyond her ``fair_load`` (pairs, per volunteer). Off by default.
    groups:
        Optional label per child (e.g. the county): exact flow solves each group in its own
        network, so a group's pairs do not depend on what else is in the problem (equally
        good pairings are chosen the same way when a group is solved alone). A connected
        component that spans groups is solved with the lowest of them.
    """

    n_children: int
    n_volunteers: int
    child: np.ndarray
    volunteer: np.ndarray
    score: np.ndarray
    load: np.ndarray = field(default=None)  # type: ignore[arg-type]
    capacity: np.ndarray = field(default=None)  # type: ignore[arg-type]
    priority: np.ndarray = field(default=None)  # type: ignore[arg-type]
    must_pair: np.ndarray = field(default=None)  # type: ignore[arg-type]
    locked: np.ndarray = field(default=None)  # type: ignore[arg-type]
    score_scale: float = 1.0
    teams: Teams | None = None
    fair_load: np.ndarray | None = None
    overload_penalty: int = 0
    groups: np.ndarray | None = None

    def __post_init__(self) -> None:
        n, m = int(self.n_children), int(self.n_volunteers)
        child = _int_array(self.child, "child")
        e = child.size
        arrays = {
            "child": child,
            "volunteer": _int_array(self.volunteer, "volunteer", e),
            "score": _int_array(self.score, "score", e),
            "load": np.ones(e, np.int64) if self.load is None else _int_array(self.load, "load", e),
            "capacity": (
                np.ones(m, np.int64)
                if self.capacity is None
                else _int_array(self.capacity, "capacity", m)
            ),
            "priority": (
                np.zeros(n, np.int64)
                if self.priority is None
                else _int_array(self.priority, "priority", n)
            ),
            "locked": (
                np.empty(0, np.int64) if self.locked is None else _int_array(self.locked, "locked")
            ),
        }
        must = np.zeros(n, bool) if self.must_pair is None else np.asarray(self.must_pair, bool)
        if must.shape == ():
            must = np.full(n, bool(must))
        arrays["must_pair"] = must
        issues = []

        def bad(name: str, message: str) -> None:
            issues.append(InputIssue("problem", None, None, name, message))

        if must.shape != (n,):
            bad("must_pair", f"must be one flag or {n} flags")
        a = arrays
        if e and (a["child"].min() < 0 or a["child"].max() >= n):
            bad("child", f"edge endpoints must be in 0..{n - 1}")
        if e and (a["volunteer"].min() < 0 or a["volunteer"].max() >= m):
            bad("volunteer", f"edge endpoints must be in 0..{m - 1}")
        if e and a["load"].min() < 1:
            bad("load", "every load must be >= 1")
        if m and a["capacity"].min() < 0:
            bad("capacity", "every capacity must be >= 0")
        if n and a["priority"].min() < 0:
            bad("priority", "every priority must be >= 0")
        if a["locked"].size and (a["locked"].min() < 0 or a["locked"].max() >= e):
            bad("locked", f"locked edge indices must be in 0..{e - 1}")
        if self.teams is not None:
            for message in self.teams.check(n, e, m):
                bad("teams", message)
        fair = None
        if self.fair_load is not None:
            fair = _int_array(self.fair_load, "fair_load", m)
            if m and fair.min() < 0:
                bad("fair_load", "every fair load must be >= 0")
        if int(self.overload_penalty) < 0:
            bad("overload_penalty", "must be >= 0")
        groups = None
        if self.groups is not None:
            groups = _int_array(self.groups, "groups", n)
        if not issues and e:
            key = a["child"] * max(m, 1)
            key += a["volunteer"]
            # edges built by pairmatch are sorted, which proves uniqueness in one pass
            if not np.all(key[1:] > key[:-1]) and np.unique(key).size != e:
                bad("child", "the same (child, volunteer) pair appears more than once")
        if issues:
            raise ValidationError(issues, what="problem")
        for name, arr in arrays.items():
            arr.setflags(write=False)
            object.__setattr__(self, name, arr)
        object.__setattr__(self, "n_children", n)
        object.__setattr__(self, "n_volunteers", m)
        object.__setattr__(self, "overload_penalty", int(self.overload_penalty))
        if fair is not None:
            fair.setflags(write=False)
        object.__setattr__(self, "fair_load", fair)
        object.__setattr__(self, "groups", groups)

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_matrices(
        cls,
        value: np.ndarray,
        load: np.ndarray | None = None,
        capacity: np.ndarray | float | None = None,
        must_pair: bool | np.ndarray = False,
        *,
        priority: np.ndarray | float | None = None,
        resolution: float | None = None,
    ) -> Problem:
        """A problem from dense matrices (children × volunteers).

        Parameters
        ----------
        value:
            Value of each pair; NaN where a pair is not allowed.
        load:
            Capacity each pair uses (default 1); NaN entries are ignored.
        capacity:
            Capacity of each volunteer, or one number for all (default 1).
        must_pair:
            Require every child (or the flagged ones) to be paired.
        priority:
            Level-1 reward for pairing each child (default 0, so only total value counts).
        resolution:
            Values are rounded to this step; by default 1 when every value is a whole
            number and 0.001 otherwise.

        Examples
        --------
        >>> import numpy as np, pairmatch as pm
        >>> value = np.array([[5, 1], [4, np.nan]])
        >>> result = pm.solve(pm.Problem.from_matrices(value, must_pair=True))
        >>> result.objective, result.assignment.tolist()
        (5.0, [1, 0])
        """
        value = np.asarray(value, dtype=float)
        if value.ndim != 2:
            raise ValidationError(
                [
                    InputIssue(
                        "matrix", None, None, "value", "must be a 2-D array (children × volunteers)"
                    )
                ]
            )
        n, m = value.shape
        allowed = ~np.isnan(value)
        if np.isinf(value[allowed]).any():
            raise ValidationError(
                [InputIssue("matrix", None, None, "value", "must be finite or NaN")]
            )
        if resolution is None:
            whole = np.all(value[allowed] == np.round(value[allowed]))
            resolution = 1.0 if whole else 0.001
        child, volunteer = np.nonzero(allowed)
        score = np.rint(value[child, volunteer] / resolution).astype(np.int64)
        loads = None
        if load is not None:
            load = np.asarray(load, dtype=float)
            if load.shape != value.shape:
                raise ValidationError(
                    [InputIssue("matrix", None, None, "load", f"must have shape {value.shape}")]
                )
            loads = load[child, volunteer]
        caps = None if capacity is None else np.broadcast_to(np.asarray(capacity), (m,))
        prio = None if priority is None else np.broadcast_to(np.asarray(priority), (n,))
        return cls(
            n_children=n,
            n_volunteers=m,
            child=child,
            volunteer=volunteer,
            score=score,
            load=loads,  # type: ignore[arg-type]
            capacity=caps,  # type: ignore[arg-type]
            priority=prio,  # type: ignore[arg-type]
            must_pair=np.broadcast_to(np.asarray(must_pair, bool), (n,)).copy(),
            score_scale=float(resolution),
        )

    def restrict(self, edges: np.ndarray) -> Problem:
        """The same problem on the given edges only (indices ascending); locked edges
        outside them are dropped."""
        position = np.full(self.n_edges, -1, np.int64)
        position[edges] = np.arange(edges.size)
        locked = position[self.locked]
        return replace(
            self,
            child=self.child[edges],
            volunteer=self.volunteer[edges],
            score=self.score[edges],
            load=self.load[edges],
            locked=locked[locked >= 0],
            teams=None if self.teams is None else self.teams.restrict(edges),
        )

    # ------------------------------------------------------------------ properties
    @property
    def n_edges(self) -> int:
        return int(self.child.size)

    @property
    def has_fairness(self) -> bool:
        """Whether level 2 penalises volunteers loaded beyond their fair load."""
        return self.fair_load is not None and self.overload_penalty > 0

    def overload(self, chosen: np.ndarray) -> int:
        """Pairs beyond the fair loads, summed over volunteers, for a set of chosen edges."""
        if not self.has_fairness:
            return 0
        count = np.bincount(self.volunteer[chosen], minlength=self.n_volunteers)
        assert self.fair_load is not None
        return int(np.maximum(count - self.fair_load, 0).sum())

    @property
    def has_teams(self) -> bool:
        """Whether some child may get more than one volunteer, or needs coverage."""
        return self.teams is not None and not self.teams.trivial

    @property
    def uniform_load(self) -> bool:
        """True when every edge of each volunteer uses the same load (flow can solve it)."""
        if self.n_edges == 0 or self.load.min() == self.load.max():
            return True
        lo = np.full(self.n_volunteers, np.iinfo(np.int64).max)
        hi = np.zeros(self.n_volunteers, np.int64)
        np.minimum.at(lo, self.volunteer, self.load)
        np.maximum.at(hi, self.volunteer, self.load)
        used = hi > 0
        return bool(np.all(lo[used] == hi[used]))

    def components(self) -> tuple[int, np.ndarray, np.ndarray]:
        """Connected components of the edge graph: (count, label per child, per volunteer)."""
        return self._components

    @cached_property
    def _components(self) -> tuple[int, np.ndarray, np.ndarray]:
        n, m = self.n_children, self.n_volunteers
        graph = coo_matrix(
            (np.ones(self.n_edges, np.int8), (self.child, n + self.volunteer)), shape=(n + m, n + m)
        )
        count, labels = connected_components(graph, directed=False)
        return int(count), labels[:n], labels[n:]

    def __repr__(self) -> str:
        return (
            f"Problem(children={self.n_children}, volunteers={self.n_volunteers}, "
            f"edges={self.n_edges}, must_pair={int(self.must_pair.sum())}, "
            f"locked={self.locked.size})"
        )

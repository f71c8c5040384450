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

import math
import numbers
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import cast

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from pairmatch import arguments
from pairmatch.arrays import group_max, unique
from pairmatch.errors import InputIssue, ValidationError
from pairmatch.exact import EXACT, entry_issues, over

__all__ = ["Problem", "Teams"]


#: What each integer array of a problem holds: (one entry per ..., lowest, highest, what to
#: do when an entry is beyond them).
_SPECS: dict[str, tuple[str, int, int, str]] = {
    "child": ("edge", 0, EXACT, ""),
    "volunteer": ("edge", 0, EXACT, ""),
    "score": (
        "edge", -EXACT, EXACT,
        "scores are value / resolution: coarsen the resolution or scale the values down",
    ),
    "load": ("edge", 1, EXACT, "scale loads and capacities down together"),
    "capacity": ("volunteer", 0, EXACT, "for no limit, give the sum of her pairs' loads"),
    "priority": ("child", 0, EXACT, "divide every priority by a common factor"),
    "locked": ("locked edge", 0, EXACT, ""),
    "fair_load": ("volunteer", 0, EXACT, ""),
    "groups": ("child", -EXACT, EXACT, ""),
}  # fmt: skip

_KINDS = {"b": "True/False", "U": "text", "S": "text", "O": "objects (None, text or mixed)",
          "c": "complex numbers", "M": "dates", "m": "durations", "V": "records"}  # fmt: skip


def _int_array(
    values: object,
    name: str,
    issues: list[InputIssue],
    size: int | None = None,
    table: str = "problem",
    where: str | None = None,
) -> np.ndarray | None:
    """``values`` as a read-only int64 vector, or ``None`` after adding to ``issues`` why it
    cannot be one: it must hold whole numbers within the bounds of :data:`_SPECS` (finite
    floats with whole values are accepted), one per unit (``size`` entries)."""
    unit, low, high, hint = _SPECS[name]

    def bad(message: str, row: int | None = None) -> None:
        issues.append(InputIssue(table, row, None, name, message))

    try:
        arr = np.asarray(values)
    except (ValueError, TypeError):
        bad("must be an array of whole numbers (are some rows longer than others?)")
        return None
    if arr.ndim > 1:
        bad(f"must be one-dimensional (one entry per {unit}), got shape {arr.shape}")
        return None
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.size and arr.dtype.kind not in "iuf":
        bad(f"must be whole numbers, not {_KINDS.get(arr.dtype.kind, arr.dtype.name)}")
        return None
    if size is not None and arr.size != size:
        bad(f"must have {size} entries (one per {unit}), got {arr.size}")
        return None
    found: list[InputIssue] = []
    at = where or f"{name}[{{i}}]"
    if arr.dtype.kind == "f":
        finite = np.isfinite(arr)
        found += entry_issues(table, name, ~finite, "{where} is not a finite number", at)
        safe = np.where(finite, arr, 0.0)
        whole = finite & (safe == np.round(safe))
        found += entry_issues(table, name, finite & ~whole, "{where} is not a whole number", at)
        outside = whole & ((safe < low) | (safe > high))
    else:
        outside = (arr < low) | (arr > high)
    tail = f": {hint}" if hint else ""
    found += entry_issues(
        table, name, outside, f"{{where}} must be from {_show(low)} to {_show(high)}{tail}", at
    )
    if found:
        issues += found
        return None
    return arr.astype(np.int64, copy=False)


#: Most children and volunteers together: the flow numbers nodes (and a sink) in int32.
_MAX_NODES = 2**31 - 3


def _show(limit: int) -> str:
    return {EXACT: "2**53", -EXACT: "-2**53"}.get(limit, str(limit))


def _count(value: object, name: str, issues: list[InputIssue]) -> int:
    """A number of rows or columns: a whole number >= 0 (0 after an issue)."""
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Integral):
        issues.append(InputIssue("problem", None, None, name, "must be a whole number"))
        return 0
    if value < 0:
        issues.append(InputIssue("problem", None, None, name, "must be >= 0"))
        return 0
    return int(value)


def _flags(values: object, n: int, issues: list[InputIssue], table: str = "problem") -> np.ndarray:
    """``must_pair``: one flag for every child, or one per child (True/False, or 1/0)."""

    def bad(message: str) -> np.ndarray:
        issues.append(InputIssue(table, None, None, "must_pair", message))
        return np.zeros(n, bool)

    if values is None:
        return np.zeros(n, bool)
    try:
        arr = np.asarray(values)
    except (ValueError, TypeError):
        return bad("must be True/False, or one flag per child")
    if arr.ndim > 1:
        return bad(f"must be one flag or {n} flags, got shape {arr.shape}")
    if arr.size and arr.dtype.kind not in "biuf":
        return bad(f"must be True/False (or 1/0), not {_KINDS.get(arr.dtype.kind, 'numbers')}")
    if arr.dtype.kind in "iuf":
        not_flag = ~((arr == 0) | (arr == 1))  # NaN is no flag either
        if not_flag.any():
            issues += entry_issues(
                table, "must_pair", np.atleast_1d(not_flag),
                "{where} must be True/False (or 1/0)", "must_pair[{i}]",
            )  # fmt: skip
            return np.zeros(n, bool)
    if arr.ndim == 0:
        return np.full(n, bool(arr))
    if arr.size != n:
        return bad(f"must be one flag or {n} flags (one per child), got {arr.size}")
    return arr.astype(bool)


def _matrix(
    values: object, name: str, issues: list[InputIssue], shape: tuple[int, int] | None = None
) -> np.ndarray | None:
    """A 2-D float matrix of real numbers (NaN allowed), or ``None`` after an issue."""

    def bad(message: str) -> None:
        issues.append(InputIssue("matrix", None, None, name, message))

    try:
        arr = np.asarray(values)
    except (ValueError, TypeError):
        bad("must be a 2-D array of numbers (children × volunteers); rows differ in length")
        return None
    if arr.ndim != 2:
        bad(f"must be a 2-D array (children × volunteers), got {arr.ndim} dimensions")
        return None
    if shape is not None and arr.shape != shape:
        bad(f"must have shape {shape}, the shape of value, got {arr.shape}")
        return None
    if arr.dtype.kind == "O":  # numbers of mixed types: read each one
        numeric = np.vectorize(_is_number, otypes=[bool])(arr) if arr.size else arr.astype(bool)
        issues += entry_issues("matrix", name, ~numeric, (
            "{where} is not a number (NaN marks a pair that is not allowed)"
        ), f"{name}[{{i}}, {{j}}]")  # fmt: skip
        if not numeric.all():
            return None
        huge = np.vectorize(_beyond_float, otypes=[bool])(arr) if arr.size else numeric
        arr = np.where(huge, 0, arr).astype(float) if huge.any() else arr.astype(float)
        issues += entry_issues("matrix", name, huge, (
            "{where} is a whole number beyond 2**53, which 64-bit floats do not hold "
            "exactly: scale the values down"
        ), f"{name}[{{i}}, {{j}}]")  # fmt: skip
        return None if huge.any() else arr
    if arr.size and arr.dtype.kind not in "iuf":
        what = _KINDS.get(arr.dtype.kind, arr.dtype.name)
        hint = " (for a mask of allowed pairs, use np.where(mask, value, np.nan))"
        bad(f"must be real numbers, not {what}{hint if arr.dtype.kind == 'b' else ''}")
        return None
    if arr.dtype.kind in "iu":
        huge = (arr > EXACT) | (arr < -EXACT)
        issues += entry_issues("matrix", name, huge, (
            "{where} is a whole number beyond 2**53, which 64-bit floats do not hold "
            "exactly: scale the values down"
        ), f"{name}[{{i}}, {{j}}]")  # fmt: skip
        if huge.any():
            return None
    return arr.astype(float)


def _is_number(x: object) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, bool | np.bool_)


def _beyond_float(x: object) -> bool:
    """A whole number too large to be exact as a float (a float itself never is)."""
    return isinstance(x, numbers.Integral) and abs(int(x)) > EXACT


def _load_issues(load: np.ndarray, allowed: np.ndarray) -> list[InputIssue]:
    """Loads on the allowed pairs: whole numbers from 1 to 2**53 (no NaN there)."""
    where = "load[{i}, {j}]"
    nan = allowed & np.isnan(load)
    infinite = allowed & np.isinf(load)
    finite = allowed & np.isfinite(load)
    safe = np.where(finite, load, 1.0)
    fraction = finite & (safe != np.round(safe))
    outside = finite & ~fraction & ((safe < 1) | (safe > EXACT))
    return [
        *entry_issues("matrix", "load", nan, (
            "{where} is NaN on an allowed pair: give its load (a whole number from 1 to "
            "2**53), or NaN as its value to forbid the pair"
        ), where),
        *entry_issues("matrix", "load", infinite, "{where} is infinite", where),
        *entry_issues("matrix", "load", fraction, "{where} is not a whole number", where),
        *entry_issues("matrix", "load", outside, (
            "{where} must be from 1 to 2**53: scale loads and capacities down together"
        ), where),
    ]  # fmt: skip


def _resolution(value: object, values: np.ndarray, issues: list[InputIssue]) -> float | None:
    """The step values are rounded to: given (a positive, finite number), or 1 when every
    value is whole and 0.001 otherwise."""
    if value is None:
        return 1.0 if bool(np.all(values == np.round(values))) else 0.001
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    if _is_number(value):
        try:
            step = float(value)  # type: ignore[arg-type]
        except OverflowError:
            step = math.inf
        if math.isfinite(step) and step > 0:
            return step
    issues.append(InputIssue("matrix", None, None, "resolution", (
        "must be a positive, finite number: the step values are rounded to (such as 1 or "
        "0.001)"
    )))  # fmt: skip
    return None


def _vector(values: object, name: str, size: int, issues: list[InputIssue]) -> np.ndarray | None:
    """``capacity`` or ``priority`` of from_matrices: one number for all, or one per
    volunteer (child); ``None`` when not given (the default)."""
    if values is None:
        return None
    try:
        arr = np.asarray(values)
    except (ValueError, TypeError):
        arr = np.asarray(None)  # refused below as "objects"
    if arr.ndim == 0:  # one number for all: checked once, named as the argument
        found: list[InputIssue] = []
        one = _int_array(arr, name, found, 1, "matrix", where=name)
        issues += [replace(p, row=None) for p in found]
        return None if one is None else np.full(size, one[0], np.int64)
    return _int_array(arr, name, issues, size, "matrix")


def _scale(value: object, issues: list[InputIssue]) -> float:
    """``score_scale``: a positive, finite number."""
    if not isinstance(value, bool | np.bool_) and isinstance(value, numbers.Real):
        scale = float(value)
        if math.isfinite(scale) and scale > 0:
            return scale
    issues.append(
        InputIssue("problem", None, None, "score_scale", "must be a positive, finite number")
    )
    return 1.0


def _penalty(value: object, issues: list[InputIssue]) -> int:
    """``overload_penalty``: a whole number from 0 to 2**53."""
    if isinstance(value, bool | np.bool_):
        pass
    elif isinstance(value, numbers.Integral):  # exactly, not through a float
        if 0 <= int(value) <= EXACT:
            return int(value)
    elif isinstance(value, numbers.Real):
        number = float(value)
        if math.isfinite(number) and number == round(number) and 0 <= number <= EXACT:
            return int(number)
    issues.append(
        InputIssue("problem", None, None, "overload_penalty", "must be a whole number from 0 "
                   "to 2**53")
    )  # fmt: skip
    return 0


def _total_issues(
    a: dict[str, np.ndarray],
    n: int,
    m: int,
    teams: Teams | None,
    penalty: int,
    table: str = "problem",
) -> list[InputIssue]:
    """Totals a pairing can reach that would leave :data:`EXACT` (checked once every entry
    is within its bounds): level 1 (the priorities of the paired children), level 2 (the
    scores of the chosen pairs, a team's category values, the fairness penalties) and the
    loads of each volunteer's pairs."""
    issues = []
    child, volunteer, score, load = a["child"], a["volunteer"], a["score"], a["load"]
    e = child.size
    prio = a["priority"]
    if n and float(prio.max()) * n > EXACT and over(prio, EXACT)[0]:
        issues.append(InputIssue(table, None, None, "priority", (
            "priorities add up to more than 2**53, beyond what 64-bit floats hold exactly: "
            "divide every priority by a common factor"
        )))  # fmt: skip
    if e and float(load.max()) * e > EXACT:
        heavy = over(load, EXACT, volunteer, m)
        issues += entry_issues(table, "load", heavy, (
            "the loads of {where}'s pairs add up to more than 2**53: scale loads and "
            "capacities down together"
        ), "volunteer {i}")  # fmt: skip
    if not e:
        return issues
    # each child takes one pair (a team: at most size_max pairs, and no more than it has)
    degree = np.bincount(child, minlength=n)
    k = np.minimum(degree, 1 if teams is None else np.asarray(teams.size_max, np.int64))
    extra = np.zeros(n, np.int64)
    if teams is not None and teams.category_value.size:
        cat = np.asarray(teams.category_value, np.int64)
        if float(cat.max()) > EXACT:
            extra[:] = EXACT + 1  # beyond any total: refused below
        else:
            extra = np.minimum(group_max(cat, child, n).sum(axis=1), EXACT + 1)
    top = float(np.abs(score).max()) + penalty + float(extra.max())
    if top * float(k.sum()) <= EXACT:
        return issues
    hi = group_max(score, child, n)
    lo = group_max(-score, child, n)
    # a pairing's level 2 lies between -sum(k * (lo + penalty)) and sum(k * hi + extra)
    for times, side, plus in ((k, hi, extra), (k, lo + penalty, 0)):
        estimate = times.astype(float) * side + plus
        if float(estimate.max()) > EXACT or over(times * side + plus, EXACT)[0]:
            issues.append(InputIssue(table, None, None, "score", (
                "the scores (value / resolution) of one pair per child, each child's largest "
                "in magnitude, add up to more than 2**53, beyond what 64-bit floats hold "
                "exactly: coarsen the resolution (score_scale) or scale the values down"
            )))  # fmt: skip
            break
    return issues


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

    Every array holds whole numbers (floats with whole values are read as integers; True/
    False, text, NaN and infinity are refused) of magnitude at most ``2**53``, the integers
    a 64-bit float holds exactly, and so does every total a pairing can reach: the
    priorities of all children, the scores of one pair per child on each side of 0 (a
    team's members and category values, and the fairness penalties, counted in), the loads
    of each volunteer's pairs. Anything else is one :class:`~pairmatch.ValidationError`
    (table ``"problem"``) naming every bad argument and entry. Back ends check what they
    need beyond that before they solve (see :mod:`pairmatch.exact`).
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
        issues: list[InputIssue] = []
        n = _count(self.n_children, "n_children", issues)
        m = _count(self.n_volunteers, "n_volunteers", issues)
        if n + m > _MAX_NODES:
            issues.append(InputIssue("problem", None, None, "n_children", (
                f"children and volunteers together must be at most {_MAX_NODES} (the flow "
                "network numbers its nodes in 32 bits)"
            )))  # fmt: skip
        if issues:  # nothing else can be read without the sizes
            raise ValidationError(issues, what="problem")
        child = _int_array(self.child, "child", issues)
        e = None if child is None else child.size  # (no size checks against a bad child)
        arrays = {
            "child": child,
            "volunteer": _int_array(self.volunteer, "volunteer", issues, e),
            "score": _int_array(self.score, "score", issues, e),
            "load": (
                np.ones(e or 0, np.int64) if self.load is None
                else _int_array(self.load, "load", issues, e)
            ),
            "capacity": (
                np.ones(m, np.int64) if self.capacity is None
                else _int_array(self.capacity, "capacity", issues, m)
            ),
            "priority": (
                np.zeros(n, np.int64) if self.priority is None
                else _int_array(self.priority, "priority", issues, n)
            ),
            "locked": (
                np.empty(0, np.int64) if self.locked is None
                else _int_array(self.locked, "locked", issues)
            ),
        }  # fmt: skip
        arrays["must_pair"] = _flags(self.must_pair, n, issues)
        scale = _scale(self.score_scale, issues)
        penalty = _penalty(self.overload_penalty, issues)
        fair = groups = None
        if self.fair_load is not None:
            fair = _int_array(self.fair_load, "fair_load", issues, m)
        if self.groups is not None:
            groups = _int_array(self.groups, "groups", issues, n)

        e = 0 if child is None else child.size

        def bad(name: str, message: str) -> None:
            issues.append(InputIssue("problem", None, None, name, message))

        # each check below runs on the arrays it needs that could be read
        if child is not None and e and (child.min() < 0 or child.max() >= n):
            bad("child", f"edge endpoints must be in 0..{n - 1}")
        vol = arrays["volunteer"]
        if vol is not None and e and (vol.min() < 0 or vol.max() >= m):
            bad("volunteer", f"edge endpoints must be in 0..{m - 1}")
        lock = arrays["locked"]
        if child is not None and lock is not None and lock.size and lock.max() >= e:
            bad("locked", f"locked edge indices must be in 0..{e - 1}")
        if self.teams is not None and not isinstance(self.teams, Teams):
            bad("teams", "must be a Teams, or None")
        elif self.teams is not None and child is not None:
            for message in self.teams.check(n, e, m):
                bad("teams", message)
        if issues:  # the checks below need every array
            raise ValidationError(issues, what="problem")
        a = cast(dict[str, np.ndarray], arrays)
        if e:
            key = a["child"] * max(m, 1)
            key += a["volunteer"]
            # edges built by pairmatch are sorted, which proves uniqueness in one pass
            if not np.all(key[1:] > key[:-1]) and unique(key).size != e:
                bad("child", "the same (child, volunteer) pair appears more than once")
        if not issues:
            issues += _total_issues(a, n, m, self.teams, penalty)
        if issues:
            raise ValidationError(issues, what="problem")
        for name, arr in a.items():
            arr.setflags(write=False)
            object.__setattr__(self, name, arr)
        object.__setattr__(self, "n_children", n)
        object.__setattr__(self, "n_volunteers", m)
        object.__setattr__(self, "score_scale", scale)
        object.__setattr__(self, "overload_penalty", penalty)
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
            Value of each pair (real numbers); NaN where a pair is not allowed. True/False,
            text and complex numbers are refused (for a mask of allowed pairs, pass
            ``np.where(mask, value, np.nan)``).
        load:
            Capacity each pair uses (default 1): whole numbers >= 1 on the allowed pairs;
            entries where ``value`` is NaN are ignored.
        capacity:
            Capacity of each volunteer, or one number for all (default 1): whole numbers
            >= 0 (no infinity: for no limit, give the sum of her pairs' loads).
        must_pair:
            Require every child (True), or the flagged ones (one True/False per child), to
            be paired.
        priority:
            Level-1 reward for pairing each child, or one number for all (default 0, so only
            total value counts): whole numbers >= 0.
        resolution:
            Values are rounded to this step (a positive, finite number); by default 1 when
            every value is a whole number and 0.001 otherwise.

        Every number must stay exact in 64-bit arithmetic: ``|value| / resolution``, each
        load, capacity and priority at most ``2**53``, and so must the totals a pairing can
        reach (the priorities of all children; one pair's ``|value| / resolution`` per
        child; the loads of each volunteer's pairs). Anything else is a
        :class:`~pairmatch.ValidationError` (table ``"matrix"``) naming the argument and
        the entry.

        Examples
        --------
        >>> import numpy as np, pairmatch as pm
        >>> value = np.array([[5, 1], [4, np.nan]])
        >>> result = pm.solve(pm.Problem.from_matrices(value, must_pair=True))
        >>> result.objective, result.assignment.tolist()
        (5.0, [1, 0])
        """
        issues: list[InputIssue] = []
        values = _matrix(value, "value", issues)
        if values is None:
            raise ValidationError(issues, what="matrices")
        n, m = values.shape
        allowed = ~np.isnan(values)
        infinite = np.isinf(values)
        issues += entry_issues("matrix", "value", infinite, (
            "{where} is infinite: give a finite value, or NaN where the pair is not allowed"
        ), "value[{i}, {j}]")  # fmt: skip
        finite = allowed & ~infinite
        step = _resolution(resolution, values[finite], issues)
        score = np.empty(0, np.int64)
        if step is not None:
            with np.errstate(over="ignore", under="ignore"):
                ratio = np.where(finite, values, 0.0) / step
            big = finite & ~(np.abs(ratio) <= EXACT)
            top = float(np.abs(values[finite]).max(initial=0.0))
            coarser = 10.0 ** math.ceil(math.log10(max(top / EXACT, step, 1e-300)))
            issues += entry_issues("matrix", "value", big, (
                f"{{where}} is more than 2**53 steps of the resolution {step:g} from 0, "
                f"where rounding is no longer exact: pass a coarser resolution "
                f"(resolution={coarser:g} or more) or scale the values down"
            ), "value[{i}, {j}]")  # fmt: skip
            if not big.any():
                score = np.rint(ratio[allowed]).astype(np.int64)
        child, volunteer = np.nonzero(allowed)
        loads = None
        if load is not None:
            given = _matrix(load, "load", issues, (n, m))
            if given is not None:
                issues += _load_issues(given, allowed)
                if not issues:
                    loads = given[child, volunteer].astype(np.int64)
        caps = _vector(capacity, "capacity", m, issues)
        prio = _vector(priority, "priority", n, issues)
        must = _flags(must_pair, n, issues, "matrix")
        if issues:
            raise ValidationError(issues, what="matrices")
        assert step is not None
        try:
            return cls(
                n_children=n,
                n_volunteers=m,
                child=child,
                volunteer=volunteer,
                score=score,
                load=loads,  # type: ignore[arg-type]
                capacity=caps,  # type: ignore[arg-type]
                priority=prio,  # type: ignore[arg-type]
                must_pair=must,
                score_scale=step,
            )
        except ValidationError as err:  # a total beyond 2**53: in the matrices' own terms
            renamed = {"score": "value"}
            raise ValidationError(
                [replace(p, table="matrix", field=renamed.get(p.field or "", p.field))
                 for p in err.problems],
                what="matrices",
            ) from None  # fmt: skip

    def restrict(self, edges: np.ndarray) -> Problem:
        """The same problem on the given edges only (indices ascending); locked edges
        outside them are dropped."""
        edges = arguments.indices("edges", edges, self.n_edges)
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

"""Pairing a province by parts: :func:`match_partitioned`.

Pairs never cross a county unless the policy allows it, so a province is as many
independent problems as it has counties. Each part is matched on its own (in a process
pool, or on a Dask cluster when a ``dask.distributed.Client`` is given) and only the small
tables come back: pairs, unmatched children with reasons, the ledger and the figures.
Memory is bounded by the largest part, not the province. When the policy allows pairs
across counties, the parts are the connected components of the candidate graph instead
(which needs the province's candidate pairs once, in this process).
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pairmatch import arguments
from pairmatch.candidates import Candidates, find_candidates
from pairmatch.errors import ArgumentTypeError, UnknownKeyError
from pairmatch.io import Source, read_children, read_volunteers
from pairmatch.labels import Lang, resolve
from pairmatch.match import match
from pairmatch.model.policy import Policy, read_policy
from pairmatch.outputs.ledger import ledger_tables, run_facts, summarise, write
from pairmatch.outputs.schema import conform, empty
from pairmatch.pipeline import all_or_nothing
from pairmatch.problem import Problem
from pairmatch.registry import Registry, locate_pairs, place_keys
from pairmatch.result import MatchResult
from pairmatch.solvers import read_options
from pairmatch.solvers.base import Backend, Options, Status

__all__ = ["PartitionedResult", "match_partitioned"]

# worst first: the status of the whole is the worst of its parts
_STATUS_ORDER = (Status.INFEASIBLE, Status.UNKNOWN, Status.FEASIBLE, Status.OPTIMAL)


@dataclass(frozen=True)
class _Part:
    """What a worker sends back for one part: tables and figures, no arrays."""

    key: str
    children: int
    volunteers: int
    edges: int
    status: Status
    objective: float
    bound: float
    priority_paired: int
    priority_bound: int
    pairs: pd.DataFrame
    unmatched: pd.DataFrame
    ledger: pd.DataFrame
    reasons: tuple[str, ...]
    seconds: float


def _solve_part(
    key: str,
    children: pd.DataFrame,
    volunteers: pd.DataFrame,
    policy: Policy,
    options: dict[str, Any],
) -> _Part:
    t = time.perf_counter()
    result = match(children, volunteers, policy, **options)
    return _Part(
        key=key,
        children=len(children),
        volunteers=len(volunteers),
        edges=len(result.candidates),
        status=result.status,
        objective=result.objective if result.solution.has_solution else 0.0,
        bound=result.bound if result.solution.has_solution else 0.0,
        priority_paired=result.priority_paired,
        priority_bound=result.priority_bound,
        pairs=result.pairs,
        unmatched=result.unmatched,
        ledger=result.ledger(),
        reasons=tuple(f"{key}: {r}" for r in result.reasons),
        seconds=time.perf_counter() - t,
    )


@dataclass(frozen=True, eq=False)
class PartitionedResult:
    """The pairing of a province solved by parts (see :func:`match_partitioned`).

    ``pairs``, ``unmatched`` and ``ledger()`` are the parts' tables together, sorted by
    child id; ``parts`` has one row per part (its key, sizes, status, objective, gap and
    seconds). ``part(key)`` matches one part again and returns its full
    :class:`MatchResult` (for ``explain``, ``alternatives`` and the like).
    """

    policy: Policy
    parts: pd.DataFrame
    pairs: pd.DataFrame
    unmatched: pd.DataFrame
    reasons: tuple[str, ...]
    _ledger: pd.DataFrame = field(repr=False)
    _inputs: dict[str, tuple[pd.DataFrame, pd.DataFrame]] = field(repr=False)
    _options: dict[str, dict[str, Any]] = field(repr=False)  # match()'s options, per part

    @property
    def status(self) -> Status:
        """The worst status of the parts (INFEASIBLE, UNKNOWN, FEASIBLE, OPTIMAL)."""
        seen = set(self.parts["status"]) if len(self.parts) else {Status.OPTIMAL}
        return next(s for s in _STATUS_ORDER if s in seen)

    @property
    def objective(self) -> float:
        """Total fit over the parts."""
        return float(self.parts["objective"].sum())

    @property
    def bound(self) -> float:
        """Sum of the parts' proven bounds."""
        return float(self.parts["bound"].sum())

    @property
    def gap(self) -> float:
        """``(bound - objective) / max(1, |objective|)`` over the province."""
        return abs(self.bound - self.objective) / max(1.0, abs(self.objective))

    @property
    def priority_paired(self) -> int:
        """Total priority of the paired children, over the parts."""
        return int(self.parts["priority_paired"].sum())

    @property
    def n_paired(self) -> int:
        """Children with a volunteer, over the parts."""
        return int(self.pairs["child_id"].nunique())

    def ledger(self) -> pd.DataFrame:
        """The pairing ledger (结对台账) of the whole province, as :meth:`MatchResult.ledger`."""
        return self._ledger.copy()

    def summary(self, by: str | list[str] = "county") -> pd.DataFrame:
        """Counts per jurisdiction, as :meth:`MatchResult.summary`: the table a province
        reports upward."""
        return summarise(self._ledger, by)

    def ledger_tables(
        self,
        *,
        lang: Lang | None = None,
        personal: bool = True,
        pseudonymise: bool = False,
        key: str | bytes | None = None,
    ) -> dict[str, pd.DataFrame]:
        """The sheets of the province's ledger workbook, as
        :meth:`MatchResult.ledger_tables`."""
        solver = f"by parts ({len(self.parts)})"
        facts = run_facts(solver, self.status.value, self.objective, self.bound, self.gap)
        return ledger_tables(
            self._ledger, self.pairs, self.unmatched, self.policy, facts,
            lang=lang, personal=personal, pseudonymise=pseudonymise, key=key,
        )  # fmt: skip

    def to_ledger(
        self,
        path: str | os.PathLike[str],
        *,
        lang: Lang | None = None,
        personal: bool = True,
        pseudonymise: bool = False,
        key: str | bytes | None = None,
    ) -> Path:
        """Write the province's pairing ledger (结对台账), as :meth:`MatchResult.to_ledger`."""
        lang = resolve(lang)
        tables = self.ledger_tables(lang=lang, personal=personal, pseudonymise=pseudonymise,
                                    key=key)  # fmt: skip
        return write(tables, path, lang)

    def part(self, key: str) -> MatchResult:
        """Match one part again (the same answer: matching is deterministic) and return
        its full result."""
        if not isinstance(key, str) or key not in self._inputs:
            raise UnknownKeyError("no part by that key; see PartitionedResult.parts")
        children, volunteers = self._inputs[key]
        return match(children, volunteers, self.policy, **self._options[key])

    def _repr_html_(self) -> str:
        """The notebook view: headline figures, then the first rows (ids only)."""
        from pairmatch.labels import default_lang
        from pairmatch.outputs.display import partitioned_html

        return partitioned_html(self, default_lang())

    def __repr__(self) -> str:
        return (
            f"PartitionedResult(parts={len(self.parts)}, status={self.status.value}, "
            f"paired={self.n_paired}, unmatched={len(self.unmatched)}, "
            f"objective={self.objective:g})"
        )


def match_partitioned(
    children: Source,
    volunteers: Source,
    policy: Policy | Mapping[str, Any] | None = None,
    *,
    by: str = "county",
    client: Any = None,
    max_workers: int | None = None,
    progress: bool | Callable[[str, int, int], None] = False,
    forbidden: Any = None,
    locked: Any = None,
    keep: Any = None,
    options: Options | None = None,
    solver: str | Backend = "auto",
    time_limit: float | None = None,
    workers: int | None = None,
    seed: int = 0,
    deterministic: bool = True,
) -> PartitionedResult:
    """Pair a province part by part, in parallel; the same pairs as :func:`pairmatch.match`
    on the whole.

    Parameters
    ----------
    children, volunteers, policy:
        As for :func:`pairmatch.match`.
    by:
        ``"county"`` (default): one part per county name. When ``policy.allow_cross_county``
        is set, the parts are the connected components of the candidate graph instead
        (``by`` must then be ``"county"`` or ``"component"``).
    client:
        A ``dask.distributed.Client``: parts are solved on its cluster. Default: a local
        process pool.
    max_workers:
        Processes of the local pool (default: the CPUs available; 1 solves in this
        process, one part after another).
    progress:
        ``True`` shows a progress bar over the parts (tqdm; a widget in Jupyter), with the
        part last done and its gap; a callable is called as ``progress(key, done, total)``
        after each part instead. Silent by default.
    forbidden, locked, keep:
        As for :func:`pairmatch.match`: read and checked once for the whole province (an
        unknown id is one error naming its row and field), and each part is given the
        pairs it holds. A pair whose child and volunteer fall in different parts can never
        be made: forbidding or keeping it changes nothing, and locking it makes the child's
        part ``INFEASIBLE``, with the rules the pair breaks among the reasons (the
        volunteer's record is given to that part so that :func:`pairmatch.match` can say
        which).
    options, solver, time_limit, workers, seed, deterministic:
        How to search each part, as for :func:`pairmatch.match` (``time_limit`` is each
        part's).

    Examples
    --------
    >>> import pairmatch as pm
    >>> children, volunteers = pm.synth.province(600, n_counties=3, seed=5)
    >>> whole = pm.match(children, volunteers, pm.Policy(max_distance_km=5))
    >>> parts = pm.match_partitioned(children, volunteers, pm.Policy(max_distance_km=5),
    ...                              max_workers=1)
    >>> len(parts.parts), parts.n_paired == whole.n_paired, parts.status.value
    (3, True, 'OPTIMAL')
    """
    policy = read_policy(policy)
    arguments.choice("by", by, ("county", "component"))
    max_workers = arguments.whole("max_workers", max_workers, low=1, optional=True)
    if client is not None and not callable(getattr(client, "submit", None)):
        raise ArgumentTypeError("client must be a dask.distributed.Client, or None")
    if not callable(progress):
        progress = arguments.flag("progress", progress, also=", or a callable")
    options = read_options(
        options, solver=solver, time_limit=time_limit, workers=workers, seed=seed,
        deterministic=deterministic,
    )  # fmt: skip
    child_table, volunteer_table = read_children(children), read_volunteers(volunteers)
    given = {"forbidden": forbidden, "locked": locked, "keep": keep}
    pairs = _read_pairs(child_table, volunteer_table, given)  # (each part's replace these)
    if policy.allow_cross_county or by == "component":
        groups, share = _components(child_table, volunteer_table, policy, pairs)
        if policy.fairness_penalty and policy.fair_load is None:
            # the whole register's average, as one match() would use, not each part's
            policy = policy.model_copy(update={"fair_load": share})
    else:
        groups = list(_counties(child_table, volunteer_table))
    inputs, part_pairs = _give_pairs(dict(groups), volunteer_table, pairs)
    part_options = {key: {"options": options, **part_pairs[key]} for key in inputs}
    total = len(inputs)
    outcomes: list[_Part] = []
    bar = None
    if progress and not callable(progress):
        from pairmatch.progress import bar_class

        bar = bar_class()(total=total, desc="pairmatch parts", unit="part")

    def done(part: _Part) -> None:
        outcomes.append(part)
        if bar is not None:
            gap = abs(part.bound - part.objective) / max(1.0, abs(part.objective))
            bar.set_postfix(part=part.key, children=part.children, gap=f"{gap:.3g}", refresh=False)
            bar.update(1)
        elif callable(progress):
            progress(part.key, len(outcomes), total)

    try:
        if client is not None:
            futures = [
                client.submit(_solve_part, key, c, v, policy, part_options[key], pure=False)
                for key, (c, v) in inputs.items()
            ]
            for future in futures:
                done(future.result())
        else:
            workers = max_workers if max_workers is not None else (os.cpu_count() or 1)
            if workers <= 1 or total <= 1:
                for key, (c, v) in inputs.items():
                    done(_solve_part(key, c, v, policy, part_options[key]))
            else:
                # forkserver: forking a process that already runs threads (a solver's, a
                # cluster client's) can deadlock the child
                methods = multiprocessing.get_all_start_methods()
                context = multiprocessing.get_context(
                    "forkserver" if "forkserver" in methods else "spawn"
                )
                size = min(workers, total)
                with ProcessPoolExecutor(max_workers=size, mp_context=context) as pool:
                    futures = [
                        pool.submit(_solve_part, key, c, v, policy, part_options[key])
                        for key, (c, v) in inputs.items()
                    ]
                    for future in futures:
                        done(future.result())
    finally:  # the bar is closed whatever a part raised
        if bar is not None:
            bar.close()
    return _combine(outcomes, policy, inputs, part_options)


#: The pairs given: read once for the province, then split among the parts.
_PAIR_OPTIONS = {"forbidden": "forbidden pairs", "locked": "locked pairs", "keep": "kept pairs"}


def _read_pairs(
    children: pd.DataFrame, volunteers: pd.DataFrame, given: dict[str, Any]
) -> dict[str, list[tuple[str, str]]]:
    """The forbidden, locked and kept pairs given, as (child id, volunteer id) lists of ids
    as the registers hold them; every unknown id of all three in one error."""
    child_index, volunteer_index = pd.Index(children["id"]), pd.Index(volunteers["id"])
    kinds = [k for k in _PAIR_OPTIONS if given.get(k) is not None]
    found = all_or_nothing(*(
        partial(locate_pairs, given[k], _PAIR_OPTIONS[k], child_index, volunteer_index)
        for k in kinds
    ))  # fmt: skip
    cids, vids = children["id"].to_numpy(object), volunteers["id"].to_numpy(object)
    return {
        k: list(zip(cids[c].tolist(), vids[v].tolist(), strict=True))
        for k, (c, v) in zip(kinds, found, strict=True)
    }


def _give_pairs(
    inputs: dict[str, tuple[pd.DataFrame, pd.DataFrame]],
    volunteers: pd.DataFrame,
    pairs: dict[str, list[tuple[str, str]]],
) -> tuple[dict[str, tuple[pd.DataFrame, pd.DataFrame]], dict[str, dict[str, list]]]:
    """Each part's pairs: those whose child and volunteer it holds. A locked pair across
    parts brings its volunteer's record into the child's part (where the lock breaks the
    county rule or the distance, and :func:`pairmatch.match` says so); the pairs of that
    record there are given to the part too. Other pairs across parts are dropped: no part
    can make them, as one match of the whole cannot."""
    child_part = {cid: key for key, (c, _) in inputs.items() for cid in c["id"].tolist()}
    vol_part = {vid: key for key, (_, v) in inputs.items() for vid in v["id"].tolist()}
    guests: dict[str, list[str]] = {}
    for cid, vid in pairs.get("locked", []):
        home = child_part[cid]
        if vol_part[vid] != home and vid not in guests.setdefault(home, []):
            guests[home].append(vid)
    held = {key: set(v["id"].tolist()) | set(guests.get(key, [])) for key, (_, v) in inputs.items()}
    out = dict(inputs)
    for key, vids in guests.items():
        c, v = inputs[key]
        extra = volunteers[volunteers["id"].isin(vids)]
        out[key] = (c, pd.concat([v, extra], ignore_index=True))
    given: dict[str, dict[str, list]] = {key: {} for key in inputs}
    for kind, listed in pairs.items():
        for key in inputs:
            given[key][kind] = []
        for cid, vid in listed:
            home = child_part[cid]
            if vid in held[home]:
                given[home][kind].append((cid, vid))
    return out, given


def _counties(
    children: pd.DataFrame, volunteers: pd.DataFrame
) -> Iterator[tuple[str, tuple[pd.DataFrame, pd.DataFrame]]]:
    """One part per county name (two counties of one name share a part: the county rule
    inside :func:`match` still keeps them apart). Records whose county no record of the
    other register shares form parts of their own, so nothing is dropped."""
    ckey = place_keys(children["county"], "county")
    vkey = place_keys(volunteers["county"], "county")
    # a part is named as the registers write its county most often (秭归县 over 秭归)
    names = pd.concat([children["county"], volunteers["county"]], ignore_index=True).astype(str)
    spelt = pd.DataFrame({"key": pd.concat([ckey, vkey], ignore_index=True), "name": names})
    counts = spelt.value_counts(sort=False).reset_index(name="n")
    counts = counts.sort_values(["key", "n", "name"], ascending=[True, False, True])
    label = counts.drop_duplicates("key").set_index("key")["name"].to_dict()
    for key in sorted(set(ckey) | set(vkey)):
        yield (
            label.get(key, key),
            (
                children[(ckey == key).to_numpy(bool)].reset_index(drop=True),
                volunteers[(vkey == key).to_numpy(bool)].reset_index(drop=True),
            ),
        )


def _components(
    children: pd.DataFrame,
    volunteers: pd.DataFrame,
    policy: Policy,
    pairs: dict[str, list[tuple[str, str]]],
) -> tuple[list[tuple[str, tuple[pd.DataFrame, pd.DataFrame]]], int]:
    """One part per connected component of the candidate graph (pairs may cross
    counties; forbidden pairs are no candidates, as in :func:`pairmatch.match`), records
    without any candidate pair together in one last part; and the whole register's average
    load (children with a pair / volunteers with a pair)."""
    registry = Registry.build(children, volunteers)
    banned = registry.pair_indices(pairs.get("forbidden", []), "forbidden pairs")
    cand = find_candidates(registry, policy, banned)
    kids = int(np.count_nonzero(np.bincount(cand.child)))
    vols = int(np.count_nonzero(np.bincount(cand.volunteer)))
    return list(_component_parts(registry, cand)), -(-kids // max(vols, 1))


def _component_parts(
    registry: Registry, cand: Candidates
) -> Iterator[tuple[str, tuple[pd.DataFrame, pd.DataFrame]]]:
    n, m = len(registry.children), len(registry.volunteers)
    _, child_label, vol_label = Problem(
        n_children=n,
        n_volunteers=m,
        child=cand.child,
        volunteer=cand.volunteer,
        score=np.zeros(len(cand), np.int64),
    ).components()
    lone_c = np.bincount(cand.child, minlength=n) == 0
    lone_v = np.bincount(cand.volunteer, minlength=m) == 0
    labels = np.unique(np.concatenate((child_label[~lone_c], vol_label[~lone_v])))
    width = len(str(max(len(labels), 1)))
    for i, label in enumerate(labels.tolist()):
        yield (
            f"component-{i + 1:0{width}d}",
            (
                registry.children[(child_label == label) & ~lone_c].reset_index(drop=True),
                registry.volunteers[(vol_label == label) & ~lone_v].reset_index(drop=True),
            ),
        )
    if lone_c.any() or lone_v.any():
        yield (
            "no-candidates",
            (
                registry.children[lone_c].reset_index(drop=True),
                registry.volunteers[lone_v].reset_index(drop=True),
            ),
        )


def _combine(
    outcomes: list[_Part],
    policy: Policy,
    inputs: dict[str, tuple[pd.DataFrame, pd.DataFrame]],
    options: dict[str, dict[str, Any]],
) -> PartitionedResult:
    outcomes = sorted(outcomes, key=lambda p: p.key)
    rows = [
        {
            "part": p.key,
            "children": p.children,
            "volunteers": p.volunteers,
            "edges": p.edges,
            "status": p.status,
            "objective": p.objective,
            "bound": p.bound,
            "gap": abs(p.bound - p.objective) / max(1.0, abs(p.objective)),
            "priority_paired": p.priority_paired,
            "priority_bound": p.priority_bound,
            "paired": int(p.pairs["child_id"].nunique()) if len(p.pairs) else 0,
            "seconds": p.seconds,
        }
        for p in outcomes
    ]
    columns = ["part", "children", "volunteers", "edges", "status", "objective", "bound",
               "gap", "priority_paired", "priority_bound", "paired", "seconds"]  # fmt: skip
    parts = conform(pd.DataFrame(rows, columns=columns), "parts")

    def together(tables: list[pd.DataFrame], kind: str, order: list[str]) -> pd.DataFrame:
        frames = [t for t in tables if len(t)]
        if not frames:
            return conform(tables[0].iloc[0:0], kind) if tables else empty(kind)
        out = pd.concat(frames, ignore_index=True)
        return conform(out.sort_values(order, kind="stable").reset_index(drop=True), kind)

    return PartitionedResult(
        policy=policy,
        parts=parts,
        pairs=together([p.pairs for p in outcomes], "pairs", ["child_id", "volunteer_id"]),
        unmatched=together([p.unmatched for p in outcomes], "unmatched", ["child_id"]),
        reasons=tuple(r for p in outcomes for r in p.reasons),
        _ledger=together([p.ledger for p in outcomes], "ledger", ["child_id"]),
        _inputs=inputs,
        _options=options,
    )

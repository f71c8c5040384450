"""Pairing as records change: :class:`Matcher` keeps the registers, the pairs and their
whole history, re-pairs only what must change, and saves its state atomically.

Stability: an active pair is kept unless a hard rule now breaks it (the child or volunteer
left, consent withdrawn, out of reach, county changed, capacity gone) or the office ends
it. With ``stability="keep"`` (default) a kept pair is worth ``policy.switching_cost``
fit points, so it is replaced only when the new pairing gains more than that in fit (or
pairs a needier child: level 1 always comes first). With ``stability="strict"`` working
pairs are locked and only gaps are filled.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from pairmatch import arguments
from pairmatch.candidates import Candidates, find_candidates, priorities
from pairmatch.dates import read_date, utc_now
from pairmatch.errors import ArgumentError, DateError, PairmatchError, ValidationError
from pairmatch.io import Source, read_children, read_volunteers
from pairmatch.labels import Lang, resolve
from pairmatch.model.policy import Policy, read_policy
from pairmatch.model.records import CHILD_COLUMNS, SENSITIVE_COLUMNS, VOLUNTEER_COLUMNS
from pairmatch.outputs.words import in_words
from pairmatch.pipeline import NO_PAIRS, Prepared, broken_rules, prepare, solve_prepared
from pairmatch.registry import Registry
from pairmatch.rematching.carry import carry_candidates
from pairmatch.rematching.changes import Applied, Changes, apply_changes
from pairmatch.rematching.diff import diff_pairs, why_moved
from pairmatch.rematching.history import History
from pairmatch.rematching.in_place import DeferredResult, InPlace, InPlaceStep, supported
from pairmatch.rematching.store import (
    FORMAT,
    FORMAT_VERSION,
    PAIR_STATUSES,
    Manifest,
    MatcherFileError,
    check_history,
    check_options,
    read_file,
    write_file,
)
from pairmatch.result import MatchResult
from pairmatch.solvers import read_options
from pairmatch.solvers.base import Options, Solution, Status, level2_value
from pairmatch.solvers.flow.repair import FlowRepair

__all__ = ["FORMAT_VERSION", "PAIR_STATUSES", "Matcher", "MatcherFileError"]

# the register columns a damaged file's error may name (any other header could be text)
_REGISTER_FIELDS = frozenset({*CHILD_COLUMNS, *VOLUNTEER_COLUMNS, *SENSITIVE_COLUMNS, "gender"})


def _now() -> pd.Timestamp:
    return utc_now()


class Matcher:
    """Registers, pairs and their history, re-paired as records change.

    Parameters
    ----------
    children, volunteers, policy:
        As for :func:`pairmatch.match`.
    stability:
        ``"keep"`` (a kept pair is worth ``policy.switching_cost``) or ``"strict"`` (working
        pairs are locked; only gaps are filled).
    options, solver, time_limit, workers, seed, deterministic:
        How to search, as for :func:`pairmatch.match` (the solver by name, so that it can
        be saved); ``time_limit`` counts building the model too.
    incremental:
        Re-pair plain problems (no teams) by repairing the last optimal flow: only the
        candidate pairs of added and edited records are computed, the flow is repaired by
        shortest paths around what changed, and the result is proven optimal for the whole
        problem by its reduced costs (:mod:`pairmatch.solvers.flow.repair`). ``False`` solves
        every update in full (same optimum; for checking and benchmarks).

    Examples
    --------
    >>> import pairmatch as pm
    >>> children, volunteers = pm.synth.county(200, seed=3)
    >>> m = pm.Matcher(children, volunteers, pm.Policy(max_distance_km=5))
    >>> first = m.solve()
    >>> gone = first.pairs["volunteer_id"].iat[0]
    >>> second = m.update(pm.Changes(remove_volunteers=[gone]))
    >>> sorted(set(second.diff["change"]) - {"kept", "added", "ended", "reassigned"})
    []
    >>> bool((m.history["end_reason"] == "the volunteer left the programme").any())
    True
    """

    def __init__(
        self,
        children: Source,
        volunteers: Source,
        policy: Policy | Mapping[str, Any] | None = None,
        *,
        stability: Literal["keep", "strict"] = "keep",
        options: Options | None = None,
        solver: str = "auto",
        time_limit: float | None = None,
        workers: int | None = None,
        seed: int = 0,
        deterministic: bool = True,
        incremental: bool = True,
    ) -> None:
        if not isinstance(stability, str) or stability not in ("keep", "strict"):
            raise ArgumentError("stability must be 'keep' or 'strict'")
        # checked here as a saved file's are, so that whatever is saved can be loaded
        self.options: Options = read_options(
            options, solver=solver, time_limit=time_limit, workers=workers, seed=seed,
            deterministic=deterministic,
        )  # fmt: skip
        self._saved_options = check_options(self.options, incremental)
        self.incremental: bool = self._saved_options.incremental
        self.children = read_children(children)
        self.volunteers = read_volunteers(volunteers)
        self.policy = read_policy(policy)
        self.stability = stability
        self.forbidden: set[tuple[str, str]] = set()
        self._history = History.empty().frame
        self.result: MatchResult | None = None
        self._flow: FlowRepair | None = None  # the last pairing's flow and its proof
        self._unheld: set[tuple[str, str]] = set()
        self._carried_at = np.empty(0, np.int64)  # candidate edge of each carried pair
        self._no_live: FlowRepair | None = None  # a flow that cannot be held in place

    # ------------------------------------------------------------------ state
    @property
    def _history(self) -> pd.DataFrame:
        return self._log.frame

    @_history.setter
    def _history(self, frame: pd.DataFrame) -> None:
        self._log = History(frame)
        # pairs set from outside: the live network's bonus and locks follow its own pairs
        self._inplace: InPlace | None = None

    @property
    def _open(self) -> dict[tuple[str, str], tuple[int, str]]:
        """Each current pair's history row (position) and role."""
        return self._log.open

    @property
    def history(self) -> pd.DataFrame:
        """Every pair ever made: ``child_id``, ``volunteer_id``, ``role``, ``status`` (see
        :data:`PAIR_STATUSES`), ``start``, ``end`` (NaT while current) and ``end_reason``.
        Rows are only ever added; a current row only ever gets accepted or ended."""
        return self._log.table()

    @property
    def active(self) -> pd.DataFrame:
        """The current pairs, proposed or active (rows of :attr:`history` without an
        end)."""
        return self._log.active()

    def history_table(self, lang: Lang | None = None) -> pd.DataFrame:
        """:attr:`history` for people: statuses, roles, end reasons and headers in ``lang``
        (``"en"``: the history as it is; None: :func:`pairmatch.labels.default_lang`). An
        office's own end reasons keep their words."""
        return in_words(self.history, lang)

    def events(self, since: Any, until: Any, lang: Lang | None = None) -> pd.DataFrame:
        """Pairs started or ended in ``[since, until)``, one row per event (``event``:
        started, ended or declined), with the reason and the child's county and township:
        the period report the programmes send upward. Dates are read as for ``at`` (see
        :func:`pairmatch.dates.read_date`); ``until`` before ``since`` is an error. In
        ``lang`` (None: :func:`pairmatch.labels.default_lang`); ``"en"`` gives the codes
        (started, ended, declined) a program reads."""
        lang = resolve(lang)
        lo, hi = read_date(since, "since"), read_date(until, "until")
        if hi < lo:
            raise DateError(f"until ({hi}) is before since ({lo}); give the period's start first")
        return in_words(self._log.events(lo, hi), lang, headers={"reason": "原因"})

    def respond(
        self,
        child_id: str,
        volunteer_id: str,
        accept: bool,
        reason: str = "",
        *,
        at: Any = None,
    ) -> MatchResult | None:
        """Record the answer to a proposed pair. Accepted: the pair becomes ``active``
        (returns None). Declined: it is ended as ``declined`` with ``reason``, never
        proposed again, and the pairing is solved again at once (returns the new result,
        whose ``diff`` shows what changed)."""
        pair = (str(child_id), str(volunteer_id))
        if not self._log.is_proposed(pair):
            raise ArgumentError("the pair given is not a proposed pair; see Matcher.active")
        when = self._when(at)
        if arguments.flag("accept", accept):
            self._log.accept(pair)
            return None
        return self._resolve(
            {pair: reason or "declined"}, when, forbidden_all=self.forbidden | {pair},
            declined={pair},
        )  # fmt: skip

    def active_on(self, when: Any) -> pd.DataFrame:
        """The pairs that were active at a moment (for the ledger reported upward); ``when``
        is read as ``at`` is (see :func:`pairmatch.dates.read_date`)."""
        return self._log.active_on(read_date(when, "when"))

    # ------------------------------------------------------------------ solving
    def solve(self, *, at: Any = None) -> MatchResult:
        """Pair the registers as they are, keeping current pairs per the stability rule."""
        return self._resolve({}, self._when(at))

    def update(self, changes: Changes, *, at: Any = None) -> MatchResult:
        """Apply ``changes`` (all of them, or none when any is invalid) and re-pair.

        Returns the new :class:`MatchResult`; its ``diff`` lists every pair that was kept,
        added, ended or reassigned, with the reason. Nothing changes when the change set is
        invalid or the re-pairing fails.
        """
        when = self._when(at)
        current = self._open
        applied = apply_changes(self.children, self.volunteers, current, changes)
        ended: dict[tuple[str, str], str] = {}
        if applied.removed_children or applied.removed_volunteers:
            for cid, vid in current:
                if cid in applied.removed_children:
                    ended[(cid, vid)] = applied.removed_children[cid]
                elif vid in applied.removed_volunteers:
                    ended[(cid, vid)] = applied.removed_volunteers[vid]
        ended.update(applied.ended)  # the office's own reason comes first
        return self._resolve(
            ended, when, applied.children, applied.volunteers, self.forbidden | set(applied.ended),
            touched=(set(applied.touched_children), set(applied.touched_volunteers)),
            applied=applied,
        )  # fmt: skip

    def _when(self, at: Any) -> pd.Timestamp:
        """The moment of a change: ``at`` read by :func:`pairmatch.dates.read_date` (now
        when None), never before the latest change recorded (the history runs forward)."""
        when = _now() if at is None else read_date(at, "at")
        latest = self._log.latest
        if pd.notna(latest) and when < latest:
            raise DateError(
                f"at={when} is before the latest recorded change ({latest}); changes are "
                "recorded in time order: give that moment or a later one"
            )
        return when

    def _resolve(
        self,
        ended: dict[tuple[str, str], str],
        when: pd.Timestamp,
        children: pd.DataFrame | None = None,
        volunteers: pd.DataFrame | None = None,
        forbidden_all: set[tuple[str, str]] | None = None,
        declined: set[tuple[str, str]] | None = None,
        touched: tuple[set[str], set[str]] = (set(), set()),
        applied: Applied | None = None,
    ) -> MatchResult:
        """Re-pair on the given registers; the Matcher's state changes only at the end,
        when everything has succeeded. ``touched`` names the children and volunteers that
        were added or edited (their candidate pairs are computed afresh); ``applied`` is
        the change set that made the registers, if any."""
        children = self.children if children is None else children
        volunteers = self.volunteers if volunteers is None else volunteers
        forbidden_all = self.forbidden if forbidden_all is None else forbidden_all
        before = set(self._open)  # the current pairs
        kept = before.difference(ended)
        fast = self._in_place(children, volunteers, applied, forbidden_all, kept, touched)
        roles: dict[tuple[str, str], str] = {}
        moved: dict[tuple[str, str], str] = {}  # kept pairs whose role changed (teams)
        result: MatchResult
        if fast is not None:
            result, now_pairs, broken, gained, lost, fresh = fast
            flow = None
        else:
            roles = self._roles()  # who leads
            # forbidden pairs are remembered even after a record leaves (it may come back);
            # only those whose child and volunteer are both registered now apply
            forbidden: list[tuple[str, str]] = []
            if forbidden_all:
                kids = set(children["id"].to_numpy(object).tolist())
                vols = set(volunteers["id"].to_numpy(object).tolist())
                forbidden = sorted(p for p in forbidden_all if p[0] in kids and p[1] in vols)
            carry = sorted(kept)
            result, flow = self._pair(children, volunteers, forbidden, carry, roles, touched)
            broken = self._broken(result, carry)
            result = _keep_leads(result, roles)
            if not result.solution.has_solution:
                raise PairmatchError(
                    f"re-pairing found no valid pairing ({result.status.value}: "
                    f"{'; '.join(result.reasons) or 'no reason given'}); nothing was changed"
                )
            now_pairs = _current(result)
            now_keys = list(
                zip(now_pairs["child_id"].tolist(), now_pairs["volunteer_id"].tolist(), strict=True)
            )
            now_roles = now_pairs["role"].tolist()
            after = set(now_keys)
            gained, lost = after - before, before - after
            # a pair kept with another role: its row ends and a new one starts
            moved = {k: r for k, r in zip(now_keys, now_roles, strict=True) if roles.get(k, r) != r}
            fresh = [i for i, k in enumerate(now_keys) if k in gained or k in moved]
        ended = {pair: why for pair, why in {**ended, **broken}.items() if pair in lost}
        ended.update(why_moved(None if fast else before, gained, lost, ended))
        log = self._log.recorded(ended, now_pairs, fresh, moved, when, declined or set())
        diff = diff_pairs(now_pairs, fresh, gained, lost, ended, moved)
        # everything succeeded: commit the new state
        self.children, self.volunteers, self.forbidden = children, volunteers, set(forbidden_all)
        self._log = log  # (not the _history setter: that drops the live network)
        self._flow = flow
        if fast is None:
            self._inplace = None
        # the result is new and nobody has it yet: set its diff in place, which keeps the
        # tables it has already built (replace() would build them again)
        object.__setattr__(result, "diff", diff)
        self.result = result
        return self.result

    def _broken(
        self, result: MatchResult, carry: list[tuple[str, str]]
    ) -> dict[tuple[str, str], str]:
        """The carried pairs that a hard rule now breaks (they are not candidates any
        more), with the rule; under ``stability="strict"`` also those the volunteer's
        capacity no longer holds."""
        reg = result.registry
        index_c, index_v = reg.child_index, reg.volunteer_index
        broken = {}
        for pair, edge in zip(carry, self._carried_at.tolist(), strict=True):
            if edge < 0:
                c = int(index_c.get_indexer(pd.Index([pair[0]]))[0])
                v = int(index_v.get_indexer(pd.Index([pair[1]]))[0])
                rules = broken_rules(reg, self.policy, c, v, False)
                broken[pair] = "a hard rule now breaks it: " + "; ".join(rules)
        if self.stability == "strict":
            for pair in self._unheld:
                broken.setdefault(pair, "the volunteer's capacity no longer holds it")
        return broken

    def _in_place(
        self,
        children: pd.DataFrame,
        volunteers: pd.DataFrame,
        applied: Applied | None,
        forbidden_all: set[tuple[str, str]],
        kept: set[tuple[str, str]],
        touched: tuple[set[str], set[str]],
    ) -> InPlaceStep | None:
        """The re-pairing made in place (:mod:`pairmatch.rematching.in_place`), or None when this
        change or problem takes the other path (whose flow is then handed back)."""
        if self.result is None or not self.incremental:
            return None
        if self.options.solver not in ("auto", "flow"):
            return None
        state = self._inplace
        if state is None and self._flow is not None and self._flow is not self._no_live:
            if touched[1] or not supported(self.result.has_teams, self.policy):
                return None  # (not worth building the network for)
            strict = self.stability == "strict"
            state = self._inplace = InPlace.start(self.result, self._flow, self.policy, strict)
            if state is None:  # its costs leave no room: do not try again for this flow
                self._no_live = self._flow
        if state is None:
            return None
        if not state.fits(applied, forbidden_all) or touched[1]:
            self._hand_back(state)
            return None
        timings: dict[str, float] = {}
        out = state.update(children, volunteers, applied, forbidden_all, kept, self.policy, timings)
        if out is None:  # not provable in place: the carrying path takes it from here
            self._hand_back(state)
        return out

    def _hand_back(self, state: InPlace) -> None:
        """Drop the live network, leaving the carrying path a flow of the last result to
        repair (when the last result was made in place; else self._flow is still the flow
        of the last result, which the network started from)."""
        if isinstance(self.result, DeferredResult):
            self._flow = state.flow_repair(self.result)
        self._inplace = None

    def _pair(
        self,
        children: pd.DataFrame,
        volunteers: pd.DataFrame,
        forbidden: list[tuple[str, str]],
        carry: list[tuple[str, str]],
        roles: dict[tuple[str, str], str],
        touched: tuple[set[str], set[str]],
    ) -> tuple[MatchResult, FlowRepair | None]:
        """The new pairing, and the flow state that proves it (None with teams).

        Plain problems are repaired from the previous flow when there is one (only what the
        change touched is recomputed, and the answer is proven optimal over the whole
        problem); anything else, or a repair that cannot be proven, is solved in full.
        Under ``stability="strict"`` the current pairs the volunteers can still hold are
        locked; the pairs they cannot are in ``self._unheld``.
        """
        timings: dict[str, float] = {}
        t = time.perf_counter()
        registry = Registry.build(children, volunteers)
        banned = _indices(registry, forbidden)
        kept = _indices(registry, carry)
        timings["validate"] = time.perf_counter() - t
        t = time.perf_counter()
        carried = None
        if self._flow is not None and self.result is not None:
            carried = carry_candidates(
                self.result.registry, self.result.candidates, registry, self.policy, banned,
                *touched,
            )  # fmt: skip
        if carried is None:
            candidates = find_candidates(registry, self.policy, banned)
        else:
            candidates = carried.candidates
        prio = priorities(registry, self.policy)
        timings["candidates"] = time.perf_counter() - t
        t = time.perf_counter()
        fixed = NO_PAIRS
        self._unheld = set()
        at = self._carried_at = _pair_edges(registry, candidates, carry, kept)
        if self.stability == "strict":
            allowed = [p for p, e in zip(carry, at.tolist(), strict=True) if e >= 0]
            held = self._holdable(
                allowed,
                volunteers,
                roles,
                dict(zip(registry.child_ids, prio.tolist(), strict=True)),
            )
            self._unheld = set(allowed) - held
            fixed = _indices(registry, sorted(held))

        def prepared_with(fixed: tuple[np.ndarray, np.ndarray]) -> Prepared:
            return prepare(
                registry, self.policy, candidates, prio, fixed=fixed, banned=banned, kept=kept
            )

        prepared = prepared_with(fixed)
        if prepared.conflicts:  # locks that cannot all hold (teams): pair without them
            self._unheld |= {p for p in carry}
            prepared = prepared_with(NO_PAIRS)
        timings["build"] = time.perf_counter() - t
        t = time.perf_counter()
        problem = prepared.problem
        flow, solution = None, None
        if carried is not None and self._flow is not None:
            flow = self._flow.advance(
                problem, carried.edge_from, carried.child_from, carried.volunteer_from
            )
            if flow is not None:
                chosen = flow.chosen
                solution = Solution(
                    problem, chosen, Status.OPTIMAL,
                    int(problem.priority[problem.child[chosen]].sum()),
                    level2_value(problem, chosen), "flow", components=1,
                    stats={
                        "edges": problem.n_edges,
                        "repair_searches": flow.searches,
                        "repair_settled": flow.settled,
                    },
                )  # fmt: skip
        if solution is None:
            solution = solve_prepared(prepared, self.options, spent=timings["build"])
            repairable = self.options.solver in ("auto", "flow") and self.incremental
            if repairable and solution.status == Status.OPTIMAL:
                # room for a needier child than any now, and for spare nodes
                top = max(int(problem.priority.max(initial=1)), 1)
                headroom = 2 * self.policy.priority_ceiling / top
                flow = FlowRepair.start(problem, solution.chosen, headroom)
        if not solution.has_solution and self.stability == "strict" and problem.locked.size:
            self._unheld |= {p for p in carry}
            prepared = prepared_with(NO_PAIRS)
            solution = solve_prepared(prepared, self.options)
            flow = None
        timings["solve"] = time.perf_counter() - t
        return prepared.result(solution, timings), flow

    def _roles(self) -> dict[tuple[str, str], str]:
        return {pair: role for pair, (_, role) in self._open.items()}

    def _holdable(
        self,
        pairs: list[tuple[str, str]],
        volunteers: pd.DataFrame,
        roles: dict[tuple[str, str], str],
        priority: dict[str, int],
    ) -> set[tuple[str, str]]:
        """The current pairs each volunteer can still hold, in her capacity (a lead uses a
        slot, a supporter ``policy.support_load`` of one) and lead cap, neediest first."""
        cap = dict(zip(volunteers["id"].tolist(), volunteers["capacity"].tolist(), strict=True))
        most = self.policy.max_leads
        share = float(self.policy.support_fraction)
        held: dict[str, float] = {}
        leads: dict[str, int] = {}
        out = set()
        for cid, vid in sorted(pairs, key=lambda p: (-priority.get(p[0], 0), p)):
            lead = roles.get((cid, vid), "lead") == "lead"
            use = 1.0 if lead else share
            if held.get(vid, 0.0) + use > cap.get(vid, 0) + 1e-9:
                continue
            if lead and most is not None and leads.get(vid, 0) >= most:
                continue
            held[vid] = held.get(vid, 0.0) + use
            leads[vid] = leads.get(vid, 0) + lead
            out.add((cid, vid))
        return out

    # ------------------------------------------------------------------ files
    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the whole state to one file (a zip of Parquet tables and a JSON manifest),
        atomically: a private temporary file (mode 0600) in the same folder is written,
        synced and renamed over ``path``, so an interrupted or killed save leaves the
        previous file as it was; the temporary file is removed on every error, and one left
        by a killed process is removed by the next save to (or load of) ``path``. The file
        is mode 0600, or keeps the owner and group permissions of the file it replaces
        (never any for others). See :mod:`pairmatch.rematching.store`."""
        manifest = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "policy": self.policy.model_dump(mode="json"),
            "stability": self.stability,
            "options": self._saved_options.manifest(),
            "forbidden": sorted(self.forbidden),
        }
        tables = {"children": self.children, "volunteers": self.volunteers,
                  "history": self._history}  # fmt: skip
        return write_file(path, manifest, tables)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Matcher:
        """Read a file written by :meth:`save` (this version or older).

        Nothing in the file is trusted: the zip's members, their sizes (a zip bomb is
        refused before it is inflated), the manifest, the registers and the history are all
        checked first, and anything wrong is one :class:`MatcherFileError` naming the member
        and field, never quoting the registers. See :mod:`pairmatch.rematching.store`."""
        manifest, tables = read_file(path)
        return cls._from_parts(str(path), manifest, tables)

    @classmethod
    def _from_parts(
        cls, where: str, manifest: Manifest, tables: dict[str, pd.DataFrame]
    ) -> Matcher:
        options = manifest.options
        try:
            m = cls(
                tables["children"],
                tables["volunteers"],
                manifest.policy,
                stability=manifest.stability,
                options=options.search(),
                incremental=options.incremental,
            )
        except ValidationError as err:
            fields = sorted({p.field for p in err.problems if p.field in _REGISTER_FIELDS})
            others = len({p.field for p in err.problems} - set(fields))
            named = ", ".join(fields) + (f" and {others} other columns" if others else "")
            n = len(err.problems)
            raise MatcherFileError(
                f"{where} is damaged or not a pairmatch Matcher file: its {err.what} register "
                f"fails validation ({n} problem{'s' if n != 1 else ''}, in "
                f"{named or 'its columns'}); nothing was loaded (load a copy saved earlier, "
                "or a backup)"
            ) from None
        m.forbidden = set(manifest.forbidden)
        m._history = check_history(tables["history"], m.children["id"], m.volunteers["id"], where)
        return m

    def _repr_html_(self) -> str:
        """The notebook view: headline figures, then the first rows (ids only)."""
        from pairmatch.labels import default_lang
        from pairmatch.outputs.display import matcher_html

        return matcher_html(self, default_lang())

    def __repr__(self) -> str:
        return (
            f"Matcher(children={len(self.children)}, volunteers={len(self.volunteers)}, "
            f"active_pairs={len(self.active)}, history={len(self._history)}, "
            f"stability={self.stability!r})"
        )


def _indices(registry: Registry, pairs: list[tuple[str, str]]) -> tuple[np.ndarray, np.ndarray]:
    """(child index, volunteer index) of (child_id, volunteer_id) pairs whose records are
    registered (the Matcher's own pairs: no validation needed)."""
    c, v = registry.indices_of(pairs)
    if (c < 0).any() or (v < 0).any():
        raise PairmatchError("internal: a pair of the Matcher names a record not registered")
    return c, v


def _pair_edges(
    registry: Registry,
    candidates: Candidates,
    pairs: list[tuple[str, str]],
    indices: tuple[np.ndarray, np.ndarray] | None = None,
) -> np.ndarray:
    """The candidate edge of each (child_id, volunteer_id) pair, -1 where it is none
    (``indices``: the pairs' record indices, when already known)."""
    if not pairs:
        return np.empty(0, np.int64)
    return candidates.edges(*(_indices(registry, pairs) if indices is None else indices))


def _current(result: MatchResult) -> pd.DataFrame:
    """The result's pairs with what the history records of them (child_id, volunteer_id,
    role, the child's county and township), in the order of ``result.pairs``, without
    building the full pairs table."""
    sol, cand, reg = result.solution, result.candidates, result.registry
    chosen = np.asarray(sol.chosen, np.int64)
    lead = np.isin(chosen, sol.leads)
    order = np.lexsort((cand.volunteer[chosen], ~lead, cand.child[chosen]))
    chosen, lead = chosen[order], lead[order]
    c, v = cand.child[chosen], cand.volunteer[chosen]
    return pd.DataFrame(
        {
            "child_id": reg.child_ids[c],
            "volunteer_id": reg.volunteer_ids[v],
            "role": np.where(lead, "lead", "support").astype(object),
            "county": reg.children["county"].to_numpy(object)[c],
            "township": reg.children["township"].to_numpy(object)[c],
        }
    )


def _keep_leads(result: MatchResult, roles: dict[tuple[str, str], str]) -> MatchResult:
    """Give a team back its previous lead where she is still a member and her capacity and
    lead cap allow it. Who leads changes no level of the objective, so the pairing stays
    optimal; without this, equally good solutions could swap leads from one run to the
    next."""
    sol = result.solution
    p, t = sol.problem, sol.problem.teams
    if t is None or not sol.has_solution or not roles:
        return result
    reg = result.registry
    chosen = np.asarray(sol.chosen, np.int64)
    lead = set(np.asarray(sol.leads, np.int64).tolist())
    is_lead = np.isin(chosen, list(lead))
    load = np.where(is_lead, p.load[chosen], t.support_load[chosen])
    spare = p.capacity - np.bincount(p.volunteer[chosen], weights=load, minlength=p.n_volunteers)
    led = np.bincount(p.volunteer[list(lead)], minlength=p.n_volunteers)
    cids, vids = reg.child_ids, reg.volunteer_ids
    lead_of = {int(p.child[e]): e for e in lead}
    # every team back to its previous lead at once first: leads swapped between two full
    # volunteers can only move back together (her previous roles fitted her capacity)
    back = {c: e for e in chosen.tolist()
            if (c := int(p.child[e])) in lead_of and lead_of[c] != e
            and roles.get((cids[c], vids[int(p.volunteer[e])])) == "lead"}  # fmt: skip
    if back:
        new_lead = np.array(sorted({**lead_of, **back}.values()), np.int64)
        now_lead = np.isin(chosen, new_lead)
        now_load = np.where(now_lead, p.load[chosen], t.support_load[chosen])
        used = np.bincount(p.volunteer[chosen], weights=now_load, minlength=p.n_volunteers)
        leads_now = np.bincount(p.volunteer[new_lead], minlength=p.n_volunteers)
        fits = np.all(used <= p.capacity)
        if t.max_leads is not None:
            fits = fits and np.all(leads_now <= t.max_leads)
        if fits:
            solution = replace(sol, lead=new_lead)
            return replace(result, solution=solution)
    changed = False
    for e in chosen.tolist():
        c, v = int(p.child[e]), int(p.volunteer[e])
        now = lead_of.get(c)
        if now is None or now == e or roles.get((cids[c], vids[v])) != "lead":
            continue
        extra = int(p.load[e] - t.support_load[e])  # what leading costs her beyond supporting
        capped = t.max_leads is not None and led[v] >= t.max_leads[v]
        if spare[v] < extra or capped:
            continue
        w = int(p.volunteer[now])
        spare[v] -= extra
        spare[w] += int(p.load[now] - t.support_load[now])
        led[v] += 1
        led[w] -= 1
        lead.discard(now)
        lead.add(e)
        lead_of[c] = e
        changed = True
    if not changed:
        return result
    solution = replace(sol, lead=np.array(sorted(lead), np.int64))
    return replace(result, solution=solution)

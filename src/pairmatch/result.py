"""What users touch: :class:`MatchResult`, with pairs, unmatched children and reasons,
explanations, a summary and the pairing ledger (结对台账)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from pairmatch import arguments
from pairmatch.candidates import Candidates
from pairmatch.errors import UnknownIdError
from pairmatch.explain.credit import Members
from pairmatch.explain.explanation import Explanation, explain_child
from pairmatch.explain.reasons import unmatched_of
from pairmatch.labels import Lang, resolve
from pairmatch.model.policy import Policy
from pairmatch.model.records import CHILD_COLUMNS, VOLUNTEER_COLUMNS
from pairmatch.outputs.ledger import CORE_COLUMNS, ledger_tables, run_facts, write
from pairmatch.outputs.personal import personal_columns
from pairmatch.outputs.schema import conform
from pairmatch.registry import Registry
from pairmatch.solvers.base import Solution, Status

if TYPE_CHECKING:
    from pairmatch.outputs.plot import Plotter

__all__ = ["Explanation", "MatchResult", "UnknownIdError"]

_CHILD_CONTEXT = ("category", "province", "city", "county", "township", "village")


def _passthrough(table: pd.DataFrame, core: set[str]) -> list[str]:
    """Columns of a register that the ledger carries along: all but the core ones."""
    return [col for col in table.columns if col not in core]


@dataclass(frozen=True, eq=False)
class MatchResult:
    """The outcome of :func:`pairmatch.match`.

    Attributes
    ----------
    status:
        :class:`~pairmatch.Status` (OPTIMAL, FEASIBLE, INFEASIBLE, UNKNOWN).
    objective:
        Total fit of the pairs (level 2 of the objective).
    bound:
        Proven upper bound on ``objective`` given the level-1 optimum.
    gap:
        ``(bound - objective) / max(1, |objective|)``; 0 when proven optimal.
    priority_paired:
        Total priority of the paired children (level 1); ``priority_bound`` bounds it.
    pairs:
        One row per pair (see :attr:`pairs`).
    unmatched:
        One row per child not paired, with a reason code and a detail in words.
    reasons:
        Why the problem is infeasible, when it is.
    """

    registry: Registry
    policy: Policy
    candidates: Candidates
    solution: Solution
    priority: np.ndarray
    timings: dict[str, float] = field(default_factory=dict)
    forbidden_pairs: frozenset[tuple[str, str]] = frozenset()
    preferred: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    diff: pd.DataFrame | None = None
    """After :meth:`pairmatch.Matcher.update`: ``child_id``, ``volunteer_id``, ``change``
    (kept, added, ended, reassigned) and ``reason`` for every pair before or after."""

    # ---------------------------------------------------------------- headline figures
    @property
    def status(self) -> Status:
        """OPTIMAL (proven), FEASIBLE (valid, not proven best), INFEASIBLE or UNKNOWN."""
        return self.solution.status

    @property
    def objective(self) -> float:
        """Total fit of the pairing (level 2 of the objective), in fit points."""
        return self.solution.objective

    @property
    def bound(self) -> float:
        """Proven upper bound on :attr:`objective` given the level-1 optimum."""
        return self.solution.bound

    @property
    def gap(self) -> float:
        """``(bound - objective) / max(1, |objective|)``: 0 when proven optimal."""
        return self.solution.gap

    @property
    def gaps(self) -> dict[str, float]:
        """The proven relative gap of each level, ``{"priority": ..., "fit": ...}``: level 1
        (the neediest paired) and level 2 (fit) against their proven bounds; 0 where proven
        optimal. :attr:`gap` is level 1's while level 1 is not proven, else level 2's."""
        return self.solution.gaps

    @property
    def fairness_penalty(self) -> float:
        """Fit points the objective loses to volunteers loaded beyond their fair load
        (``objective = pairs["fit"].sum() - fairness_penalty``)."""
        p = self.solution.problem
        return p.overload_penalty * p.overload(self.solution.chosen) * p.score_scale

    @property
    def total_fit(self) -> float:
        """The fit of the pairs alone: :attr:`objective` without the stability bonus and
        before the fairness penalty (the sum of ``pairs["fit"]``)."""
        return float(self.objective - self.stability_bonus + self.fairness_penalty)

    @property
    def stability_bonus(self) -> float:
        """Fit points for existing pairs kept (``keep=`` of :func:`pairmatch.match`):
        ``policy.switching_cost`` each; part of :attr:`objective`."""
        kept = np.isin(self.solution.chosen, self.preferred).sum()
        return float(kept * round(self.policy.switching_cost / self.policy.score_resolution)
                     * self.policy.score_resolution)  # fmt: skip

    @property
    def priority_paired(self) -> int:
        """Total priority of the paired children (level 1, pairing the neediest first)."""
        return self.solution.priority_value

    @property
    def priority_bound(self) -> int:
        """Proven upper bound on :attr:`priority_paired`."""
        return self.solution.priority_bound

    @property
    def reasons(self) -> tuple[str, ...]:
        """Why the problem is infeasible, or notes on a partial result (time limits)."""
        return self.solution.reasons

    @property
    def children(self) -> pd.DataFrame:
        """The validated children register, as matched (sorted by id)."""
        return self.registry.children

    @property
    def volunteers(self) -> pd.DataFrame:
        """The validated volunteer register, as matched (sorted by id)."""
        return self.registry.volunteers

    @property
    def n_paired(self) -> int:
        """Children with a volunteer."""
        return self.solution.n_paired

    @property
    def stats(self) -> dict[str, Any]:
        """Sizes and timings of the run."""
        return {
            "children": len(self.registry.children),
            "volunteers": len(self.registry.volunteers),
            "candidate_pairs": len(self.candidates),
            "components": self.solution.components,
            "solver": self.solution.solver,
            "paired": self.n_paired,
            "model": dict(self.solution.stats),
            "timings_s": dict(self.timings),
        }

    # ---------------------------------------------------------------- tables
    @cached_property
    def _members(self) -> Members:
        return Members.of(self)

    @cached_property
    def _edge_of_child(self) -> np.ndarray:
        """The lead's candidate edge of each child, -1 where unpaired."""
        out = np.full(len(self.registry.children), -1, np.int64)
        lead = self._members.edges[self._members.lead]
        out[self.candidates.child[lead]] = lead
        return out

    @property
    def has_teams(self) -> bool:
        """Whether some child may get more than one volunteer or needs coverage."""
        return self.solution.problem.teams is not None

    @cached_property
    def pairs(self) -> pd.DataFrame:
        """One row per (child, volunteer) pair, sorted by child id, a team's lead first.

        Columns: ``child_id``, ``volunteer_id``, ``distance_km``, ``fit`` (what the pair adds
        to the objective), ``role`` (``lead``, or ``support`` for the other members of a
        team), ``need_fit`` (need × skill, in a team counted for the categories where
        this member is the team's best), ``tag_bonus``, ``preference`` (gender, township,
        village points), ``distance_penalty``, ``shared_tags``, ``covers`` (the child's
        required need categories this member covers, ``;``-separated), ``priority``,
        ``locked``, then the child's ``county``, ``township`` and the volunteer's township as
        ``volunteer_township``. The ``fit`` column sums to :attr:`objective` plus
        :attr:`fairness_penalty` minus :attr:`stability_bonus` (both zero unless used).
        """
        mem = self._members
        e = mem.edges
        cand, reg, pol = self.candidates, self.registry, self.policy
        c, v = cand.child[e], cand.volunteer[e]
        locked = np.isin(e, self.solution.problem.locked)
        table = pd.DataFrame(
            {
                "child_id": reg.child_ids[c],
                "volunteer_id": reg.volunteer_ids[v],
                "distance_km": mem.parts.distance_km,
                "fit": mem.fit,
                "role": np.where(mem.lead, "lead", "support").astype(object),
                "need_fit": mem.need_fit,
                "tag_bonus": pol.tag_bonus * mem.parts.shared_tags,
                "preference": mem.parts.preference,
                "distance_penalty": pol.distance_penalty_per_km * mem.parts.distance_km,
                "shared_tags": mem.parts.shared_tags,
                "covers": mem.covers_text,
                "priority": self.priority[c],
                "locked": locked,
                "county": reg.children["county"].to_numpy(object)[c],
                "township": reg.children["township"].to_numpy(object)[c],
                "volunteer_township": reg.volunteers["township"].to_numpy(object)[v],
            }
        )
        return conform(table, "pairs")

    @cached_property
    def _unmatched_arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return unmatched_of(self)

    @cached_property
    def unmatched(self) -> pd.DataFrame:
        """One row per child not paired: ``child_id``, ``reason`` (a code, see
        :class:`~pairmatch.Reason`), ``detail`` (in words), ``priority``, ``county``,
        ``township``."""
        rows, reason, detail = self._unmatched_arrays
        reg = self.registry
        table = pd.DataFrame(
            {
                "child_id": reg.child_ids[rows],
                "reason": reason,
                "detail": detail,
                "priority": self.priority[rows],
                "county": reg.children["county"].to_numpy(object)[rows],
                "township": reg.children["township"].to_numpy(object)[rows],
            }
        )
        return conform(table, "unmatched")

    def ledger(self, personal: bool = True) -> pd.DataFrame:
        """The pairing ledger (结对台账): one row per child, paired or not, nothing left out.

        Columns: ``child_id``, ``status`` (``paired``/``unmatched``), ``volunteer_id`` (the
        lead, 主结对人), ``distance_km`` (to the lead), ``fit`` (the whole team's),
        ``reason``, ``detail``, ``priority``, ``team_size``, ``support_ids`` (the supporting
        members, ``;``-separated), the child's
        category and jurisdiction, then every other column the children table carried (a name
        the ledger already uses gets the suffix ``_input``), then the paired volunteer's other
        columns prefixed ``volunteer_``. With ``personal=False`` every personal column is left
        out: by header or by values, see :mod:`pairmatch.outputs.personal`.
        """
        personal = arguments.flag("personal", personal)
        reg = self.registry
        table = reg.children
        out = pd.DataFrame({"child_id": table["id"].to_numpy(object)})
        out["status"] = "unmatched"
        out["volunteer_id"] = None
        out["distance_km"] = np.nan
        out["fit"] = np.nan
        out["reason"] = ""
        out["detail"] = ""
        out["priority"] = self.priority
        mem = self._members
        e = mem.edges[mem.lead]
        c = self.candidates.child[e]
        out.loc[c, "status"] = "paired"
        out.loc[c, "volunteer_id"] = reg.volunteer_ids[self.candidates.volunteer[e]]
        out.loc[c, "distance_km"] = mem.parts.distance_km[mem.lead]
        member_child = self.candidates.child[mem.edges]
        n = len(table)
        out["fit"] = np.where(
            np.bincount(member_child, minlength=n) > 0,
            np.bincount(member_child, weights=mem.fit, minlength=n),
            np.nan,
        )
        out["team_size"] = np.bincount(member_child, minlength=n)
        support = np.full(n, "", dtype=object)
        helpers = mem.edges[~mem.lead]
        for child, vid in zip(
            self.candidates.child[helpers].tolist(),
            reg.volunteer_ids[self.candidates.volunteer[helpers]],
            strict=True,
        ):
            support[child] = f"{support[child]};{vid}" if support[child] else vid
        out["support_ids"] = support
        rows, reason, detail = self._unmatched_arrays
        out.loc[rows, "reason"] = reason
        out.loc[rows, "detail"] = detail
        for col in _CHILD_CONTEXT:
            out[col] = table[col].to_numpy(object)
        taken = set(out.columns)
        # the child's extra columns (and gender, names), never dropped here: a name
        # the ledger already uses gets the suffix "_input"
        for col in _passthrough(table, {*CHILD_COLUMNS} - {"gender"}):
            name = col if col not in taken else f"{col}_input"
            out[name] = table[col].to_numpy()
            taken.add(name)
        # the lead volunteer's extra columns and names, prefixed "volunteer_"
        vt = reg.volunteers
        v = self.candidates.volunteer[e]
        for col in _passthrough(vt, {*VOLUNTEER_COLUMNS}):
            name = f"volunteer_{col}"
            while name in taken:
                name += "_input"
            values = np.full(len(out), None, dtype=object)
            values[c] = vt[col].to_numpy(object)[v]
            out[name] = values
            taken.add(name)
        if not personal:  # decided on what the ledger holds, as its exports decide
            out = out.drop(columns=list(personal_columns(out, keep=CORE_COLUMNS)))
        return conform(out, "ledger")

    def summary(self, by: str | list[str] = ("county", "township")) -> pd.DataFrame:  # type: ignore[assignment]
        """Counts per jurisdiction: children, paired, unmatched, share paired, children with
        a team, mean and 90th-percentile distance, and unmatched children by reason (see
        :func:`pairmatch.outputs.ledger.summarise`).

        Examples
        --------
        >>> import pairmatch as pm
        >>> result = pm.match(*pm.synth.county(200, seed=1), pm.Policy(max_distance_km=5))
        >>> table = result.summary(by="county")
        >>> int(table["children"].sum()), int(table["paired"].sum()) == result.n_paired
        (200, True)
        """
        from pairmatch.outputs.ledger import summarise

        return summarise(self.ledger(personal=False), by)

    def diff_table(self, lang: Lang | None = None) -> pd.DataFrame | None:
        """:attr:`diff` for people: changes, reasons and headers in ``lang`` (``"en"``: the
        diff as it is; None: :func:`pairmatch.labels.default_lang`); None when this result
        was not made by a :class:`~pairmatch.Matcher`. An office's own reasons keep their
        words."""
        from pairmatch.outputs.words import in_words

        lang = resolve(lang)
        if self.diff is None:
            return None
        return in_words(self.diff, lang, headers={"reason": "变动原因"})

    # ---------------------------------------------------------------- explanation
    def explain(self, child_id: str, lang: Lang | None = None) -> Explanation:
        """Why this child has this volunteer, or none: in words (``str()``, in ``lang``:
        ``"en"`` or ``"zh"``, by default :func:`pairmatch.labels.default_lang`) and as a
        dict."""
        lang = resolve(lang)
        return explain_child(self, child_id, self._members, self._edge_of_child,
                             self._unmatched_arrays, lang)  # fmt: skip

    # ---------------------------------------------------------------- what if
    def alternatives(
        self, child_id: str, k: int = 3, *, time_limit: float | None = None
    ) -> pd.DataFrame:
        """The next best volunteers for a child, each with what choosing her would cost the
        whole pairing: ``volunteer_id``, ``distance_km``, ``pair_fit``, ``feasible``,
        ``status``, ``priority_change``, ``children_paired_change`` and
        ``objective_change`` (changes of the optimum when that pair is required), best first.

        Examples
        --------
        >>> import pairmatch as pm
        >>> result = pm.match(*pm.synth.county(120, seed=2), pm.Policy(max_distance_km=5))
        >>> child = result.pairs["child_id"].iat[0]
        >>> options = result.alternatives(child, k=2)
        >>> bool((options["objective_change"] <= 1e-9).all())  # the pairing was optimal
        True
        """
        from pairmatch.explain.whatif import alternatives

        return alternatives(self, child_id, k, time_limit=time_limit)

    def shortfall(
        self,
        by: str | list[str] = "township",
        *,
        capacity: int | None = None,
        max_recruits: int | None = None,
        time_limit: float | None = 60.0,
    ) -> pd.DataFrame:
        """A recruitment table: how many more volunteers with which skills, by jurisdiction,
        would pair how many more of the unmatched children (see
        :func:`pairmatch.explain.whatif.shortfall`; ``.attrs["plan"]`` has one row per recruit).

        Examples
        --------
        >>> import pairmatch as pm
        >>> result = pm.match(*pm.synth.county(150, seed=2), pm.Policy(max_distance_km=3))
        >>> table = result.shortfall()
        >>> list(table.columns)
        ['township', 'skills', 'recruits', 'children_paired', 'priority_gained']
        """
        from pairmatch.explain.whatif import shortfall

        return shortfall(
            self, by, capacity=capacity, max_recruits=max_recruits, time_limit=time_limit
        )

    # ---------------------------------------------------------------- output
    @cached_property
    def plot(self) -> Plotter:
        """Figures of this result (needs the ``plot`` extra: matplotlib, and folium for the
        interactive map); see :class:`pairmatch.outputs.plot.Plotter`."""
        from pairmatch.outputs.plot import Plotter

        return Plotter(self)

    def ledger_tables(
        self,
        *,
        lang: Lang | None = None,
        personal: bool = True,
        pseudonymise: bool = False,
        key: str | bytes | None = None,
    ) -> dict[str, pd.DataFrame]:
        """The sheets of the ledger workbook as DataFrames, named and headed in ``lang``
        (``"en"`` or ``"zh"``): ledger, pairs, unmatched, summaries by county and by
        township, policy (see :func:`pairmatch.outputs.ledger.ledger_tables`)."""
        facts = run_facts(self.solution.solver, self.status.value, self.objective, self.bound,
                          self.gap)  # fmt: skip
        # the whole ledger: ledger_tables leaves out, and says what it left out
        return ledger_tables(
            self.ledger(personal=True), self.pairs, self.unmatched, self.policy, facts,
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
        """Write the pairing ledger (结对台账).

        ``.xlsx``: a workbook with the sheets of :meth:`ledger_tables` (frozen, filterable
        headers, fitted column widths); ``.csv`` (UTF-8 with BOM) or ``.parquet``: the ledger
        table. ``lang="zh"`` writes Chinese sheet names, headers and codes (儿童编号,
        爱心妈妈编号, 距离(公里), 未结对原因, ...). ``personal=False`` leaves out every
        personal column (names, id numbers, addresses, phones, ...: see
        :mod:`pairmatch.outputs.personal`); ``pseudonymise=True`` replaces ids by stable
        keyed hashes (``key``, or the environment variable ``PAIRMATCH_PSEUDONYM_KEY``) and
        keeps only the ledger's own columns.

        Examples
        --------
        >>> import tempfile, pathlib, pairmatch as pm
        >>> result = pm.match(*pm.synth.county(100, seed=1), pm.Policy(max_distance_km=5))
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     path = result.to_ledger(pathlib.Path(tmp) / "台账.xlsx", lang="zh")
        ...     sorted(pd.read_excel(path, engine="openpyxl", sheet_name=None))[:2]
        ['乡镇汇总', '匹配规则']
        """
        lang = resolve(lang)
        tables = self.ledger_tables(lang=lang, personal=personal, pseudonymise=pseudonymise,
                                    key=key)  # fmt: skip
        return write(tables, path, lang)

    def report(self, lang: Lang | None = None) -> str:
        """A short plain-text summary (no personal data): paired, unmatched by reason,
        distances, optimality and time; in ``lang`` (``"en"`` or ``"zh"``; by default
        :func:`pairmatch.labels.default_lang`)."""
        from pairmatch.outputs.report import report_text

        return report_text(self, resolve(lang))

    @property
    def _headcount(self) -> tuple[int, str]:
        """(children registered, solver name), for the short repr."""
        return len(self.registry.children), self.solution.solver

    def _repr_html_(self) -> str:
        """The notebook view: headline figures, then the first rows (ids only)."""
        from pairmatch.labels import default_lang
        from pairmatch.outputs.display import result_html

        return result_html(self, default_lang())

    def __repr__(self) -> str:
        n, solver = self._headcount
        return (
            f"MatchResult(status={self.status.value}, paired={self.n_paired}/{n}, "
            f"unmatched={n - self.n_paired}, objective={self.objective:.3f}, "
            f"gap={self.gap:.3g}, solver={solver!r})"
        )

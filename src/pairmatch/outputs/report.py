"""A result's short plain-text report (``MatchResult.report()``), in English or Chinese:
paired, unmatched by reason, distances, optimality and time; no personal data."""

from __future__ import annotations

from typing import Protocol

from pairmatch.labels import Lang, said, solver_name, status_name, value
from pairmatch.outputs.ledger import lead_distances
from pairmatch.views import Solved

__all__ = ["Reported", "report_text"]


class Reported(Solved, Protocol):
    """What the report reads of a result beyond :class:`~pairmatch.views.Solved`."""

    @property
    def n_paired(self) -> int: ...
    @property
    def has_teams(self) -> bool: ...
    @property
    def stability_bonus(self) -> float: ...
    @property
    def fairness_penalty(self) -> float: ...
    @property
    def total_fit(self) -> float: ...
    @property
    def reasons(self) -> tuple[str, ...]: ...


#: The report's lines, by language; each is filled with :meth:`str.format`.
LINES: dict[str, dict[str, str]] = {
    "en": {
        "sizes": "children {n:,}  volunteers {m:,}  candidate pairs {k:,}",
        "paired": "paired {paired:,} of {n:,} children ({share:.1%}); "
        "{consent:,} have guardian consent",
        "teams": "teams: {teams:,} children have 2 or more volunteers "
        "({places:,} volunteer places in all)",
        "unmatched": "unmatched by reason:",
        "reason": "  {reason:<32} {k:>7,}",
        "distance": "distance km (to the lead): mean {mean:.2f}, "
        "90th percentile {p90:.2f}, max {max:.2f}",
        "fit": "total fit {fit:,.3f} (objective adds {kept:,.3f} "
        "for pairs kept, subtracts {fair:,.3f} for fairness)",
        "status": "status {status} by {solver}; objective {objective:,.3f}, "
        "bound {bound:,.3f}, gap {gap:.3g}; time {seconds:.2f} s",
        "note": "note: {note}",
    },
    "zh": {
        "sizes": "儿童 {n:,} 名  爱心妈妈 {m:,} 名  候选结对 {k:,} 对",
        "paired": "已结对 {paired:,} 名，共 {n:,} 名儿童（{share:.1%}）；"
        "{consent:,} 名儿童的监护人已同意结对",
        "teams": "帮扶小组：{teams:,} 名儿童由2名以上爱心妈妈结对（共占 {places:,} 个结对名额）",
        "unmatched": "未结对原因：",
        "reason": "  {reason}  {k:,}",
        "distance": "距离(公里，至主结对人)：平均 {mean:.2f}，90%分位 {p90:.2f}，最大 {max:.2f}",
        "fit": "总匹配度(结对本身) {fit:,.3f}（目标值另加保持现有结对 {kept:,.3f}，"
        "扣除超额结对 {fair:,.3f}）",
        "status": "求解状态 {status}（{solver}）；总匹配度 {objective:,.3f}，"
        "上界 {bound:,.3f}，最优性差距 {gap:.3g}；用时 {seconds:.2f} 秒",
        "note": "说明：{note}",
    },
}


def report_text(result: Reported, lang: Lang) -> str:
    """The report of ``result`` in ``lang``."""
    say = LINES[lang]
    n = len(result.registry.children)
    paired = result.n_paired
    lines = [
        say["sizes"].format(n=n, m=len(result.registry.volunteers), k=len(result.candidates)),
        say["paired"].format(
            paired=paired, n=n, share=paired / max(n, 1), consent=int(result.registry.consent.sum())
        ),
    ]
    pairs = result.pairs
    if result.has_teams and len(pairs):
        sizes = pairs.groupby("child_id").size()
        lines.append(say["teams"].format(teams=int((sizes > 1).sum()), places=len(pairs)))
    counts = result.unmatched["reason"].value_counts()
    if len(counts):
        lines.append(say["unmatched"])
        lines += [say["reason"].format(reason=value("reason", str(reason), lang), k=k)
                  for reason, k in counts.items()]  # fmt: skip
    dist = lead_distances(pairs)
    if len(dist):
        lines.append(say["distance"].format(mean=dist.mean(), p90=dist.quantile(0.9),
                                            max=dist.max()))  # fmt: skip
    if result.stability_bonus or result.fairness_penalty:
        lines.append(say["fit"].format(fit=result.total_fit, kept=result.stability_bonus,
                                       fair=result.fairness_penalty))  # fmt: skip
    sol = result.solution
    lines.append(say["status"].format(
        status=status_name(sol.status.value, lang), solver=solver_name(sol.solver, lang),
        objective=sol.objective, bound=sol.bound, gap=sol.gap,
        seconds=sum(result.timings.values()),
    ))  # fmt: skip
    lines += [say["note"].format(note=said(r, lang)) for r in result.reasons]
    return "\n".join(lines)

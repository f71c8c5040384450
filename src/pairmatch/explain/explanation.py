"""A child's explanation: why she has this volunteer (or team), what the fit is made of
and where the pair ranks among her candidates; or why she is not paired."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Any

import numpy as np

from pairmatch.explain.credit import Members
from pairmatch.labels import Lang, resolve, said, value
from pairmatch.model.vocab import NEEDS
from pairmatch.views import Solved

__all__ = ["Explanation", "explain_child", "explanation_text"]


@dataclass(frozen=True, repr=False)
class Explanation:
    """Why a child got the volunteer it got, or none; ``str()`` reads as text, in the
    language ``lang`` it was asked in (:meth:`in_lang` gives it in another)."""

    child_id: str
    data: dict[str, Any]
    text: str
    lang: Lang = "en"

    def as_dict(self) -> dict[str, Any]:
        """The explanation's data: priority, needs, team, fit and its parts, or the reason
        (codes, as in the result's tables, whatever the language of the text)."""
        return dict(self.data)

    def in_lang(self, lang: Lang | None = None) -> Explanation:
        """The same explanation with its text in ``lang`` (``"en"`` or ``"zh"``; None: the
        default, see :func:`pairmatch.labels.default_lang`)."""
        lang = resolve(lang)
        return Explanation(self.child_id, self.data, explanation_text(self.data, lang), lang)

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"Explanation({self.text!r})"

    def _repr_html_(self) -> str:
        return f"<p>{escape(self.text)}</p>"


def explain_child(
    result: Solved,
    child_id: str,
    members: Members,
    edge_of_child: np.ndarray,
    unmatched: tuple[np.ndarray, np.ndarray, np.ndarray],
    lang: Lang = "en",
) -> Explanation:
    """Why this child has this volunteer, or none: in words of ``lang`` (``str()``) and as
    a dict. ``members`` are the result's pairs as teams, ``edge_of_child`` each child's lead
    edge (-1 where unpaired), ``unmatched`` the unpaired children's rows, reasons and
    details."""
    reg, cand, pol = result.registry, result.candidates, result.policy
    c = reg.index_of_child(child_id)
    need = dict(zip(NEEDS, reg.need[c].tolist(), strict=True))
    total_need = sum(need.values())
    category = reg.children["category"].iat[c]
    prio = int(result.priority[c])
    # candidate edges are sorted by child: this child's are one slice
    own = np.arange(*np.searchsorted(cand.child, [c, c + 1]))
    data: dict[str, Any] = {
        "child_id": str(child_id),
        "priority": {
            "total": prio,
            "base": 1,
            "need": pol.need_priority_weight * total_need,
            "category": prio - 1 - pol.need_priority_weight * total_need,
            "category_name": category,
        },
        "needs": need,
        "candidates": int(own.size),
    }
    e = int(edge_of_child[c])
    if e >= 0:
        data |= _team(result, members, c, own)
    else:
        rows, reason, detail = unmatched
        at = int(np.searchsorted(rows, c))  # rows are ascending
        data |= {"status": "unmatched", "reason": reason[at], "detail": detail[at]}
    return Explanation(str(child_id), data, explanation_text(data, lang), lang)


def explanation_text(data: dict[str, Any], lang: Lang) -> str:
    """An explanation's words in ``lang``, from its data alone."""
    child_id, prio = data["child_id"], data["priority"]["total"]
    if data["status"] == "paired":
        return (_team_text_zh if lang == "zh" else _team_text)(child_id, prio, data)
    reason, detail = data["reason"], data["detail"]
    if lang == "zh":
        return (f"儿童{child_id}（优先级{prio}）未结对：{value('reason', reason, lang)}"
                f"（{said(detail, lang)}）。")  # fmt: skip
    return f"Child {child_id} (priority {prio}) is not paired: {reason} ({detail})."


def _team(result: Solved, mem: Members, c: int, own: np.ndarray) -> dict[str, Any]:
    """The paired child's team, member by member, and what the fit is made of."""
    reg, cand, pol = result.registry, result.candidates, result.policy
    rows = np.flatnonzero(cand.child[mem.edges] == c)  # the lead first
    interests = set(str(reg.children["interests"].iat[c]).split(";")) - {""}
    team = []
    for i in rows.tolist():
        e, v = int(mem.edges[i]), int(cand.volunteer[mem.edges[i]])
        team.append(
            {
                "volunteer_id": str(reg.volunteer_ids[v]),
                "role": "lead" if mem.lead[i] else "support",
                "distance_km": float(mem.parts.distance_km[i]),
                "covers": [NEEDS[k] for k in np.flatnonzero(mem.covers[i])],
                "counted_needs": {
                    NEEDS[k]: float(mem.need_value[i, k])
                    for k in np.flatnonzero(mem.credit[i] & (mem.need_value[i] > 0))
                },
                "shared_tags": sorted(
                    interests & set(str(reg.volunteers["specialities"].iat[v]).split(";"))
                ),
                "fit": float(mem.fit[i]),
            }
        )
    edges = mem.edges[rows]
    lead = team[0]
    per_need = {k: float((mem.need_value[rows, j] * mem.credit[rows, j]).sum())
                for j, k in enumerate(NEEDS)}  # fmt: skip
    e = int(edges[0])
    rank = 1 + int(np.count_nonzero(cand.score[own] > cand.score[e]))
    return {
        "status": "paired",
        "volunteer_id": lead["volunteer_id"],
        "distance_km": lead["distance_km"],
        "team": team,
        "fit": {
            "total": float(mem.fit[rows].sum()),
            "need_x_skill": per_need,
            "shared_tags": lead["shared_tags"],
            "tag_bonus": float(pol.tag_bonus * mem.parts.shared_tags[rows].sum()),
            "preference": float(mem.parts.preference[rows].sum()),
            "distance_penalty": float(
                pol.distance_penalty_per_km * mem.parts.distance_km[rows].sum()
            ),
        },
        "rank_among_candidates": rank,
    }


def _team_text(child_id: str, prio: int, data: dict[str, Any]) -> str:
    fit, team = data["fit"], data["team"]
    parts = ", ".join(f"{k} {val:g}" for k, val in fit["need_x_skill"].items() if val)
    pref = f" + preferences {fit['preference']:g}" if fit["preference"] else ""
    why = (
        f"Fit {fit['total']:.2f} = need×skill ({parts or 'none'}) + tags "
        f"{fit['tag_bonus']:g}{pref} - distance {fit['distance_penalty']:.2f}."
    )
    if len(team) == 1:
        return (
            f"Child {child_id} (priority {prio}) is paired with volunteer "
            f"{data['volunteer_id']}, {data['distance_km']:.1f} km away. {why} "
            f"This is candidate #{data['rank_among_candidates']} of {data['candidates']} "
            "by fit; the pairing maximises the total over all children."
        )
    members = "; ".join(
        f"{m['role']} {m['volunteer_id']} ({m['distance_km']:.1f} km"
        + (f", covers {' and '.join(m['covers'])}" if m["covers"] else "")
        + (f", counted for {', '.join(m['counted_needs'])}" if m["counted_needs"] else "")
        + ")"
        for m in team
    )
    return (
        f"Child {child_id} (priority {prio}) is paired with a team of {len(team)}: "
        f"{members}. {why} Each need counts once, from the member with the most skill in "
        "it; the pairing maximises the total over all children."
    )


def _needs_zh(needs: list[str] | dict[str, Any]) -> str:
    return "、".join(value("need", k, "zh") for k in needs)


def _team_text_zh(child_id: str, prio: int, data: dict[str, Any]) -> str:
    """:func:`_team_text` in Chinese."""
    fit, team = data["fit"], data["team"]
    parts = "、".join(f"{value('need', k, 'zh')}{val:g}"
                      for k, val in fit["need_x_skill"].items() if val)  # fmt: skip
    pref = f" + 偏好{fit['preference']:g}" if fit["preference"] else ""
    why = (
        f"匹配度{fit['total']:.2f} = 需求×技能（{parts or '无'}）+ 兴趣"
        f"{fit['tag_bonus']:g}{pref} - 距离{fit['distance_penalty']:.2f}。"
    )
    head = f"儿童{child_id}（优先级{prio}）"
    if len(team) == 1:
        return (
            f"{head}与爱心妈妈{data['volunteer_id']}结对，相距{data['distance_km']:.1f}公里。"
            f"{why}按匹配度，这是其{data['candidates']}名候选爱心妈妈中的第"
            f"{data['rank_among_candidates']}位；结对方案使全部儿童的总匹配度最大。"
        )
    members = "；".join(
        f"{value('role', m['role'], 'zh')}{m['volunteer_id']}（{m['distance_km']:.1f}公里"
        + (f"，覆盖{_needs_zh(m['covers'])}" if m["covers"] else "")
        + (f"，计入{_needs_zh(m['counted_needs'])}" if m["counted_needs"] else "")
        + "）"
        for m in team
    )
    return (
        f"{head}由{len(team)}名爱心妈妈组成的帮扶小组结对：{members}。{why}"
        "每类需求只计一次，取小组中该项技能最高的成员；结对方案使全部儿童的总匹配度最大。"
    )

"""A child's explanation: why she has this volunteer (or team), what the fit is made of
and where the pair ranks among her candidates; or why she is not paired."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from pairmatch.explain.credit import Members
from pairmatch.model.vocab import NEEDS
from pairmatch.views import Solved

__all__ = ["Explanation", "explain_child"]


@dataclass(frozen=True)
class Explanation:
    """Why a child got the volunteer it got, or none; ``str()`` reads as text."""

    child_id: str
    data: dict[str, Any]
    text: str

    def as_dict(self) -> dict[str, Any]:
        """The explanation's data: priority, needs, team, fit and its parts, or the reason."""
        return dict(self.data)

    def __str__(self) -> str:
        return self.text


def explain_child(
    result: Solved,
    child_id: str,
    members: Members,
    edge_of_child: np.ndarray,
    unmatched: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> Explanation:
    """Why this child has this volunteer, or none: in words (``str()``) and as a dict.
    ``members`` are the result's pairs as teams, ``edge_of_child`` each child's lead edge
    (-1 where unpaired), ``unmatched`` the unpaired children's rows, reasons and details."""
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
        text = _team_text(str(child_id), prio, data)
    else:
        rows, reason, detail = unmatched
        at = int(np.searchsorted(rows, c))  # rows are ascending
        data |= {"status": "unmatched", "reason": reason[at], "detail": detail[at]}
        text = f"Child {child_id} (priority {prio}) is not paired: {reason[at]} ({detail[at]})."
    return Explanation(str(child_id), data, text)


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

"""What a re-pairing changed, pair by pair (the result's ``diff``), and why a working pair
ended when no rule and no person ended it (the volunteer moved along a chain)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pairmatch.outputs.schema import conform

__all__ = ["MOVED_FOR_FIT", "MOVED_FOR_RE_PAIRING", "MOVED_FOR_UNPAIRED", "diff_pairs", "why_moved"]


#: Why a working pair ended when no rule and no person ended it (see :func:`why_moved`).
MOVED_FOR_UNPAIRED = "the volunteer went to pair a child who had none (neediest first)"
MOVED_FOR_RE_PAIRING = "the volunteer went to re-pair a child whose pair had ended (neediest first)"
MOVED_FOR_FIT = "replaced by a better overall pairing (a fit gain above the switching cost)"


def why_moved(
    before: set[tuple[str, str]] | None,
    gained: set[tuple[str, str]],
    lost: set[tuple[str, str]],
    ended: dict[tuple[str, str], str],
) -> dict[tuple[str, str], str]:
    """A reason for every pair that ended without one: follow who took the volunteer's
    place (``before``: the pairs before, needed only where a child may have several).
    Pairs move in chains: a child who had no volunteer (or lost hers to a rule or a
    person) takes volunteer 1 from child A, A takes volunteer 2 from child B, and so on.
    Each pair on the chain is given the reason at its start; a chain that starts nowhere
    (pairs swapped for fit) says so."""
    unexplained = sorted(lost.difference(ended))
    if not unexplained:
        return {}
    # a child who gained a pair had one before if she lost one now; with teams she may
    # also have kept one
    paired_before = {c for c, _ in lost} if before is None else {c for c, _ in before}
    takers: dict[str, list[str]] = {}
    for c, v in sorted(gained):
        takers.setdefault(v, []).append(c)
    lost_by: dict[str, list[tuple[str, str]]] = {}
    for pair in sorted(lost):
        lost_by.setdefault(pair[0], []).append(pair)
    memo: dict[tuple[str, str], str] = {}

    def why(pair: tuple[str, str], seen: set[tuple[str, str]]) -> str:
        if pair in ended:
            return MOVED_FOR_RE_PAIRING
        if pair in memo:
            return memo[pair]
        if pair in seen:
            return MOVED_FOR_FIT  # a cycle: pairs swapped for fit
        seen.add(pair)
        reason = MOVED_FOR_FIT
        for taker in takers.get(pair[1], []):
            if taker not in paired_before:
                reason = MOVED_FOR_UNPAIRED
                break
            found = {why(p, seen) for p in lost_by.get(taker, [])}
            if MOVED_FOR_UNPAIRED in found or MOVED_FOR_RE_PAIRING in found:
                reason = MOVED_FOR_UNPAIRED if MOVED_FOR_UNPAIRED in found else MOVED_FOR_RE_PAIRING
                break
        memo[pair] = reason
        return reason

    return {pair: why(pair, set()) for pair in unexplained}


def diff_pairs(
    pairs: pd.DataFrame,
    fresh: list[int],
    gained: set[tuple[str, str]],
    lost: set[tuple[str, str]],
    ended: dict[tuple[str, str], str],
    moved: dict[tuple[str, str], str],
) -> pd.DataFrame:
    """Pair by pair, sorted by (child, volunteer): kept (a changed role says so), added,
    ended, or reassigned (the child lost this volunteer and got another in the same step,
    or got this volunteer in place of another). A team member who leaves while the rest of
    the team stays has ended. ``pairs``: the pairs after the step; ``fresh``: its rows that
    are new or changed role. Text columns are str, as in the history."""
    cid = pairs["child_id"].to_numpy(object)
    vid = pairs["volunteer_id"].to_numpy(object)
    change = np.full(cid.size, "kept", object)
    reason = np.full(cid.size, "", object)
    had = {c for c, _ in lost}  # children who lost a pair
    has = {c for c, _ in gained}  # children who gained one
    for i in fresh:
        if (cid[i], vid[i]) in gained:
            change[i] = "reassigned" if cid[i] in had else "added"
            reason[i] = "new pair"
        else:
            reason[i] = f"role changed to {moved[(cid[i], vid[i])]}"
    gone = sorted(lost)
    rows = (
        [c for c, _ in gone],
        [v for _, v in gone],
        ["reassigned" if c in has else "ended" for c, _ in gone],
        [ended.get(pair, "") for pair in gone],
    )
    now_sorted = cid.size < 2 or bool(
        np.all((cid[1:] > cid[:-1]) | ((cid[1:] == cid[:-1]) & (vid[1:] > vid[:-1])))
    )
    if now_sorted:  # merge the few ended pairs in
        at = [_place(cid, vid, c, v) for c, v in gone]
        columns = [
            np.insert(a, at, np.array(b, object)) if gone else a
            for a, b in zip((cid, vid, change, reason), rows, strict=True)
        ]
    else:  # team members in lead-first order: sort it all
        both = sorted(
            zip(*(np.concatenate((a, np.array(b, object))) for a, b in
                  zip((cid, vid, change, reason), rows, strict=True)), strict=True)
        )  # fmt: skip
        columns = [np.array(col, object) for col in zip(*both, strict=True)] if both else [
            np.empty(0, object)] * 4  # fmt: skip
    names = ("child_id", "volunteer_id", "change", "reason")
    return conform(
        pd.DataFrame({n: pd.Series(c, dtype=object) for n, c in zip(names, columns, strict=True)}),
        "diff",
    )


def _place(cid: np.ndarray, vid: np.ndarray, c: str, v: str) -> int:
    """Where (c, v) goes in rows sorted by (child, volunteer)."""
    lo = int(np.searchsorted(cid, c, side="left"))
    hi = int(np.searchsorted(cid, c, side="right"))
    while lo < hi and vid[lo] < v:
        lo += 1
    return lo

"""The Matcher's history: every pair ever made, one row each (``child_id``, ``volunteer_id``,
``role``, ``status``, ``start``, ``end``, ``end_reason``, the child's county and township).
Rows are only ever added; a current row only ever gets accepted or ended. The period
reports (``events``, ``active_on``) are read from it."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pairmatch.outputs.schema import conform
from pairmatch.rematching.store import HISTORY_COLUMNS

__all__ = ["History"]

Pair = tuple[str, str]


class History:
    """The rows of every pair ever made, with each current pair's row and role found once.

    ``open`` and ``latest`` are computed when first asked for, unless a step that knows them
    gives them (:meth:`recorded`)."""

    def __init__(
        self,
        frame: pd.DataFrame,
        open_rows: dict[Pair, tuple[int, str]] | None = None,
        latest: pd.Timestamp | None = None,
    ) -> None:
        self.frame = frame.reset_index(drop=True)
        self._open = open_rows
        self._latest = latest

    @classmethod
    def empty(cls) -> History:
        """No pair yet."""
        frame = pd.DataFrame({c: pd.Series(dtype=object) for c in HISTORY_COLUMNS}).astype(
            {"start": "datetime64[ns, UTC]", "end": "datetime64[ns, UTC]"}
        )
        return cls(frame[list(HISTORY_COLUMNS)])

    @property
    def open(self) -> dict[Pair, tuple[int, str]]:
        """Each current pair's row (position) and role."""
        if self._open is None:
            h = self.frame
            rows = np.flatnonzero(h["end"].isna().to_numpy(bool))
            keys = zip(h["child_id"].to_numpy(object)[rows].tolist(),
                       h["volunteer_id"].to_numpy(object)[rows].tolist(), strict=True)  # fmt: skip
            roles = h["role"].to_numpy(object)[rows].tolist()
            self._open = dict(zip(keys, zip(rows.tolist(), roles, strict=True), strict=True))
        return self._open

    @property
    def latest(self) -> pd.Timestamp:
        """The latest start or end recorded (NaT when there is none)."""
        if self._latest is None:
            self._latest = pd.concat([self.frame["start"], self.frame["end"]]).max()
        return self._latest

    def table(self) -> pd.DataFrame:
        """Every row, in the ``history`` schema."""
        return conform(self.frame, "history")

    def active(self) -> pd.DataFrame:
        """The current pairs (rows without an end)."""
        return conform(self.frame[self.frame["end"].isna()].reset_index(drop=True), "history")

    def active_on(self, when: pd.Timestamp) -> pd.DataFrame:
        """The pairs that were current at a moment."""
        h = self.frame
        rows = (h["start"] <= when) & (h["end"].isna() | (h["end"] > when))
        return conform(h[rows].reset_index(drop=True), "history")

    def events(self, lo: pd.Timestamp, hi: pd.Timestamp) -> pd.DataFrame:
        """Pairs started or ended in ``[lo, hi)``, one row per event (started, ended or
        declined), with the reason and the child's county and township."""
        h = self.frame
        started = h[(h["start"] >= lo) & (h["start"] < hi)].assign(
            event="started", at=lambda d: d["start"], reason=""
        )
        stop = h[h["end"].notna() & (h["end"] >= lo) & (h["end"] < hi)]
        ended = stop.assign(
            event=np.where(stop["status"] == "declined", "declined", "ended"),
            at=stop["end"],
            reason=stop["end_reason"],
        )
        out = pd.concat([started, ended], ignore_index=True)
        cols = ["at", "event", "child_id", "volunteer_id", "role", "reason", "county", "township"]
        out = out[cols].sort_values(["at", "child_id", "volunteer_id"]).reset_index(drop=True)
        return conform(out, "events")

    def _proposed(self, pair: Pair) -> pd.Series:
        h = self.frame
        return (
            h["end"].isna()
            & (h["child_id"] == pair[0])
            & (h["volunteer_id"] == pair[1])
            & (h["status"] == "proposed")
        )

    def is_proposed(self, pair: Pair) -> bool:
        """Whether the pair is current and still waits for an answer."""
        return bool(self._proposed(pair).any())

    def accept(self, pair: Pair) -> None:
        """A proposed pair becomes ``active`` (in place: its row and role stay)."""
        self.frame.loc[self._proposed(pair), "status"] = "active"

    def recorded(
        self,
        ended: dict[tuple[str, str], str],
        pairs: pd.DataFrame,
        fresh: list[int],
        moved: dict[tuple[str, str], str],
        when: pd.Timestamp,
        declined: set[tuple[str, str]],
    ) -> History:
        """The history after a step at ``when`` (a new one; this one is not touched): ended
        pairs' rows get their end, reason and status; a pair whose role changed ends its row
        and opens one with the same status; new pairs open a ``proposed`` row. ``fresh``:
        the rows of ``pairs`` that are new or changed role. Only the rows that change are
        looked at."""
        h = self.frame.copy()
        open_ = dict(self.open)
        closing = dict(ended)
        closing |= {pair: f"role changed to {role}" for pair, role in moved.items()}
        col = {name: i for i, name in enumerate(h.columns)}
        carried = {pair: h.iat[open_[pair][0], col["status"]] for pair in moved if pair in open_}
        shut = [pair for pair in closing if pair in open_]
        if shut:
            at = np.array([open_.pop(pair)[0] for pair in shut], np.int64)
            h.iloc[at, col["end"]] = when
            h.iloc[at, col["end_reason"]] = np.array([closing[p] for p in shut], object)
            refused = [pair in declined for pair in shut]
            h.iloc[at, col["status"]] = np.where(refused, "declined", "ended").astype(object)
        if fresh:
            new = pairs.iloc[fresh]
            new_keys = list(
                zip(new["child_id"].tolist(), new["volunteer_id"].tolist(), strict=True)
            )
            text = {
                "child_id": new["child_id"].to_numpy(object),
                "volunteer_id": new["volunteer_id"].to_numpy(object),
                "role": new["role"].to_numpy(object),
                "status": np.array([carried.get(k, "proposed") for k in new_keys], object),
                "end_reason": np.full(len(new), None, object),
                "county": new["county"].to_numpy(object),
                "township": new["township"].to_numpy(object),
            }
            added = pd.DataFrame(
                {
                    **{c: pd.Series(v, dtype=object) for c, v in text.items()},
                    "start": pd.Series([when] * len(new), dtype="datetime64[ns, UTC]"),
                    "end": pd.Series([pd.NaT] * len(new), dtype="datetime64[ns, UTC]"),
                }
            )[list(HISTORY_COLUMNS)]
            first = len(h)
            h = pd.concat([h, added], ignore_index=True)
            roles = added["role"].tolist()
            for i, k in enumerate(new_keys):
                open_[k] = (first + i, roles[i])
        return History(h, open_, when)

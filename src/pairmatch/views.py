"""The small interfaces the explanations and outputs read a result through.

Results (:class:`~pairmatch.MatchResult`, :class:`~pairmatch.PartitionedResult`) and the
:class:`~pairmatch.Matcher` sit above ``explain/`` and ``outputs/``: they call them, and
are never imported by them. What those modules read of a result is written down here as
protocols, which the results satisfy by their shape alone.
"""

from __future__ import annotations

from collections.abc import Sized
from typing import Protocol

import numpy as np
import pandas as pd

from pairmatch.candidates import Candidates
from pairmatch.model.policy import Policy
from pairmatch.registry import Registry
from pairmatch.solvers.base import Solution, Status

__all__ = ["Figures", "MatcherView", "Partitioned", "Solved"]


class Figures(Protocol):
    """A result's headline figures."""

    @property
    def status(self) -> Status: ...
    @property
    def objective(self) -> float: ...
    @property
    def bound(self) -> float: ...
    @property
    def gap(self) -> float: ...
    @property
    def n_paired(self) -> int: ...
    @property
    def policy(self) -> Policy: ...
    @property
    def pairs(self) -> pd.DataFrame: ...
    @property
    def unmatched(self) -> pd.DataFrame: ...


class Solved(Figures, Protocol):
    """One solved county: its registers, candidate pairs, solution and priorities."""

    @property
    def registry(self) -> Registry: ...
    @property
    def candidates(self) -> Candidates: ...
    @property
    def solution(self) -> Solution: ...
    @property
    def priority(self) -> np.ndarray: ...
    @property
    def children(self) -> pd.DataFrame: ...
    @property
    def volunteers(self) -> pd.DataFrame: ...
    @property
    def timings(self) -> dict[str, float]: ...


class Partitioned(Figures, Protocol):
    """A province solved by parts."""

    @property
    def parts(self) -> pd.DataFrame: ...
    def ledger(self) -> pd.DataFrame: ...


class MatcherView(Protocol):
    """A Matcher's registers, pairs and last result."""

    @property
    def children(self) -> pd.DataFrame: ...
    @property
    def volunteers(self) -> pd.DataFrame: ...
    @property
    def active(self) -> pd.DataFrame: ...
    @property
    def history(self) -> pd.DataFrame: ...
    @property
    def forbidden(self) -> Sized: ...
    @property
    def stability(self) -> str: ...
    @property
    def result(self) -> Solved | None: ...

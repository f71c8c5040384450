"""Small registers for tests: one base row each, overridden field by field."""

from __future__ import annotations

import numpy as np
import pandas as pd

CHILD = {
    "lat": 30.0, "lon": 111.0, "province": "P", "city": "C", "county": "K",
    "township": "T", "village": "V", "category": "left_behind", "need_study": 1,
    "need_life": 0, "need_psychological": 0, "need_safety": 0, "interests": "",
    "guardian_consent": True,
}  # fmt: skip
VOLUNTEER = {
    "lat": 30.0, "lon": 111.001, "province": "P", "city": "C", "county": "K",
    "township": "T", "village": "V", "skill_study": 1, "skill_life": 0,
    "skill_psychological": 0, "skill_safety": 0, "specialities": "", "capacity": 1,
    "max_distance_km": np.nan, "eligible": True, "active": True,
}  # fmt: skip


def children(rows: list[dict]) -> pd.DataFrame:
    """A children table: the base row updated by each of ``rows``."""
    return pd.DataFrame([CHILD | r for r in rows])


def volunteers(rows: list[dict]) -> pd.DataFrame:
    """A volunteers table: the base row updated by each of ``rows``."""
    return pd.DataFrame([VOLUNTEER | r for r in rows])

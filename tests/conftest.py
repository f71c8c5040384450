from __future__ import annotations

import pandas as pd
import pytest

import pairmatch as pm


@pytest.fixture(scope="session")
def county() -> tuple[pd.DataFrame, pd.DataFrame]:
    """A small synthetic county (read-only: copy before changing it)."""
    return pm.synth.county(300, seed=11)


@pytest.fixture(scope="session")
def county_result(county) -> pm.MatchResult:
    children, volunteers = county
    return pm.match(children, volunteers, pm.Policy(max_distance_km=6))

"""Progress bars: silent unless asked, never change a result, show figures only."""

from __future__ import annotations

import numpy as np
import pytest

import pairmatch as pm
import pairmatch.candidates

SECRET = "秘密名字"
TEAMS = pm.Policy(max_distance_km=4, severe_team_size=(1, 3), cover_need_from=3, support_load=0.5)


@pytest.fixture(scope="module")
def county():
    children, volunteers = pm.synth.county(1500, seed=8)
    return children.assign(name=SECRET), volunteers


def test_silent_by_default(county, capsys) -> None:
    children, volunteers = county
    pm.match(children, volunteers, pm.Policy(max_distance_km=5))
    pm.match(children.head(150), volunteers.head(90), TEAMS)
    assert capsys.readouterr().err == ""


def test_bars_change_nothing(county, capsys, monkeypatch) -> None:
    policy = pm.Policy(max_distance_km=5)
    quiet = pm.match(*county, policy)
    monkeypatch.setattr(pairmatch.candidates, "PROGRESS_BLOCK", 400)  # blocks of children
    shown = pm.match(*county, policy, progress=True)
    err = capsys.readouterr().err
    assert "pairmatch.match" in err and "4/4" in err
    assert "candidate pairs:" in err and "child/s" in err  # the search's own bar
    assert SECRET not in err
    for field in ("child", "volunteer", "score", "reach"):
        np.testing.assert_array_equal(
            getattr(quiet.candidates, field), getattr(shown.candidates, field)
        )
    assert quiet.pairs.equals(shown.pairs)


def test_search_shows_objective_and_bound(county, capsys) -> None:
    children, volunteers = county
    result = pm.match(children.head(150), volunteers.head(90), TEAMS, progress=True)
    err = capsys.readouterr().err
    assert "objective=" in err and "bound=" in err and "gap=" in err
    assert SECRET not in err
    again = pm.match(children.head(150), volunteers.head(90), TEAMS)
    assert again.pairs.equals(result.pairs)


def test_partitioned_bar_and_callback(capsys) -> None:
    children, volunteers = pm.synth.province(600, 3, seed=2)
    policy = pm.Policy(max_distance_km=5)
    seen: list[tuple[str, int, int]] = []
    quiet = pm.match_partitioned(
        children, volunteers, policy, max_workers=1, progress=lambda *a: seen.append(a)
    )
    assert [s[1:] for s in seen] == [(1, 3), (2, 3), (3, 3)]
    assert capsys.readouterr().err == ""
    shown = pm.match_partitioned(children, volunteers, policy, max_workers=1, progress=True)
    err = capsys.readouterr().err
    assert "pairmatch parts" in err and "3/3" in err
    assert quiet.pairs.equals(shown.pairs)

"""A run that cannot fit in memory is refused before the work, in one sentence that says
how large it is and what to change."""

from __future__ import annotations

import pytest
from scipy.spatial import cKDTree

import pairmatch as pm
from pairmatch.limits import BYTES_PER_PAIR, TEAM_BYTES_PER_PAIR, available_bytes


def test_a_run_too_large_for_memory_is_refused_before_the_pairs_are_built(monkeypatch) -> None:
    children, volunteers = pm.synth.county(2000, seed=1)

    class Counting(cKDTree):  # counts pairs, as the guard does, but never builds them
        def sparse_distance_matrix(self, *args, **kwargs):
            raise AssertionError("the pairs were built")

    monkeypatch.setenv("PAIRMATCH_MEMORY_BYTES", str(600 * 2**20))
    monkeypatch.setattr("pairmatch.candidates.cKDTree", Counting)
    with pytest.raises(pm.TooLargeError) as err:
        pm.match(children, volunteers, pm.Policy(max_distance_km=25))
    text = str(err.value)
    assert isinstance(err.value, MemoryError) and isinstance(err.value, pm.PairmatchError)
    assert "within 25 km" in text and "candidate pairs" in text
    assert "max_distance_km" in text and "match_partitioned" in text
    assert err.value.needed_bytes == err.value.pairs * BYTES_PER_PAIR
    assert err.value.needed_bytes > err.value.available_bytes - 512 * 2**20


def test_the_radius_it_suggests_fits(monkeypatch) -> None:
    children, volunteers = pm.synth.county(2000, seed=1)
    monkeypatch.setenv("PAIRMATCH_MEMORY_BYTES", str(600 * 2**20))
    with pytest.raises(pm.TooLargeError) as err:
        pm.match(children, volunteers, pm.Policy(max_distance_km=25))
    suggested = float(str(err.value).split("(at most about ")[1].split(" km")[0])
    result = pm.match(children, volunteers, pm.Policy(max_distance_km=suggested))
    assert result.status is pm.Status.OPTIMAL and pm.verify(result).ok


def test_what_fits_is_not_refused(monkeypatch) -> None:
    children, volunteers = pm.synth.county(300, seed=1)
    monkeypatch.setenv("PAIRMATCH_MEMORY_BYTES", str(600 * 2**20))
    assert pm.match(children, volunteers).status is pm.Status.OPTIMAL


def test_the_machine_reports_its_free_memory() -> None:
    free = available_bytes()
    assert free is None or free > 0


def test_a_run_that_may_form_teams_counts_a_team_pair(monkeypatch) -> None:
    children, volunteers = pm.synth.county(2000, seed=1)
    monkeypatch.setenv("PAIRMATCH_MEMORY_BYTES", str(600 * 2**20))
    policy = pm.Policy(max_distance_km=25, severe_team_size=(1, 3))
    with pytest.raises(pm.TooLargeError) as err:
        pm.match(children, volunteers, policy)
    assert err.value.needed_bytes == err.value.pairs * TEAM_BYTES_PER_PAIR
    one = children.assign(team_max=[2] + [None] * (len(children) - 1))  # a record asks
    with pytest.raises(pm.TooLargeError) as err:
        pm.match(one, volunteers, pm.Policy(max_distance_km=25))
    assert err.value.needed_bytes == err.value.pairs * TEAM_BYTES_PER_PAIR

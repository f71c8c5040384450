"""Candidates: the compiled search equals brute force, and distances agree with geopy."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from geopy.distance import geodesic, great_circle

import pairmatch as pm
from pairmatch.candidates import find_candidates, fit_parts, great_circle_km
from pairmatch.registry import Registry, unit_vectors
from pairmatch.verify import haversine_km


def test_vectorised_distance_matches_geopy() -> None:
    rng = np.random.default_rng(0)
    lat1, lat2 = rng.uniform(-60, 60, 300), rng.uniform(-60, 60, 300)
    lon1, lon2 = rng.uniform(-179, 179, 300), rng.uniform(-179, 179, 300)
    # include short, county-scale distances, where rounding matters most
    lat2[:150] = lat1[:150] + rng.normal(0, 0.05, 150)
    lon2[:150] = lon1[:150] + rng.normal(0, 0.05, 150)
    ours = great_circle_km(unit_vectors(lat1, lon1), unit_vectors(lat2, lon2))
    oracle = np.array(
        [great_circle((a, b), (c, d)).km for a, b, c, d in zip(lat1, lon1, lat2, lon2, strict=True)]
    )
    assert np.allclose(ours, oracle, rtol=1e-9, atol=1e-9)
    assert np.allclose(haversine_km(lat1, lon1, lat2, lon2), oracle, rtol=1e-9, atol=1e-9)
    ellipsoid = np.array(
        [geodesic((a, b), (c, d)).km for a, b, c, d in zip(lat1, lon1, lat2, lon2, strict=True)]
    )
    assert np.all(np.abs(ours - ellipsoid) <= 0.0056 * ellipsoid + 1e-9)  # sphere vs WGS84


def _brute_force(
    children: pd.DataFrame, volunteers: pd.DataFrame, policy: pm.Policy, forbidden: set
) -> set:
    c = pm.read_children(children)
    v = pm.read_volunteers(volunteers)
    ci, vi = np.meshgrid(np.arange(len(c)), np.arange(len(v)), indexing="ij")
    ci, vi = ci.ravel(), vi.ravel()
    d = haversine_km(
        c["lat"].to_numpy()[ci],
        c["lon"].to_numpy()[ci],
        v["lat"].to_numpy()[vi],
        v["lon"].to_numpy()[vi],
    )
    limit = np.fmin(v["max_distance_km"].to_numpy()[vi], policy.max_distance_km)
    ok = (d <= limit) & c["guardian_consent"].to_numpy()[ci]
    ok &= (
        v["eligible"].to_numpy()[vi]
        & v["active"].to_numpy()[vi]
        & (v["capacity"].to_numpy()[vi] > 0)
    )
    if not policy.allow_cross_county:
        ok &= c["county"].to_numpy()[ci] == v["county"].to_numpy()[vi]
    pairs = set(zip(c["id"].to_numpy()[ci[ok]], v["id"].to_numpy()[vi[ok]], strict=True))
    return pairs - forbidden


@pytest.mark.parametrize("cross", [False, True])
def test_candidates_equal_brute_force(cross: bool) -> None:
    a_children, a_vols = pm.synth.county(150, seed=5, county_name="A", center=(30.0, 111.0))
    b_children, b_vols = pm.synth.county(150, seed=6, county_name="B", center=(30.0, 111.3))
    children = pd.concat([a_children, b_children.assign(id="B" + b_children["id"])])
    volunteers = pd.concat([a_vols, b_vols.assign(id="B" + b_vols["id"])])
    policy = pm.Policy(max_distance_km=7, allow_cross_county=cross)
    forbidden = set(zip(children["id"].iloc[:40], volunteers["id"].iloc[:40], strict=True))
    registry = Registry.build(pm.read_children(children), pm.read_volunteers(volunteers))
    banned = registry.pair_indices(list(forbidden), "forbidden pairs")
    cand = find_candidates(registry, policy, banned)
    got = set(
        zip(registry.child_ids[cand.child], registry.volunteer_ids[cand.volunteer], strict=True)
    )
    expected = _brute_force(children, volunteers, policy, forbidden)
    assert got == expected
    assert len(got) > 500  # a real test, not an empty one
    if cross:
        counties = registry.children["county"].to_numpy()[cand.child]
        assert (counties != registry.volunteers["county"].to_numpy()[cand.volunteer]).any()


def test_scores_follow_the_documented_formula(county) -> None:
    children, volunteers = county
    policy = pm.Policy(
        max_distance_km=6, need_weights={"study": 2.0}, tag_bonus=1.5, distance_penalty_per_km=0.25
    )
    registry = Registry.build(pm.read_children(children), pm.read_volunteers(volunteers))
    cand = find_candidates(registry, policy)
    c = registry.children.iloc[cand.child]
    v = registry.volunteers.iloc[cand.volunteer]
    weights = {"study": 2.0, "life": 1.0, "psychological": 1.0, "safety": 1.0}
    need_fit = sum(
        w * c[f"need_{k}"].to_numpy() * v[f"skill_{k}"].to_numpy() for k, w in weights.items()
    )
    shared = [
        len(set(a.split(";")) & set(b.split(";")) - {""})
        for a, b in zip(c["interests"], v["specialities"], strict=True)
    ]
    km = haversine_km(c["lat"].to_numpy(), c["lon"].to_numpy(), v["lat"].to_numpy(),
                      v["lon"].to_numpy())  # fmt: skip
    fit = need_fit + 1.5 * np.array(shared) - 0.25 * km
    parts = fit_parts(registry, policy, cand.child, cand.volunteer)
    assert np.allclose(parts.distance_km, km, rtol=1e-9, atol=1e-9)
    assert np.allclose(parts.fit, fit)
    assert max(shared) > 0
    # the scores are the fit the parts recompute, to the last bit, for any subset of pairs
    unit = policy.score_resolution
    assert np.array_equal(cand.score, np.rint(parts.fit / unit).astype(np.int64))
    some = np.random.default_rng(3).choice(len(cand), 37, replace=False)
    few = fit_parts(registry, policy, cand.child[some], cand.volunteer[some])
    assert np.array_equal(few.fit, parts.fit[some])
    assert np.array_equal(few.distance_km, parts.distance_km[some])


def test_no_volunteers_or_no_children() -> None:
    children, volunteers = pm.synth.county(30, 10, seed=2)
    result = pm.match(children, volunteers.iloc[0:0])
    assert result.n_paired == 0
    assert set(result.unmatched["reason"]) <= {"no_consent", "no_eligible_volunteer_in_reach"}
    assert pm.verify(result, children=children).ok
    empty = pm.match(children.iloc[0:0], volunteers)
    assert empty.n_paired == 0 and len(empty.unmatched) == 0

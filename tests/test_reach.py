"""The compiled pass over the pairs in reach equals an all-pairs reference: the same pairs,
the same scores to the last bit, the same reach counts, anywhere on the globe and at any
radius (cell edges, the poles, the antimeridian, a radius wider than the Earth)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pairmatch.reach as reach
from pairmatch.candidates import fit_terms, scan_of
from pairmatch.distance import great_circle_km
from pairmatch.errors import PairmatchError
from pairmatch.fit import fits
from pairmatch.registry import Registry, unit_vectors


class _Registry:
    """The arrays a scan reads, drawn at random (a registry without its tables)."""

    def __init__(self, rng: np.random.Generator, n: int, m: int, spread: float) -> None:
        centre = rng.uniform(-89.9, 89.9), rng.uniform(-180, 180)
        lat = np.clip(centre[0] + rng.normal(0, spread, n + m), -90, 90)
        lon = (centre[1] + rng.normal(0, spread, n + m) + 180) % 360 - 180
        # some records at the poles and on the antimeridian
        lat[: (n + m) // 10] = rng.choice([-90.0, 90.0, centre[0]], (n + m) // 10)
        edge = slice((n + m) // 10, (n + m) // 5)
        lon[edge] = rng.choice([-180.0, 180.0], edge.stop - edge.start)
        xyz = unit_vectors(lat, lon)
        self.child_xyz, self.volunteer_xyz = xyz[:n], xyz[n:]
        self.radius_km = np.where(rng.random(m) < 0.3, rng.uniform(0, 50, m), np.nan)
        owner = rng.integers(-1, 2, (n + m, 3))
        owner[:, 2] = rng.integers(0, 2, n + m)
        self.child_owner, self.volunteer_owner = owner[:n], owner[n:]
        self.need = rng.integers(0, 4, (n, 4))
        self.skill = rng.integers(0, 4, (m, 4))
        self.interest_bits = rng.integers(0, 1 << 20, (n, 2)).astype(np.uint64)
        self.speciality_bits = rng.integers(0, 1 << 20, (m, 2)).astype(np.uint64)
        self.child_place = rng.integers(-1, 3, (n, 2))
        self.volunteer_place = rng.integers(-1, 3, (m, 2))
        self.preferred_gender = rng.integers(-1, 2, n)
        self.volunteer_gender = rng.integers(0, 2, m)
        self.volunteers = np.arange(m)  # (scan_of reads len(registry.volunteers))


class _Policy:
    def __init__(self, rng: np.random.Generator, radius: float, cross: bool) -> None:
        self.max_distance_km = radius
        self.allow_cross_county = cross
        self.tag_bonus = float(rng.choice([0.0, 1.5, 3.0]))
        self.gender_bonus = float(rng.choice([0.0, 2.0]))
        self.same_township_bonus = float(rng.choice([0.0, 1.5]))
        self.same_village_bonus = float(rng.choice([0.0, 0.7]))
        self.distance_penalty_per_km = float(rng.choice([0.0, 0.1, 0.37]))
        self.score_resolution = float(rng.choice([0.001, 0.01, 0.25]))
        self._weights = rng.uniform(0.5, 2.0, 4)

    def need_weight_vector(self) -> np.ndarray:
        return self._weights


def _reference(reg, policy, volunteers, banned):
    """Every pair by brute force, with numpy: (child, volunteer, score), reach."""
    n, m = reg.child_xyz.shape[0], reg.volunteer_xyz.shape[0]
    c, v = np.meshgrid(np.arange(n), volunteers, indexing="ij")
    c, v = c.ravel(), v.ravel()
    km = great_circle_km(reg.child_xyz[c], reg.volunteer_xyz[v])
    own = reg.radius_km[v]
    ok = km <= np.where(np.isnan(own), policy.max_distance_km, np.fmin(own, policy.max_distance_km))
    if not policy.allow_cross_county:  # the registry's own rule, which the pass compiles
        ok &= Registry.same_county(reg, c, v)
    c, v, km = c[ok], v[ok], km[ok]
    reach = np.bincount(c, minlength=n)
    allowed = ~np.isin(c * m + v, banned)
    c, v, km = c[allowed], v[allowed], km[allowed]
    order = np.lexsort((v, c))
    c, v, km = c[order], v[order], km[order]
    # the fit in plain numpy, term by term as the Policy documents it
    t = fit_terms(reg, policy)
    need_fit = t.table[t.need_code[c], t.skill_code[v]]
    shared = np.bitwise_count(reg.interest_bits[c] & reg.speciality_bits[v]).sum(axis=1)
    preference = np.zeros(c.size)
    if t.use_gender:
        wanted = reg.preferred_gender[c]
        preference += t.gender_bonus * ((wanted >= 0) & (wanted == reg.volunteer_gender[v]))
    for j, bonus in enumerate((t.township_bonus, t.village_bonus)):
        if bonus:
            here = reg.child_place[c, j]
            preference += bonus * ((here >= 0) & (here == reg.volunteer_place[v, j]))
    fit = need_fit + t.tag_bonus * shared + preference - t.distance_penalty * km
    return c, v, np.rint(fit / policy.score_resolution).astype(np.int64), reach


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(0, 60),
    m=st.integers(0, 60),
    spread=st.sampled_from([0.01, 0.05, 0.3, 5.0, 60.0]),
    radius=st.sampled_from([0.0, 0.5, 3.5, 10.0, 80.0, 2000.0, 30000.0]),
    cross=st.booleans(),
)
def test_the_scan_equals_all_pairs(seed, n, m, spread, radius, cross) -> None:
    rng = np.random.default_rng(seed)
    reg = _Registry(rng, n, m, spread)
    policy = _Policy(rng, radius, cross)
    volunteers = np.flatnonzero(rng.random(m) < 0.9)
    pairs = rng.integers(0, max(n, 1), 20), rng.integers(0, max(m, 1), 20)
    banned = np.unique(pairs[0] * max(m, 1) + pairs[1]) if n and m else np.empty(0, np.int64)
    children = np.flatnonzero(rng.random(n) < 0.9)
    scan = scan_of(reg, policy, volunteers, pairs if n and m else None)
    c, v, score, reach = scan.pairs(children)
    rc, rv, rscore, rreach = _reference(reg, policy, volunteers, banned)
    mine = np.isin(rc, children)
    assert np.array_equal(c, rc[mine])
    assert np.array_equal(v, rv[mine])
    assert np.array_equal(score, rscore[mine])
    expected_reach = np.where(np.isin(np.arange(n), children), rreach, 0)
    assert np.array_equal(reach, expected_reach)


def test_fits_equal_the_scan_to_the_last_bit() -> None:
    rng = np.random.default_rng(11)
    reg = _Registry(rng, 300, 200, 0.05)
    policy = _Policy(rng, 8.0, False)
    policy.gender_bonus, policy.tag_bonus = 2.0, 1.5
    policy.same_township_bonus, policy.same_village_bonus = 1.5, 0.7
    policy.distance_penalty_per_km = 0.37
    c, v, score, _ = scan_of(reg, policy, np.arange(200)).pairs(np.arange(300))
    assert c.size > 1000
    km = great_circle_km(reg.child_xyz[c], reg.volunteer_xyz[v])
    fit, need_fit, shared, preference = fits(fit_terms(reg, policy), c, v, km)
    assert np.array_equal(score, np.rint(fit / policy.score_resolution).astype(np.int64))
    assert (shared > 0).any() and (preference > 0).any() and (need_fit > 0).any()


def test_a_fill_that_disagrees_with_the_count_is_an_error(monkeypatch) -> None:
    """The filling pass never writes past a child's slice, and says so when the counting
    pass sized it otherwise (a bug, never a silently wrong pair list)."""
    rng = np.random.default_rng(5)
    reg = _Registry(rng, 50, 40, 0.05)
    policy = _Policy(rng, 20.0, True)
    count = reach._count

    def miscount(*args):
        count(*args)
        args[-1][::3] += 1  # every third child's slice one too long

    monkeypatch.setattr(reach, "_count", miscount)
    with pytest.raises(PairmatchError, match="disagree"):
        scan_of(reg, policy, np.arange(40)).pairs(np.arange(50))

"""Seeded synthetic counties: children and volunteers in pairmatch's table form.

Nothing here describes real people. Every value is drawn from a
:func:`numpy.random.default_rng` seeded by the caller, so the same arguments always give the
same frames, on any machine.

The model of a county
---------------------
A county is a square of about 60 km x 60 km around its centre. It has townships (乡镇, named
``T01``, ``T02``, ...), about one per 400 children, at least 3 and at most 25, whose seats are
spread over the county on a jittered grid. Each township has 5 to 15 villages (``T03-V01``,
``T03-V02``, ...) within about 8 km of its seat; the first village of a township, ``V01``, *is*
the township seat. Villages differ in size (lognormal weights; seats are larger) and
townships too.

Children live in villages, scattered about 0.8 km around the village centre, in proportion to
the village's size. Their category follows the programme's mix (70 % left-behind, 8 %
scattered orphans, 7 % without guardian care, 15 % other difficulty), and their four need
severities (0 to 3) are correlated with one another and with the category: orphans and
children without guardian care have higher life and psychological needs, left-behind
children higher study and psychological needs, and about one child in ten needs little.

Volunteers (爱心妈妈, about 90 % women) concentrate near township seats: 60 % live around a
seat, 40 % in villages. Their skills (0 to 3) come from an archetype (teacher, doctor or
nurse, counsellor or social worker, homemaker, or no particular background) plus noise, and
their specialities lean towards their archetype (teachers: reading, english, science, ...).

Distances are converted to degrees on a flat earth around the county centre: 1 degree of
latitude is 111.32 km and 1 degree of longitude 111.32 km times the cosine of the latitude.

The sensitive columns (``name``, ``id_number``, ``address``) are synthetic too. Identity
numbers have the 18-character shape and check character of a resident identity number, but
begin with ``99``, which is no region code, so they can never be anyone's real number; they
are unique within a table of one county (and, in :func:`province`, across counties).
"""

from __future__ import annotations

import math
import operator
from dataclasses import dataclass
from functools import cache
from typing import Final

import numpy as np
import pandas as pd

from pairmatch.errors import ArgumentError, ArgumentTypeError
from pairmatch.model.records import CHILD_COLUMNS, SENSITIVE_COLUMNS, VOLUNTEER_COLUMNS
from pairmatch.model.vocab import NEEDS

__all__ = ["TAG_VOCABULARY", "county", "province"]

#: Interest and speciality tags used by the generator (the tag columns may hold any text).
TAG_VOCABULARY: Final[tuple[str, ...]] = (
    "chess",
    "painting",
    "music",
    "reading",
    "sports",
    "calligraphy",
    "dance",
    "science",
    "handicraft",
    "english",
    "computers",
    "nature",
)

_NEEDS: Final = NEEDS
# the optional team and preference columns are left out: the policy decides for everyone
_CHILD_COLUMNS: Final = (*CHILD_COLUMNS[:-3], "gender", *SENSITIVE_COLUMNS)
_VOLUNTEER_COLUMNS: Final = (*VOLUNTEER_COLUMNS, "gender", *SENSITIVE_COLUMNS)
_STR_COLUMNS: Final = frozenset(
    {
        "id",
        "province",
        "city",
        "county",
        "township",
        "village",
        "category",
        "interests",
        "specialities",
        "gender",
        "name",
        "id_number",
        "address",
    }
)

# --- geography -------------------------------------------------------------------------------
_KM_PER_DEG_LAT: Final = 111.32
_DEFAULT_CENTER: Final = (30.0, 111.0)
_SEAT_HALF_WIDTH_KM: Final = 21.0  # seats within +-21 km; villages up to 8 km further out
_VILLAGE_MIN_KM: Final = 1.5
_VILLAGE_MAX_KM: Final = 8.0
_CHILD_SCATTER_KM: Final = 0.8
_SEAT_SCATTER_KM: Final = 1.0
_PROVINCE_CENTER: Final = (30.5, 112.0)
_PROVINCE_HALF_WIDTH_KM: Final = 200.0

# --- children --------------------------------------------------------------------------------
_CATEGORIES: Final = ("left_behind", "scattered_orphan", "no_guardian_care", "other_difficulty")
_CATEGORY_P: Final = np.array([0.70, 0.08, 0.07, 0.15])
#: Mean latent need (study, life, psychological, safety) per category, before noise.
_NEED_MEAN: Final = np.array(
    [
        [1.5, 0.8, 1.5, 0.9],  # left_behind
        [1.2, 2.1, 2.0, 1.2],  # scattered_orphan
        [1.2, 2.1, 1.9, 1.5],  # no_guardian_care
        [1.0, 1.3, 1.0, 0.8],  # other_difficulty
    ]
)
_MILD_SHARE: Final = 0.10  # children whose needs are shifted down (often all zero)
_INTEREST_COUNT_P: Final = np.array([0.20, 0.35, 0.30, 0.15])
#: Tag popularity among children: row 0 girls, row 1 boys (columns follow TAG_VOCABULARY).
_INTEREST_W: Final = np.array(
    [
        [0.8, 1.5, 1.3, 1.4, 0.9, 0.8, 1.4, 0.8, 1.0, 0.8, 0.7, 0.9],
        [1.2, 0.9, 0.9, 1.1, 1.8, 0.6, 0.3, 1.1, 0.7, 0.6, 1.4, 1.0],
    ]
)
_CONSENT_P: Final = 0.92

# --- volunteers ------------------------------------------------------------------------------
#: Archetypes: teacher, doctor/nurse, counsellor/social worker, homemaker, general.
_ARCHETYPE_P: Final = np.array([0.20, 0.10, 0.10, 0.30, 0.30])
_SKILL_MEAN: Final = np.array(
    [
        [2.6, 1.3, 1.6, 1.2],  # teacher
        [1.2, 2.4, 1.5, 2.6],  # doctor or nurse
        [1.4, 1.5, 2.7, 1.5],  # counsellor or social worker
        [0.8, 2.5, 1.3, 1.2],  # homemaker
        [1.3, 1.5, 1.3, 1.3],  # general
    ]
)
_SPECIALITY_COUNT_P: Final = np.array([0.15, 0.35, 0.32, 0.18])
#: Speciality popularity per archetype (columns follow TAG_VOCABULARY).
_SPECIALITY_W: Final = np.array(
    [
        [0.8, 0.8, 0.9, 3.0, 0.7, 1.6, 0.4, 2.4, 0.4, 2.6, 1.2, 0.8],  # teacher
        [0.7, 0.6, 0.7, 1.2, 1.6, 0.5, 0.6, 1.8, 0.6, 0.8, 0.8, 2.0],  # doctor or nurse
        [0.9, 2.0, 2.0, 1.8, 0.9, 0.8, 1.2, 0.6, 1.2, 0.6, 0.6, 1.2],  # counsellor
        [0.6, 1.2, 1.0, 0.8, 0.6, 0.8, 2.0, 0.3, 3.0, 0.2, 0.3, 1.4],  # homemaker
        [1.4, 1.0, 1.2, 1.0, 1.8, 0.8, 1.2, 0.8, 1.0, 0.8, 1.6, 1.2],  # general
    ]
)
_CAPACITY_VALUES: Final = np.array([1, 2, 3, 4, 5])
_CAPACITY_P: Final = np.array([0.55, 0.30, 0.12, 0.02, 0.01])
_NO_LIMIT_P: Final = 0.60
_ELIGIBLE_P: Final = 0.97
_ACTIVE_P: Final = 0.95
_FEMALE_P: Final = 0.90
_SEAT_RESIDENT_P: Final = 0.60

# --- people ----------------------------------------------------------------------------------
_SURNAMES: Final = np.array(
    list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余"),
    dtype=object,
)
_SURNAME_W: Final = 1.0 / (np.arange(len(_SURNAMES)) + 4.0)  # common surnames first
_SURNAME_P: Final = _SURNAME_W / _SURNAME_W.sum()
_GIVEN_FEMALE: Final = np.array(
    list("丽芳娟敏静秀英兰红霞燕玲梅琳婷雪慧萍颖洁佳欣怡悦"), dtype=object
)
_GIVEN_MALE: Final = np.array(list("伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩俊凯"), dtype=object)
_TWO_CHAR_GIVEN_P: Final = 0.65
_CHILD_BIRTH: Final = ("2008-01-01", "2022-01-01")  # ages about 2 to 16 in 2024
_VOLUNTEER_BIRTH: Final = ("1964-01-01", "2002-01-01")
_HOUSE_NUMBERS: Final = np.array([str(i) for i in range(1, 301)], dtype=object)
_ID_WEIGHTS: Final = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
_ID_CHECK: Final = np.frombuffer(b"10X98765432", dtype=np.uint8)
_ID_PREFIX: Final = 99  # no region code starts with 99: these can never be real numbers
_MAX_COUNT: Final = 100_000_000  # records a generator makes, at most


@dataclass(frozen=True)
class _Geography:
    """Townships and villages of one county, in km east/north of the county centre."""

    lat0: float
    lon0: float
    township: np.ndarray  # village -> township index
    village_name: np.ndarray  # object array of village names
    township_name: np.ndarray  # object array of township names
    seat_village: np.ndarray  # township -> index of its seat village
    x: np.ndarray  # village centre, km east
    y: np.ndarray  # village centre, km north
    p: np.ndarray  # share of the county's population in each village
    township_p: np.ndarray  # share of the county's population in each township

    def to_degrees(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Flat-earth conversion of km offsets to (lat, lon), kept valid near poles/antimeridian."""
        km_per_deg_lon = _KM_PER_DEG_LAT * max(math.cos(math.radians(self.lat0)), 1e-3)
        lat = np.clip(self.lat0 + y / _KM_PER_DEG_LAT, -90.0, 90.0)
        lon = self.lon0 + x / km_per_deg_lon
        lon = np.where((lon < -180.0) | (lon > 180.0), (lon + 180.0) % 360.0 - 180.0, lon)
        return lat.astype(np.float64), lon.astype(np.float64)


# ---------------------------------------------------------------------------------------------
# public API
# ---------------------------------------------------------------------------------------------


def county(
    n_children: int = 500,
    n_volunteers: int | None = None,
    *,
    seed: int = 0,
    county_name: str | None = None,
    province: str = "Synthprovince",
    city: str = "Synthcity",
    center: tuple[float, float] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A seeded synthetic county: (children, volunteers) DataFrames in pairmatch's table form.

    Parameters
    ----------
    n_children:
        Number of children (rows of the children table), ``>= 0``.
    n_volunteers:
        Number of volunteers, ``>= 0``; by default ``round(0.6 * n_children)``.
    seed:
        Seed for :func:`numpy.random.default_rng` (a non-negative integer). The same
        arguments and seed always give identical frames. The children do not depend on
        ``n_volunteers``.
    county_name:
        Value of the ``county`` column; ``"Synthcounty"`` by default.
    province, city:
        Values of the ``province`` and ``city`` columns.
    center:
        ``(lat, lon)`` of the county centre in degrees; ``(30.0, 111.0)`` by default. The
        county extends about 30 km around it.

    Returns
    -------
    children, volunteers:
        Two DataFrames with the columns, in order::

            children:   id, lat, lon, province, city, county, township, village, category,
                        need_study, need_life, need_psychological, need_safety, interests,
                        guardian_consent, gender, name, id_number, address
            volunteers: id, lat, lon, province, city, county, township, village,
                        skill_study, skill_life, skill_psychological, skill_safety,
                        specialities, capacity, max_distance_km, eligible, active,
                        gender, name, id_number, address

        Text columns hold Python ``str`` (pandas' default string dtype), ``lat``, ``lon``
        and ``max_distance_km`` are float64 (``max_distance_km`` is NaN for "no personal
        limit", the only missing values), needs, skills and capacity int64, and the flags
        bool. Tag columns are ``;``-separated, sorted, and ``""`` when empty. Ids are
        ``C0001``, ``V0001``, ... zero-padded to fit the table (at least 4 digits).

    Raises
    ------
    ValueError
        If a count or the seed is negative, or the centre is not a valid coordinate.
    TypeError
        If a count or the seed is not an integer.

    Examples
    --------
    >>> children, volunteers = county(200, seed=1)
    >>> len(children), len(volunteers)
    (200, 120)
    >>> children["id"].iloc[0], volunteers["id"].iloc[0]
    ('C0001', 'V0001')
    >>> bool(children["need_study"].between(0, 3).all())
    True
    >>> again, _ = county(200, seed=1)
    >>> children.equals(again)
    True
    """
    n_children = _check_count(n_children, "n_children")
    n_volunteers = (
        round(0.6 * n_children)
        if n_volunteers is None
        else _check_count(n_volunteers, "n_volunteers")
    )
    seed = _check_seed(seed)
    lat0, lon0 = _check_center(_DEFAULT_CENTER if center is None else center)
    name = "Synthcounty" if county_name is None else _check_text(county_name, "county_name")
    return _county(
        n_children,
        n_volunteers,
        seed=seed,
        meta=(_check_text(province, "province"), _check_text(city, "city"), name),
        center=(lat0, lon0),
        child_prefix="C",
        volunteer_prefix="V",
        child_width=max(4, len(str(n_children))),
        volunteer_width=max(4, len(str(n_volunteers))),
        region_code=None,
    )


def province(
    n_children: int, n_counties: int = 100, *, seed: int = 0
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A seeded synthetic province: ``n_counties`` counties concatenated.

    The children are split among the counties roughly evenly (county sizes vary by about
    30 %; with very few children per county some may get none and so have no rows), each
    county has ``round(0.6 * its children)`` volunteers, and each is generated by
    :func:`county` logic with its own seed derived from ``seed``. Counties are named
    ``County-001``, ``County-002``, ..., their centres spread over a region of about
    400 km x 400 km around (30.5 N, 112.0 E), and ids carry the county number so that they
    are unique across the province: ``C001-0042`` is child 42 of ``County-001``.

    Parameters
    ----------
    n_children:
        Total number of children, ``>= 0``.
    n_counties:
        Number of counties, ``>= 1``.
    seed:
        Seed for :func:`numpy.random.default_rng` (a non-negative integer).

    Returns
    -------
    children, volunteers:
        The two tables in the same form as :func:`county` returns, county after county, with
        a fresh ``RangeIndex``.

    Raises
    ------
    ValueError
        If ``n_children`` or ``seed`` is negative, or ``n_counties < 1``.
    TypeError
        If an argument is not an integer.

    Examples
    --------
    >>> children, volunteers = province(1000, n_counties=5, seed=2)
    >>> len(children), children["county"].nunique()
    (1000, 5)
    >>> children["id"].is_unique and volunteers["id"].is_unique
    True
    >>> sorted(children["county"].unique())[:2]
    ['County-001', 'County-002']
    """
    n_children = _check_count(n_children, "n_children")
    n_counties = _check_count(n_counties, "n_counties")
    if n_counties < 1:
        raise ArgumentError(f"n_counties must be at least 1, got {n_counties}")
    seed = _check_seed(seed)

    rng = np.random.default_rng(seed)
    weights = rng.lognormal(0.0, 0.3, size=n_counties)
    sizes = rng.multinomial(n_children, weights / weights.sum())
    county_seeds = rng.integers(0, 2**63 - 1, size=n_counties, dtype=np.int64)
    x, y = _jittered_grid(rng, n_counties, _PROVINCE_HALF_WIDTH_KM, jitter=0.3)
    lat0, lon0 = _PROVINCE_CENTER
    lats = lat0 + y / _KM_PER_DEG_LAT
    lons = lon0 + x / (_KM_PER_DEG_LAT * math.cos(math.radians(lat0)))

    n_vols = [round(0.6 * int(s)) for s in sizes]
    digits = max(3, len(str(n_counties)))
    child_width = max(4, len(str(int(sizes.max()))))
    volunteer_width = max(4, len(str(max(n_vols))))
    children: list[pd.DataFrame] = []
    volunteers: list[pd.DataFrame] = []
    for k in range(n_counties):
        number = f"{k + 1:0{digits}d}"
        c, v = _county(
            int(sizes[k]),
            n_vols[k],
            seed=int(county_seeds[k]),
            meta=("Synthprovince", "Synthcity", f"County-{number}"),
            center=(float(lats[k]), float(lons[k])),
            child_prefix=f"C{number}-",
            volunteer_prefix=f"V{number}-",
            child_width=child_width,
            volunteer_width=volunteer_width,
            region_code=k % 9999 + 1,
        )
        children.append(c)
        volunteers.append(v)
    return _concat(children), _concat(volunteers)


# ---------------------------------------------------------------------------------------------
# one county
# ---------------------------------------------------------------------------------------------


def _county(
    n_children: int,
    n_volunteers: int,
    *,
    seed: int,
    meta: tuple[str, str, str],
    center: tuple[float, float],
    child_prefix: str,
    volunteer_prefix: str,
    child_width: int,
    volunteer_width: int,
    region_code: int | None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Generate one county; independent streams for geography, children and volunteers."""
    geo_rng, child_rng, volunteer_rng, code_rng = (
        np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(4)
    )
    code = int(code_rng.integers(1, 10_000)) if region_code is None else region_code
    geo = _geography(geo_rng, n_children, center)
    children = _children(child_rng, geo, n_children, meta, code, child_prefix, child_width)
    volunteers = _volunteers(
        volunteer_rng, geo, n_volunteers, meta, code, volunteer_prefix, volunteer_width
    )
    return children, volunteers


def _geography(
    rng: np.random.Generator, n_children: int, center: tuple[float, float]
) -> _Geography:
    n_town = min(25, max(3, n_children // 400))
    seat_x, seat_y = _jittered_grid(rng, n_town, _SEAT_HALF_WIDTH_KM, jitter=0.3)
    n_villages = rng.integers(5, 16, size=n_town)
    township = np.repeat(np.arange(n_town), n_villages)
    first = np.concatenate(([0], np.cumsum(n_villages)[:-1]))
    number = np.arange(township.size) - first[township] + 1  # 1-based within the township
    is_seat = number == 1

    r = np.sqrt(rng.uniform(_VILLAGE_MIN_KM**2, _VILLAGE_MAX_KM**2, size=township.size))
    theta = rng.uniform(0.0, 2.0 * np.pi, size=township.size)
    x = seat_x[township] + np.where(is_seat, 0.0, r * np.cos(theta))
    y = seat_y[township] + np.where(is_seat, 0.0, r * np.sin(theta))

    village_w = rng.lognormal(0.0, 0.7, size=township.size) * np.where(is_seat, 2.5, 1.0)
    township_w = rng.lognormal(0.0, 0.35, size=n_town)
    p = village_w / np.bincount(township, weights=village_w)[township] * township_w[township]
    p /= p.sum()

    township_name = np.array([f"T{t + 1:02d}" for t in range(n_town)], dtype=object)
    village_name = np.array(
        [f"{township_name[t]}-V{v:02d}" for t, v in zip(township, number, strict=True)],
        dtype=object,
    )
    return _Geography(
        lat0=center[0],
        lon0=center[1],
        township=township,
        village_name=village_name,
        township_name=township_name,
        seat_village=first,
        x=x,
        y=y,
        p=p,
        township_p=np.bincount(township, weights=p, minlength=n_town),
    )


def _children(
    rng: np.random.Generator,
    geo: _Geography,
    n: int,
    meta: tuple[str, str, str],
    code: int,
    prefix: str,
    width: int,
) -> pd.DataFrame:
    village = rng.choice(geo.p.size, size=n, p=geo.p)
    x = geo.x[village] + rng.normal(0.0, _CHILD_SCATTER_KM, size=n)
    y = geo.y[village] + rng.normal(0.0, _CHILD_SCATTER_KM, size=n)
    lat, lon = geo.to_degrees(x, y)

    category = rng.choice(len(_CATEGORIES), size=n, p=_CATEGORY_P)
    mild = rng.random(n) < _MILD_SHARE
    general = rng.normal(0.0, 0.55, size=n) - 1.6 * mild
    latent = _NEED_MEAN[category] + general[:, None] + rng.normal(0.0, 0.6, size=(n, 4))
    needs = np.clip(np.rint(latent), 0, 3).astype(np.int64)

    male = rng.random(n) < 0.5
    n_tags = rng.choice(len(_INTEREST_COUNT_P), size=n, p=_INTEREST_COUNT_P)
    interests = _pick_tags(rng, np.log(_INTEREST_W)[male.astype(np.intp)], n_tags)
    consent = rng.random(n) < _CONSENT_P

    columns: dict[str, np.ndarray] = {
        "id": _ids(prefix, width, n),
        "lat": lat,
        "lon": lon,
        **_jurisdiction(geo, village, meta),
        "category": np.array(_CATEGORIES, dtype=object)[category],
        **{f"need_{k}": needs[:, i] for i, k in enumerate(_NEEDS)},
        "interests": interests,
        "guardian_consent": consent,
        **_person(rng, geo, village, male, code, _CHILD_BIRTH),
    }
    return _frame(columns, _CHILD_COLUMNS)


def _volunteers(
    rng: np.random.Generator,
    geo: _Geography,
    n: int,
    meta: tuple[str, str, str],
    code: int,
    prefix: str,
    width: int,
) -> pd.DataFrame:
    at_seat = rng.random(n) < _SEAT_RESIDENT_P
    seat_of = geo.seat_village[rng.choice(geo.township_p.size, size=n, p=geo.township_p)]
    village = np.where(at_seat, seat_of, rng.choice(geo.p.size, size=n, p=geo.p))
    scatter = np.where(at_seat, _SEAT_SCATTER_KM, _CHILD_SCATTER_KM)
    x = geo.x[village] + rng.normal(0.0, 1.0, size=n) * scatter
    y = geo.y[village] + rng.normal(0.0, 1.0, size=n) * scatter
    lat, lon = geo.to_degrees(x, y)

    archetype = rng.choice(len(_ARCHETYPE_P), size=n, p=_ARCHETYPE_P)
    general = rng.normal(0.0, 0.45, size=n)
    latent = _SKILL_MEAN[archetype] + general[:, None] + rng.normal(0.0, 0.55, size=(n, 4))
    skills = np.clip(np.rint(latent), 0, 3).astype(np.int64)
    n_tags = rng.choice(len(_SPECIALITY_COUNT_P), size=n, p=_SPECIALITY_COUNT_P)
    specialities = _pick_tags(rng, np.log(_SPECIALITY_W)[archetype], n_tags)

    capacity = rng.choice(_CAPACITY_VALUES, size=n, p=_CAPACITY_P).astype(np.int64)
    limit = np.round(rng.uniform(3.0, 15.0, size=n) * 2.0) / 2.0
    max_distance = np.where(rng.random(n) < _NO_LIMIT_P, np.nan, limit)
    eligible = rng.random(n) < _ELIGIBLE_P
    active = rng.random(n) < _ACTIVE_P
    male = rng.random(n) >= _FEMALE_P

    columns: dict[str, np.ndarray] = {
        "id": _ids(prefix, width, n),
        "lat": lat,
        "lon": lon,
        **_jurisdiction(geo, village, meta),
        **{f"skill_{k}": skills[:, i] for i, k in enumerate(_NEEDS)},
        "specialities": specialities,
        "capacity": capacity,
        "max_distance_km": max_distance.astype(np.float64),
        "eligible": eligible,
        "active": active,
        **_person(rng, geo, village, male, code, _VOLUNTEER_BIRTH),
    }
    return _frame(columns, _VOLUNTEER_COLUMNS)


# ---------------------------------------------------------------------------------------------
# pieces
# ---------------------------------------------------------------------------------------------


def _jittered_grid(
    rng: np.random.Generator, n: int, half_width: float, *, jitter: float
) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points spread over a square: distinct cells of a grid, jittered within each."""
    g = max(1, math.ceil(math.sqrt(n)))
    cell = 2.0 * half_width / g
    cells = rng.choice(g * g, size=n, replace=False)
    x = -half_width + (cells % g + 0.5 + rng.uniform(-jitter, jitter, size=n)) * cell
    y = -half_width + (cells // g + 0.5 + rng.uniform(-jitter, jitter, size=n)) * cell
    return x, y


def _jurisdiction(
    geo: _Geography, village: np.ndarray, meta: tuple[str, str, str]
) -> dict[str, np.ndarray]:
    n = village.size
    return {
        "province": np.full(n, meta[0], dtype=object),
        "city": np.full(n, meta[1], dtype=object),
        "county": np.full(n, meta[2], dtype=object),
        "township": geo.township_name[geo.township[village]],
        "village": geo.village_name[village],
    }


def _person(
    rng: np.random.Generator,
    geo: _Geography,
    village: np.ndarray,
    male: np.ndarray,
    code: int,
    birth: tuple[str, str],
) -> dict[str, np.ndarray]:
    """The gender and the sensitive columns (name, id_number, address)."""
    n = male.size
    surname = _SURNAMES[rng.choice(_SURNAMES.size, size=n, p=_SURNAME_P)]
    first = np.where(
        male,
        _GIVEN_MALE[rng.integers(0, _GIVEN_MALE.size, size=n)],
        _GIVEN_FEMALE[rng.integers(0, _GIVEN_FEMALE.size, size=n)],
    )
    second = np.where(
        male,
        _GIVEN_MALE[rng.integers(0, _GIVEN_MALE.size, size=n)],
        _GIVEN_FEMALE[rng.integers(0, _GIVEN_FEMALE.size, size=n)],
    )
    second = np.where(rng.random(n) < _TWO_CHAR_GIVEN_P, second, "")
    house = _HOUSE_NUMBERS[rng.integers(0, _HOUSE_NUMBERS.size, size=n)]
    return {
        "gender": np.where(male, "male", "female").astype(object),
        "name": (surname + first + second).astype(object),
        "id_number": _id_numbers(rng, male, code, birth),
        "address": (geo.village_name[village] + " 村 " + house + " 号").astype(object),
    }


def _id_numbers(
    rng: np.random.Generator, male: np.ndarray, code: int, birth: tuple[str, str]
) -> np.ndarray:
    """Unique 18-character numbers ``99`` + code + birth date + sequence + check character.

    The sequence is odd for men and even for women, and the check character follows
    ISO 7064 MOD 11-2, as on a real resident identity card; the ``99`` prefix is no region.
    """
    n = male.size
    start = np.datetime64(birth[0], "D")
    span = int((np.datetime64(birth[1], "D") - start).astype(np.int64))
    days = rng.integers(0, span, size=n)
    odd = male.astype(np.int64)
    seq = 2 * rng.integers(0, 499, size=n) + 2 - odd  # women 2..998, men 1..997
    key = days * 1000 + seq
    for _ in range(100):  # redraw the sequence of duplicates; a handful of rounds at most
        _, keep = np.unique(key, return_index=True)
        dup = np.ones(n, dtype=bool)
        dup[keep] = False
        if not dup.any():
            break
        seq[dup] = 2 * rng.integers(0, 499, size=int(dup.sum())) + 2 - odd[dup]
        key = days * 1000 + seq

    date = start + days.astype("timedelta64[D]")
    month_start = date.astype("datetime64[M]")
    year = date.astype("datetime64[Y]").astype(np.int64) + 1970
    month = month_start.astype(np.int64) % 12 + 1
    day = (date - month_start).astype(np.int64) + 1
    number = (
        ((_ID_PREFIX * 10_000 + code) * 10_000 + year) * 10_000 + month * 100 + day
    ) * 1000 + seq  # 17 digits: fits in int64
    digits = (number[:, None] // 10 ** np.arange(16, -1, -1, dtype=np.int64)) % 10
    check = _ID_CHECK[(digits * _ID_WEIGHTS).sum(axis=1) % 11]
    chars = np.empty((n, 18), dtype=np.uint8)
    chars[:, :17] = digits + ord("0")
    chars[:, 17] = check
    return chars.view("S18").ravel().astype("U18").astype(object)


def _pick_tags(rng: np.random.Generator, log_w: np.ndarray, count: np.ndarray) -> np.ndarray:
    """Per row, ``count`` distinct tags drawn with weights ``exp(log_w)`` (Gumbel top-k).

    Returns an object array of ``;``-joined, sorted tag strings (``""`` when none).
    """
    n = count.size
    keys = log_w + rng.gumbel(size=(n, len(TAG_VOCABULARY)))
    top = np.argsort(-keys, axis=1, kind="stable")[:, :3]
    chosen = np.arange(3) < count[:, None]
    bits = np.left_shift(np.int64(1), top.astype(np.int64))
    mask: np.ndarray = np.where(chosen, bits, 0).sum(axis=1)
    strings: np.ndarray = _tag_strings()[mask]
    return strings


@cache
def _tag_strings() -> np.ndarray:
    """The tag string of every subset of TAG_VOCABULARY, indexed by its bit mask."""
    order = sorted(range(len(TAG_VOCABULARY)), key=lambda i: TAG_VOCABULARY[i])
    return np.array(
        [
            ";".join(TAG_VOCABULARY[i] for i in order if mask >> i & 1)
            for mask in range(1 << len(TAG_VOCABULARY))
        ],
        dtype=object,
    )


def _ids(prefix: str, width: int, n: int) -> np.ndarray:
    return np.array([f"{prefix}{i:0{width}d}" for i in range(1, n + 1)], dtype=object)


def _frame(columns: dict[str, np.ndarray], order: tuple[str, ...]) -> pd.DataFrame:
    # Text columns get the dtype pandas itself gives a column of Python strings (``str`` on
    # pandas 3, object before), also when they are empty, so n = 0 has the usual dtypes.
    text = pd.Series(["x"]).dtype
    return pd.DataFrame(
        {k: pd.Series(columns[k]).astype(text) if k in _STR_COLUMNS else columns[k] for k in order},
        columns=list(order),
    )


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    non_empty = [f for f in frames if len(f)]
    if not non_empty:
        return frames[0].iloc[0:0].reset_index(drop=True)
    return pd.concat(non_empty, ignore_index=True)


# ---------------------------------------------------------------------------------------------
# argument checks
# ---------------------------------------------------------------------------------------------


def _check_count(value: object, name: str) -> int:
    if isinstance(value, bool | np.bool_):
        raise ArgumentTypeError(f"{name} must be an integer, got a bool")
    try:
        count = operator.index(value)  # type: ignore[arg-type]
    except TypeError:
        raise ArgumentTypeError(f"{name} must be an integer, got {type(value).__name__}") from None
    if count < 0:
        raise ArgumentError(f"{name} must be >= 0, got {count}")
    if count > _MAX_COUNT:
        raise ArgumentError(f"{name} must be at most {_MAX_COUNT:,}")
    return count


def _check_seed(seed: object) -> int:
    if isinstance(seed, bool | np.bool_):
        raise ArgumentTypeError("seed must be a non-negative integer, got a bool")
    try:
        value = operator.index(seed)  # type: ignore[arg-type]
    except TypeError:
        raise ArgumentTypeError(
            f"seed must be a non-negative integer, got {type(seed).__name__}"
        ) from None
    if value < 0:
        raise ArgumentError(f"seed must be a non-negative integer, got {value}")
    return value


def _check_center(center: object) -> tuple[float, float]:
    try:
        lat, lon = (float(v) for v in center)  # type: ignore[attr-defined]
    except (TypeError, ValueError):
        raise ArgumentError("center must be a (lat, lon) pair of numbers in degrees") from None
    if not (math.isfinite(lat) and -90.0 <= lat <= 90.0):
        raise ArgumentError(f"center latitude must be within -90..90 degrees, got {lat}")
    if not (math.isfinite(lon) and -180.0 <= lon <= 180.0):
        raise ArgumentError(f"center longitude must be within -180..180 degrees, got {lon}")
    return lat, lon


def _check_text(value: object, name: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ArgumentError(f"{name} must be a non-empty string")
    return value

"""The fit of a pair: one scalar compiled function, used by the candidate pass and by
:func:`pairmatch.candidates.fit_parts` alike, so that a pair scored in the pass and a pair
a result explains agree to the last bit (see :class:`pairmatch.Policy` for the formula)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

__all__ = ["FitTerms", "fits", "pair_fit"]


@dataclass(frozen=True, eq=False)
class FitTerms:
    """The arrays and policy numbers the fit of a pair is made of (see
    :class:`pairmatch.Policy` for the formula): level codes of needs and skills and their
    fit table, tag bitsets, places and genders, and the bonuses."""

    table: np.ndarray  # 256 x 256 need-skill fit
    need_code: np.ndarray
    skill_code: np.ndarray
    interest_bits: np.ndarray  # children x words, uint64
    speciality_bits: np.ndarray
    preferred_gender: np.ndarray
    volunteer_gender: np.ndarray
    child_place: np.ndarray  # children x 2 (township, village); -1 unknown
    volunteer_place: np.ndarray
    tag_bonus: float
    gender_bonus: float
    township_bonus: float
    village_bonus: float
    distance_penalty: float
    use_gender: bool

    def arrays(self) -> tuple:
        return (
            self.table, self.need_code, self.skill_code, self.interest_bits,
            self.speciality_bits, self.preferred_gender, self.volunteer_gender,
            self.child_place, self.volunteer_place,
            np.array([self.tag_bonus, self.gender_bonus, self.township_bonus,
                      self.village_bonus, self.distance_penalty, float(self.use_gender)]),
        )  # fmt: skip


@njit(cache=True, nogil=True, inline="always")
def _popcount(x):  # pragma: no cover - compiled
    x = x - ((x >> np.uint64(1)) & np.uint64(0x5555555555555555))
    x = (x & np.uint64(0x3333333333333333)) + ((x >> np.uint64(2)) & np.uint64(0x3333333333333333))
    x = (x + (x >> np.uint64(4))) & np.uint64(0x0F0F0F0F0F0F0F0F)
    return (x * np.uint64(0x0101010101010101)) >> np.uint64(56)


@njit(cache=True, nogil=True, inline="always")
def pair_fit(
    c, v, km, table, need_code, skill_code, interest, speciality, pref_gender, vol_gender,
    child_place, vol_place, numbers, parts,
):  # fmt: skip  # pragma: no cover - compiled
    """The fit of the pair (c, v) at ``km``; its parts go in ``parts`` (need fit, shared
    tags, preference points). ``numbers``: tag, gender, township and village bonuses, the
    penalty per km, whether genders are read."""
    need_fit = table[need_code[c], skill_code[v]]
    shared = 0
    for w in range(interest.shape[1]):
        shared += _popcount(interest[c, w] & speciality[v, w])
    preference = 0.0
    if numbers[5] != 0.0:
        wanted = pref_gender[c]
        if wanted >= 0 and wanted == vol_gender[v]:
            preference += numbers[1]
    for j in range(2):
        bonus = numbers[2 + j]
        if bonus != 0.0:
            here = child_place[c, j]
            if here >= 0 and here == vol_place[v, j]:
                preference += bonus
    parts[0] = need_fit
    parts[1] = shared
    parts[2] = preference
    return need_fit + numbers[0] * shared + preference - numbers[4] * km


@njit(cache=True, nogil=True)
def _fits(c, v, km, table, need_code, skill_code, interest, speciality, pref_gender,
          vol_gender, child_place, vol_place, numbers):  # fmt: skip  # pragma: no cover
    n = c.size
    fit = np.empty(n)
    need_fit = np.empty(n)
    shared = np.empty(n, np.int64)
    preference = np.empty(n)
    parts = np.empty(3)
    for i in range(n):
        fit[i] = pair_fit(c[i], v[i], km[i], table, need_code, skill_code, interest,
                          speciality, pref_gender, vol_gender, child_place, vol_place,
                          numbers, parts)  # fmt: skip
        need_fit[i] = parts[0]
        shared[i] = np.int64(parts[1])
        preference[i] = parts[2]
    return fit, need_fit, shared, preference


def fits(terms: FitTerms, c: np.ndarray, v: np.ndarray, km: np.ndarray) -> tuple:
    """(fit, need fit, shared tags, preference points) of the pairs (c, v) at ``km``."""
    c = np.ascontiguousarray(c, np.int64)
    v = np.ascontiguousarray(v, np.int64)
    km = np.ascontiguousarray(km, np.float64)
    return _fits(c, v, km, *terms.arrays())

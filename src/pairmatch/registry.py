"""Validated registers turned into columns: the arrays everything after this works on.

Records are put in a canonical order (sorted by id), so the order in which a user's system
happened to list children or volunteers never changes the pairs that come out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from pairmatch.errors import InputIssue, ValidationError
from pairmatch.model.vocab import NEEDS, ChildCategory

__all__ = ["EARTH_RADIUS_KM", "Registry", "county_key", "unit_vectors"]

#: Mean Earth radius used for great-circle distances (the value geopy's great_circle uses).
EARTH_RADIUS_KM = 6371.009

CATEGORIES: tuple[str, ...] = tuple(c.value for c in ChildCategory)


def unit_vectors(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Points on the unit sphere (n × 3) for WGS84 degrees; chord length ↔ great-circle."""
    la, lo = np.radians(lat), np.radians(lon)
    cos_la = np.cos(la)
    return np.column_stack((cos_la * np.cos(lo), cos_la * np.sin(lo), np.sin(la)))


def county_key(table: pd.DataFrame) -> pd.Series:
    """The county that owns each record, as (province, city, county): two counties may share
    a name (there is a 鼓楼区 in Nanjing, Fuzhou, Xuzhou and Kaifeng)."""
    parts = [table[k].astype(str) for k in ("province", "city", "county")]
    return parts[0] + "\x1f" + parts[1] + "\x1f" + parts[2]


def _tag_bits(
    children: pd.Series, volunteers: pd.Series
) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    """Tags as bitsets (rows × words of uint64) over one shared vocabulary."""
    both = pd.concat([children, volunteers], ignore_index=True).astype(str)
    exploded = both.str.split(";").explode()
    exploded = exploded[exploded != ""]
    vocab = tuple(sorted(exploded.unique()))
    words = max(1, -(-len(vocab) // 64))
    bits = np.zeros((len(both), words), dtype=np.uint64)
    if len(exploded):
        code = pd.Categorical(exploded.to_numpy(), categories=vocab).codes.astype(np.int64)
        rows = exploded.index.to_numpy(np.int64)
        np.bitwise_or.at(
            bits, (rows, code // 64), np.left_shift(np.uint64(1), (code % 64).astype(np.uint64))
        )
    n = len(children)
    return bits[:n], bits[n:], vocab


@dataclass(frozen=True, eq=False)
class Registry:
    """Both registers as validated tables (canonical order) plus the arrays derived from them."""

    children: pd.DataFrame
    volunteers: pd.DataFrame
    child_xyz: np.ndarray
    volunteer_xyz: np.ndarray
    child_county: np.ndarray
    volunteer_county: np.ndarray
    need: np.ndarray
    skill: np.ndarray
    category: np.ndarray
    consent: np.ndarray
    capacity: np.ndarray
    radius_km: np.ndarray
    available: np.ndarray
    interest_bits: np.ndarray
    speciality_bits: np.ndarray
    tags: tuple[str, ...]

    @classmethod
    def build(cls, children: pd.DataFrame, volunteers: pd.DataFrame) -> Registry:
        """Arrays from *validated* tables (see :func:`pairmatch.model.validate_children`)."""
        children = children.sort_values("id", kind="stable").reset_index(drop=True)
        volunteers = volunteers.sort_values("id", kind="stable").reset_index(drop=True)
        counties, _ = pd.factorize(
            pd.concat([county_key(children), county_key(volunteers)], ignore_index=True)
        )
        n = len(children)
        interest_bits, speciality_bits, tags = _tag_bits(
            children["interests"], volunteers["specialities"]
        )
        return cls(
            children=children,
            volunteers=volunteers,
            child_xyz=unit_vectors(
                children["lat"].to_numpy(float), children["lon"].to_numpy(float)
            ),
            volunteer_xyz=unit_vectors(
                volunteers["lat"].to_numpy(float), volunteers["lon"].to_numpy(float)
            ),
            child_county=counties[:n].astype(np.int32),
            volunteer_county=counties[n:].astype(np.int32),
            need=children[[f"need_{k}" for k in NEEDS]].to_numpy(np.int64),
            skill=volunteers[[f"skill_{k}" for k in NEEDS]].to_numpy(np.int64),
            category=pd.Categorical(children["category"], categories=CATEGORIES).codes.astype(
                np.int8
            ),
            consent=children["guardian_consent"].to_numpy(bool),
            capacity=volunteers["capacity"].to_numpy(np.int64),
            radius_km=volunteers["max_distance_km"].to_numpy(float),
            available=(volunteers["eligible"].to_numpy(bool) & volunteers["active"].to_numpy(bool)),
            interest_bits=interest_bits,
            speciality_bits=speciality_bits,
            tags=tags,
        )

    @property
    def child_ids(self) -> np.ndarray:
        return self.children["id"].to_numpy(object)

    @property
    def volunteer_ids(self) -> np.ndarray:
        return self.volunteers["id"].to_numpy(object)

    def pair_indices(self, pairs: Any, what: str) -> tuple[np.ndarray, np.ndarray]:
        """(child index, volunteer index) arrays for (child_id, volunteer_id) pairs.

        ``pairs`` is an iterable of 2-tuples or a DataFrame with ``child_id`` and
        ``volunteer_id`` columns. Unknown ids raise one :class:`ValidationError` naming all.
        """
        rows = _pair_rows(pairs, what)
        if not rows:
            return np.empty(0, np.int64), np.empty(0, np.int64)
        cid = pd.Index(self.children["id"]).get_indexer([r[0] for r in rows])
        vid = pd.Index(self.volunteers["id"]).get_indexer([r[1] for r in rows])
        issues = []
        for i, (c, v) in enumerate(rows):
            if cid[i] < 0:
                issues.append(InputIssue(what, i, c, "child_id", "no child with this id"))
            if vid[i] < 0:
                issues.append(InputIssue(what, i, v, "volunteer_id", "no volunteer with this id"))
        if issues:
            raise ValidationError(issues, what=what)
        return cid.astype(np.int64), vid.astype(np.int64)


def _pair_rows(pairs: Any, what: str) -> list[tuple[str, str]]:
    if pairs is None:
        return []
    if isinstance(pairs, pd.DataFrame):
        missing = {"child_id", "volunteer_id"} - set(pairs.columns)
        if missing:
            raise ValidationError(
                [
                    InputIssue(what, None, None, m, "required column is missing")
                    for m in sorted(missing)
                ],
                what=what,
            )
        items: Iterable[Any] = zip(pairs["child_id"], pairs["volunteer_id"], strict=True)
    else:
        items = pairs
    rows = []
    issues = []
    for i, item in enumerate(items):
        if not (isinstance(item, tuple | list) and len(item) == 2):
            issues.append(
                InputIssue(what, i, None, None, "must be a (child_id, volunteer_id) pair")
            )
            continue
        rows.append((_id_text(item[0]), _id_text(item[1])))
    if issues:
        raise ValidationError(issues, what=what)
    return rows


def _id_text(value: Any) -> str:
    """An id as the registers read it: text, and 42.0 (a number from a spreadsheet) as "42"."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()

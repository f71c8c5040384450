"""Validated registers turned into columns: the arrays everything after this works on.

Records are put in a canonical order (sorted by id), so the order in which a user's system
happened to list children or volunteers never changes the pairs that come out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from pairmatch.errors import InputIssue, UnknownIdError, ValidationError
from pairmatch.model.vocab import NEEDS, ChildCategory, parse_id
from pairmatch.office.places import place_key

__all__ = [
    "EARTH_RADIUS_KM",
    "OWNER_LEVELS",
    "Registry",
    "locate_pairs",
    "place_keys",
    "unit_vectors",
]

#: Mean Earth radius used for great-circle distances (the value geopy's great_circle uses).
EARTH_RADIUS_KM = 6371.009

#: The jurisdiction levels that identify the county owning a record.
OWNER_LEVELS = ("province", "city", "county")

CATEGORIES: tuple[str, ...] = tuple(c.value for c in ChildCategory)


def unit_vectors(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Points on the unit sphere (n × 3) for WGS84 degrees; chord length ↔ great-circle."""
    la, lo = np.radians(lat), np.radians(lon)
    cos_la = np.cos(la)
    return np.column_stack((cos_la * np.cos(lo), cos_la * np.sin(lo), np.sin(la)))


def place_keys(names: pd.Series, level: str) -> pd.Series:
    """Place names as the keys that decide whether two are one place
    (:func:`~pairmatch.office.places.place_key`: 秭归县 and 秭归 are one county); each
    distinct name is keyed once."""
    text = names.astype(str)
    distinct = pd.unique(text.to_numpy(object))
    keys = {name: place_key(name, level) for name in distinct.tolist()}
    return text.map(keys)


def _level_codes(children: pd.DataFrame, volunteers: pd.DataFrame, level: str) -> np.ndarray:
    """One jurisdiction level of both registers as integer codes (one code per place, as
    :func:`place_keys` reads names); a blank name is -1."""
    names = place_keys(pd.concat([children[level], volunteers[level]], ignore_index=True), level)
    codes, _ = pd.factorize(names)
    return np.where(names.to_numpy(object) == "", -1, codes).astype(np.int32)


def _place_codes(children: pd.DataFrame, volunteers: pd.DataFrame) -> np.ndarray:
    """(rows of both registers) × 2 codes: township within county, village within township;
    -1 where the level is blank. Equal codes mean the same place."""
    both = pd.concat([children, volunteers], ignore_index=True)
    out = np.full((len(both), 2), -1, np.int64)
    path = place_keys(both["county"], "county")
    for j, level in enumerate(("township", "village")):
        name = place_keys(both[level], level)
        path = path + "\x1f" + name
        codes, _ = pd.factorize(path)
        out[:, j] = np.where(name.to_numpy(object) == "", -1, codes)
    return out


def _child_arrays(children: pd.DataFrame) -> dict[str, np.ndarray]:
    """The arrays of a children table that need no coding shared with the volunteers."""
    n = len(children)

    def team(name: str) -> np.ndarray:
        if name not in children.columns:
            return np.zeros(n, np.int64)
        return children[name].astype("Int64").fillna(0).to_numpy(np.int64)

    return {
        "child_xyz": unit_vectors(children["lat"].to_numpy(float), children["lon"].to_numpy(float)),
        "need": children[[f"need_{k}" for k in NEEDS]].to_numpy(np.int64),
        "category": pd.Categorical(children["category"], categories=CATEGORIES).codes.astype(
            np.int8
        ),
        "consent": children["guardian_consent"].to_numpy(bool),
        "preferred_gender": _gender_codes(
            children.get("preferred_gender", pd.Series([""] * n, dtype=object))
        ),
        "team_min": team("team_min"),
        "team_max": team("team_max"),
    }


def _coded(names: pd.Series, codes: dict[str, Any]) -> np.ndarray:
    """Names as an existing coding codes them; a name it lacks gets a new code of its
    own (above every code it has); a blank one -1."""
    top = max((c for c in codes.values() if c >= 0), default=-1)
    fresh: dict[str, int] = {}
    out = []
    for name in names.tolist():
        code = codes.get(name)
        if code is None:
            code = fresh.setdefault(name, top + 1 + len(fresh))
        out.append(code)
    blank = names.to_numpy(object) == ""
    return np.where(blank, -1, np.asarray(out, np.int64))


def _gender_codes(values: pd.Series) -> np.ndarray:
    """0 female, 1 male, -1 not given."""
    text = values.astype(str).to_numpy(object)
    return np.select([text == "female", text == "male"], [0, 1], -1).astype(np.int8)


def _tag_bits(children: pd.Series, volunteers: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Tags as bitsets (rows × words of uint64) over one shared vocabulary. Each distinct
    tag text is split once (registers repeat a few hundred combinations)."""
    both = pd.concat([children, volunteers], ignore_index=True).astype(str)
    codes, texts = pd.factorize(both)
    exploded = pd.Series(texts, dtype=object).str.split(";").explode()
    exploded = exploded[exploded != ""]
    vocab = tuple(sorted(exploded.unique()))
    words = max(1, -(-len(vocab) // 64))
    per_text = np.zeros((len(texts), words), dtype=np.uint64)
    if len(exploded):
        code = pd.Categorical(exploded.to_numpy(), categories=vocab).codes.astype(np.int64)
        rows = exploded.index.to_numpy(np.int64)
        np.bitwise_or.at(
            per_text,
            (rows, code // 64),
            np.left_shift(np.uint64(1), (code % 64).astype(np.uint64)),
        )
    bits = per_text[codes] if len(texts) else np.zeros((len(both), words), dtype=np.uint64)
    n = len(children)
    return bits[:n], bits[n:]


@dataclass(frozen=True, eq=False)
class Registry:
    """Both registers as validated tables (canonical order) plus the arrays derived from them."""

    children: pd.DataFrame
    volunteers: pd.DataFrame
    child_xyz: np.ndarray
    volunteer_xyz: np.ndarray
    child_owner: np.ndarray
    volunteer_owner: np.ndarray
    need: np.ndarray
    skill: np.ndarray
    category: np.ndarray
    consent: np.ndarray
    capacity: np.ndarray
    radius_km: np.ndarray
    available: np.ndarray
    interest_bits: np.ndarray
    speciality_bits: np.ndarray
    child_place: np.ndarray
    volunteer_place: np.ndarray
    preferred_gender: np.ndarray
    volunteer_gender: np.ndarray
    team_min: np.ndarray
    team_max: np.ndarray

    @classmethod
    def build(cls, children: pd.DataFrame, volunteers: pd.DataFrame) -> Registry:
        """Arrays from *validated* tables (see :func:`pairmatch.model.validate_children`)."""
        children = children.sort_values("id", kind="stable").reset_index(drop=True)
        volunteers = volunteers.sort_values("id", kind="stable").reset_index(drop=True)
        owner = np.stack([_level_codes(children, volunteers, k) for k in OWNER_LEVELS], axis=1)
        n = len(children)
        place = _place_codes(children, volunteers)
        no_gender = pd.Series([""] * len(volunteers), dtype=object)
        interest_bits, speciality_bits = _tag_bits(
            children["interests"], volunteers["specialities"]
        )
        arrays: dict[str, Any] = _child_arrays(children)
        return cls(
            children=children,
            volunteers=volunteers,
            **arrays,
            volunteer_xyz=unit_vectors(
                volunteers["lat"].to_numpy(float), volunteers["lon"].to_numpy(float)
            ),
            child_owner=owner[:n],
            volunteer_owner=owner[n:],
            skill=volunteers[[f"skill_{k}" for k in NEEDS]].to_numpy(np.int64),
            capacity=volunteers["capacity"].to_numpy(np.int64),
            radius_km=volunteers["max_distance_km"].to_numpy(float),
            available=(volunteers["eligible"].to_numpy(bool) & volunteers["active"].to_numpy(bool)),
            interest_bits=interest_bits,
            speciality_bits=speciality_bits,
            child_place=place[:n],
            volunteer_place=place[n:],
            volunteer_gender=_gender_codes(volunteers.get("gender", no_gender)),
        )

    def __repr__(self) -> str:  # the tables hold personal data: show sizes only
        return f"Registry(children={len(self.children)}, volunteers={len(self.volunteers)})"

    def with_children(self, children: pd.DataFrame) -> Registry:
        """A registry of *validated* ``children`` and this registry's volunteers, coded as
        this registry codes them (county and place names, tags), so that pairs between
        them come out exactly as :meth:`build` of both tables would give them. A name or
        tag this registry has not seen gets a code no volunteer has. For the few children
        a change adds: the volunteers' arrays are shared, not rebuilt."""
        children = children.sort_values("id", kind="stable").reset_index(drop=True)
        n = len(children)
        codes = self._codes
        owner = np.stack(
            [_coded(place_keys(children[k], k), codes[k]) for k in OWNER_LEVELS], axis=1
        ).astype(np.int32)
        place = np.full((n, 2), -1, np.int64)
        path = place_keys(children["county"], "county")
        for j, level in enumerate(("township", "village")):
            name = place_keys(children[level], level)
            path = path + "\x1f" + name
            place[:, j] = np.where(name.to_numpy(object) == "", -1, _coded(path, codes[level]))
        vocab, words = codes["tags"], self.speciality_bits.shape[1]
        bits = np.zeros((n, words), np.uint64)
        for i, text in enumerate(children["interests"].astype(str).tolist()):
            for tag in text.split(";"):
                k = vocab.get(tag, -1)  # a tag no one else has can match no speciality
                if k >= 0 and k // 64 < words:
                    bits[i, k // 64] |= np.uint64(1) << np.uint64(k % 64)
        arrays: dict[str, Any] = _child_arrays(children)
        return replace(
            self, children=children, child_owner=owner, interest_bits=bits, child_place=place,
            **arrays,
        )  # fmt: skip

    @cached_property
    def _codes(self) -> dict[str, dict[str, Any]]:
        """Each coded name (owner levels, place paths) and tag, with its code."""
        both = pd.concat([self.children, self.volunteers], ignore_index=True)
        owner = np.concatenate((self.child_owner, self.volunteer_owner))
        place = np.concatenate((self.child_place, self.volunteer_place))
        out: dict[str, dict[str, Any]] = {}
        for j, level in enumerate(OWNER_LEVELS):
            names = place_keys(both[level], level).tolist()
            out[level] = dict(zip(names, owner[:, j].tolist(), strict=True))
        path = place_keys(both["county"], "county")
        for j, level in enumerate(("township", "village")):
            path = path + "\x1f" + place_keys(both[level], level)
            out[level] = dict(zip(path.tolist(), place[:, j].tolist(), strict=True))
        tags = pd.concat([self.children["interests"], self.volunteers["specialities"]])
        texts = pd.unique(tags.astype(str).to_numpy(object))  # a few hundred combinations
        words = {w for text in texts for w in str(text).split(";")} - {""}
        out["tags"] = {t: k for k, t in enumerate(sorted(words))}
        return out

    def counties_apart(self) -> str | None:
        """A warning when no child's county is any volunteer's county (so nobody can be
        paired inside a county), naming a few counties of each register; else None. Often
        the two registers write their counties differently beyond what
        :func:`~pairmatch.office.places.place_key` reads as one place."""
        if not len(self.children) or not len(self.volunteers):
            return None
        kids = self.child_owner[:, 2]
        moms = self.volunteer_owner[:, 2]
        if np.isin(kids, moms).any():
            return None

        def some(table: pd.DataFrame) -> str:
            names = pd.unique(table["county"].astype(str).to_numpy(object)).tolist()
            shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
            return shown or "no county"

        return (
            "the registers share no county: the children are in "
            f"{some(self.children)}, the volunteers in {some(self.volunteers)}; no child can "
            "be paired inside her county. Check how each register writes its counties, give "
            "a single-county register its county when reading it (county=...), or allow "
            "cross-county pairs (allow_cross_county=True)"
        )

    @property
    def child_county(self) -> np.ndarray:
        """County-name code of each child (see :meth:`same_county` for the full rule)."""
        return self.child_owner[:, 2]

    def same_county(self, child: np.ndarray, volunteer: np.ndarray) -> np.ndarray:
        """Whether each (child, volunteer) pair is in the same county.

        The county names must be equal; province and city must be equal where both records
        give them (a blank level matches anything), so that 鼓楼区 of Nanjing and 鼓楼区 of
        Xuzhou are two counties while a register that leaves province and city blank still
        pairs within its county.
        """
        a, b = self.child_owner[child], self.volunteer_owner[volunteer]
        fits = (a == b) | (a < 0) | (b < 0)
        return (a[:, 2] == b[:, 2]) & fits[:, 0] & fits[:, 1]

    @cached_property
    def child_ids(self) -> np.ndarray:
        return self.children["id"].to_numpy(object)

    @cached_property
    def volunteer_ids(self) -> np.ndarray:
        return self.volunteers["id"].to_numpy(object)

    @cached_property
    def child_index(self) -> pd.Index:
        """Position of every child id (a hash index, built once)."""
        return pd.Index(self.child_ids)

    @cached_property
    def volunteer_index(self) -> pd.Index:
        """Position of every volunteer id (a hash index, built once)."""
        return pd.Index(self.volunteer_ids)

    def index_of_child(self, child_id: str) -> int:
        """The row of a child id in the register; :class:`~pairmatch.UnknownIdError` if
        there is none (the id is not echoed: a caller may have passed a name by mistake)."""
        index = self.child_index.get_indexer(pd.Index([str(child_id)]))[0]
        if index < 0:
            raise UnknownIdError("no child with the given id in this result")
        return int(index)

    def pair_indices(self, pairs: Any, what: str) -> tuple[np.ndarray, np.ndarray]:
        """(child index, volunteer index) arrays for (child_id, volunteer_id) pairs.

        ``pairs`` is an iterable of 2-tuples or a DataFrame with ``child_id`` and
        ``volunteer_id`` columns. Unknown ids raise one :class:`ValidationError` naming all.
        """
        return locate_pairs(pairs, what, self.child_index, self.volunteer_index)

    def indices_of(self, pairs: list[tuple[str, str]]) -> tuple[np.ndarray, np.ndarray]:
        """(child index, volunteer index) of (child_id, volunteer_id) pairs of ids as the
        registry holds them; -1 where a record is not registered (no validation)."""
        if not pairs:
            return np.empty(0, np.int64), np.empty(0, np.int64)
        kids, vols = zip(*pairs, strict=True)
        c = self.child_index.get_indexer(pd.Index(list(kids), dtype=object))
        v = self.volunteer_index.get_indexer(pd.Index(list(vols), dtype=object))
        return c.astype(np.int64), v.astype(np.int64)


def locate_pairs(
    pairs: Any, what: str, child_index: pd.Index, volunteer_index: pd.Index
) -> tuple[np.ndarray, np.ndarray]:
    """(child position, volunteer position) arrays of (child_id, volunteer_id) pairs in
    the given id indexes (see :meth:`Registry.pair_indices`); ids are read as everywhere
    else, and every unknown id is named (row and field) in one :class:`ValidationError`."""
    rows = _pair_rows(pairs, what)
    if not rows:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    kids, vols = zip(*rows, strict=True)
    cid = child_index.get_indexer(pd.Index(list(kids), dtype=object)).astype(np.int64)
    vid = volunteer_index.get_indexer(pd.Index(list(vols), dtype=object)).astype(np.int64)
    issues = []
    for i in range(len(rows)):
        if cid[i] < 0:
            issues.append(InputIssue(what, i, None, "child_id", "no child with this id"))
        if vid[i] < 0:
            issues.append(InputIssue(what, i, None, "volunteer_id", "no volunteer with this id"))
    if issues:
        raise ValidationError(issues, what=what)
    return cid, vid


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
    elif isinstance(pairs, str | bytes | Mapping) or not isinstance(pairs, Iterable):
        raise ValidationError([InputIssue(what, None, None, None, (
            "must be a list of (child_id, volunteer_id) pairs, or a table with the columns "
            "child_id and volunteer_id"))], what=what)  # fmt: skip
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
        pair = []
        for name, raw in zip(("child_id", "volunteer_id"), item, strict=True):
            try:
                pair.append(parse_id(raw))
            except ValueError as err:
                issues.append(InputIssue(what, i, None, name, str(err)))
        if len(pair) == 2:
            rows.append((pair[0], pair[1]))
    if issues:
        raise ValidationError(issues, what=what)
    return rows

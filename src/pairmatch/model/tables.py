"""Vectorised validation of the table form of children and volunteers.

The records in :mod:`pairmatch.model.records` validate one record at a time, which is right
for hand-built records and far too slow for a province. This module applies the *same*
rules (the same vocabulary and ranges from :mod:`pairmatch.model.vocab`) to whole columns at
once, collects every problem in every row, and returns a normalised copy of the table:

* canonical columns first, in the documented order, then ``gender`` and the sensitive
  columns when present, then every extra column unchanged (extras pass through to the
  ledger);
* ids as text, coordinates as float64, levels and capacity as int64, flags as bool,
  categories as their codes, tags normalised (``"chess;music"``), missing optional text as
  ``""`` and a missing personal travel limit as NaN.

A test checks that this module and the pydantic records accept and reject the same rows.
"""

from __future__ import annotations

import difflib
import unicodedata
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Final, Literal

import numpy as np
import pandas as pd

from pairmatch.errors import ArgumentTypeError, InputIssue, PairmatchWarning, ValidationError
from pairmatch.model.records import (
    CHILD_COLUMNS,
    JURISDICTION_LEVELS,
    SENSITIVE_COLUMNS,
    VOLUNTEER_COLUMNS,
)
from pairmatch.model.vocab import (
    BOOL_HELP,
    CATEGORY_ALIASES,
    CATEGORY_HELP,
    FALSE_WORDS,
    GENDER_ALIASES,
    GENDER_HELP,
    LEVEL_MAX,
    LEVEL_MIN,
    LIST_SEPARATORS,
    MAX_CAPACITY,
    MAX_ID_LENGTH,
    MAX_TEAM,
    NEEDS,
    NOT_IDS,
    TRUE_WORDS,
    near_miss,
    parse_id,
    parse_tags,
)
from pairmatch.office.places import in_china

__all__ = [
    "OPTIONAL_DEFAULTS",
    "Kind",
    "header_fixes",
    "header_key",
    "read_ids",
    "validate_children",
    "validate_volunteers",
]

Kind = Literal["children", "volunteers"]

#: Columns that may be absent, with the value used when they are (or when a cell is blank).
OPTIONAL_DEFAULTS: Final[dict[Kind, dict[str, object]]] = {
    "children": {
        "province": "",
        "city": "",
        "township": "",
        "village": "",
        "interests": "",
        "team_min": None,
        "team_max": None,
        "preferred_gender": "",
    },
    "volunteers": {
        "province": "",
        "city": "",
        "township": "",
        "village": "",
        "specialities": "",
        "capacity": 1,
        "max_distance_km": np.nan,
        "active": True,
    },
}

_PLAIN = rf"[A-Za-z0-9_\-]{{1,{MAX_ID_LENGTH}}}"
_NUMBERISH = r"(?i)[+-]?(?:[0-9_]+(?:e[+-]?[0-9_]+)?|inf|infinity|nan)"


def read_ids(col: pd.Series) -> tuple[np.ndarray, dict[int, str]]:
    """A column of ids read as :func:`~pairmatch.model.vocab.parse_id` reads one, vectorised:
    the ids (``""`` where bad) and, by position, why each bad one is refused.

    Plain ASCII ids that cannot read as a number or a yes/no word are taken as they are
    in bulk; every other cell goes through ``parse_id`` itself, so the two can never
    disagree."""
    raw = col.to_numpy(object, copy=True)
    plain = np.fromiter((type(x) is str for x in raw), bool, len(raw))
    if plain.any():
        text = pd.Series(raw[plain], dtype=object)
        ok = text.str.fullmatch(_PLAIN)
        ok &= ~(text.str.fullmatch(_NUMBERISH) & ~text.str.fullmatch(r"[0-9]+"))
        ok &= ~text.str.lower().isin(NOT_IDS)
        plain[np.flatnonzero(plain)[~ok.to_numpy(bool)]] = False
    out = raw
    why: dict[int, str] = {}
    for pos in np.flatnonzero(~plain).tolist():
        try:
            out[pos] = parse_id(raw[pos])
        except ValueError as err:
            out[pos] = ""
            why[pos] = str(err)
    return out, why


class _Collector:
    """Gathers problems row by row, vectorised: one call per rule, not per row."""

    def __init__(self, kind: Kind, ids: pd.Series) -> None:
        self.kind = kind
        self.ids = ids
        self.issues: list[tuple[int, int, InputIssue]] = []
        self._order = 0
        self.absent: set[str] = set()  # missing columns, reported once for the whole table

    def table(self, message: str, field: str | None = None) -> None:
        self.issues.append((-1, self._order, InputIssue(self.kind, None, None, field, message)))
        self._order += 1

    def rows(self, bad: np.ndarray, field: str, message: str | Callable[[int], str]) -> None:
        if field in self.absent:
            return
        for pos in np.flatnonzero(bad):
            text = message(int(pos)) if callable(message) else message
            rid = self.ids.iat[int(pos)]
            record_id = None if rid is None or rid == "" else str(rid)
            issue = InputIssue(self.kind, int(pos), record_id, field, text)
            self.issues.append((int(pos), self._order, issue))
            self._order += 1

    def raise_if_any(self) -> None:
        if self.issues:
            self.issues.sort(key=lambda t: (t[0], t[1]))
            raise ValidationError([t[2] for t in self.issues], what=self.kind)


def _text(col: pd.Series) -> pd.Series:
    """Cells as stripped text, blanks and missing values as "". Each distinct cell is read
    once (a register repeats its counties, categories and levels)."""
    out = col.astype(object).where(col.notna(), "")
    distinct: Any
    try:
        codes, distinct = pd.factorize(out, use_na_sentinel=False)
    except TypeError:  # a cell holding a list or a dict: each read on its own
        codes, distinct = np.arange(len(out)), out.to_numpy(object)
    said = np.array(
        [v.strip() if isinstance(v, str) else _cell_text(v) for v in distinct], dtype=object
    )
    return pd.Series(said[codes] if len(codes) else said[:0], index=col.index, dtype=object)


def _cell_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # an id read as 42.0 from a spreadsheet is "42"
    return str(value)


def _show(value: object, vocabulary: Iterable[str] = ()) -> str:
    """A rejected value, for an error message, only when it cannot be personal data: a
    number below a million (a coordinate, a level, a capacity; not a phone or an id
    number), short text that reads as such a number, or a near-miss of the field's
    ``vocabulary`` (``"ture"``, ``"femail"``). Anything else (names, in any script, id
    numbers, addresses, long values) could be a child's data typed into the wrong column,
    and is described, never shown."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool):
        return repr(value)
    if isinstance(value, int):
        return repr(value) if abs(value) < 1_000_000 else "a large number"
    if isinstance(value, float):
        return repr(value) if not np.isfinite(value) or abs(value) < 1_000_000 else "a large number"
    if isinstance(value, str):
        text = value.strip()
        if len(text) <= 6 and text.replace(".", "", 1).replace("-", "", 1).isdigit():
            return repr(value)
        if near_miss(text, vocabulary) is not None:
            return repr(value)
        return "the text given"
    return f"a {type(value).__name__}"


def _numbers(col: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Column as float64 plus a mask of cells that were present but are not numbers."""
    raw = col.astype(object).where(col.notna(), None)
    is_bool = raw.map(lambda v: isinstance(v, bool | np.bool_)).to_numpy(bool)
    if col.dtype.kind in "Oc":  # huge Python integers stop to_numeric; complex is no number
        raw = raw.map(_plain_number)
    elif isinstance(col.dtype, pd.StringDtype) and not col.str.isascii().all():
        raw = raw.map(_plain_number)  # full-width digits (３, from a Chinese input method)
    num = pd.to_numeric(raw.where(~is_bool, None), errors="coerce").to_numpy(np.float64)
    blank = _text(col).to_numpy(object) == ""
    not_number = (np.isnan(num) & ~blank) | is_bool
    return num, not_number


def _plain_number(value: object) -> object:
    """A cell for to_numeric: an integer too large for a float as an infinity (out of
    every range), a complex number as text (not a number: its real part is no answer),
    text in full-width digits (３, ２．５) as plain digits."""
    if isinstance(value, str):
        return value if value.isascii() else unicodedata.normalize("NFKC", value).strip()
    if isinstance(value, complex | np.complexfloating):
        return "complex"
    if type(value) is not int:
        return value
    try:
        return float(value)
    except OverflowError:
        return float("inf") if value > 0 else float("-inf")


def _levels(c: _Collector, df: pd.DataFrame, name: str) -> np.ndarray:
    num, not_number = _numbers(df[name])
    missing = np.isnan(num) & ~not_number
    bad = ~missing & ~not_number & ((num != np.round(num)) | (num < LEVEL_MIN) | (num > LEVEL_MAX))
    help_ = f"must be a whole number from {LEVEL_MIN} to {LEVEL_MAX}"
    c.rows(missing, name, f"is missing; {help_}")
    c.rows(not_number | bad, name, lambda i: f"{_show(df[name].iat[i])} {help_}")
    return np.where(missing | not_number | bad, 0, num).astype(np.int64)


def _flags(c: _Collector, df: pd.DataFrame, name: str, default: bool | None) -> np.ndarray:
    col = df[name]
    raw = col.astype(object)
    text = _text(col).str.lower()
    is_true = text.isin(TRUE_WORDS).to_numpy(bool) | raw.map(lambda v: v is True).to_numpy(bool)
    is_false = text.isin(FALSE_WORDS).to_numpy(bool) | raw.map(lambda v: v is False).to_numpy(bool)
    blank = (text == "").to_numpy(bool) & ~is_false
    if default is None:
        c.rows(blank, name, f"is missing; must be {BOOL_HELP}")
    else:
        is_true |= blank & default
        is_false |= blank & (not default)
    bad = ~is_true & ~is_false & ~blank
    c.rows(
        bad, name, lambda i: f"{_show(col.iat[i], TRUE_WORDS | FALSE_WORDS)} must be {BOOL_HELP}"
    )
    return is_true


def _gender(c: _Collector, df: pd.DataFrame, name: str) -> np.ndarray:
    g = _text(df[name]).str.lower()
    mapped = g.map(lambda v: GENDER_ALIASES[v].value if v in GENDER_ALIASES else None)
    c.rows(
        (mapped.isna() & (g != "")).to_numpy(bool),
        name,
        lambda i: f"{_show(df[name].iat[i], GENDER_ALIASES)} must be {GENDER_HELP}",
    )
    return mapped.fillna("").to_numpy(object)


def _team_bound(c: _Collector, df: pd.DataFrame, name: str) -> pd.Series:
    """An optional team size column as nullable integers (blank: the policy decides)."""
    if name not in df.columns or name in c.absent:
        return pd.Series(pd.array([None] * len(df), dtype="Int64"))
    num, not_number = _numbers(df[name])
    given = ~np.isnan(num)
    bad = not_number | (given & ((num != np.round(num)) | (num < 1) | (num > MAX_TEAM)))
    c.rows(
        bad,
        name,
        lambda i: f"{_show(df[name].iat[i])} must be a whole number from 1 to {MAX_TEAM} or blank",
    )
    values = np.where(given & ~bad, num, np.nan)
    return pd.Series(pd.array(values, dtype="Float64")).round().astype("Int64")


def _tags(c: _Collector, df: pd.DataFrame, name: str) -> np.ndarray:
    """Tags normalised (``"chess;music"``), each distinct cell parsed once."""
    values = df[name].to_numpy(object)
    hashable = all(isinstance(v, str | float | int | type(None)) for v in values)
    codes, distinct = (
        pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=False)
        if hashable
        else (np.arange(len(values)), values)
    )
    said = np.empty(len(distinct), dtype=object)
    wrong = np.zeros(len(distinct), bool)
    for k, value in enumerate(distinct):
        try:
            said[k] = ";".join(parse_tags(value))
        except ValueError:
            wrong[k] = True
            said[k] = ""
    c.rows(wrong[codes], name, f"must be text with tags separated by {LIST_SEPARATORS}")
    return said[codes]


def header_key(name: object) -> str:
    """A header as compared with pairmatch's column names: lower case, spaces and hyphens
    as one underscore."""
    return "_".join(str(name).strip().lower().replace("-", " ").split())


def header_fixes(headers: pd.Index, known: tuple[str, ...]) -> dict[object, str]:
    """Headers that are a known column up to case, spaces and hyphens ("Active",
    "max_distance_km ", "Need Study") are renamed to it, so a spreadsheet's spelling of a
    rule column is never mistaken for an extra column and ignored."""
    wanted = {header_key(k): k for k in known}
    return {h: wanted[header_key(h)] for h in headers if h not in known and header_key(h) in wanted}


def _safe_header(name: object, known: tuple[str, ...]) -> str | None:
    """A header as text when it may be shown: one of ``known`` up to case and spaces, or a
    near-miss of one; else None (it may be anything, even a child's name)."""
    if not isinstance(name, str):
        return None
    if header_key(name) in {header_key(k) for k in known}:
        return name
    return name if near_miss(header_key(name), known) is not None else None


def _headers_in_words(headers: Sequence[object], known: tuple[str, ...]) -> str:
    """A table's headers for an error message: pairmatch's own columns by name, the others
    counted (an office's own headers, or a child's data when the header row is missing)."""
    shown = [str(h) for h in headers if _safe_header(h, known) is not None]
    others = len(headers) - len(shown)
    if others:
        shown.append(f"{others} other column{'s' if others != 1 else ''}")
    return ", ".join(shown) or "no columns"


def _near_misses(headers: pd.Index, known: tuple[str, ...]) -> list[tuple[object, str]]:
    """Extra headers that look like a misspelt known column that is absent."""
    absent = [k for k in known if k not in headers]
    out = []
    for h in headers:
        if h in known:
            continue
        close = difflib.get_close_matches(header_key(h), absent, n=1, cutoff=0.85)
        if close:
            out.append((h, close[0]))
    return out


def _validate(
    df: pd.DataFrame, kind: Kind, required: tuple[str, ...], columns: Mapping[str, str] | None
) -> pd.DataFrame:
    """A register checked (every problem found raises one ValidationError) and normalised:
    its headers, then every row of every column that is there."""
    df, known = _renamed(df, kind, required, columns)
    if "id" in df.columns:
        id_values, id_problems = read_ids(df["id"])
    else:
        id_values, id_problems = np.full(len(df), "", dtype=object), {}
    ids = pd.Series(id_values, dtype=object)
    c = _Collector(kind, ids)
    df = _check_headers(c, df, required, OPTIONAL_DEFAULTS[kind], known)
    # check every row of the columns that are there, so that one error lists everything
    out: dict[str, object] = {"id": _check_ids(c, ids, id_problems)}
    out |= _check_places(c, df)
    out |= _check_children(c, df) if kind == "children" else _check_volunteers(c, df)
    if "gender" in df.columns:
        out["gender"] = _gender(c, df, "gender")
    if "id_number" in df.columns:
        _check_id_numbers(c, df["id_number"])
    c.raise_if_any()
    return _normalised(df, out, required)


def _renamed(
    df: pd.DataFrame, kind: Kind, required: tuple[str, ...], columns: Mapping[str, str] | None
) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """The table with the caller's renaming, rows numbered from 0 and headers that are a
    known column up to case and spacing renamed to it; and the known columns."""
    if not isinstance(df, pd.DataFrame):
        raise ArgumentTypeError(f"expected a pandas DataFrame of {kind}, got {type(df).__name__}")
    if columns:
        df = df.rename(columns=dict(columns))
    df = df.reset_index(drop=True)
    known = (*required, "gender", *SENSITIVE_COLUMNS)
    return df.rename(columns=header_fixes(df.columns, known)), known


def _check_headers(
    c: _Collector, df: pd.DataFrame, required: tuple[str, ...], defaults: Mapping[str, object],
    known: tuple[str, ...],
) -> pd.DataFrame:  # fmt: skip
    """Misspelt, repeated and missing columns (repeated ones stop the check here); the
    table with each missing column added empty, its rows then left unchecked."""
    # a misspelt rule column would silently lose its rule; gender and personal columns
    # carry no rule, and names like "names" or "address2" are legitimate extras
    for name, meant in _near_misses(df.columns, (*required, *defaults)):
        c.table(
            f"looks like a misspelling of {meant!r}, which is missing; rename the column, or "
            "map it with columns={...}",
            field=str(name),
        )
    # a header is named only when it is one of pairmatch's columns or a near-miss of one:
    # a table read without its header row has a child's data for headers
    headers = list(df.columns)
    dupes = [name for name in dict.fromkeys(headers) if headers.count(name) > 1]
    for name in dupes:
        where = [i for i, h in enumerate(headers) if h == name]
        shown = _safe_header(name, known)
        text = (
            f"the columns at positions {', '.join(map(str, where))} (counting from 0) have the "
            "same header; rename or drop the copies"
        )
        c.table(text if shown is None else "appears more than once; rename or drop the copies",
                field=shown)  # fmt: skip
    missing = [name for name in required if name not in df.columns and name not in defaults]
    if missing:
        have = _headers_in_words(headers, known)
    for name in missing:
        c.table(f"required column is missing (have: {have})", name)
    if dupes:
        c.raise_if_any()
    c.absent = set(missing)
    return df.assign(**dict.fromkeys(missing, None)) if missing else df


def _check_ids(c: _Collector, ids: pd.Series, id_problems: Mapping[int, str]) -> np.ndarray:
    """Ids present, readable and unique; the ids."""
    n = len(ids)
    bad_id = np.zeros(n, bool)
    bad_id[list(id_problems)] = True
    c.rows(bad_id, "id", lambda i: id_problems[i])
    codes, _ = pd.factorize(ids)
    _, first = np.unique(codes, return_index=True)
    dup_of = first[codes]
    duplicate = (dup_of != np.arange(n)) & (ids != "").to_numpy(bool)
    c.rows(duplicate, "id", lambda i: f"duplicate id, first used at row {dup_of[i]}")
    return ids.to_numpy(object)


def _check_places(c: _Collector, df: pd.DataFrame) -> dict[str, object]:
    """Coordinates in range, and the jurisdiction (the county required)."""
    out: dict[str, object] = {}
    read = {name: _numbers(df[name]) for name in ("lat", "lon")}
    swapped = _swapped(read["lat"][0], read["lon"][0])
    _warn_if_swapped_in_range(read["lat"][0], read["lon"][0])
    for name, low, high in (("lat", -90.0, 90.0), ("lon", -180.0, 180.0)):
        num, not_number = read[name]
        c.rows(np.isnan(num) & ~not_number, name, "is missing; coordinates are WGS84 degrees")
        out_of_range = ~np.isnan(num) & ((num < low) | (num > high) | ~np.isfinite(num))
        c.rows(
            not_number | out_of_range,
            name,
            lambda i, name=name, low=low, high=high: (  # type: ignore[misc]
                f"{_show(df[name].iat[i])} must be a number from {low:g} to {high:g}"
                + (SWAPPED_HINT if swapped[i] else "")
            ),
        )
        out[name] = num
    at_zero = (out["lat"] == 0) & (out["lon"] == 0)
    c.rows(
        np.asarray(at_zero, bool),
        "lat",
        "and lon are both 0, a point in the Atlantic Ocean: a blank coordinate saved as 0? "
        "give the record's real place",
    )

    for level in JURISDICTION_LEVELS:
        values = _text(df[level]) if level in df.columns else pd.Series([""] * len(df))
        if level == "county":
            c.rows(
                (values == "").to_numpy(bool),
                "county",
                "is missing; the county that owns the record is required",
            )
        out[level] = values.to_numpy(object)
    return out


_SCIENTIFIC = r"[0-9](?:\.[0-9]+)?[eE]\+?[0-9]+"


def _check_id_numbers(c: _Collector, col: pd.Series) -> None:
    """An ID number (身份证号) Excel turned into a number in scientific notation
    (4.20599E+17) has lost its last digits: refused, never kept (the value is not shown)."""
    text = col.map(lambda v: v.strip() if isinstance(v, str) else "")
    c.rows(
        text.str.fullmatch(_SCIENTIFIC).to_numpy(bool),
        "id_number",
        "was saved as a number in scientific notation and has lost its last digits; set the "
        "column's format to text in Excel or WPS and type the ID numbers again",
    )


#: Said when a latitude is out of range and the row's two coordinates read the other way
#: round as a place in China.
SWAPPED_HINT: Final[str] = (
    "; the latitude (纬度) and longitude (经度) look swapped: in China latitude is 18 to 54 "
    "and longitude 73 to 135"
)


def _warn_if_swapped_in_range(lat: np.ndarray, lon: np.ndarray) -> None:
    """A warning (not an error: the coordinates are valid somewhere) for rows whose
    coordinates are outside China but inside it the other way round (纬度 75.99, 经度 39.47
    is in the Arctic; swapped, it is Kashgar), naming their rows."""
    with np.errstate(invalid="ignore"):
        in_range = (np.abs(lat) <= 90) & (np.abs(lon) <= 180)
    rows = np.flatnonzero(in_range & ~in_china(lat, lon) & in_china(lon, lat))
    if len(rows):
        shown = ", ".join(str(int(r)) for r in rows[:10]) + (" ..." if len(rows) > 10 else "")
        warnings.warn(
            f"{len(rows)} rows (rows {shown}, counting from 0) are outside China but inside "
            "it with latitude (纬度) and longitude (经度) the other way round: check that the "
            "two columns are not swapped",
            PairmatchWarning,
            stacklevel=6,
        )


def _swapped(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Rows whose latitude is out of range and whose coordinates, the other way round,
    are in China."""
    with np.errstate(invalid="ignore"):
        return (np.abs(lat) > 90) & in_china(lon, lat)


def _check_children(c: _Collector, df: pd.DataFrame) -> dict[str, object]:
    """A child's own fields: category, needs, interests, consent, team bounds (in order)
    and preferred gender."""
    out: dict[str, object] = {}
    category_codes = {alias: cat.value for alias, cat in CATEGORY_ALIASES.items()}
    cat = _text(df["category"]).str.lower().map(category_codes)
    bad = cat.isna().to_numpy(bool)
    c.rows(
        bad,
        "category",
        lambda i: f"{_show(df['category'].iat[i], CATEGORY_ALIASES)} must be {CATEGORY_HELP}",
    )
    out["category"] = cat.fillna("").to_numpy(object)
    for k in NEEDS:
        out[f"need_{k}"] = _levels(c, df, f"need_{k}")
    out["interests"] = _tags(c, df, "interests") if "interests" in df else np.full(len(df), "")
    out["guardian_consent"] = _flags(c, df, "guardian_consent", default=None)
    team = {name: _team_bound(c, df, name) for name in ("team_min", "team_max")}
    both = team["team_min"].notna() & team["team_max"].notna()
    c.rows(
        (both & (team["team_min"] > team["team_max"])).to_numpy(bool, na_value=False),
        "team_min",
        "is larger than team_max",
    )
    out |= team
    out["preferred_gender"] = _gender(c, df, "preferred_gender") if "preferred_gender" in df else ""
    return out


def _check_volunteers(c: _Collector, df: pd.DataFrame) -> dict[str, object]:
    """A volunteer's own fields: skills, specialities, capacity, her own travel limit,
    eligibility and activity."""
    out: dict[str, object] = {}
    for k in NEEDS:
        out[f"skill_{k}"] = _levels(c, df, f"skill_{k}")
    has = df.columns
    out["specialities"] = _tags(c, df, "specialities") if "specialities" in has else ""
    if "capacity" in has:
        num, not_number = _numbers(df["capacity"])
        num = np.where(np.isnan(num) & ~not_number, 1, num)
        bad = not_number | ~np.isfinite(num) | (num < 0) | (num != np.round(num))
        bad |= num > MAX_CAPACITY
        c.rows(
            bad,
            "capacity",
            lambda i: (
                f"{_show(df['capacity'].iat[i])} must be a whole number from 0 to {MAX_CAPACITY:,}"
            ),
        )
        out["capacity"] = np.where(bad | np.isnan(num), 0, num).astype(np.int64)
    else:
        out["capacity"] = np.ones(len(df), np.int64)
    if "max_distance_km" in has:
        num, not_number = _numbers(df["max_distance_km"])
        bad = not_number | (~np.isnan(num) & (~np.isfinite(num) | (num <= 0)))
        c.rows(
            bad,
            "max_distance_km",
            lambda i: (
                f"{_show(df['max_distance_km'].iat[i])} must be a number > 0 "
                "or blank (no personal limit)"
            ),
        )
        out["max_distance_km"] = np.where(bad, np.nan, num)
    else:
        out["max_distance_km"] = np.full(len(df), np.nan)
    out["eligible"] = _flags(c, df, "eligible", default=None)
    out["active"] = _flags(c, df, "active", default=True) if "active" in has else True
    return out


def _normalised(
    df: pd.DataFrame, out: Mapping[str, object], required: tuple[str, ...]
) -> pd.DataFrame:
    """The checked table: the required columns as read, gender, the personal columns as
    text, then every other column as it was."""
    result = pd.DataFrame(
        {name: out[name] for name in required},
        index=pd.RangeIndex(len(df)),
    )
    if "gender" in out:
        result["gender"] = np.asarray(out["gender"], dtype=object)
    for name in SENSITIVE_COLUMNS:
        if name in df.columns:
            col = df[name].astype(object)
            result[name] = col.where(col.notna(), None).map(
                lambda v: v.strip() if isinstance(v, str) else v if v is None else _cell_text(v)
            )
    for name in df.columns:
        if name not in result.columns:
            result[name] = df[name].to_numpy()
    return result


def validate_children(df: pd.DataFrame, columns: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Check a children table and return its normalised copy; the input is not changed.

    Raises
    ------
    ValidationError
        Listing every bad row and field at once (``.problems``, ``.to_frame()``).
    """
    return _validate(df, "children", CHILD_COLUMNS, columns)


def validate_volunteers(df: pd.DataFrame, columns: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Check a volunteers table and return its normalised copy; the input is not changed."""
    return _validate(df, "volunteers", VOLUNTEER_COLUMNS, columns)

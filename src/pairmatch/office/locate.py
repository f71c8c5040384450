"""Giving register rows coordinates: from the office's own place table, else a geocoder.

County registers often give a row's 乡镇 (township) and 村 (village) but no 经度/纬度
(lon/lat). :func:`locate` fills ``lat`` and ``lon`` for the rows that lack both:

1. from a **place table** the office keeps, rows of (county, township, village, lat, lon)
   with pairmatch's column names or the usual Chinese headers (县, 乡镇, 村, 经度, 纬度, ...;
   see :data:`PLACE_HEADERS`): a row is matched on (county, township, village) when the
   table has a county column, else on (township, village), then on its township's own row
   (village blank) when the table has one;
2. else from a **geocoder** (any geopy geocoder: an object whose ``geocode(query)`` returns
   something with ``latitude`` and ``longitude``, or None). The query is the row's address
   parts, province to village, never a name or an id; each distinct query is asked once,
   through geopy's :class:`~geopy.extra.rate_limiter.RateLimiter`, and the answers (a "not
   found" too) are kept in an on-disk ``cache`` so that a second run asks nothing.

A row that cannot be placed is never dropped or guessed: :func:`locate` raises one
:class:`~pairmatch.errors.ValidationError` listing every such row (its position, its id,
the field ``lat`` and why), showing township and village names (places), never a name,
national id or address.

>>> import pandas as pd
>>> register = pd.DataFrame({"id": ["C1", "C2"], "county": ["秭归县", "秭归"],
...                          "township": ["茅坪镇", "茅坪镇"], "village": ["月亮包村", ""]})
>>> places = pd.DataFrame({"乡镇": ["茅坪镇", "茅坪镇"], "村": ["月亮包村", None],
...                        "纬度": [30.83, 30.82], "经度": [110.98, 110.97]})
>>> locate(register, places=places)[["id", "lat", "lon"]]
   id    lat     lon
0  C1  30.83  110.98
1  C2  30.82  110.97
"""

from __future__ import annotations

import json
import math
import os
import re
import tempfile
import unicodedata
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pairmatch import arguments
from pairmatch.errors import (
    ArgumentTypeError,
    FileReadError,
    InputIssue,
    ValidationError,
    WriteError,
)
from pairmatch.files import Wanted, read_file
from pairmatch.office.places import CHINA, SUFFIXES, in_china
from pairmatch.office.places import place_key as county_key
from pairmatch.office.vocabulary import HEADERS

__all__ = ["CHINA", "COUNTY_SUFFIXES", "PLACE_HEADERS", "locate", "place_key"]

#: The headers a place table may use for each column: the registers' place headers of the
#: office vocabulary (one table for both), compared after NFKC normalisation (full-width
#: brackets read as ASCII ones), lower case, without spaces.
PLACE_HEADERS: dict[str, tuple[str, ...]] = {
    field: (field, *(word for word, said in HEADERS["children"].items() if said == field))
    for field in ("county", "township", "village", "lat", "lon")
}

#: The suffixes :func:`place_key` takes off a county's name, longest first.
COUNTY_SUFFIXES: tuple[str, ...] = SUFFIXES["county"]


#: After this many distinct queries in a row fail (an exception, not "not found"), the
#: geocoder is not asked again in this run: the service is down or refusing us.
FAILURES_IN_A_ROW = 3

_PLACE = "place table"
_CACHE_FORMAT = "pairmatch geocode cache"
_SPACE = re.compile(r"\s+")


def _plain(name: object) -> str:
    """A place name as compared: NFKC-normalised, without any spaces; blank is ``""``."""
    if name is None or (isinstance(name, float) and math.isnan(name)) or name is pd.NA:
        return ""
    return _SPACE.sub("", unicodedata.normalize("NFKC", str(name)))


def place_key(name: object) -> str:
    """A county's name as :func:`locate` compares it: the one rule of
    :func:`pairmatch.office.places.place_key` (秭归县, 秭归 and " 秭归 县" are one place); a
    blank name (None, NaN, spaces) is ``""``.

    >>> place_key("秭归县"), place_key("秭归"), place_key("长阳土家族自治县")
    ('秭归', '秭归', '长阳')
    >>> place_key("区"), place_key(None)
    ('区', '')
    """
    text = _plain(name)
    return county_key(text, "county") if text else ""


def locate(
    table: pd.DataFrame,
    *,
    places: pd.DataFrame | str | os.PathLike[str] | Mapping[Any, Any] | None = None,
    geocoder: object | None = None,
    cache: str | os.PathLike[str] | None = None,
    kind: str = "children",
    min_delay_seconds: float = 1.0,
    use_address: bool = False,
) -> pd.DataFrame:
    """A copy of ``table`` with ``lat`` and ``lon`` filled for the rows that lack both.

    Parameters
    ----------
    table:
        A register in pairmatch's column names (``id``, ``lat``, ``lon``, ``province``,
        ``city``, ``county``, ``township``, ``village``, maybe ``address``). ``lat`` and
        ``lon`` may be absent, or blank in some rows. Rows that have both are left as they
        are; a row with one and not the other is an error (it is not guessed).
    places:
        The office's place table: a DataFrame, a CSV or Excel file (UTF-8 or GBK/GB18030)
        with columns township, lat, lon and maybe county and village, in pairmatch's names
        or Chinese headers (:data:`PLACE_HEADERS`); or a mapping ``{(township, village):
        (lat, lon)}`` (or ``{(county, township, village): (lat, lon)}``), a township's own
        row having village ``""`` or None. Names are compared after NFKC normalisation
        without spaces, counties also without their suffix (:func:`place_key`). A place
        listed twice at different coordinates, blank or invalid coordinates, 0,0 and
        swapped 经度/纬度 are errors naming the place table's rows.
    geocoder:
        Asked for the rows the place table does not place: any object with
        ``geocode(query)`` (a geopy geocoder). The query is the row's province, city,
        county, township and village (and its ``address`` with ``use_address=True``), each
        NFKC-normalised, joined by spaces. An answer outside China is refused (a wrong
        guess); a failing call (timeout, refusal, any exception) leaves its rows unplaced,
        and after :data:`FAILURES_IN_A_ROW` failures in a row the geocoder is not asked
        again in this run.
    cache:
        A JSON file keeping the geocoder's answers by query, "not found" included (a
        failure is not kept), read before and written after asking, so that a second run
        asks nothing. It holds queries and coordinates only: no name and no id (but the
        address when ``use_address=True``).
    kind:
        ``"children"`` or ``"volunteers"``: the table named by the errors.
    min_delay_seconds:
        The least time between two geocoder calls (the rate limiter's); a failed call is
        retried twice, after five times this.
    use_address:
        Add the ``address`` column to the query. Off by default: the address is personal
        data, and it then leaves the process (and is kept in the cache).

    Raises
    ------
    ValidationError
        The place table is not valid (``what="place table"``), or some rows cannot be
        placed (``what=kind``: each row's position, id, field ``lat`` and why; nothing is
        returned, nothing dropped).
    FileReadError
        The place table's file or the cache cannot be read.
    WriteError
        The cache cannot be written (the geocoder's answers are then lost).
    """
    if not isinstance(table, pd.DataFrame):
        raise ArgumentTypeError("table must be a pandas DataFrame (a register)")
    arguments.choice("kind", kind, ("children", "volunteers"))
    delay = arguments.number("min_delay_seconds", min_delay_seconds, low=0)
    use_address = arguments.flag("use_address", use_address)
    if geocoder is not None and not callable(getattr(geocoder, "geocode", None)):
        raise ArgumentTypeError(
            "geocoder must be a geopy geocoder (an object with a geocode(query) method) or None"
        )
    cache_path = None if cache is None else arguments.path("cache", cache)

    out = table.copy()
    n = len(out)
    lat = out["lat"] if "lat" in out.columns else pd.Series(np.nan, index=out.index)
    lon = out["lon"] if "lon" in out.columns else pd.Series(np.nan, index=out.index)
    lat_blank, lon_blank = _blank(lat), _blank(lon)
    need = lat_blank & lon_blank
    reasons: dict[int, tuple[str, str]] = {}  # position -> (field, why)
    for field, other, mask in (
        ("lat", "lon", lat_blank & ~lon_blank),
        ("lon", "lat", lon_blank & ~lat_blank),
    ):
        for i in np.flatnonzero(mask):
            reasons[int(i)] = (
                field,
                f"{field} is blank but {other} is given: give both or neither "
                "(a row is not placed from one coordinate)",
            )
    if not need.any():
        _raise(reasons, out, kind)
        return out

    rows = np.flatnonzero(need)
    parts = {c: _column(out, c, rows) for c in ("county", "township", "village")}
    found_lat = np.full(n, np.nan)
    found_lon = np.full(n, np.nan)
    missing = rows[parts["township"] == ""]
    for i in missing:
        reasons[int(i)] = (
            "lat",
            "lat and lon are blank and so is township: give the row's township (and "
            "village) so it can be placed, or its lat and lon",
        )
    todo = rows[parts["township"] != ""]
    keyed = {c: v[parts["township"] != ""] for c, v in parts.items()}

    place_table = None if places is None else _place_table(places)
    if place_table is not None and len(todo):
        got_lat, got_lon = _match(place_table, keyed)
        found_lat[todo], found_lon[todo] = got_lat, got_lon
        left = np.isnan(got_lat)
        todo = todo[left]
        keyed = {c: v[left] for c, v in keyed.items()}
    if len(todo) and geocoder is not None:
        queries = _queries(out, todo, use_address)
        answers = _geocode(geocoder, sorted(set(queries)), cache_path, delay)
        for i, q, county, township, village in zip(
            todo, queries, keyed["county"], keyed["township"], keyed["village"], strict=True
        ):
            answer = answers[q]
            if isinstance(answer, tuple):
                found_lat[i], found_lon[i] = answer
            else:
                where = _where(
                    county if place_table is not None and place_table.county else "",
                    township,
                    village,
                )
                pre = (
                    f"{where} is not in the place table and"
                    if place_table is not None
                    else (f"{where}: no place table was given and")
                )
                reasons[int(i)] = ("lat", f"{pre} {answer}")
    elif len(todo):
        for i, county, township, village in zip(
            todo, keyed["county"], keyed["township"], keyed["village"], strict=True
        ):
            if place_table is None:
                why = f"{_where('', township, village)}: no place table or geocoder was given"
            else:
                where = _where(county if place_table.county else "", township, village)
                why = f"{where} is not in the place table and no geocoder was given"
            reasons[int(i)] = ("lat", why)
    _raise(reasons, out, kind)
    placed = ~np.isnan(found_lat)
    out["lat"] = _filled(lat, placed, found_lat)
    out["lon"] = _filled(lon, placed, found_lon)
    return out


# --- the register ---------------------------------------------------------------------------


def _blank(values: pd.Series) -> np.ndarray:
    """Missing, or text that is only spaces."""
    blank = values.isna().to_numpy()
    if values.dtype == object or pd.api.types.is_string_dtype(values.dtype):
        text = values.map(lambda v: isinstance(v, str) and v.strip() == "").to_numpy(bool)
        blank = blank | text
    return blank


def _column(df: pd.DataFrame, column: str, rows: np.ndarray) -> np.ndarray:
    """The column's names at ``rows`` as compared (county by :func:`place_key`), ``""``
    when the table has no such column; each distinct name is normalised once."""
    if column not in df.columns:
        return np.full(len(rows), "", dtype=object)
    values = df[column].iloc[rows]
    key = place_key if column == "county" else _plain
    seen = {v: key(v) for v in pd.unique(values.to_numpy(dtype=object))}
    return values.map(lambda v: seen.get(v, key(v))).to_numpy(dtype=object)


def _shown(name: str) -> str:
    return repr(name) if name else "(blank)"


def _where(county: str, township: str, village: str) -> str:
    said = [f"county {_shown(county)}"] if county else []
    said.append(f"township {_shown(township)}")
    said.append(f"village {_shown(village)}")
    return " / ".join(said)


def _filled(values: pd.Series, placed: np.ndarray, found: np.ndarray) -> pd.Series:
    if values.dtype.kind == "f":
        out = values.to_numpy(dtype=float, copy=True)
        out[placed] = found[placed]
        return pd.Series(out, index=values.index, name=values.name)
    out_obj = values.to_numpy(dtype=object, copy=True)
    out_obj[placed] = found[placed]
    return pd.Series(out_obj, index=values.index, name=values.name)


def _raise(reasons: dict[int, tuple[str, str]], df: pd.DataFrame, kind: str) -> None:
    if not reasons:
        return
    ids = df["id"] if "id" in df.columns else None
    problems = []
    for i in sorted(reasons):
        field, why = reasons[i]
        record_id = None
        if ids is not None:
            value = ids.iloc[i]
            if not _blank(pd.Series([value], dtype=object))[0]:
                record_id = str(value).strip()
        problems.append(InputIssue(kind, i, record_id, field, why))
    raise ValidationError(problems, what=kind)


# --- the place table --------------------------------------------------------------------------


class _Places:
    """A checked place table: coordinates by key (county?, township, village)."""

    def __init__(self, county: bool, coords: dict[tuple[str, ...], tuple[float, float]]):
        self.county = county
        self.coords = coords


def _header(name: object) -> str:
    return _plain(name).lower()


_SYNONYMS = {_header(s): column for column, said in PLACE_HEADERS.items() for s in said}


def _place_table(places: object) -> _Places:
    if isinstance(places, Mapping):
        frame = _from_mapping(places)
    elif isinstance(places, pd.DataFrame):
        frame = places
    elif isinstance(places, str | os.PathLike):
        frame = read_file(places, _WANTED).table
    else:
        raise ArgumentTypeError(
            "places must be a DataFrame, a CSV or Excel file's path, a mapping "
            "{(township, village): (lat, lon)}, or None"
        )
    return _checked(frame)


# headers as they may be written in a workbook, so a place sheet is told from a notes sheet
_WANTED = Wanted(
    _PLACE,
    ids=frozenset({"township"}),
    required=("township", "village", "lat", "lon"),
    columns={
        variant: column
        for column, said in PLACE_HEADERS.items()
        for s in said
        for variant in (s, s.replace("(", "（").replace(")", "）"))
    },
)


def _from_mapping(places: Mapping[Any, Any]) -> pd.DataFrame:
    rows: list[tuple[Any, ...]] = []
    sizes = set()
    problems = []
    for i, (key, value) in enumerate(places.items()):
        key = (key,) if isinstance(key, str) else key
        if not isinstance(key, tuple) or len(key) not in (2, 3):
            problems.append(
                InputIssue(
                    _PLACE,
                    i,
                    None,
                    None,
                    "a key must be (township, village) or (county, township, village)",
                )
            )
            continue
        if isinstance(value, str) or not hasattr(value, "__len__") or len(value) != 2:
            problems.append(InputIssue(_PLACE, i, None, "lat", "a value must be (lat, lon)"))
            continue
        sizes.add(len(key))
        rows.append((*key, *value))
    if len(sizes) > 1:
        problems.append(
            InputIssue(
                _PLACE,
                None,
                None,
                None,
                "keys mix (township, village) and (county, township, village): use one form",
            )
        )
    if problems:
        raise ValidationError(problems, what=_PLACE)
    columns = ["county"] * (sizes == {3}) + ["township", "village", "lat", "lon"]
    return pd.DataFrame(rows, columns=columns, dtype=object)


def _checked(frame: pd.DataFrame) -> _Places:
    named: dict[str, object] = {}  # pairmatch's column -> the table's header
    problems = []
    for header in frame.columns:
        column = _SYNONYMS.get(_header(header))
        if column is None:
            continue
        if column in named:
            problems.append(
                InputIssue(
                    _PLACE,
                    None,
                    None,
                    str(header),
                    f"both {named[column]!s} and {header!s} are the {column} column; keep one",
                )
            )
        named[column] = header
    for column in ("township", "lat", "lon"):
        if column not in named:
            problems.append(
                InputIssue(
                    _PLACE,
                    None,
                    None,
                    column,
                    f"the place table has no {column} column (headers such as "
                    f"{', '.join(PLACE_HEADERS[column][:4])})",
                )
            )
    if problems:
        raise ValidationError(problems, what=_PLACE)

    has_county = "county" in named
    n = len(frame)
    everything = np.arange(n)
    key_parts = {
        c: _column(frame.rename(columns={named[c]: c}) if c in named else frame, c, everything)
        for c in ("county", "township", "village")
    }
    lat, lon = (_degrees(frame[named[k]]) for k in ("lat", "lon"))
    lat_blank = _blank(frame[named["lat"]])
    lon_blank = _blank(frame[named["lon"]])
    lat_h, lon_h = str(named["lat"]), str(named["lon"])
    for i in range(n):
        issue = _row_problem(
            key_parts["county"][i] if has_county else None,
            key_parts["township"][i],
            lat[i],
            lon[i],
            lat_blank[i],
            lon_blank[i],
            lat_h,
            lon_h,
        )
        if issue is not None:
            problems.append(InputIssue(_PLACE, i, None, issue[0], issue[1]))

    coords: dict[tuple[str, ...], tuple[float, float]] = {}
    first: dict[tuple[str, ...], int] = {}
    bad = {p.row for p in problems}
    for i in range(n):
        if i in bad:
            continue
        key: tuple[str, ...] = (key_parts["township"][i], key_parts["village"][i])
        if has_county:
            key = (key_parts["county"][i], *key)
        here = (float(lat[i]), float(lon[i]))
        if key not in coords:
            coords[key], first[key] = here, i
        elif coords[key] != here:
            j = first[key]
            where = _where(key[0] if has_county else "", key[-2], key[-1])
            problems.append(
                InputIssue(
                    _PLACE,
                    i,
                    None,
                    lat_h,
                    f"rows {j} and {i} are both {where} but at different coordinates "
                    f"({coords[key][0]:g}, {coords[key][1]:g}) and ({here[0]:g}, {here[1]:g}); "
                    "keep one",
                )
            )
    if problems:
        raise ValidationError(
            sorted(problems, key=lambda p: (p.row is not None, p.row or 0)), what=_PLACE
        )
    return _Places(has_county, coords)


def _row_problem(
    county: str | None,
    township: str,
    lat: float,
    lon: float,
    lat_blank: bool,
    lon_blank: bool,
    lat_h: str,
    lon_h: str,
) -> tuple[str, str] | None:
    """What is wrong with one place table row, as (field, why), or None."""
    if county == "":
        return "county", "county is blank; fill it in, or leave the county column out"
    if township == "":
        return "township", "township is blank; every place needs its township"
    for value, blank, header in ((lat, lat_blank, lat_h), (lon, lon_blank, lon_h)):
        if blank:
            return header, f"{header} is blank; give both coordinates"
        if math.isnan(value):
            return header, f"{header} is not a number"
    if not (math.isfinite(lat) and math.isfinite(lon)):
        return lat_h, f"{lat_h} and {lon_h} must be finite numbers"
    if lat == 0 and lon == 0:
        return lat_h, f"{lat_h} and {lon_h} are 0, 0: a blank cell filled with zeros?"
    if in_china(lon, lat) and not in_china(lat, lon):
        return lat_h, (
            f"{lat_h} {lat:g} and {lon_h} {lon:g} look swapped: in China latitude is about "
            f"{CHINA[0][0]:g} to {CHINA[0][1]:g} and longitude {CHINA[1][0]:g} to "
            f"{CHINA[1][1]:g}"
        )
    if not (-90 <= lat <= 90):
        return lat_h, f"{lat_h} {lat:g} is not a latitude (-90 to 90)"
    if not (-180 <= lon <= 180):
        return lon_h, f"{lon_h} {lon:g} is not a longitude (-180 to 180)"
    return None


def _match(places: _Places, keyed: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Each row's coordinates from the place table (NaN where it has none): its village's
    row, else its township's own row: one merge for villages, one for townships."""
    columns = (["county"] if places.county else []) + ["township", "village"]
    rows = pd.DataFrame({c: keyed[c] for c in columns})
    table = pd.DataFrame(
        [(*k, la, lo) for k, (la, lo) in places.coords.items()],
        columns=[*columns, "lat", "lon"],
    )
    got = rows.merge(table, how="left", on=columns, sort=False)
    lat = np.array(got["lat"], dtype=float)
    lon = np.array(got["lon"], dtype=float)
    towns = table[table["village"] == ""].drop(columns="village")
    left = np.isnan(lat)
    if left.any() and len(towns):
        on = columns[:-1]
        fallback = rows.loc[left, on].merge(towns, how="left", on=on, sort=False)
        lat[left] = fallback["lat"].to_numpy(dtype=float)
        lon[left] = fallback["lon"].to_numpy(dtype=float)
    return lat, lon


# --- the geocoder ------------------------------------------------------------------------------

#: A query's outcome: coordinates, or why there are none (the end of a sentence).
_Answer = tuple[float, float] | str
_NOT_FOUND = "the geocoder found nothing for its address"


def _queries(df: pd.DataFrame, rows: np.ndarray, use_address: bool) -> list[str]:
    """Each row's address parts, NFKC-normalised and joined by single spaces."""
    columns = ["province", "city", "county", "township", "village"]
    columns += ["address"] * use_address
    parts = []
    for column in columns:
        if column in df.columns:
            values = df[column].iloc[rows].to_numpy(dtype=object)
            parts.append([_part(v) for v in values])
    return [" ".join(p for p in row if p) for row in zip(*parts, strict=True)]


def _part(value: object) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    return " ".join(unicodedata.normalize("NFKC", str(value)).split())


def _geocode(
    geocoder: Any, queries: list[str], cache_path: Path | None, delay: float
) -> dict[str, _Answer]:
    """Each query's answer: from the cache, else asked once through a rate limiter. The
    cache is written whatever happens, with what was learnt."""
    from geopy.extra import rate_limiter

    known = _read_cache(cache_path) if cache_path is not None else {}
    learnt: dict[str, tuple[float, float] | None] = {}
    answers: dict[str, _Answer] = {}
    ask: Callable[[int], Any] | None = None
    failures = 0
    failure = ""
    try:
        for number, q in enumerate(queries):
            if q in known:
                answers[q] = _judged(known[q])
                continue
            if failures >= FAILURES_IN_A_ROW:
                answers[q] = (
                    f"the geocoder was not asked: it failed {FAILURES_IN_A_ROW} times in a "
                    f"row ({failure}); try again later (its answers so far are cached)"
                )
                continue
            if ask is None:
                # the limiter is given the query's number, not its text: geopy logs the
                # arguments of a failed call, and the text may hold an address
                ask = rate_limiter.RateLimiter(
                    lambda number: geocoder.geocode(queries[number]),
                    min_delay_seconds=delay,
                    max_retries=2,
                    error_wait_seconds=5 * delay,
                    swallow_exceptions=False,
                )
            try:
                found = ask(number)
                result = _coordinates(found)
            except Exception as e:  # a geocoder's error, whatever it is: its rows are unplaced
                failures += 1
                failure = type(e).__name__
                answers[q] = f"the geocoder failed ({failure}); try again later"
                continue
            failures = 0
            if isinstance(result, str):
                answers[q] = result
                continue
            learnt[q] = result
            answers[q] = _judged(result)
    finally:
        if cache_path is not None and learnt:
            _write_cache(cache_path, {**known, **learnt})
    return answers


def _degrees(col: pd.Series) -> np.ndarray:
    """A column of coordinates as numbers; a yes/no value is none (True is no latitude)."""
    raw = col.astype(object)
    is_bool = raw.map(lambda v: isinstance(v, bool | np.bool_)).to_numpy(bool)
    out = pd.to_numeric(raw.where(~is_bool, None), errors="coerce").to_numpy(dtype=float, copy=True)
    out[is_bool] = np.nan
    return out


def _coordinates(found: Any) -> tuple[float, float] | str | None:
    """A geocoder's answer as (lat, lon), None for "not found", or why it is not usable."""
    if found is None:
        return None
    try:
        lat, lon = float(found.latitude), float(found.longitude)
    except (AttributeError, TypeError, ValueError):
        return "the geocoder's answer has no latitude and longitude"
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        return "the geocoder's answer is not a valid coordinate"
    return lat, lon


def _judged(answer: tuple[float, float] | None) -> _Answer:
    if answer is None:
        return _NOT_FOUND
    if not in_china(*answer):
        return (
            f"the geocoder placed it at ({answer[0]:g}, {answer[1]:g}), outside China: a "
            "wrong guess; add the place to the place table"
        )
    return answer


def _read_cache(path: Path) -> dict[str, tuple[float, float] | None]:
    def refuse(why: str) -> FileReadError:
        return FileReadError(
            [
                InputIssue(
                    "geocode cache",
                    None,
                    None,
                    None,
                    f"the geocode cache {why}; delete it or give another cache=",
                )
            ],
            what="geocode cache",
        )

    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as e:
        raise refuse(f"cannot be read ({type(e).__name__})") from None
    try:
        data = json.loads(text)
    except ValueError:
        raise refuse("is not JSON") from None
    if not isinstance(data, dict) or data.get("format") != _CACHE_FORMAT:
        raise refuse("is not a pairmatch geocode cache")
    answers = data.get("answers")
    if not isinstance(answers, dict):
        raise refuse("has no answers")
    out: dict[str, tuple[float, float] | None] = {}
    for q, a in answers.items():
        if a is None:
            out[q] = None
            continue
        ok = isinstance(a, list) and len(a) == 2
        ok = ok and all(isinstance(x, int | float) and not isinstance(x, bool) for x in a)
        result = _coordinates(_Point(*a)) if ok else "bad"
        if not isinstance(result, tuple):
            raise refuse("holds an answer that is not (lat, lon) or null")
        out[q] = result
    return out


class _Point:
    def __init__(self, latitude: float, longitude: float) -> None:
        self.latitude, self.longitude = latitude, longitude


def _write_cache(path: Path, answers: Mapping[str, tuple[float, float] | None]) -> None:
    data = {
        "format": _CACHE_FORMAT,
        "version": 1,
        "answers": {q: None if a is None else list(a) for q, a in sorted(answers.items())},
    }
    text = json.dumps(data, ensure_ascii=False, indent=1)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".geocode-", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
            os.replace(temp, path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
    except OSError as e:
        raise WriteError(
            f"the geocode cache could not be written ({type(e).__name__}); the geocoder's "
            "new answers were not kept"
        ) from None

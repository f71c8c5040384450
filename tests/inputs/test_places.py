"""Placing register rows without coordinates: a place table, a geocoder, a cache, and
every row that cannot be placed named (never dropped, never guessed)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from geopy.exc import GeocoderTimedOut
from geopy.extra import rate_limiter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pairmatch.errors import ArgumentTypeError, FileReadError, PairmatchError, ValidationError
from pairmatch.office.locate import locate, place_key

SECRET = "秘密名字"  # a child's name: never sent, never kept, never said
SECRET_ID = "420527200901011234"
SECRET_ADDRESS = "幸福路8号"


class Point:
    def __init__(self, latitude: float, longitude: float) -> None:
        self.latitude, self.longitude = latitude, longitude


class FakeGeocoder:
    """Counts calls and records queries; fixed answers, None for the rest, raises for one."""

    def __init__(self, known: dict[str, tuple[float, float]], fails: tuple[str, ...] = ()):
        self.known, self.fails = known, fails
        self.queries: list[str] = []

    @property
    def calls(self) -> int:
        return len(self.queries)

    def geocode(self, query: str) -> Point | None:
        self.queries.append(query)
        if query in self.fails:
            raise GeocoderTimedOut("timed out")
        found = self.known.get(query)
        return None if found is None else Point(*found)


def register(rows: list[dict]) -> pd.DataFrame:
    base = {
        "id": "C0", "name": SECRET, "id_number": SECRET_ID, "address": SECRET_ADDRESS,
        "province": "湖北省", "city": "宜昌市", "county": "秭归县", "township": "茅坪镇",
        "village": "月亮包村", "lat": np.nan, "lon": np.nan,
    }  # fmt: skip
    return pd.DataFrame([base | {"id": f"C{i}"} | r for i, r in enumerate(rows)])


PLACES = pd.DataFrame(
    {
        "township": ["茅坪镇", "茅坪镇", "归州镇"],
        "village": ["月亮包村", None, "香溪村"],
        "lat": [30.83, 30.82, 30.95],
        "lon": [110.98, 110.97, 110.71],
    }
)
QUERY = "湖北省 宜昌市 秭归县 茅坪镇 月亮包村"
OTHER = "湖北省 宜昌市 秭归县 茅坪镇 别的村"


def coords(df: pd.DataFrame) -> list[tuple[float, float]]:
    return [(float(a), float(b)) for a, b in zip(df["lat"], df["lon"], strict=True)]


def problems(err: pytest.ExceptionInfo[ValidationError]) -> list[tuple]:
    return [(p.row, p.record_id, p.field) for p in err.value.problems]


def no_secret(text: str) -> None:
    for secret in (SECRET, SECRET_ID, SECRET_ADDRESS):
        assert secret not in text


# --- the place table ----------------------------------------------------------------------------


def test_place_table_by_dataframe_village_then_township_row() -> None:
    table = register(
        [{}, {"village": "不在表里村"}, {"village": None}, {"lat": 31.0, "lon": 111.5}]
    )
    out = locate(table, places=PLACES)
    assert coords(out) == [(30.83, 110.98), (30.82, 110.97), (30.82, 110.97), (31.0, 111.5)]
    assert out.index.equals(table.index) and list(out.columns) == list(table.columns)
    assert table["lat"].isna().sum() == 3  # a copy: the caller's table is unchanged


def test_names_compare_after_nfkc_and_without_spaces_and_county_suffix() -> None:
    places = pd.DataFrame(
        {"区县": ["秭归"], "乡镇（街道）": [" 茅坪 镇"], "村（社区）": ["月亮包村"],
         "纬度": ["30.83"], "经度": ["110.98"]}
    )  # fmt: skip
    table = register([{"county": "秭归县", "township": "茅坪镇\u3000"}, {"county": "秭 归"}])
    assert coords(locate(table, places=places)) == [(30.83, 110.98)] * 2
    with pytest.raises(ValidationError) as err:
        locate(register([{"county": "兴山县"}]), places=places)
    assert "county '兴山' / township '茅坪镇' / village '月亮包村'" in str(err.value)


def test_place_key() -> None:
    assert place_key("秭归县") == place_key("秭归") == place_key(" 秭归 ") == "秭归"
    assert place_key("长阳土家族自治县") == place_key("长阳县") == place_key("长阳") == "长阳"
    assert place_key("西陵区") == place_key("西陵") and place_key("宜都市") == "宜都"
    assert place_key("区") == "区" and place_key(None) == place_key(np.nan) == ""
    assert place_key("ＡＢ县") == "AB"  # full-width letters read as plain ones


@pytest.mark.parametrize("encoding", ["utf-8", "gbk"])
def test_place_table_by_chinese_headed_csv(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "places.csv"
    text = (
        "县（区）,乡镇,村,经度,纬度\n"
        "秭归县,茅坪镇,月亮包村,110.98,30.83\n"
        "秭归县,茅坪镇,,110.97,30.82\n"
    )
    path.write_bytes(text.encode(encoding))
    table = register([{}, {"village": "别的村"}, {"county": "秭归"}])
    assert coords(locate(table, places=path)) == [(30.83, 110.98), (30.82, 110.97), (30.83, 110.98)]
    assert coords(locate(table, places=str(path))) == coords(locate(table, places=path))


def test_place_table_by_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "places.xlsx"
    PLACES.rename(
        columns={"township": "乡镇", "village": "村", "lat": "纬度", "lon": "经度"}
    ).to_excel(path, index=False)
    assert coords(locate(register([{}]), places=path)) == [(30.83, 110.98)]


def test_place_table_by_mapping() -> None:
    places = {("茅坪镇", "月亮包村"): (30.83, 110.98), ("茅坪镇", None): (30.82, 110.97)}
    out = locate(register([{}, {"village": "别的村"}]), places=places)
    assert coords(out) == [(30.83, 110.98), (30.82, 110.97)]
    with_county = {("秭归县", "茅坪镇", "月亮包村"): (30.83, 110.98)}
    assert coords(locate(register([{"county": "秭归"}]), places=with_county)) == [(30.83, 110.98)]
    with pytest.raises(ValidationError, match="keys mix"):
        locate(register([{}]), places={**places, **with_county})
    with pytest.raises(ValidationError, match=r"must be \(lat, lon\)"):
        locate(register([{}]), places={("茅坪镇", "月亮包村"): 30.83})


def test_same_place_twice_at_different_coordinates_names_both_rows() -> None:
    places = pd.concat([PLACES, PLACES.iloc[[0]].assign(lat=31.5)], ignore_index=True)
    with pytest.raises(ValidationError) as err:
        locate(register([{}]), places=places)
    assert err.value.what == "place table"
    assert "rows 0 and 3 are both township '茅坪镇' / village '月亮包村'" in str(err.value)
    same_twice = pd.concat([PLACES, PLACES.iloc[[0]]], ignore_index=True)
    assert coords(locate(register([{}]), places=same_twice)) == [(30.83, 110.98)]


def test_swapped_and_zero_coordinates_are_flagged() -> None:
    places = pd.DataFrame(
        {"乡镇": ["茅坪镇", "归州镇", "屈原镇", "水田坝乡"], "村": ["月亮包村", "香溪村", "", "x"],
         "纬度": [112.0, 0, 30.9, ""], "经度": [30.0, 0, "abc", 110.5]}
    )  # fmt: skip
    with pytest.raises(ValidationError) as err:
        locate(register([{}]), places=places)
    said = {p.row: p.message for p in err.value.problems}
    assert "look swapped" in said[0] and "纬度 112 and 经度 30" in said[0]
    assert "0, 0" in said[1]
    assert "经度 is not a number" in said[2]
    assert "纬度 is blank" in said[3]
    # a swapped pair still inside the valid ranges (lat 80, lon 40) is caught too
    with pytest.raises(ValidationError, match="look swapped"):
        locate(register([{}]), places={("茅坪镇", "月亮包村"): (80.0, 40.0)})


def test_place_table_needs_its_columns() -> None:
    with pytest.raises(ValidationError, match="no lon column"):
        locate(register([{}]), places=PLACES.drop(columns="lon"))
    with pytest.raises(ValidationError, match="keep one"):
        locate(register([{}]), places=PLACES.assign(纬度=PLACES["lat"]))


# --- rows that cannot be placed -------------------------------------------------------------------


def test_unplaced_rows_are_named_with_row_id_and_why() -> None:
    table = register(
        [{}, {"township": "没有镇", "village": "某村"}, {"lat": 30.5}, {"township": " "},
         {"lon": 111.0, "id": None}]
    )  # fmt: skip
    with pytest.raises(ValidationError) as err:
        locate(table, places=PLACES)
    assert problems(err) == [(1, "C1", "lat"), (2, "C2", "lon"), (3, "C3", "lat"), (4, None, "lat")]
    said = [p.message for p in err.value.problems]
    assert said[0] == (
        "township '没有镇' / village '某村' is not in the place table and no geocoder was given"
    )
    assert "give both or neither" in said[1] and "township" in said[2]
    assert err.value.what == "children"
    no_secret(str(err.value))
    with pytest.raises(ValidationError, match="no place table or geocoder"):
        locate(register([{}]))


def test_rows_that_have_coordinates_are_left_alone() -> None:
    table = register([{"lat": "30.1", "lon": "111.1"}]).astype({"lat": object, "lon": object})
    out = locate(table)  # nothing to place: no place table needed
    assert out["lat"].tolist() == ["30.1"] and out["lon"].tolist() == ["111.1"]
    no_columns = register([{}]).drop(columns=["lat", "lon"])
    assert coords(locate(no_columns, places=PLACES)) == [(30.83, 110.98)]


def test_volunteers_kind_and_bad_arguments() -> None:
    with pytest.raises(ValidationError) as err:
        locate(register([{"township": "没有镇"}]), places=PLACES, kind="volunteers")
    assert err.value.problems[0].table == "volunteers"
    with pytest.raises(ArgumentTypeError):
        locate(register([{}]), geocoder=object())
    with pytest.raises(ArgumentTypeError):
        locate(register([{}]), places=42)  # type: ignore[arg-type]
    with pytest.raises(PairmatchError):
        locate(register([{}]), kind="pairs")


# --- the geocoder -------------------------------------------------------------------------------


def test_geocoder_places_rows_the_place_table_does_not() -> None:
    geo = FakeGeocoder({"湖北省 宜昌市 秭归县 屈原镇 乐平里村": (30.9, 110.6)})
    table = register([{}, {"township": "屈原镇", "village": "乐平里村"}] * 3)
    out = locate(table, places=PLACES, geocoder=geo, min_delay_seconds=0)
    assert coords(out) == [(30.83, 110.98), (30.9, 110.6)] * 3
    assert geo.queries == ["湖北省 宜昌市 秭归县 屈原镇 乐平里村"]  # asked once, only for it


def test_only_address_parts_are_sent() -> None:
    geo = FakeGeocoder({QUERY: (30.83, 110.98), OTHER: (30.8, 111.0)})
    table = register([{}, {"village": "别的村"}])
    locate(table, geocoder=geo, min_delay_seconds=0)
    assert sorted(geo.queries) == sorted([QUERY, OTHER])
    for q in geo.queries:
        no_secret(q)
        assert "C0" not in q and "C1" not in q
    geo2 = FakeGeocoder({})
    with pytest.raises(ValidationError) as err:
        locate(table, geocoder=geo2, min_delay_seconds=0, use_address=True)
    assert geo2.queries[0].endswith(SECRET_ADDRESS) and SECRET not in "".join(geo2.queries)
    no_secret(str(err.value))  # the address was used, and still is not said


def test_not_found_and_failing_queries_leave_rows_unplaced() -> None:
    fails = "湖北省 宜昌市 秭归县 归州镇 失败村"
    geo = FakeGeocoder({QUERY: (30.83, 110.98), "湖北省 宜昌市 秭归县 茅坪镇 远方村": (48.0, 2.3)},
                       fails=(fails,))  # fmt: skip
    table = register(
        [{}, {"village": "找不到村"}, {"township": "归州镇", "village": "失败村"},
         {"village": "远方村"}]
    )  # fmt: skip
    with pytest.raises(ValidationError) as err:
        locate(table, geocoder=geo, min_delay_seconds=0)
    said = {p.row: p.message for p in err.value.problems}
    assert sorted(said) == [1, 2, 3]
    assert "found nothing" in said[1]
    assert "the geocoder failed (GeocoderTimedOut)" in said[2]
    assert "outside China" in said[3]
    assert geo.queries.count(fails) == 3  # the rate limiter's two retries, then given up


def test_retries_log_no_address(caplog: pytest.LogCaptureFixture) -> None:
    geo = FakeGeocoder({}, fails=(f"{QUERY} {SECRET_ADDRESS}",))
    with caplog.at_level("DEBUG"), pytest.raises(ValidationError, match="GeocoderTimedOut"):
        locate(register([{}]), geocoder=geo, min_delay_seconds=0, use_address=True)
    assert geo.calls == 3 and "retrying" in caplog.text  # geopy logged its retries...
    assert "茅坪镇" not in caplog.text  # ...without the query
    no_secret(caplog.text)


def test_a_geocoder_that_keeps_failing_is_not_asked_again(tmp_path: Path) -> None:
    class Down:
        calls = 0

        def geocode(self, query: str) -> None:
            self.calls += 1
            raise ConnectionError("no network")

    geo = Down()
    table = register([{"village": f"村{i}"} for i in range(10)])
    with pytest.raises(ValidationError) as err:
        locate(table, geocoder=geo, min_delay_seconds=0, cache=tmp_path / "c.json")
    assert geo.calls == 3  # ConnectionError is not retried; three queries, then no more
    assert len(err.value.problems) == 10
    assert "was not asked" in err.value.problems[-1].message
    assert not (tmp_path / "c.json").exists()  # a failure is not an answer to keep


def test_cache_second_run_makes_no_calls_and_holds_no_name_or_id(tmp_path: Path) -> None:
    cache = tmp_path / "geo" / "cache.json"
    geo = FakeGeocoder({QUERY: (30.83, 110.98)})
    table = register([{}, {"village": "找不到村"}, {}])
    with pytest.raises(ValidationError):
        locate(table, geocoder=geo, cache=cache, min_delay_seconds=0)
    assert geo.calls == 2
    text = cache.read_text(encoding="utf-8")
    no_secret(text)
    assert "C0" not in text and "C1" not in text
    assert json.loads(text)["answers"] == {
        QUERY: [30.83, 110.98],
        "湖北省 宜昌市 秭归县 茅坪镇 找不到村": None,
    }
    with pytest.raises(ValidationError, match="found nothing"):  # "not found" is cached too
        locate(table, geocoder=geo, cache=cache, min_delay_seconds=0)
    out = locate(table.iloc[[0, 2]], geocoder=geo, cache=cache, min_delay_seconds=0)
    assert coords(out) == [(30.83, 110.98)] * 2
    assert geo.calls == 2  # the second and third runs asked nothing


def test_a_damaged_cache_is_a_pairmatch_error(tmp_path: Path) -> None:
    cache = tmp_path / "cache.json"
    for text in ["not json", "[]", '{"format": "pairmatch geocode cache", "answers": {"q": [1]}}']:
        cache.write_text(text, encoding="utf-8")
        with pytest.raises(FileReadError, match="geocode cache"):
            locate(register([{}]), geocoder=FakeGeocoder({}), cache=cache, min_delay_seconds=0)


def test_the_rate_limiter_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[float] = []

    class Spy(rate_limiter.RateLimiter):
        def __init__(self, func, *, min_delay_seconds, **kwargs):  # type: ignore[no-untyped-def]
            made.append(min_delay_seconds)
            super().__init__(func, min_delay_seconds=min_delay_seconds, **kwargs)

    monkeypatch.setattr(rate_limiter, "RateLimiter", Spy)
    geo = FakeGeocoder({QUERY: (30.83, 110.98), OTHER: (30.8, 111.0)})
    locate(register([{}, {"village": "别的村"}]), geocoder=geo, min_delay_seconds=0)
    assert made == [0.0]
    start = time.monotonic()  # and it does wait between calls
    geo2 = FakeGeocoder(geo.known)
    locate(register([{}, {"village": "别的村"}]), geocoder=geo2, min_delay_seconds=0.2)
    assert time.monotonic() - start >= 0.2 and geo2.calls == 2


# --- every row placed exactly, or named ---------------------------------------------------------

NAMES = st.sampled_from(["甲镇", "乙镇", "丙乡"])
VILLAGES = st.sampled_from(["", "一村", "二村", "三村"])
COORD = st.tuples(st.floats(18, 54).map(lambda x: round(x, 4)),
                  st.floats(73, 135).map(lambda x: round(x, 4)))  # fmt: skip


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    places=st.dictionaries(st.tuples(NAMES, VILLAGES), COORD, max_size=8),
    rows=st.lists(st.tuples(NAMES, VILLAGES, st.booleans()), min_size=1, max_size=12),
)
def test_every_row_gets_its_place_or_is_named(places: dict, rows: list) -> None:
    table = pd.DataFrame(
        {"id": [f"C{i}" for i in range(len(rows))], "county": "K",
         "township": [t for t, _, _ in rows], "village": [v for _, v, _ in rows],
         "lat": [30.0 if has else np.nan for *_, has in rows],
         "lon": [111.0 if has else np.nan for *_, has in rows]}
    )  # fmt: skip
    expected = {}
    for i, (t, v, has) in enumerate(rows):
        if has:
            expected[i] = (30.0, 111.0)
        elif (t, v) in places:
            expected[i] = places[(t, v)]
        elif (t, "") in places:
            expected[i] = places[(t, "")]
    frame = pd.DataFrame(
        [(t, v, la, lo) for (t, v), (la, lo) in places.items()],
        columns=["乡镇", "村", "纬度", "经度"],
    )
    try:
        out = locate(table, places=frame)
    except ValidationError as e:
        named = [p.row for p in e.problems]
        assert named == sorted(set(range(len(rows))) - set(expected))
        assert [p.record_id for p in e.problems] == [f"C{i}" for i in named]
    else:
        assert len(expected) == len(rows)
        assert coords(out) == [expected[i] for i in range(len(rows))]


def test_a_hundred_thousand_rows_are_quick() -> None:
    n = 100_000
    towns = [f"镇{i}" for i in range(50)]
    places = pd.DataFrame(
        [
            (t, f"村{j}", 30 + i / 100, 111 + j / 100)
            for i, t in enumerate(towns)
            for j in range(40)
        ],
        columns=["township", "village", "lat", "lon"],
    )
    rng = np.random.default_rng(1)
    table = pd.DataFrame(
        {"id": [f"C{i}" for i in range(n)], "county": "K",
         "township": rng.choice(towns, n), "village": [f"村{j}" for j in rng.integers(0, 40, n)]}
    )  # fmt: skip
    start = time.monotonic()
    out = locate(table, places=places)
    assert time.monotonic() - start < 10
    assert out["lat"].notna().all() and len(out) == n

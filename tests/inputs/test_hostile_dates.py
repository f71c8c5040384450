"""Hostile dates: every date the Matcher is given (``at=`` of solve, update and respond,
``events(since, until)``, ``active_on(when)``) is read by one reader, which takes ISO and
Chinese dates and refuses anything it would have to guess, with one clear error that names
the argument; a refused date never changes the Matcher."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pairmatch as pm
from pairmatch import dates
from pairmatch.dates import EARLIEST_DATE, MAX_DAYS_AHEAD, read_date

NOW = pd.Timestamp("2026-06-15T12:00", tz="UTC")


@pytest.fixture(autouse=True)
def _fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """Today is NOW, so that the window's edges are known."""
    monkeypatch.setattr(dates, "utc_now", lambda: NOW)


def utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


class NoOffset(dt.tzinfo):
    """A zone that gives no offset: the time is read as naive (UTC)."""

    def utcoffset(self, d: dt.datetime | None) -> None:
        return None


class Broken(dt.tzinfo):
    """A zone whose code fails."""

    def utcoffset(self, d: dt.datetime | None) -> dt.timedelta:
        raise RuntimeError("broken zone")


ACCEPTED = [
    ("2026-03-01", utc("2026-03-01")),
    ("2026-03-01T08:00", utc("2026-03-01 08:00")),
    ("2026-03-01 08:00:30", utc("2026-03-01 08:00:30")),
    ("2026-03-01T08:00:30.123456789", utc("2026-03-01 08:00:30.123456789")),
    ("2026-03-01T08:00Z", utc("2026-03-01 08:00")),
    ("2026-03-01T08:00+08:00", utc("2026-03-01 00:00")),
    ("2026-03-01T08:00-0530", utc("2026-03-01 13:30")),
    ("2026-03-01T08:00+08", utc("2026-03-01 00:00")),
    ("  2026-03-01  ", utc("2026-03-01")),
    ("2026/3/1", utc("2026-03-01")),
    ("2026.03.01", utc("2026-03-01")),
    ("2026年3月1日", utc("2026-03-01")),
    ("2026年03月01日", utc("2026-03-01")),
    ("2026年3月1号", utc("2026-03-01")),
    ("２０２６年３月１日", utc("2026-03-01")),
    ("２０２６－０３－０１", utc("2026-03-01")),
    ("2026 年 3 月 1 日", utc("2026-03-01")),
    ("2026年3月1日 08:30", utc("2026-03-01 08:30")),
    ("2026年3月1日8时30分", utc("2026-03-01 08:30")),
    ("2026年3月1日 8点", utc("2026-03-01 08:00")),
    ("2026年3月1日 08：30", utc("2026-03-01 08:30")),
    (dt.date(2026, 3, 1), utc("2026-03-01")),
    (dt.datetime(2026, 3, 1, 8), utc("2026-03-01 08:00")),
    (dt.datetime(2026, 3, 1, 8, tzinfo=dt.timezone(dt.timedelta(hours=8))), utc("2026-03-01")),
    (dt.datetime(2026, 3, 1, 8, tzinfo=NoOffset()), utc("2026-03-01 08:00")),
    (pd.Timestamp("2026-03-01 08:00"), utc("2026-03-01 08:00")),
    (pd.Timestamp("2026-03-01 08:00", tz="Asia/Shanghai"), utc("2026-03-01 00:00")),
    (np.datetime64("2026-03-01"), utc("2026-03-01")),
    (np.datetime64("2026-03-01T08:00:00.000000001"), utc("2026-03-01 08:00:00.000000001")),
    ("2000-01-01", EARLIEST_DATE),
    (NOW + pd.Timedelta(days=MAX_DAYS_AHEAD), NOW + pd.Timedelta(days=MAX_DAYS_AHEAD)),
]


@pytest.mark.parametrize(
    ("value", "expected"),
    ACCEPTED,
    # ids stable from run to run (a tzinfo's repr holds its address): pytest-xdist's
    # workers must collect the same tests
    ids=[re.sub(r" at 0x[0-9a-f]+", "", repr(v)) for v, _ in ACCEPTED],
)
def test_iso_chinese_and_date_objects_are_read(value: object, expected: pd.Timestamp) -> None:
    got = read_date(value, "at")
    assert got == expected
    assert str(got.tz) == "UTC" and got.unit == "ns"


SECRET = "王小明 110101200001011234"  # a name and an id number typed in the wrong place

REFUSED = [
    (None, "a date is required"),
    (pd.NaT, "a date is required"),
    (pd.NA, "a date is required"),
    (np.datetime64("NaT"), r"missing \(NaT\)"),
    (float("nan"), r"missing \(NaN\)"),
    (np.float64("nan"), r"missing \(NaN\)"),
    ("", "missing"),
    ("   ", "missing"),
    ("NaT", "missing"),
    ("not a date", "cannot be read as a date"),
    (SECRET, "cannot be read as a date"),
    ("March 1, 2026", "cannot be read as a date"),
    ("1 Mar 2026", "cannot be read as a date"),
    ("2026-03", "cannot be read as a date"),
    ("2026-03-01T08", "cannot be read as a date"),
    ("20260301T0800", "cannot be read as a date"),
    ("2026-03/01", "cannot be read as a date"),
    ("now", "a word, not a date"),
    ("today", "a word, not a date"),
    ("今天", "a word, not a date"),
    ("03/04/2026", "not year first"),
    ("3/4/2026", "not year first"),
    ("3.4.2026", "not year first"),
    ("03-04-2026", "not year first"),
    ("01/03/26", "not year first"),
    ("26-03-01", "not year first"),
    ("03/04/2026 08:00", "not year first"),
    ("20260301", "bare number"),
    ("1700000000", "bare number"),
    ("1.7e9", "bare number"),
    ("-5", "bare number"),
    ("3.5", "bare number"),
    (20260301, "bare number"),
    (1_700_000_000, "bare number"),
    (1.7e9, "bare number"),
    (np.int64(20260301), "bare number"),
    (True, "yes/no"),
    (np.bool_(False), "yes/no"),
    ("2026-02-30", "no calendar date"),
    ("2026-13-01", "no calendar date"),
    ("2026年2月30日", "no calendar date"),
    ("2026-03-01T24:00", "no calendar date"),
    ("2026-03-01T08:60", "no calendar date"),
    ("2026-03-01T08:00+25:00", "no valid zone"),
    ("1999-12-31", "before 2000-01-01"),
    ("1999-12-31T23:59:59Z", "before 2000-01-01"),
    ("2000-01-01T07:00+08:00", "before 2000-01-01"),
    ("0001/1/1", "before 2000-01-01"),  # beyond pandas' nanoseconds: found by hypothesis
    ("0001-01-01T00:00:00.000000001", "far outside the dates accepted"),
    ("9999-12-31 23:59:59.999999999", "far outside the dates accepted"),
    (dt.date(1970, 1, 1), "before 2000-01-01"),
    (np.datetime64("-50000-01-01"), "before 2000-01-01"),
    (np.datetime64(2**62, "Y"), "out of range"),
    (dt.datetime(2026, 3, 1, tzinfo=Broken()), "time zone that cannot be read"),
    ("2062-03-01", f"more than {MAX_DAYS_AHEAD} days after today"),
    ("2062年3月1日", f"more than {MAX_DAYS_AHEAD} days after today"),
    (dt.datetime(9999, 12, 31), f"more than {MAX_DAYS_AHEAD} days after today"),
    (NOW + pd.Timedelta(days=MAX_DAYS_AHEAD, seconds=1), "days after today"),
    ("x" * 200, "too long"),
    (b"2026-03-01", "not a bytes"),
    (["2026-03-01"], "not a list"),
    (pd.Period("2026-03", "M"), "not a Period"),
]


@pytest.mark.parametrize(("value", "message"), REFUSED, ids=[repr(v)[:40] for v, _ in REFUSED])
def test_anything_a_guess_or_a_typo_is_refused_clearly(value: object, message: str) -> None:
    with pytest.raises(pm.DateError, match=message) as caught:
        read_date(value, "at")
    err = caught.value
    assert isinstance(err, ValueError) and isinstance(err, pm.PairmatchError)
    text = str(err)
    assert text.startswith("at: ") or text.startswith("at=")
    assert "YYYY-MM-DD" in text  # and says what to write
    assert "王小明" not in text and "110101" not in text


# ---------------------------------------------------------------- hypothesis
DAYS = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2026, 6, 15))
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


@settings(max_examples=300, deadline=None)
@given(
    day=DAYS,
    time=st.none() | st.times(),
    form=st.sampled_from(["iso", "slash", "dot", "chinese", "chinese_padded"]),
    wide=st.booleans(),
)
def test_any_day_written_any_accepted_way_reads_as_itself(
    day: dt.date, time: dt.time | None, form: str, wide: bool
) -> None:
    y, m, d = day.year, day.month, day.day
    text = {
        "iso": f"{y:04d}-{m:02d}-{d:02d}",
        "slash": f"{y}/{m}/{d}",
        "dot": f"{y}.{m:02d}.{d:02d}",
        "chinese": f"{y}年{m}月{d}日",
        "chinese_padded": f"{y}年{m:02d}月{d:02d}号",
    }[form]
    expected = pd.Timestamp(day).tz_localize("UTC")
    if time is not None:
        text += f"{'T' if form == 'iso' else ' '}{time:%H:%M:%S}.{time.microsecond:06d}"
        expected += pd.Timedelta(
            hours=time.hour, minutes=time.minute, seconds=time.second,
            microseconds=time.microsecond,
        )  # fmt: skip
    if wide:
        text = text.translate(FULL_WIDTH)
    assert read_date(text, "at") == expected


@settings(max_examples=300, deadline=None)
@given(day=DAYS, sep=st.sampled_from("/.-"), pad=st.booleans(), short_year=st.booleans())
def test_day_or_month_first_is_refused_whatever_the_day(
    day: dt.date, sep: str, pad: bool, short_year: bool
) -> None:
    a, b = (f"{day.day:02d}", f"{day.month:02d}") if pad else (str(day.day), str(day.month))
    year = f"{day.year % 100:02d}" if short_year else str(day.year)
    with pytest.raises(pm.DateError, match="not year first"):
        read_date(f"{a}{sep}{b}{sep}{year}", "at")


@settings(max_examples=300, deadline=None)
@given(
    number=st.integers(-(10**12), 10**12)
    | st.floats(allow_nan=False)
    | st.decimals(allow_nan=False, allow_infinity=False),
    as_text=st.booleans(),
)
def test_bare_numbers_are_never_dates(number: object, as_text: bool) -> None:
    value = str(number) if as_text and not isinstance(number, float) else number
    with pytest.raises(pm.DateError, match="bare number"):
        read_date(value, "since")


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    text=st.text(max_size=40) | st.from_regex(r"[0-9０-９年月日号/.\-: T+Z]{0,24}", fullmatch=True)
)
def test_random_text_is_a_date_in_the_window_or_one_clear_error(text: str) -> None:
    try:
        got = read_date(text, "until")
    except pm.DateError as err:
        assert str(err).startswith("until")
        # the text is shown only when it holds nothing but what a date holds
        norm = unicodedata.normalize("NFKC", text).strip()
        if repr(norm) in str(err):
            assert re.fullmatch(r"[0-9年月日号时点分:./\-+TtZz ]{1,32}", norm)
        return
    assert EARLIEST_DATE <= got <= NOW + pd.Timedelta(days=MAX_DAYS_AHEAD)
    assert str(got.tz) == "UTC"


# ---------------------------------------------------------------- the Matcher
@pytest.fixture(scope="module")
def county() -> tuple[pd.DataFrame, pd.DataFrame]:
    return pm.synth.county(120, seed=41)


@pytest.fixture()
def matcher(county) -> pm.Matcher:
    m = pm.Matcher(*county, pm.Policy(max_distance_km=5))
    m.solve(at="2026-01-01")
    return m


def _snapshot(m: pm.Matcher) -> tuple:
    return (m.history, m.active, m.children.copy(), m.volunteers.copy(), set(m.forbidden),
            m.result)  # fmt: skip


def _unchanged(m: pm.Matcher, before: tuple) -> None:
    now = _snapshot(m)
    for a, b in zip(before[:4], now[:4], strict=True):
        pd.testing.assert_frame_equal(a, b)
    assert before[4] == now[4]
    assert now[5] is before[5]  # the same result object: nothing was re-paired


BAD_AT = [
    ("not a date", "cannot be read"),
    ("03/04/2026", "not year first"),
    ("3.4.2026", "not year first"),
    ("20260301", "bare number"),
    (1_700_000_000, "bare number"),
    (float("nan"), "NaN"),
    (pd.NaT, "required"),
    (True, "yes/no"),
    ("1999-12-31", "before 2000"),
    ("2062-03-01", "days after today"),
    ("2026-02-30", "no calendar date"),
    ("2025-12-31", "before the latest recorded change"),  # time never runs backwards
    ("2026-01-01T07:59+08:00", "before the latest recorded change"),
]


def test_a_refused_at_changes_nothing_and_the_next_valid_update_works(matcher) -> None:
    before = _snapshot(matcher)
    pair = matcher.active.iloc[0]
    gone = pair["volunteer_id"]
    calls = {
        "solve": lambda at: matcher.solve(at=at),
        "update": lambda at: matcher.update(pm.Changes(remove_volunteers=[gone]), at=at),
        "accept": lambda at: matcher.respond(pair["child_id"], gone, True, at=at),
        "decline": lambda at: matcher.respond(pair["child_id"], gone, False, "no", at=at),
    }
    for value, message in BAD_AT:
        for name, call in calls.items():
            with pytest.raises(pm.DateError, match=message) as caught:
                call(value)
            assert "at" in str(caught.value), name
            _unchanged(matcher, before)
    # the Matcher is whole: a later, valid update is recorded at its own date
    result = matcher.update(pm.Changes(remove_volunteers=[gone]), at="2026年2月1日")
    assert pm.verify(result).ok
    history = matcher.history
    ended = history[history["volunteer_id"] == gone]
    assert (ended["end"] == utc("2026-02-01")).all() and len(ended)
    assert (history["start"] <= utc("2026-02-01")).all()
    assert matcher.solve(at="2026-02-01T00:00+00:00") is not None  # the same moment is fine


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    value=st.text(max_size=20).filter(lambda t: not t.strip().startswith("20"))
    | st.integers()
    | st.floats()
    | st.booleans()
    | st.dates(max_value=dt.date(1999, 12, 31))
    | st.dates(min_value=dt.date(2027, 6, 17))
)
def test_random_bad_at_never_touches_the_history(matcher, value: object) -> None:
    before = _snapshot(matcher)
    gone = matcher.active["volunteer_id"].iat[0]
    with pytest.raises(pm.DateError):
        matcher.update(pm.Changes(remove_volunteers=[gone]), at=value)
    _unchanged(matcher, before)


def test_events_and_active_on_read_dates_the_same_way(matcher) -> None:
    matcher.update(pm.Changes(remove_volunteers=[matcher.active["volunteer_id"].iat[0]]),
                   at="2026-02-01")  # fmt: skip
    iso = matcher.events("2026-01-01", "2026-03-01")
    pd.testing.assert_frame_equal(iso, matcher.events("2026年1月1日", dt.date(2026, 3, 1)))
    pd.testing.assert_frame_equal(
        iso, matcher.events(np.datetime64("2026-01-01"), "２０２６年３月１日")
    )
    assert set(iso["event"]) == {"started", "ended"}
    pd.testing.assert_frame_equal(
        matcher.active_on("2026-01-15"), matcher.active_on("2026年1月15日 00:00")
    )
    for name, call in {
        "since": lambda v: matcher.events(v, "2026-03-01"),
        "until": lambda v: matcher.events("2026-01-01", v),
        "when": lambda v: matcher.active_on(v),
    }.items():
        bad = [(None, "required"), ("01/15/2026", "not year first"),
               (20260115, "bare number"), ("2062-01-01", "after today")]  # fmt: skip
        for value, message in bad:
            with pytest.raises(pm.DateError, match=message) as caught:
                call(value)
            assert str(caught.value).startswith(f"{name}: ")
    with pytest.raises(pm.DateError, match=r"until .* is before since"):
        matcher.events("2026-03-01", "2026-01-01")
    assert matcher.events("2026-03-01", "2026-03-01").empty  # an empty period is no error

"""Dates given to the Matcher, read one way: :func:`read_date`.

Accepted: ISO dates and date-times, year first (``2026-03-01``, ``2026-03-01T08:00``,
``2026-03-01 08:00:30+08:00``, ``...Z``; ``/`` or ``.`` may separate the date's parts,
``2026/3/1``), Chinese dates (``2026年3月1日``, ``2026年03月01号``, full-width digits, an
optional time ``08:00`` or ``8时30分``), :class:`datetime.date`, :class:`datetime.datetime`,
:class:`pandas.Timestamp` and :class:`numpy.datetime64`. A date or time without a zone is
UTC. Every date must fall in ``[EARLIEST_DATE, today + MAX_DAYS_AHEAD days]``.

Refused, with a :class:`DateError` that names the argument: missing values (``None``,
NaT, NaN), bare numbers (``20260301``, ``1700000000``, ``3.5``: a compact date or a count
of seconds is a guess), yes/no values, numeric dates that are not year first
(``03/04/2026``, ``3.4.2026``: is it 3 April or 4 March?), text that reads as no date,
and dates outside the window (a typed 2062 for 2026 must not enter the history).
"""

from __future__ import annotations

import datetime as dt
import numbers
import re
import unicodedata
from typing import Final

import numpy as np
import pandas as pd

from pairmatch.errors import DateError

__all__ = ["DATE_HELP", "EARLIEST_DATE", "MAX_DAYS_AHEAD", "read_date"]

#: The earliest date accepted (the programme's records start well after it).
EARLIEST_DATE: Final[pd.Timestamp] = pd.Timestamp("2000-01-01", tz="UTC")

#: How many days after today (UTC) a date may be: a change planned ahead is fine, a
#: mistyped year (2062 for 2026) is refused before it can enter the history.
MAX_DAYS_AHEAD: Final[int] = 366

DATE_HELP: Final[str] = (
    "write the date year first as YYYY-MM-DD (or 2026年3月1日), optionally with a time and "
    "a zone (2026-03-01T08:00+08:00; without a zone it is UTC)"
)

_TIME = (
    r"(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,](?P<f>\d{1,9}))?)?"
    r"\s*(?P<zone>[Zz]|UTC|[+-]\d{2}(?::?\d{2})?)?"
)
_YEAR_FIRST: Final = re.compile(
    r"(?P<y>\d{4})(?P<sep>[-/.])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})"
    rf"(?:(?:[Tt]|\s+){_TIME})?"
)
_CHINESE: Final = re.compile(
    r"(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*[日号]"
    rf"(?:\s*(?:{_TIME}|(?P<h2>\d{{1,2}})\s*[时點点]\s*(?:(?P<m2>\d{{1,2}})\s*分)?))?"
)
_NUMBER: Final = re.compile(r"[+-]?(?:\d[\d_,]*(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_DAY_OR_MONTH_FIRST: Final = re.compile(r"\d{1,2}\s*[-/.]\s*\d{1,2}(?:\s*[-/.]\s*\d{1,4})?\b.*")
_SHOWABLE: Final = re.compile(r"[0-9年月日号时点分:./\-+TtZz ]{1,32}")
_WORDS_FOR_NOW: Final = frozenset({"now", "today", "tomorrow", "yesterday", "现在", "今天"})


def utc_now() -> pd.Timestamp:
    """Now, in UTC (the one clock the window and the Matcher read)."""
    return pd.Timestamp(dt.datetime.now(dt.UTC))


def _show(text: str) -> str:
    """The text, when it holds only what a date holds (digits, separators, 年月日);
    anything else is described, not shown (it may be a name typed in the wrong place)."""
    return repr(text) if _SHOWABLE.fullmatch(text) else "the text given"


def _day(t: pd.Timestamp) -> str:
    return f"{t.year:04d}-{t.month:02d}-{t.day:02d}"  # (strftime fails outside 1..9999)


def read_date(value: object, name: str) -> pd.Timestamp:
    """Read a date or date-time given as argument ``name``; a UTC :class:`pandas.Timestamp`
    (nanoseconds).

    >>> read_date("2026年3月1日", "at")
    Timestamp('2026-03-01 00:00:00+0000', tz='UTC')
    >>> read_date("2026-03-01T08:00+08:00", "at")
    Timestamp('2026-03-01 00:00:00+0000', tz='UTC')
    >>> read_date("03/04/2026", "at")
    Traceback (most recent call last):
    ...
    pairmatch.errors.DateError: at: '03/04/2026' is not year first, so its day and month ...
    """
    t = _read(value, name)
    if t < EARLIEST_DATE:
        raise DateError(
            f"{name}: {_day(t)} is before {EARLIEST_DATE:%Y-%m-%d}, the earliest date "
            f"accepted; check the year, and {DATE_HELP}"
        )
    latest = utc_now() + pd.Timedelta(days=MAX_DAYS_AHEAD)
    if t > latest:
        raise DateError(
            f"{name}: {_day(t)} is more than {MAX_DAYS_AHEAD} days after today (the latest "
            f"accepted is {latest:%Y-%m-%d}); check the year for a typo, and {DATE_HELP}"
        )
    return t.as_unit("ns")


def _read(value: object, name: str) -> pd.Timestamp:
    """The value as a UTC Timestamp of any unit (not yet checked against the window)."""
    if value is None or value is pd.NaT or type(value).__name__ == "NAType":
        raise DateError(f"{name}: a date is required, and none was given; {DATE_HELP}")
    if isinstance(value, np.datetime64):
        if np.isnat(value):
            raise DateError(f"{name}: is missing (NaT); {DATE_HELP}")
        try:
            return pd.Timestamp(value).tz_localize(dt.UTC)
        except (OverflowError, ValueError):  # beyond what a Timestamp holds
            raise DateError(f"{name}: is out of range; {DATE_HELP}") from None
    if isinstance(value, bool | np.bool_):
        raise DateError(f"{name}: is a yes/no value, not a date; {DATE_HELP}")
    if isinstance(value, numbers.Number):
        if isinstance(value, float | np.floating) and value != value:
            raise DateError(f"{name}: is missing (NaN); {DATE_HELP}")
        raise DateError(
            f"{name}: is a bare number, not a date (a compact date such as 20260301 or a count "
            f"of seconds would be a guess); {DATE_HELP}"
        )
    if isinstance(value, pd.Timestamp):
        return value.tz_localize(dt.UTC) if value.tz is None else value.tz_convert(dt.UTC)
    if isinstance(value, dt.datetime):
        try:  # a tzinfo is anyone's code: it may give no offset, or fail
            offset = value.utcoffset()
            local = pd.Timestamp(value.replace(tzinfo=None))
        except Exception:
            raise DateError(f"{name}: has a time zone that cannot be read; {DATE_HELP}") from None
        return (local if offset is None else local - offset).tz_localize(dt.UTC)
    if isinstance(value, dt.date):
        return pd.Timestamp(value.year, value.month, value.day, tz=dt.UTC)
    if isinstance(value, str):
        return _from_text(value, name)
    raise DateError(
        f"{name}: must be a date (text, datetime.date, datetime.datetime, pandas.Timestamp or "
        f"numpy.datetime64), not a {type(value).__name__}; {DATE_HELP}"
    )


def _from_text(value: str, name: str) -> pd.Timestamp:
    text = unicodedata.normalize("NFKC", value).strip()
    if not text or text.lower() in ("nat", "nan", "none", "null", "na", "n/a"):
        raise DateError(f"{name}: is missing (empty text); {DATE_HELP}")
    if len(text) > 64:
        raise DateError(f"{name}: is {len(text)} characters long, too long for a date; {DATE_HELP}")
    found = _YEAR_FIRST.fullmatch(text) or _CHINESE.fullmatch(text)
    if found is None:
        if _NUMBER.fullmatch(text):
            why = (
                "is a bare number, not a date (a compact date such as 20260301 or a count of "
                "seconds would be a guess)"
            )
        elif _DAY_OR_MONTH_FIRST.fullmatch(text):
            why = (
                f"{_show(text)} is not year first, so its day and month could be read either "
                "way (03/04/2026: 3 April or 4 March?)"
            )
        elif text.lower() in _WORDS_FOR_NOW:
            why = f"{_show(text)} is a word, not a date (leave at= out for now)"
        else:
            why = f"{_show(text)} cannot be read as a date"
        raise DateError(f"{name}: {why}; {DATE_HELP}")
    parts = found.groupdict()
    hour = parts.get("H") or parts.get("h2") or "0"
    minute = parts.get("M") or parts.get("m2") or "0"
    fraction = (parts.get("f") or "").ljust(9, "0")
    try:
        when = dt.datetime(
            int(parts["y"]), int(parts["m"]), int(parts["d"]), int(hour), int(minute),
            int(parts.get("S") or 0), int(fraction[:6]),
        )  # fmt: skip
    except ValueError:
        raise DateError(
            f"{name}: {_show(text)} is no calendar date or time (a month past 12, a day past "
            f"the month's last, an hour past 23?); {DATE_HELP}"
        ) from None
    t = pd.Timestamp(when)  # (in microseconds: a year such as 0001 is no overflow)
    if int(fraction[6:]):
        try:
            t = t.as_unit("ns") + pd.Timedelta(nanoseconds=int(fraction[6:]))
        except (OverflowError, pd.errors.OutOfBoundsDatetime):
            raise DateError(
                f"{name}: {_show(text)} is far outside the dates accepted (from "
                f"{EARLIEST_DATE:%Y-%m-%d}); {DATE_HELP}"
            ) from None
    zone = parts.get("zone")
    if zone is None or zone in ("Z", "z", "UTC"):
        return t.tz_localize(dt.UTC)
    sign = -1 if zone[0] == "-" else 1
    digits = zone[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:] or 0)
    if hours > 23 or minutes > 59:
        raise DateError(f"{name}: {_show(text)} has no valid zone offset; {DATE_HELP}")
    offset = dt.timedelta(hours=hours, minutes=minutes) * sign
    return t.tz_localize(dt.timezone(offset)).tz_convert(dt.UTC)

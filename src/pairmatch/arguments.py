"""Checks of the arguments of pairmatch's public functions and methods, made where they
are called, before any work.

Each check returns the argument as the function will use it, or raises
:class:`~pairmatch.errors.ArgumentTypeError` (a wrong type) or
:class:`~pairmatch.errors.ArgumentError` (a value out of range) with a message that names
the parameter and says what it takes; the value given is never repeated (it may be
anything, personal data included). :class:`Vocabulary` is an enumeration that refuses an
unknown value the same way.
"""

from __future__ import annotations

import math
import numbers
import os
from collections.abc import Collection, Mapping
from enum import EnumType, StrEnum
from pathlib import Path
from typing import Any, NoReturn

import numpy as np

from pairmatch.errors import ArgumentError, ArgumentTypeError

__all__ = [
    "Vocabulary",
    "choice",
    "columns",
    "flag",
    "indices",
    "number",
    "path",
    "renames",
    "whole",
]


def flag(name: str, value: object, *, also: str = "") -> bool:
    """``value`` as a bool: True or False (NumPy's too, and the numbers 0 and 1); ``also``
    adds to the message what else the parameter takes."""
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, numbers.Integral) and value in (0, 1):
        return bool(value)
    raise ArgumentTypeError(f"{name} must be True or False{also}")


def whole(
    name: str, value: object, *, low: int | None = None, high: int | None = None,
    optional: bool = False,
) -> Any:  # fmt: skip
    """``value`` as an int in [low, high] (None when ``optional``); a bool is no number."""
    if value is None and optional:
        return None
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Integral):
        raise ArgumentTypeError(f"{name} must be {_whole_range(low, high, optional)}")
    number_ = int(value)
    if (low is not None and number_ < low) or (high is not None and number_ > high):
        raise ArgumentError(f"{name} must be {_whole_range(low, high, optional)}")
    return number_


def _whole_range(low: int | None, high: int | None, optional: bool) -> str:
    text = "a whole number"
    if low is not None and high is not None:
        text += f" from {low:,} to {high:,}"
    elif low is not None:
        text += f" of at least {low:,}"
    elif high is not None:
        text += f" of at most {high:,}"
    return text + (", or None" if optional else "")


def number(
    name: str, value: object, *, low: float | None = None, high: float | None = None,
    low_open: bool = False, optional: bool = False,
) -> Any:  # fmt: skip
    """``value`` as a finite float in [low, high] ((low, high] with ``low_open``), or None
    when ``optional``; a bool is no number."""
    if value is None and optional:
        return None
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
        raise ArgumentTypeError(f"{name} must be {_number_range(low, high, low_open, optional)}")
    x = float(value)
    below = low is not None and (x <= low if low_open else x < low)
    if not math.isfinite(x) or below or (high is not None and x > high):
        raise ArgumentError(f"{name} must be {_number_range(low, high, low_open, optional)}")
    return x


def _number_range(low: float | None, high: float | None, low_open: bool, optional: bool) -> str:
    text = "a finite number"
    if low is not None:
        text += f" {'greater than' if low_open else 'of at least'} {low:g}"
    if high is not None:
        text += f"{' and' if low is not None else ''} at most {high:g}"
    return text + (", or None" if optional else "")


def choice(name: str, value: object, choices: Collection[str]) -> str:
    """``value``, one of the words ``choices``."""
    if not isinstance(value, str) or value not in choices:
        _refuse(name, value, f"one of {', '.join(map(repr, choices))}")
    return value


def columns(
    name: str, value: object, allowed: Collection[str], *, shown: Collection[str] = ()
) -> list[str]:
    """``value`` as a list of column names: one name or a list of names, each in
    ``allowed``, at least one, none twice. The message names ``shown`` (default: all of
    ``allowed``; a table's own columns may be anything, so a caller may name a few)."""
    names = [value] if isinstance(value, str) else value
    listed = ", ".join(map(str, shown or allowed)) + (" ..." if shown else "")
    if not isinstance(names, list | tuple) or not names:
        raise ArgumentTypeError(f"{name} must be a column name or a list of them ({listed})")
    if not all(isinstance(n, str) and n in allowed for n in names):
        raise ArgumentError(f"{name} takes the table's columns ({listed})")
    if len(set(names)) != len(names):
        raise ArgumentError(f"{name} names a column twice")
    return list(names)


def path(name: str, value: object) -> Path:
    """``value`` as a :class:`~pathlib.Path`: a str or an ``os.PathLike`` naming a file."""
    if isinstance(value, bytes) or not isinstance(value, str | os.PathLike):
        raise ArgumentTypeError(f"{name} must be a path (a str or a pathlib.Path)")
    out = Path(value)
    if str(value) == "" or out.name in ("", ".", ".."):
        raise ArgumentError(f"{name} must name a file")
    return out


def text(name: str, value: object) -> str:
    """``value`` as non-blank text of at most 100 characters (a place name, a label)."""
    if not isinstance(value, str):
        raise ArgumentTypeError(f"{name} must be text")
    if not value.strip() or len(value) > 100:
        raise ArgumentError(f"{name} must be non-blank text of at most 100 characters")
    return value.strip()


def renames(name: str, value: object) -> dict[str, str] | None:
    """``value`` as a mapping of names to names (``{"their column": "ours"}``), or None."""
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise ArgumentTypeError(f"{name} must be a dict of column names, {{'theirs': 'ours'}}")
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise ArgumentTypeError(f"{name} must map column names (text) to column names (text)")
    return dict(value)


def indices(name: str, value: object, size: int | None = None) -> np.ndarray:
    """``value`` as a 1-D array of integers (positions in [0, size) when ``size`` is
    given)."""
    array = _array(name, value, "a 1-D array of whole numbers")
    if array.size == 0:
        return array.astype(np.int64)
    if array.dtype.kind not in "iu":
        raise ArgumentTypeError(f"{name} must be a 1-D array of whole numbers")
    if size is not None and (array.min() < 0 or array.max() >= size):
        raise ArgumentError(f"{name} holds positions outside 0 to {size - 1:,}")
    return array.astype(np.int64, copy=False)


def _array(name: str, value: object, what: str) -> np.ndarray:
    if isinstance(value, str | bytes | Mapping) or value is None or np.isscalar(value):
        raise ArgumentTypeError(f"{name} must be {what}")
    try:
        array = np.asarray(value)
    except (TypeError, ValueError):
        raise ArgumentTypeError(f"{name} must be {what}") from None
    if array.ndim != 1 or array.dtype.kind not in "biu":
        raise ArgumentTypeError(f"{name} must be {what}")
    return array


def _refuse(name: str, value: object, accepted: str) -> NoReturn:
    error = ArgumentError if isinstance(value, str) else ArgumentTypeError
    raise error(f"{name} must be {accepted}")


class _VocabularyType(EnumType):
    def __call__(cls, value: Any, *args: Any, **kwargs: Any) -> Any:
        # a lookup of what is no text fails before Enum compares it with every member
        # (an array would make that comparison raise a bare ValueError)
        if not args and not kwargs and cls._member_map_ and not isinstance(value, str):
            cls._missing_(value)  # type: ignore[attr-defined]
        return super().__call__(value, *args, **kwargs)


class Vocabulary(StrEnum, metaclass=_VocabularyType):
    """An enumeration of words whose lookup of an unknown value (``Status("x")``) raises
    :class:`~pairmatch.errors.ArgumentError` (also a ``ValueError``, as before), naming
    the words it takes, never the value given."""

    @classmethod
    def _missing_(cls, value: object) -> NoReturn:
        words = ", ".join(repr(member.value) for member in cls)
        raise ArgumentError(f"not a {cls.__name__}; use one of {words}")

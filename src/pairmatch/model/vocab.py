"""The programme's vocabulary: need categories, child categories, genders, and their parsers.

One place defines what a valid value is; the pydantic records and the vectorised table
reader both use these definitions, so the two can never disagree.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

__all__ = [
    "LEVEL_MAX",
    "LEVEL_MIN",
    "MAX_CAPACITY",
    "MAX_TEAM",
    "NEEDS",
    "ChildCategory",
    "Gender",
    "parse_bool",
    "parse_category",
    "parse_gender",
    "parse_tags",
]

#: The four need categories surveyed for every child, in a fixed order used by every array.
NEEDS: Final[tuple[str, ...]] = ("study", "life", "psychological", "safety")

#: Need severity and skill level range (inclusive).
LEVEL_MIN: Final[int] = 0
LEVEL_MAX: Final[int] = 3

#: Largest team (volunteers for one child) a policy or a child's record may ask for.
MAX_TEAM: Final[int] = 10

#: Largest capacity a volunteer may declare (keeps every sum of loads exact in 64 bits).
MAX_CAPACITY: Final[int] = 1_000_000


class ChildCategory(StrEnum):
    """Why a child is in the programme."""

    LEFT_BEHIND = "left_behind"  # 留守儿童
    SCATTERED_ORPHAN = "scattered_orphan"  # 散居孤儿
    NO_GUARDIAN_CARE = "no_guardian_care"  # 事实无人抚养儿童
    OTHER_DIFFICULTY = "other_difficulty"  # 困境儿童


class Gender(StrEnum):
    FEMALE = "female"
    MALE = "male"


_CATEGORY_ALIASES: Final[dict[str, ChildCategory]] = {
    **{c.value: c for c in ChildCategory},
    "left-behind": ChildCategory.LEFT_BEHIND,
    "留守儿童": ChildCategory.LEFT_BEHIND,
    "scattered-orphan": ChildCategory.SCATTERED_ORPHAN,
    "散居孤儿": ChildCategory.SCATTERED_ORPHAN,
    "no-guardian-care": ChildCategory.NO_GUARDIAN_CARE,
    "事实无人抚养儿童": ChildCategory.NO_GUARDIAN_CARE,
    "other-difficulty": ChildCategory.OTHER_DIFFICULTY,
    "困境儿童": ChildCategory.OTHER_DIFFICULTY,
    "其他困境儿童": ChildCategory.OTHER_DIFFICULTY,
}

_GENDER_ALIASES: Final[dict[str, Gender]] = {
    "female": Gender.FEMALE,
    "f": Gender.FEMALE,
    "女": Gender.FEMALE,
    "male": Gender.MALE,
    "m": Gender.MALE,
    "男": Gender.MALE,
}

_TRUE: Final[frozenset[str]] = frozenset({"true", "t", "yes", "y", "1", "是"})
_FALSE: Final[frozenset[str]] = frozenset({"false", "f", "no", "n", "0", "否"})

CATEGORY_HELP: Final[str] = "one of " + ", ".join(c.value for c in ChildCategory)
BOOL_HELP: Final[str] = "true/false (also yes/no, 1/0, 是/否)"
GENDER_HELP: Final[str] = "female or male (also f/m, 女/男), or empty"


def is_missing(value: object) -> bool:
    """None, NaN, pandas' NA or NaT: a blank cell, however a table holds it."""
    if value is None or type(value).__name__ in ("NAType", "NaTType"):
        return True
    try:
        return bool(value != value)  # NaN is the one value unequal to itself
    except (TypeError, ValueError):  # values whose comparison is not a plain bool
        return False


def parse_category(value: object) -> ChildCategory:
    """Read a child category from its code or its Chinese programme name.

    >>> parse_category("留守儿童")
    <ChildCategory.LEFT_BEHIND: 'left_behind'>
    """
    if isinstance(value, ChildCategory):
        return value
    key = str(value).strip().lower() if isinstance(value, str) else None
    if key is None or key not in _CATEGORY_ALIASES:
        raise ValueError(f"must be {CATEGORY_HELP}")
    return _CATEGORY_ALIASES[key]


def parse_gender(value: object) -> Gender | None:
    """Read an optional gender; empty or missing gives ``None``."""
    if isinstance(value, Gender):
        return value
    if is_missing(value):
        return None
    if not isinstance(value, str):
        raise ValueError(f"must be {GENDER_HELP}")
    key = value.strip().lower()
    if key == "":
        return None
    if key not in _GENDER_ALIASES:
        raise ValueError(f"must be {GENDER_HELP}")
    return _GENDER_ALIASES[key]


def parse_bool(value: object) -> bool:
    """Read a yes/no cell strictly: anything not clearly yes or no is an error.

    >>> parse_bool("是"), parse_bool(0), parse_bool("False")
    (True, False, False)
    """
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        key = value.strip().lower()
        if key in _TRUE:
            return True
        if key in _FALSE:
            return False
    raise ValueError(f"must be {BOOL_HELP}")


def parse_tags(value: object) -> tuple[str, ...]:
    """Read tags from a ``;``-separated cell (full-width ``；`` too) or an iterable.

    Tags are stripped and lower-cased; empty tags and duplicates are dropped; the result is
    sorted so that equal sets of tags compare equal.

    >>> parse_tags("Chess; music;;chess")
    ('chess', 'music')
    """
    if is_missing(value):
        return ()
    if isinstance(value, str):
        parts: list[str] = value.replace("；", ";").split(";")
    elif isinstance(value, list | tuple | set | frozenset):
        parts = []
        for item in value:
            if not isinstance(item, str):
                raise ValueError("tags must be text")
            parts.append(item)
    else:
        raise ValueError("must be text with tags separated by ';'")
    return tuple(sorted({p.strip().lower() for p in parts if p.strip()}))

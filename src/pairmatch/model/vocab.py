"""The programme's vocabulary: need categories, child categories, genders, and their parsers.

One place defines what a valid value is; the pydantic records and the vectorised table
reader both use these definitions, so the two can never disagree.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable
from typing import Final

import numpy as np

from pairmatch.arguments import Vocabulary
from pairmatch.errors import FieldError

__all__ = [
    "CATEGORY_ALIASES",
    "FALSE_WORDS",
    "GENDER_ALIASES",
    "ID_HELP",
    "LEVEL_MAX",
    "LEVEL_MIN",
    "LIST_SEPARATORS",
    "MAX_CAPACITY",
    "MAX_ID_LENGTH",
    "MAX_TEAM",
    "NEEDS",
    "NOT_IDS",
    "TRUE_WORDS",
    "ChildCategory",
    "Gender",
    "near_miss",
    "parse_bool",
    "parse_category",
    "parse_gender",
    "parse_id",
    "parse_tags",
    "split_list",
]

#: The four need categories surveyed for every child, in a fixed order used by every array.
NEEDS: Final[tuple[str, ...]] = ("study", "life", "psychological", "safety")

#: Need severity and skill level range (inclusive).
LEVEL_MIN: Final[int] = 0
LEVEL_MAX: Final[int] = 3

#: Largest team (volunteers for one child) a policy or a child's record may ask for.
MAX_TEAM: Final[int] = 10

#: Longest record id accepted (a programme id, not free text).
MAX_ID_LENGTH: Final[int] = 64

#: Largest capacity a volunteer may declare (keeps every sum of loads exact in 64 bits).
MAX_CAPACITY: Final[int] = 1_000_000


class ChildCategory(Vocabulary):
    """Why a child is in the programme."""

    LEFT_BEHIND = "left_behind"  # 留守儿童
    SCATTERED_ORPHAN = "scattered_orphan"  # 散居孤儿
    NO_GUARDIAN_CARE = "no_guardian_care"  # 事实无人抚养儿童
    OTHER_DIFFICULTY = "other_difficulty"  # 困境儿童


class Gender(Vocabulary):
    FEMALE = "female"
    MALE = "male"


#: Every word a child's category may be written as (lower case), and the category it means.
CATEGORY_ALIASES: Final[dict[str, ChildCategory]] = {
    **{c.value: c for c in ChildCategory},
    "left-behind": ChildCategory.LEFT_BEHIND,
    "留守儿童": ChildCategory.LEFT_BEHIND,
    "农村留守儿童": ChildCategory.LEFT_BEHIND,
    "scattered-orphan": ChildCategory.SCATTERED_ORPHAN,
    "散居孤儿": ChildCategory.SCATTERED_ORPHAN,
    "孤儿": ChildCategory.SCATTERED_ORPHAN,
    "孤弃儿童": ChildCategory.SCATTERED_ORPHAN,
    "no-guardian-care": ChildCategory.NO_GUARDIAN_CARE,
    "事实无人抚养儿童": ChildCategory.NO_GUARDIAN_CARE,
    "other-difficulty": ChildCategory.OTHER_DIFFICULTY,
    "困境儿童": ChildCategory.OTHER_DIFFICULTY,
    "其他困境儿童": ChildCategory.OTHER_DIFFICULTY,
}

#: Every word a gender may be written as (lower case), and the gender it means.
GENDER_ALIASES: Final[dict[str, Gender]] = {
    "female": Gender.FEMALE,
    "f": Gender.FEMALE,
    "女": Gender.FEMALE,
    "male": Gender.MALE,
    "m": Gender.MALE,
    "男": Gender.MALE,
}

#: The words (lower case) read as yes, and as no.
TRUE_WORDS: Final[frozenset[str]] = frozenset(
    {"true", "t", "yes", "y", "1", "是", "同意", "已同意", "有", "√", "✓", "✔", "对"}
)
FALSE_WORDS: Final[frozenset[str]] = frozenset(
    {"false", "f", "no", "n", "0", "否", "不同意", "未同意", "无", "没有", "×", "✗", "✘"}
)

CATEGORY_HELP: Final[str] = (
    "one of left_behind (留守儿童, 农村留守儿童), scattered_orphan (散居孤儿, 孤儿, 孤弃儿童), "
    "no_guardian_care (事实无人抚养儿童), other_difficulty (困境儿童, 其他困境儿童)"
)
BOOL_HELP: Final[str] = "true/false (also yes/no, 1/0, 是/否, 同意/不同意, 有/无, √/×)"
GENDER_HELP: Final[str] = "female or male (also f/m, 女/男), or empty"


def near_miss(value: object, words: Iterable[str]) -> str | None:
    """``value`` as text when it is a near-miss of one of ``words`` (a misspelt setting,
    column or vocabulary word such as ``"ture"`` or ``"femail"``), else None.

    This is how errors decide whether a value they reject may be shown: a near-miss of the
    vocabulary is one word of ASCII letters, 3 to 40 long, close to a known word, and so
    cannot be a name, an id number, a phone number or an address; anything else is
    described, never shown.

    >>> near_miss("ture", ["true", "false"]), near_miss("Wang Wei", ["true", "false"])
    ('ture', None)
    """
    if not (isinstance(value, str) and value.isascii() and 3 <= len(value) <= 40):
        return None
    if not all(ch.isalpha() or ch in "_-" for ch in value):
        return None
    known = [w.lower() for w in words if len(w) >= 3]
    return value if difflib.get_close_matches(value.lower(), known, n=1, cutoff=0.75) else None


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
    if key is None or key not in CATEGORY_ALIASES:
        raise FieldError(f"must be {CATEGORY_HELP}")
    return CATEGORY_ALIASES[key]


def parse_gender(value: object) -> Gender | None:
    """Read an optional gender; empty or missing gives ``None``."""
    if isinstance(value, Gender):
        return value
    if is_missing(value):
        return None
    if not isinstance(value, str):
        raise FieldError(f"must be {GENDER_HELP}")
    key = value.strip().lower()
    if key == "":
        return None
    if key not in GENDER_ALIASES:
        raise FieldError(f"must be {GENDER_HELP}")
    return GENDER_ALIASES[key]


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
        if key in TRUE_WORDS:
            return True
        if key in FALSE_WORDS:
            return False
    raise FieldError(f"must be {BOOL_HELP}")


#: The one rule that splits a cell into a list (interests, specialities, needs written as
#: text): after Unicode NFKC (full-width ``，；`` become ``,;``), any run of ``、`` ``,``
#: ``;`` and white space separates two items.
LIST_SEPARATORS: Final[str] = "、,; and white space (also full-width ，；)"
_LIST_SPLIT = re.compile(r"[、,;\s]+")


def split_list(text: str) -> list[str]:
    """A cell's items by the one list rule (:data:`LIST_SEPARATORS`), empty items dropped.

    >>> split_list("象棋、绘画，音乐;  chess")
    ['象棋', '绘画', '音乐', 'chess']
    """
    return [p for p in _LIST_SPLIT.split(unicodedata.normalize("NFKC", text)) if p]


def parse_tags(value: object) -> tuple[str, ...]:
    """Read tags from a cell holding a list (see :data:`LIST_SEPARATORS`) or an iterable.

    Tags are normalised (NFKC) and lower-cased; empty tags and duplicates are dropped; the
    result is sorted so that equal sets of tags compare equal.

    >>> parse_tags("Chess; music;;chess")
    ('chess', 'music')
    >>> parse_tags("象棋、绘画，音乐")
    ('绘画', '象棋', '音乐')
    """
    if is_missing(value):
        return ()
    if isinstance(value, str):
        parts: list[str] = split_list(value)
    elif isinstance(value, list | tuple | set | frozenset):
        parts = []
        for item in value:
            if not isinstance(item, str):
                raise FieldError("tags must be text")
            parts.extend(split_list(item))
    else:
        raise FieldError(f"must be text with tags separated by {LIST_SEPARATORS}")
    return tuple(sorted({p.lower() for p in parts}))


ID_HELP: Final[str] = (
    f"ids are text or whole numbers of at most {MAX_ID_LENGTH} characters, without ';', "
    "control, zero-width or direction characters"
)

#: Words a cell may hold that read as a yes/no or a missing value, never as an id (single
#: letters and digits such as "Y" or "1" are ids often enough to stay allowed).
NOT_IDS: Final[frozenset[str]] = frozenset(
    w for w in TRUE_WORDS | FALSE_WORDS if not (len(w) == 1 and w.isascii())
) | frozenset(
    {"nan", "none", "null", "na", "n/a", "nat", "inf", "-inf", "+inf", "infinity", "无", "空"}
)
_PLAIN_ID = re.compile(r"[A-Za-z0-9_\-]+")
_INTEGER = re.compile(r"[0-9]+")
_SPACES = re.compile(r" {2,}")


def parse_id(value: object) -> str:
    """Read a record id the one way every entry point reads it.

    Text is normalised to Unicode NFKC (full-width letters and digits become ASCII ones,
    an ideographic space a space), stripped, and inner runs of spaces become one (a tab
    or line break inside an id is a control character); a whole
    number (also ``42.0`` from a spreadsheet cell) is its digits. Everything else is an
    error: yes/no values, fractions and text that reads as a number with a point or an
    exponent (``"42.0"``, ``"1e5"``), control, zero-width and direction characters, ``;``
    (it separates ids in the ledger's lists), and ids longer than :data:`MAX_ID_LENGTH`.
    The message never repeats the value: an id column may hold a name by mistake.

    >>> parse_id(" C0006 "), parse_id("Ｃ０００６"), parse_id(42.0), parse_id(7)
    ('C0006', 'C0006', '42', '7')
    >>> parse_id("C\u200b0006")
    Traceback (most recent call last):
    ...
    pairmatch.errors.FieldError: contains a control, zero-width or direction character; ...
    """
    if isinstance(value, np.generic):
        value = value.item()
    if value is None:
        raise FieldError("is missing; every record needs an id")
    if isinstance(value, bool):
        raise FieldError(f"is a yes/no value, not an id; {ID_HELP}")
    if isinstance(value, int):
        text = str(value)
    elif isinstance(value, float):
        if value != value:
            raise FieldError("is missing; every record needs an id")
        if not (abs(value) < 1e15 and value.is_integer()):
            raise FieldError(f"is a number with a fraction, not an id; {ID_HELP}")
        text = str(int(value))
    elif isinstance(value, str):
        text = _normalise_text(value)
    else:
        raise FieldError(f"must be a text id, not a {type(value).__name__}; {ID_HELP}")
    _check_id_text(text)
    return text


def _normalise_text(value: str) -> str:
    if _PLAIN_ID.fullmatch(value):
        return value
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", value).strip())


def _check_id_text(text: str) -> None:
    if not text:
        raise FieldError("is missing; every record needs an id")
    if not _PLAIN_ID.fullmatch(text):
        if any(unicodedata.category(ch)[0] == "C" for ch in text):
            raise FieldError(f"contains a control, zero-width or direction character; {ID_HELP}")
        if ";" in text:
            raise FieldError("contains ';', which separates ids in the ledger's lists")
    if len(text) > MAX_ID_LENGTH:
        raise FieldError(f"is {len(text)} characters long; {ID_HELP}")
    if text.lower() in NOT_IDS:
        raise FieldError(f"reads as a yes/no or missing value, not an id; {ID_HELP}")
    if not _INTEGER.fullmatch(text) and _reads_as_number(text):
        raise FieldError(
            "reads as a number with a sign, point or exponent; write the id as the register "
            f"does (42, not 42.0); {ID_HELP}"
        )


def _reads_as_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True

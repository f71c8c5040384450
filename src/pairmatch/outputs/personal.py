"""What ``personal=False`` leaves out of a ledger: every column that names a person, gives
an id number or a birth date, or says where a person lives or how to reach them.

A register's extra columns travel on to the ledger, and so do the lead volunteer's (as
``volunteer_...``); an office's registers carry many such columns under many names. A
column is personal when

* its header holds one of :data:`HEADER_WORDS` (``guardian_name``, ``监护人姓名``,
  ``Phone No.``, ``volunteerEmail``, ``出生日期`` ...), or
* any of its cells holds what :data:`VALUE_PATTERNS` describes (a resident id number, a
  mobile or landline number, an e-mail address), whatever its header: a column called
  ``note`` with a phone number in one row is personal.

Every cell is checked (one regular-expression pass per column, in pyarrow), so the
decision never depends on a sample. The ledger's own columns (ids, status, reasons,
jurisdiction) are never dropped. What is dropped is said, with why, on the ledger's
policy sheet (``left_out``).

>>> import pandas as pd
>>> table = pd.DataFrame({"监护人电话": ["x"], "note": ["call 138 1234 5678"], "grade": [3]})
>>> {column: str(why) for column, why in personal_columns(table).items()}
{'监护人电话': "header word '电话'", 'note': 'values look like mobile numbers'}
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection
from typing import Final, Literal, NamedTuple

import pandas as pd

__all__ = ["HEADER_WORDS", "VALUE_PATTERNS", "Personal", "personal_columns"]

HEADER_WORDS: Final[tuple[str, ...]] = (
    # names
    "name", "surname", "firstname", "lastname", "fullname", "nickname", "username",
    "xingming", "姓名", "名字",
    # id documents
    "id no", "id num", "id card", "idno", "idnumber", "idcard", "identity", "national id",
    "citizen id", "passport", "ssn", "sfz", "sfzh", "sfzhm", "zjhm",
    "身份证", "证件", "护照", "户籍", "户口",
    # where a person lives
    "address", "addr", "street", "residence", "domicile", "hukou", "dizhi", "zhuzhi",
    "住址", "地址", "住所", "居住地", "家庭住",
    # how to reach a person
    "phone", "tel", "mobile", "fax", "contact", "email", "mail", "wechat", "weixin", "qq",
    "whatsapp", "telegram", "shouji", "dianhua", "lxdh", "sjh", "sjhm",
    "电话", "手机", "联系", "微信", "邮箱", "邮件",
    # birth
    "birth", "dob", "born", "csrq", "出生", "生日",
    # other people named in a child's record, photos, bank details
    "guardian", "parent", "mother", "father", "监护人", "家长", "父亲", "母亲", "父母",
    "photo", "照片", "bank", "银行",
)  # fmt: skip
"""Header words of a personal column. A header is normalised (NFKC; ``camelCase`` and
punctuation split into lower-case words) and matched: a Chinese word anywhere in it; an
English word of up to four letters (``name``, ``tel``, ``qq``, ``dob``; or a phrase such
as ``id no``) as a whole word, or the word plus ``s``; a longer one anywhere in the words
run together (``phone`` in ``guardian_phone``, ``email`` in ``e-mail``)."""

_DAY = r"(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])"
_FROM = r"(?:^|[^0-9.])"  # not within a longer number, nor the decimals of one
_TO = r"(?:[^0-9]|$)"
VALUE_PATTERNS: Final[dict[str, str]] = {
    "resident id numbers": (
        _FROM + r"[1-9][0-9]{5}(?:(?:18|19|20)[0-9]{2}" + _DAY + r"[0-9]{3}[0-9Xx]"
        r"|[0-9]{2}" + _DAY + r"[0-9]{3})" + _TO
    ),
    "mobile numbers": _FROM + r"(?:\+?86[- ]?)?1[3-9][0-9](?:[- ]?[0-9]{4}){2}" + _TO,
    "landline numbers": (
        _FROM + r"(?:\(0[1-9][0-9]{1,2}\)|0[1-9][0-9]{1,2})[- ]?[2-9][0-9]{6,7}" + _TO
    ),
    "e-mail addresses": r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}",
}
"""Values that make a column personal whatever its header, as regular expressions (RE2
and Python alike) found anywhere in a cell: Chinese resident id numbers (18 characters,
the last a digit or ``X``, or the old 15 digits, with a plausible birth date), mobile
numbers (``1[3-9]`` and nine digits, optionally ``+86`` and spaces or hyphens), landlines
(an area code ``0xx`` or ``0xxx``, optionally in brackets, then seven or eight digits)
and e-mail addresses. A match may not sit within a longer number or after a decimal point
(the decimals of a coordinate are no phone number). Numbers stored as numbers are checked
as their digits."""

_ANY_VALUE = "|".join(f"(?:{p})" for p in VALUE_PATTERNS.values())
_ZH_VALUES = {"resident id numbers": "身份证号", "mobile numbers": "手机号",
              "landline numbers": "固定电话", "e-mail addresses": "电子邮箱"}  # fmt: skip


class Personal(NamedTuple):
    """Why a column is personal: by its header (the word found) or by its values (what
    they look like)."""

    by: Literal["header", "values"]
    what: str

    def said(self, lang: str = "en") -> str:
        """In words, for the ledger's policy sheet (``lang``: ``"en"`` or ``"zh"``)."""
        if lang == "zh":
            return (
                f"表头含“{self.what}”" if self.by == "header" else f"内容含{_ZH_VALUES[self.what]}"
            )
        return str(self)

    def __str__(self) -> str:
        if self.by == "header":
            return f"header word {self.what!r}"
        return f"values look like {self.what}"


def personal_columns(table: pd.DataFrame, keep: Collection[str] = ()) -> dict[str, Personal]:
    """The personal columns of ``table`` (see the module), in order, each with why;
    columns in ``keep`` (a table's own) are not checked."""
    out: dict[str, Personal] = {}
    for i, name in enumerate(table.columns):
        if name in keep:
            continue
        why = _by_header(name) or _by_values(table.iloc[:, i])
        if why is not None:
            out[name] = why
    return out


def _by_header(header: object) -> Personal | None:
    text = unicodedata.normalize("NFKC", str(header))
    split = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", " ", text).lower()
    words = " ".join(re.findall(r"[a-z]+|[0-9]+", split))
    padded, joined = f" {words} ", words.replace(" ", "")
    for word in HEADER_WORDS:
        if not word.isascii():
            found = word in text
        elif " " in word or len(word) <= 4:
            found = f" {word} " in padded or f" {word}s " in padded
        else:
            found = word in joined
        if found:
            return Personal("header", word)
    return None


def _by_values(column: pd.Series) -> Personal | None:
    if column.dtype.kind in "bmM":  # flags and dates hold no number of a person
        return None
    text = column.astype("str")
    if not text.str.contains(_ANY_VALUE, regex=True).to_numpy(bool, na_value=False).any():
        return None
    for what, pattern in VALUE_PATTERNS.items():  # which: only for a column that has one
        if text.str.contains(pattern, regex=True).to_numpy(bool, na_value=False).any():
            return Personal("values", what)
    return None  # pragma: no cover - the patterns together found one

"""An office's register in pairmatch's columns, every change it needed remembered.

:func:`translate` renames the office's headers to pairmatch's fields (the caller's
``columns=`` first, then the :class:`~pairmatch.office.vocabulary.OfficeVocabulary`), reads
needs and skills written as text into levels, inverts the columns an office writes the other
way round (是否有违法犯罪记录 → ``eligible``), reads category and level words, and fills a
county given once for a single-county register. What it cannot read it does not drop: each
phrase not understood is an :class:`~pairmatch.InputIssue`, its phrase shown as written only
when it cannot be personal data (the rule of :class:`_Shown`: short, fewer than 3 digits,
nothing of a name, phone, ID or address column, and in 2 rows or beside vocabulary words).
The headers it renamed are kept so that problems found later name the office's own header.

pairmatch's own English ``needs``, ``skills`` and ``criminal_record`` beside the level
columns (or ``eligible``) they would fill stay extra columns, as before the office readers;
an office's header for them beside those columns is a problem ("keep one").
"""

from __future__ import annotations

import re
import unicodedata
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pairmatch.errors import InputIssue, PairmatchWarning
from pairmatch.model.vocab import FALSE_WORDS, NEEDS, TRUE_WORDS
from pairmatch.office.places import place_key
from pairmatch.office.vocabulary import (
    GROUP_MARK,
    INVERTED,
    NONE_MARKS,
    TEXT_FIELDS,
    Kind,
    OfficeVocabulary,
    Scale,
    header_key,
)

__all__ = ["Translated", "translate"]


@dataclass
class Translated:
    """The table in pairmatch's columns, the office's header of each renamed field, and
    the problems found while translating."""

    table: pd.DataFrame
    kind: str = "children"
    headers: dict[str, str] = field(default_factory=dict)
    issues: list[InputIssue] = field(default_factory=list)


def translate(
    table: pd.DataFrame,
    kind: Kind,
    vocabulary: OfficeVocabulary,
    columns: Mapping[str, str] | None = None,
    county: str | None = None,
) -> Translated:
    """``table`` (as read, every cell text) in pairmatch's columns; see the module."""
    out = Translated(table.reset_index(drop=True), kind)
    _rename(out, kind, vocabulary, dict(columns or {}))
    _need_columns(out, kind, vocabulary)
    for name, target in INVERTED.items():
        if name in out.table.columns:
            _invert(out, kind, name, target)
    for name, (scale, prefix) in TEXT_FIELDS.items():
        if name in out.table.columns:
            _levels_from_text(out, kind, vocabulary, name, scale, prefix)
    for prefix, scale in (("need_", "needs"), ("skill_", "skills")):
        for need in NEEDS:
            if prefix + need in out.table.columns:
                _level_words(out, vocabulary, prefix + need, scale)
    if "category" in out.table.columns and kind == "children":
        _categories(out, vocabulary)
    if county is not None:
        _fill_county(out, county)
    return out


def _rename(out: Translated, kind: Kind, vocabulary: OfficeVocabulary, columns: dict) -> None:
    """Headers to fields: the caller's mapping (by header as written, or as the vocabulary
    compares headers), then the vocabulary; a field two headers claim is a problem."""
    given = {header_key(k): v for k, v in columns.items()}
    renames: dict[object, str] = {}
    claimed: dict[str, list[str]] = {}
    grouped = [h for h in out.table.columns if GROUP_MARK in str(h)]
    for h in [*(h for h in out.table.columns if h not in grouped), *grouped]:
        text = str(h)
        target = columns.get(h) if h in columns else given.get(header_key(text))
        if target is None:
            target = vocabulary.field(kind, text)
        if target is None and h in grouped:  # 监护人情况·是否同意结对: the name under it,
            sub = vocabulary.field(kind, text.partition(GROUP_MARK)[2])  # when unclaimed
            target = sub if sub is not None and sub not in claimed else None
        if target is None or (target != h and target in out.table.columns):
            continue  # pairmatch's own column wins; the office's copy stays as it is
        claimed.setdefault(target, []).append(text)
        if target != h:
            renames[h] = target
            out.headers[target] = text
    for target, headers in claimed.items():
        if len(headers) > 1:
            out.issues.append(
                InputIssue(
                    kind, None, None, target,
                    f"the headers {', '.join(map(repr, headers))} all hold {target!r}; keep one "
                    f"of them, or map the others elsewhere with columns={{...}}",
                )
            )  # fmt: skip
            for h in headers[1:]:
                renames.pop(h, None)  # keep the copies under their own header: nothing lost
    out.table = out.table.rename(columns=renames)


def _need_columns(out: Translated, kind: Kind, vocabulary: OfficeVocabulary) -> None:
    """Columns a two-row header put under a 帮扶需求 (or 专长) heading, one per need
    ("帮扶需求·学业辅导"), as that need's level column (√ is the default level, 严重 or
    擅长 its own)."""
    prefix = "need_" if kind == "children" else "skill_"
    group = "needs" if kind == "children" else "skills"
    renames = {}
    for h in out.table.columns:
        parent, _, sub = str(h).partition(GROUP_MARK)
        if not sub or vocabulary.field(kind, parent) != group:
            continue
        need = vocabulary.need_of(sub)
        if need is not None and prefix + need not in out.table.columns:
            renames[h] = prefix + need
            out.headers[prefix + need] = str(h)
    out.table = out.table.rename(columns=renames)
    for column in renames.values():  # a tick column: a blank cell is not ticked
        out.table[column] = out.table[column].where(out.table[column].notna(), "0")


def _invert(out: Translated, kind: Kind, name: str, target: str) -> None:
    """A column written the other way round (有 a record → not eligible), yes and no
    swapped; every other cell left for the checks to report under the office's header."""
    if target in out.table.columns:
        if name not in out.headers:  # pairmatch's own English name beside eligible: an
            return  # extra column, as it always was
        out.issues.append(
            InputIssue(
                kind, None, None, target,
                f"both {out.headers.get(name, name)!r} and {target!r} are given; keep one",
            )
        )  # fmt: skip
        return
    cells = out.table[name]
    key = cells.map(lambda v: v.strip().lower() if isinstance(v, str) else v)
    flipped = np.where(
        key.isin(TRUE_WORDS), "false", np.where(key.isin(FALSE_WORDS), "true", cells.astype(object))
    )
    out.table = out.table.drop(columns=[name]).assign(**{target: flipped})
    out.headers[target] = out.headers.pop(name, name)


def _levels_from_text(
    out: Translated, kind: Kind, vocabulary: OfficeVocabulary, name: str, scale: Scale,
    prefix: str,
) -> None:  # fmt: skip
    """Needs (or skills) written as text, into the four level columns; each phrase not
    understood is a problem naming the row and the phrase (shown as :class:`_Shown` rules).
    Each distinct cell is read once."""
    header = out.headers.get(name, name)
    have = [prefix + k for k in NEEDS if prefix + k in out.table.columns]
    if have:
        if name not in out.headers:  # pairmatch's own English name beside its level
            return  # columns: an extra column, as it always was
        out.issues.append(
            InputIssue(
                kind, None, None, name,
                f"{header!r} and the level columns {', '.join(have)} are both given; keep one",
            )
        )  # fmt: skip
        return
    column = out.table[name]
    codes, cells = pd.factorize(column.to_numpy(object), use_na_sentinel=True)
    levels = np.zeros((len(cells) + 1, len(NEEDS)), np.int64)  # the last row: a blank cell
    unknown: dict[int, list[str]] = {}
    for k, cell in enumerate(cells.tolist()):
        text = cell if isinstance(cell, str) else str(cell)  # a number is read, not skipped
        if not text.strip():
            continue
        found, phrases = vocabulary.read_levels(text, scale)
        for need, level in found.items():
            levels[k, NEEDS.index(need)] = level
        if phrases:
            unknown[k] = phrases
    if unknown:
        counts = np.bincount(codes[codes >= 0], minlength=len(cells))
        order = np.argsort(codes, kind="stable")
        starts = np.searchsorted(codes[order], np.arange(len(cells)))
        rows_of = {k: order[starts[k] : starts[k] + counts[k]] for k in unknown}
        in_rows: dict[str, int] = {}
        for k, phrases in unknown.items():
            for phrase in set(phrases):
                in_rows[phrase] = in_rows.get(phrase, 0) + int(counts[k])
        shown = _Shown(out, name, vocabulary, scale, in_rows)
        found_at = sorted(
            (int(row), j, phrase)
            for k, phrases in unknown.items()
            for row in rows_of[k]
            for j, phrase in enumerate(phrases)
        )
        words = _words(vocabulary)
        for row, _, phrase in found_at:
            out.issues.append(
                InputIssue(
                    kind, row, None, name,
                    f"{shown(phrase)} names no {scale[:-1]} pairmatch knows; "
                    f"the words are {words}; add yours with "
                    f"OfficeVocabulary().extend(needs={{...}})",
                )
            )  # fmt: skip
    out.table = out.table.drop(columns=[name]).assign(
        **{prefix + need: levels[codes, j] for j, need in enumerate(NEEDS)}
    )
    for need in NEEDS:
        out.headers[prefix + need] = header


def _words(vocabulary: OfficeVocabulary) -> str:
    by_need: dict[str, list[str]] = {}
    for word, need in vocabulary.needs.items():
        by_need.setdefault(need, []).append(word)
    return "; ".join(f"{'/'.join(words[:3])} → {need}" for need, words in by_need.items())


#: A column holds personal data when its header (as the office wrote it, or its field)
#: holds one of these: its values are never shown back in a message.
PERSONAL_HEADERS: tuple[str, ...] = (
    "姓名", "名字", "电话", "手机", "身份证", "地址", "住址", "联系人", "监护人", "家长",
    "name", "phone", "address", "id_number",
)  # fmt: skip
_PIECES = re.compile(r"[\s、,;，；/|]+")
_SHORT = 8  # a value this long or shorter is looked up by its pieces, a longer one scanned
_PUNCTUATION = re.compile(r"[()\[\]:·.\-/*#]")


class _Shown:
    """How a phrase not understood is shown in its message: as written only when it
    cannot be personal data, else as "a phrase of N characters". Shown as written when

    1. it is at most 24 characters long and holds fewer than 3 digits (``-`` and spaces
       aside: a phone number written 138-1234-5678 is hidden);
    2. it is no value of a personal column (:data:`PERSONAL_HEADERS`), no piece of one
       (any part of two characters or more: a name split in two by a space shows
       neither half) and holds none; and
    3. it is in at least 2 rows of the register (the office's own word, not one child's
       data), or it holds a word of the vocabulary (a keyword, a level word, a negation)
       with at most 4 other characters beside (学业陪伴, 学业(10)).

    The personal values are gathered when the first phrase passes rules 1 and 3 (a
    register whose needs are all understood costs nothing), each distinct piece once,
    into a set of their parts: one hash lookup per phrase, whatever the register's size.
    A phrase longer than 8 characters is hidden when each of its 8-character parts is
    a part of a personal value."""

    def __init__(
        self, out: Translated, column: str, vocabulary: OfficeVocabulary, scale: Scale,
        in_rows: dict[str, int],
    ) -> None:  # fmt: skip
        self.out, self.column, self.in_rows = out, column, in_rows
        words = {*vocabulary.needs, *vocabulary.severity[scale], *NONE_MARKS}
        self.vocabulary = sorted((header_key(w) for w in words), key=len, reverse=True)
        self.said: dict[str, str] = {}
        self.parts: set[str] | None = None
        self.values: set[str] = set()

    def __call__(self, phrase: str) -> str:
        if phrase not in self.said:
            shown = self._may_show(phrase)
            self.said[phrase] = repr(phrase) if shown else f"a phrase of {len(phrase)} characters"
        return self.said[phrase]

    def _may_show(self, phrase: str) -> bool:
        key = header_key(phrase)
        if len(phrase) > 24 or len(_DIGITS.findall(key.replace("-", ""))) >= 3:
            return False
        if self.in_rows.get(phrase, 0) < 2:
            rest = key
            found = False
            for word in self.vocabulary:
                if word in rest:
                    found, rest = True, rest.replace(word, "")
            if not found or len(_PUNCTUATION.sub("", rest)) > 4:
                return False
        return not self._personal(key)

    def _personal(self, key: str) -> bool:
        if self.parts is None:
            self._gather()
        assert self.parts is not None
        pieces = {key[i:j] for i in range(len(key)) for j in range(i + 2, len(key) + 1)}
        if not pieces.isdisjoint(self.values):  # it holds a name, or a piece of an address
            return True
        if len(key) <= _SHORT:
            return key in self.parts
        windows = {key[i : i + _SHORT] for i in range(len(key) - _SHORT + 1)}
        return windows <= self.parts  # every part of it is a part of personal values

    def _gather(self) -> None:
        """The personal columns' values split into pieces (at spaces, 、 and the like, and
        after the place words of an address: 省 市 县 镇 村 组 路 号 ...), each distinct
        piece once, and the parts (2 to 8 characters) of each piece; a piece mostly of
        digits (a phone or an ID number) only whole: a phrase holding 3 digits is hidden
        anyway."""
        table, headers = self.out.table, self.out.headers
        pieces: set[str] = set()  # split, each with its parts
        for column in table.columns:
            if column == self.column:
                continue
            said = header_key(f"{column} {headers.get(str(column), '')}")
            if not any(word in said for word in PERSONAL_HEADERS):
                continue
            for cell in pd.unique(table[column].dropna().to_numpy(object)).tolist():
                text = unicodedata.normalize("NFKC", str(cell))
                self.values.add(header_key(text))  # whole (秘密名字 typed for 秘密 名字)
                for piece in _PIECES.split(text):
                    pieces.update(_PLACE_END.split(piece))  # 湖北省|秭归县|...
                    if len(piece) <= _SHORT:  # a name, whatever it holds: 王村花
                        pieces.add(piece)
        parts: set[str] = set()
        for piece in {header_key(p) for p in pieces}:
            if len(piece) < 2:
                continue
            self.values.add(piece)
            if 2 * len(_DIGITS.findall(piece)) >= len(piece):
                continue
            for i in range(len(piece) - 1):
                parts.update(piece[i:j] for j in range(i + 2, min(i + _SHORT, len(piece)) + 1))
        self.parts = parts


#: Where an address splits into pieces: after its place words.
_PLACE_END = re.compile(r"(?<=[省市县区旗镇乡村组社路街道巷弄号栋幢楼室])")
_DIGITS = re.compile(r"\d")


def _level_words(out: Translated, vocabulary: OfficeVocabulary, name: str, scale: Scale) -> None:
    """Level columns that hold words: 严重 (or 擅长) as its level, a Chinese yes (√, 是, 有)
    as the default level, a no (×, 否, 无) as 0; numbers and anything else as they are
    (the checks read them)."""
    words = {header_key(w): str(v) for w, v in vocabulary.severity[scale].items()}
    yes = str(vocabulary.default_level[scale])

    def read(v: object) -> object:
        if not isinstance(v, str):
            return v
        key = header_key(v)
        if key in words:
            return words[key]
        if key.isascii():  # numbers, and English words a level column never holds
            return v
        return yes if key in TRUE_WORDS else "0" if key in FALSE_WORDS else v

    col = out.table[name]
    distinct = pd.unique(col.dropna().to_numpy(object)).tolist()  # a few values each
    levels: dict[object, object] = {v: read(v) for v in distinct}
    if any(levels[v] is not v for v in distinct):  # a column of numbers stays as it is
        out.table[name] = col.map(levels)


def _categories(out: Translated, vocabulary: OfficeVocabulary) -> None:
    """Category words as their codes (unknown words left for the checks to report)."""
    distinct = pd.unique(out.table["category"].dropna().to_numpy(object))
    codes = {w: vocabulary.category(w) for w in distinct.tolist() if isinstance(w, str)}
    if any(code is not None and code != w for w, code in codes.items()):
        out.table["category"] = out.table["category"].map(
            lambda v: codes.get(v) or v if isinstance(v, str) else v
        )


def _fill_county(out: Translated, county: str) -> None:
    """The county given once for a single-county register, in every row that has none."""
    if "county" not in out.table.columns:
        out.table["county"] = county
        return
    col = out.table["county"]
    blank = col.isna() | col.map(lambda v: isinstance(v, str) and not v.strip())
    others = {str(v).strip() for v in col[~blank].tolist()}
    others = {v for v in others if place_key(v) != place_key(county)}
    if others:  # one register, two counties: said, and the rows keep what they say
        warnings.warn(
            f"county={county!r} was given for the rows that leave it blank, but "
            f"{int((~blank).sum())} rows name a county, and some another one "
            f"({', '.join(sorted(others)[:5])}); those rows keep the county they name",
            PairmatchWarning,
            stacklevel=4,
        )
    out.table["county"] = col.where(~blank, county)

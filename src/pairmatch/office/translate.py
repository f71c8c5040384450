"""An office's register in pairmatch's columns, every change it needed remembered.

:func:`translate` renames the office's headers to pairmatch's fields (the caller's
``columns=`` first, then the :class:`~pairmatch.office.vocabulary.OfficeVocabulary`), reads
needs and skills written as text into levels, inverts the columns an office writes the other
way round (是否有违法犯罪记录 → ``eligible``), reads category and level words, and fills a
county given once for a single-county register. What it cannot read it does not drop: each
phrase not understood is an :class:`~pairmatch.InputIssue`. The headers it renamed are kept
so that problems found later name the office's own header.
"""

from __future__ import annotations

import re
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
    understood is a problem naming the row and the phrase."""
    header = out.headers.get(name, name)
    have = [prefix + k for k in NEEDS if prefix + k in out.table.columns]
    if have:
        out.issues.append(
            InputIssue(
                kind, None, None, name,
                f"{header!r} and the level columns {', '.join(have)} are both given; keep one",
            )
        )  # fmt: skip
        return
    cells = out.table[name].tolist()
    levels = np.zeros((len(cells), len(NEEDS)), np.int64)
    read: dict[str, tuple[dict[str, int], list[str]]] = {}  # registers repeat their phrases
    names = _names(out.table)
    for i, cell in enumerate(cells):
        if not isinstance(cell, str) or not cell.strip():
            continue
        if cell not in read:
            read[cell] = vocabulary.read_levels(cell, scale)
        found, unknown = read[cell]
        for need, level in found.items():
            levels[i, NEEDS.index(need)] = level
        for phrase in unknown:
            out.issues.append(
                InputIssue(
                    kind, i, None, name,
                    f"{_phrase_shown(phrase, names)} names no {scale[:-1]} pairmatch knows; "
                    f"the words are {_words(vocabulary)}; add yours with "
                    f"OfficeVocabulary().extend(needs={{...}})",
                )
            )  # fmt: skip
    out.table = out.table.drop(columns=[name]).assign(
        **{prefix + k: levels[:, j] for j, k in enumerate(NEEDS)}
    )
    for k in NEEDS:
        out.headers[prefix + k] = header


def _words(vocabulary: OfficeVocabulary) -> str:
    by_need: dict[str, list[str]] = {}
    for word, need in vocabulary.needs.items():
        by_need.setdefault(need, []).append(word)
    return "; ".join(f"{'/'.join(words[:3])} → {need}" for need, words in by_need.items())


_LONG_NUMBER = re.compile(r"\d{5,}")


def _names(table: pd.DataFrame) -> frozenset[str]:
    """Every name in the register's personal columns (a name typed into the needs column
    must not be shown back)."""
    out: set[str] = set()
    for column in ("name", "address", "id_number"):
        if column in table.columns:
            out |= {v.strip() for v in table[column].tolist() if isinstance(v, str) and v.strip()}
    return frozenset(out)


def _phrase_shown(phrase: str, names: frozenset[str]) -> str:
    """A phrase not understood, for the message: as written, unless it could be personal
    data (a name of the register in it, a long number, or a long text). Names are looked
    up by the phrase's pieces of 2 to 8 characters: a hash lookup each, whatever the size
    of the register."""
    pieces = {
        phrase[i:j] for i in range(len(phrase)) for j in range(i + 2, min(i + 9, len(phrase) + 1))
    }
    personal = phrase in names or not pieces.isdisjoint(names)
    if personal or _LONG_NUMBER.search(phrase) or len(phrase) > 24:
        return f"a phrase of {len(phrase)} characters"
    return repr(phrase)


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

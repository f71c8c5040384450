"""The words a county office writes its registers in, and how pairmatch reads them.

:class:`OfficeVocabulary` holds every table the readers use to take an office's own
spreadsheet as it is: header synonyms (儿童编号 → ``id``), extra category and yes/no words,
and the keyword and severity tables that turn needs written as text ("学业辅导（严重）、
心理疏导") into levels. The built-in tables are documented in ``docs/office.md`` (generated
from this module, and a test checks the two agree); an office adds its own words with
:meth:`OfficeVocabulary.extend`, and may save and reuse them as JSON.

>>> import pairmatch as pm
>>> words = pm.OfficeVocabulary().extend(headers={"联系人": "name"},
...                                      needs={"陪伴": "psychological"})
>>> words.field("children", "儿童编号"), words.field("children", "联系人")
('id', 'name')
>>> words.read_levels("学业辅导（严重）、亲情陪伴", "needs")
({'study': 3, 'psychological': 2}, [])
"""

from __future__ import annotations

import json
import os
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import ClassVar, Final, Literal

from pairmatch import arguments
from pairmatch.errors import ArgumentError, ArgumentTypeError, FileAccessError, WriteError
from pairmatch.model.records import CHILD_COLUMNS, SENSITIVE_COLUMNS, VOLUNTEER_COLUMNS
from pairmatch.model.vocab import CATEGORY_ALIASES, NEEDS, ChildCategory

__all__ = [
    "GROUP_MARK",
    "HEADERS",
    "INVERTED",
    "NEED_WORDS",
    "SEVERITY_WORDS",
    "TEXT_FIELDS",
    "OfficeVocabulary",
    "header_key",
    "read_json",
    "write_json",
]

Kind = Literal["children", "volunteers"]
Scale = Literal["needs", "skills"]

_PLACES = {
    "省": "province", "省份": "province", "所在省": "province",
    "市": "city", "地市": "city", "市(州)": "city", "市州": "city", "所在市": "city",
    "县": "county", "县(区)": "county", "区县": "county", "县区": "county",
    "县(市、区)": "county", "县(市,区)": "county", "县(市区)": "county", "县市区": "county",
    "所在县": "county", "区": "county",
    "乡镇": "township", "乡": "township", "镇": "township", "乡镇(街道)": "township",
    "乡(镇)": "township", "镇(街道)": "township",
    "乡镇街道": "township", "街道": "township",
    "村": "village", "村(社区)": "village", "村(居)": "village", "村社区": "village",
    "社区": "village", "村(居)委会": "village", "行政村": "village",
    "经度": "lon", "纬度": "lat", "latitude": "lat", "longitude": "lon", "lng": "lon",
    "姓名": "name", "性别": "gender", "身份证号": "id_number", "身份证号码": "id_number",
    "公民身份号码": "id_number", "住址": "address", "家庭住址": "address",
    "详细地址": "address", "现住址": "address", "出生日期": "birth_date",
}  # fmt: skip

#: Built-in header synonyms, by register: the office's header (compared by
#: :func:`header_key`) and the pairmatch field it holds. ``needs`` and ``skills`` are text
#: read by :meth:`OfficeVocabulary.read_levels`; ``criminal_record`` is read inverted into
#: ``eligible`` (see :data:`INVERTED`); other fields not of pairmatch's (``birth_date``,
#: ``phone``) are kept under these names.
HEADERS: Final[dict[Kind, dict[str, str]]] = {
    "children": {
        **_PLACES,
        "儿童编号": "id", "编号": "id", "儿童id": "id", "儿童代码": "id",
        "儿童姓名": "name",
        "儿童类别": "category", "类别": "category", "儿童类型": "category",
        "困境类型": "category",
        "监护人是否同意": "guardian_consent", "监护人同意": "guardian_consent",
        "监护人是否同意结对": "guardian_consent", "是否同意结对": "guardian_consent",
        "帮扶需求": "needs", "需求": "needs", "关爱需求": "needs", "需求类型": "needs",
        "兴趣爱好": "interests", "爱好": "interests", "兴趣": "interests",
        "学业需求": "need_study", "学习需求": "need_study", "生活需求": "need_life",
        "心理需求": "need_psychological", "安全需求": "need_safety",
        "小组最少人数": "team_min", "小组最多人数": "team_max",
        "希望爱心妈妈性别": "preferred_gender",
    },
    "volunteers": {
        **_PLACES,
        "编号": "id", "爱心妈妈编号": "id", "志愿者编号": "id",
        "爱心妈妈姓名": "name", "志愿者姓名": "name",
        "手机号": "phone", "手机号码": "phone", "联系电话": "phone", "电话": "phone",
        "特长": "skills", "专长": "skills", "帮扶特长": "skills", "帮扶能力": "skills",
        "兴趣特长": "specialities", "兴趣爱好": "specialities", "爱好特长": "specialities",
        "可结对人数": "capacity", "可结对儿童数": "capacity", "结对人数": "capacity",
        "服务半径(公里)": "max_distance_km", "服务半径(km)": "max_distance_km",
        "服务半径": "max_distance_km",
        "是否有违法犯罪记录": "criminal_record", "有无违法犯罪记录": "criminal_record",
        "违法犯罪记录": "criminal_record",
        "是否符合条件": "eligible", "是否在岗": "active", "在岗": "active",
        "学业技能": "skill_study", "生活技能": "skill_life", "心理技能": "skill_psychological",
        "安全技能": "skill_safety",
    },
}  # fmt: skip

#: Fields an office writes the other way round: a yes in ``criminal_record`` (是否有违法犯罪
#: 记录: 有) is a no in ``eligible``.
INVERTED: Final[dict[str, str]] = {"criminal_record": "eligible"}

#: Fields written as text and read into the four levels: (scale, the columns they fill).
TEXT_FIELDS: Final[dict[str, tuple[Scale, str]]] = {
    "needs": ("needs", "need_"),
    "skills": ("skills", "skill_"),
}

#: Keywords naming a need (or a skill for it) in text; a phrase names every need whose
#: keyword it holds ("学业辅导" holds 学业 → study).
NEED_WORDS: Final[dict[str, str]] = {
    "学业": "study", "学习": "study", "课业": "study", "功课": "study", "作业": "study",
    "辅导功课": "study",
    "生活": "life", "照料": "life", "饮食": "life", "起居": "life",
    "心理": "psychological", "情感": "psychological", "情绪": "psychological",
    "精神": "psychological", "亲情": "psychological",
    "安全": "safety", "监护": "safety", "防溺水": "safety", "自护": "safety",
}  # fmt: skip

#: Severity words of a need, and level words of a skill, with the level each means;
#: ``None``: the phrase's level is the default of its scale.
SEVERITY_WORDS: Final[dict[str, dict[str, int]]] = {
    "needs": {
        "一般": 1, "轻度": 1, "较轻": 1, "轻微": 1,
        "较重": 2, "中等": 2, "中度": 2, "比较严重": 2, "较严重": 2,
        "严重": 3, "重度": 3, "非常严重": 3, "特别严重": 3, "急需": 3,
        "不需要": 0, "不严重": 1, "不太严重": 1, "不算严重": 1,
    },
    "skills": {
        "一般": 1, "了解": 1, "入门": 1,
        "熟练": 2, "良好": 2, "较好": 2, "较强": 2,
        "擅长": 3, "精通": 3, "专业": 3, "优秀": 3, "很强": 3,
        "不会": 0, "不擅长": 1, "不太擅长": 1, "不熟练": 1, "不太熟练": 1,
    },
}  # fmt: skip

#: The level of a need, or a skill, named without a severity or level word.
DEFAULT_LEVEL: Final[dict[str, int]] = {"needs": 2, "skills": 2}

#: Words a whole needs or skills cell may say to mean none at all.
NONE_WORDS: Final[frozenset[str]] = frozenset(
    {"无", "没有", "暂无", "不需要", "无需求", "暂无需求", "没有需求", "无需帮扶", "不需要帮扶",
     "/", "-", "—"}
)  # fmt: skip

#: The negation rule of a phrase (see :meth:`OfficeVocabulary.read_levels`): a need said
#: to be absent reads as 0, in one of these forms only (X names the needs):
#: ``X：无`` and ``X（无）`` (or 没有, 暂无, 否, ×, 不需要, 无需, 不用); ``没有X需求``,
#: ``暂无X问题``, ``无X困难`` (ending in 需求, 问题 or 困难); ``无需X``, ``不需要X``,
#: ``不用X``; ``X无困难``, ``X没有问题``. A negated level is a word of
#: :data:`SEVERITY_WORDS` (不严重 1, 不擅长 1). Any other phrase holding a negation
#: (:data:`NEGATIONS`) is not understood, never guessed; but ``无人`` (nobody: 无人照料,
#: 无人监护) names a need, as the words after it say.
NEGATIONS: Final[str] = "无没不否×✗未"
NONE_MARKS: Final[tuple[str, ...]] = (
    "无", "没有", "暂无", "否", "×", "✗", "不需要", "无需", "不用",
)  # fmt: skip
_MARKS = "|".join(sorted(NONE_MARKS, key=len, reverse=True))
_NONE_FORMS = (
    re.compile(rf"(?P<x>.+?)(?::(?:{_MARKS})|\((?:{_MARKS})\))"),
    re.compile(r"(?:无需|不需要|不需|不用)(?P<x>.+)"),
    re.compile(r"(?:没有|暂无|无)(?P<x>.+?(?:需求|问题|困难))"),
    re.compile(r"(?P<x>.+?)(?:没有|暂无|无)(?:需求|问题|困难)"),
)
_NOBODY = "无人"

#: The largest vocabulary or columns file read (a hand-written one is a few KB).
MAX_JSON_BYTES: Final[int] = 5_000_000

#: Joins a heading spanning several columns and the header under it ("监护人情况·姓名").
GROUP_MARK: Final[str] = "·"

_SPACE = re.compile(r"\s+")
#: A level written as a digit: a lone 0–3 (not part of a longer number or a decimal) in
#: brackets, after a colon, or at the end of the phrase.
_DIGIT_LEVEL = re.compile(
    r"(?:\(([0-3])(?:级|分)?\)|:([0-3])(?:级|分)?|(?<![\d.])([0-3])(?:级|分)?)$"
)
_DIGIT = re.compile(r"\d")


def header_key(name: object) -> str:
    """A header as the vocabulary compares it: Unicode NFKC (full-width brackets and
    letters become plain ones), white space and line breaks removed, a trailing required
    mark (``*``) dropped, lower case.

    >>> header_key("服务半径（公里）"), header_key("监护人\\n是否同意*")
    ('服务半径(公里)', '监护人是否同意')
    """
    text = _SPACE.sub("", unicodedata.normalize("NFKC", str(name)))
    return text.strip("*").lower()


def _keyed(words: Mapping[str, str]) -> dict[str, str]:
    return {header_key(k): v for k, v in words.items()}


_CANONICAL: Final[dict[Kind, frozenset[str]]] = {
    "children": frozenset(
        (*CHILD_COLUMNS, "gender", *SENSITIVE_COLUMNS, "needs", "birth_date")
    ),
    "volunteers": frozenset(
        (*VOLUNTEER_COLUMNS, "gender", *SENSITIVE_COLUMNS, "skills", "criminal_record", "phone",
         "birth_date")
    ),
}  # fmt: skip


@dataclass(frozen=True)
class OfficeVocabulary:
    """The words pairmatch reads an office's registers by: the built-in tables of this
    module, plus an office's own (see :meth:`extend`).

    Attributes
    ----------
    headers:
        Per register (``"children"``, ``"volunteers"``), header → field.
    categories:
        Child category words → category code, beyond the built-in ones.
    needs:
        Keyword → need (``study``, ``life``, ``psychological``, ``safety``) for needs and
        skills written as text.
    severity:
        Per scale (``"needs"``, ``"skills"``), word → level 0–3.
    default_level:
        Per scale, the level of a need or skill named without a level word.
    """

    headers: Mapping[str, Mapping[str, str]] = field(
        default_factory=lambda: {k: dict(v) for k, v in HEADERS.items()}
    )
    categories: Mapping[str, str] = field(default_factory=dict)
    needs: Mapping[str, str] = field(default_factory=lambda: dict(NEED_WORDS))
    severity: Mapping[str, Mapping[str, int]] = field(
        default_factory=lambda: {k: dict(v) for k, v in SEVERITY_WORDS.items()}
    )
    default_level: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_LEVEL))

    # made by __post_init__ (not fields: neither compared nor saved)
    _keyed_headers: ClassVar[dict[str, dict[str, str]]]
    _keyed_categories: ClassVar[dict[str, str]]
    _by_length: ClassVar[dict[str, list[str]]]

    def __post_init__(self) -> None:
        _words("headers", self.headers, str, nested=True)
        _words("categories", self.categories, str)
        _words("needs", self.needs, str)
        _words("severity", self.severity, int, nested=True)
        _words("default_level", self.default_level, int)
        for name, table in (
            ("headers", self.headers),
            ("severity", self.severity),
            ("categories", {"": self.categories}),
            ("needs", {"": self.needs}),
        ):
            if any(not header_key(w) for words in table.values() for w in words):
                raise ArgumentError(
                    f"{name} holds an empty word (or one of spaces only); every word must say "
                    "something, or an empty word would be found in every phrase"
                )
        for kind, words in self.headers.items():
            if kind not in _CANONICAL:
                raise ArgumentError(
                    f"headers are given per register, 'children' or 'volunteers', not {kind!r}"
                )
            unknown = sorted({f for f in words.values() if f not in _CANONICAL[kind]})
            if unknown:
                raise ArgumentError(
                    f"the {kind} headers map to fields pairmatch does not have: "
                    f"{', '.join(map(repr, unknown))}; the fields are "
                    f"{', '.join(sorted(_CANONICAL[kind]))}"
                )
        codes = {c.value for c in ChildCategory}
        bad = sorted({c for c in self.categories.values() if c not in codes})
        if bad:
            raise ArgumentError(
                f"categories map to {', '.join(map(repr, bad))}; a category is one of "
                f"{', '.join(sorted(codes))}"
            )
        bad = sorted({n for n in self.needs.values() if n not in NEEDS})
        if bad:
            raise ArgumentError(
                f"needs map to {', '.join(map(repr, bad))}; a need is one of {', '.join(NEEDS)}"
            )
        for scale, levels in (*self.severity.items(), ("default", self.default_level)):
            if scale not in ("needs", "skills", "default"):
                raise ArgumentError(f"levels are given for 'needs' or 'skills', not {scale!r}")
            if any(not isinstance(v, int) or isinstance(v, bool) or not 0 <= v <= 3
                   for v in dict(levels).values()):  # fmt: skip
                raise ArgumentError("a level is a whole number from 0 to 3")
        # a scale left out (a vocabulary file of one scale) is the built-in one
        severity = {**SEVERITY_WORDS, **{k: dict(v) for k, v in self.severity.items()}}
        object.__setattr__(self, "severity", severity)
        object.__setattr__(self, "default_level", {**DEFAULT_LEVEL, **self.default_level})
        # the tables as they are looked up, made once (a frozen vocabulary never changes)
        object.__setattr__(self, "_keyed_headers", {k: _keyed(v) for k, v in self.headers.items()})
        object.__setattr__(self, "_keyed_categories", _keyed(self.categories))
        by_length = {k: sorted(v, key=len, reverse=True) for k, v in severity.items()}
        by_length["keywords"] = sorted(self.needs, key=len, reverse=True)
        object.__setattr__(self, "_by_length", by_length)

    # ------------------------------------------------------------ building
    def extend(
        self,
        *,
        headers: Mapping[str, str] | Mapping[str, Mapping[str, str]] | None = None,
        categories: Mapping[str, str] | None = None,
        needs: Mapping[str, str] | None = None,
        severity: Mapping[str, Mapping[str, int]] | None = None,
        default_level: Mapping[str, int] | None = None,
    ) -> OfficeVocabulary:
        """This vocabulary with an office's own words added (a word given here wins).

        ``headers`` is either one mapping for both registers (``{"联系人": "name"}``) or
        one per register (``{"children": {...}, "volunteers": {...}}``).
        """
        for name, plain in (("categories", categories), ("needs", needs),
                            ("default_level", default_level)):  # fmt: skip
            if plain is not None:
                _words(name, plain, int if name == "default_level" else str)
        if severity is not None:
            _words("severity", severity, int, nested=True)
        if headers is not None and not isinstance(headers, Mapping):
            raise ArgumentTypeError("headers must be a dict of header to field")
        merged = {k: dict(v) for k, v in self.headers.items()}
        if headers:
            per_kind = all(isinstance(v, Mapping) for v in headers.values()) and set(headers) <= {
                "children",
                "volunteers",
            }
            given = headers if per_kind else {"children": headers, "volunteers": headers}
            for kind, words in given.items():
                merged.setdefault(kind, {}).update(dict(words))  # type: ignore[arg-type]
        levels = {k: dict(v) for k, v in self.severity.items()}
        for scale, scaled in (severity or {}).items():
            levels.setdefault(scale, {}).update(scaled)
        return replace(
            self,
            headers=merged,
            categories={**self.categories, **(categories or {})},
            needs={**self.needs, **(needs or {})},
            severity=levels,
            default_level={**self.default_level, **(default_level or {})},
        )

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the office's vocabulary as JSON (UTF-8), to reuse with :meth:`load`: the
        whole table, and ``"builtin": false`` when it left out some built-in word (so
        that loading it does not bring that word back)."""
        data = {
            "format": "pairmatch.office_vocabulary", "version": 1,
            "builtin": self._holds(OfficeVocabulary()),
            "headers": self.headers, "categories": self.categories, "needs": self.needs,
            "severity": self.severity, "default_level": self.default_level,
        }  # fmt: skip
        return write_json(path, data)

    def _holds(self, other: OfficeVocabulary) -> bool:
        """Whether every word of ``other`` is in this vocabulary, meaning the same."""
        pairs: list[tuple[Mapping[str, object], Mapping[str, object]]]
        pairs = [(self.headers.get(k, {}), v) for k, v in other.headers.items()]
        pairs += [(self.severity.get(k, {}), v) for k, v in other.severity.items()]
        pairs += [(self.categories, other.categories), (self.needs, other.needs)]
        return all(dict(mine).items() >= dict(theirs).items() for mine, theirs in pairs)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> OfficeVocabulary:
        """A vocabulary saved by :meth:`save`, or written by hand: the built-in tables
        extended by the file's words (a word of the file wins; a table or scale the file
        leaves out is the built-in one). Only a file saying ``"builtin": false`` replaces
        the built-in tables it gives. A clear error for anything else."""
        data = read_json(path, "pairmatch.office_vocabulary")
        builtin = data.get("builtin", True)
        try:
            if not isinstance(builtin, bool):
                raise ArgumentError('"builtin" is true or false')
            tables = {
                "headers": _str_map(data.get("headers", {}), nested=True),
                "categories": _str_map(data.get("categories", {})),
                "needs": _str_map(data.get("needs", {})),
                "severity": data.get("severity", {}),
                "default_level": data.get("default_level", {}),
            }
            if builtin:
                return cls().extend(**tables)
            given = {k: v for k, v in tables.items() if k in data}
            return cls(**given)
        except (TypeError, AttributeError, ValueError) as err:
            if isinstance(err, ArgumentError):
                raise ArgumentError(f"{Path(path).name}: {err}") from None
            raise ArgumentError(
                f"{Path(path).name} is not a saved vocabulary: its tables are not mappings of words"
            ) from None

    def markdown(self) -> str:
        """The vocabulary as the Markdown tables of ``docs/office.md`` (a test checks the
        page shows exactly these)."""
        lines = ["| 登记表 | 表头 | 字段 |", "|---|---|---|"]
        for kind, words in self.headers.items():
            by_field: dict[str, list[str]] = {}
            for word, target in words.items():
                by_field.setdefault(target, []).append(word)
            register = "儿童" if kind == "children" else "爱心妈妈"
            lines += [f"| {register} | {'、'.join(ws)} | `{f}` |" for f, ws in by_field.items()]
        lines += ["", "| 需求 | 关键词 |", "|---|---|"]
        by_need: dict[str, list[str]] = {}
        for word, need in self.needs.items():
            by_need.setdefault(need, []).append(word)
        lines += [f"| `{n}` | {'、'.join(ws)} |" for n, ws in by_need.items()]
        for scale, title in (("needs", "需求程度"), ("skills", "特长水平")):
            lines += ["", f"| {title} | 词 |", "|---|---|"]
            by_level: dict[int, list[str]] = {}
            for word, level in self.severity[scale].items():
                by_level.setdefault(level, []).append(word)
            lines += [f"| {lv} | {'、'.join(ws)} |" for lv, ws in sorted(by_level.items())]
            lines.append(f"| {self.default_level[scale]}（未写程度时） | |")
        cats: dict[str, list[str]] = {}
        for word, cat in CATEGORY_ALIASES.items():
            cats.setdefault(cat.value, []).append(word)
        lines += ["", "| 儿童类别 | 写法 |", "|---|---|"]
        lines += [f"| `{c}` | {'、'.join(ws)} |" for c, ws in cats.items()]
        return "\n".join(lines) + "\n"

    # ------------------------------------------------------------ reading
    def field(self, kind: Kind, header: object) -> str | None:
        """The field an office's header holds, or None when the vocabulary does not know
        it. pairmatch's own column names are known too."""
        key = header_key(header)
        words = self._keyed_headers.get(kind, {})
        own = words.get(key)
        if own is None and key.endswith(")"):  # 专长（填擅长/熟练/一般）: a note in brackets
            own = words.get(re.sub(r"\([^()]*\)$", "", key))
        if own is not None:
            return own
        plain = key.replace("-", "_")
        return plain if plain in _CANONICAL[kind] else None

    def need_of(self, header: object) -> str | None:
        """The one need a header names by keyword (学业辅导 → ``study``), or None: for the
        columns under a 帮扶需求 or 专长 heading that spans one column per need."""
        key = header_key(header)
        found = {need for word, need in self.needs.items() if word in key}
        return found.pop() if len(found) == 1 else None

    def category(self, word: str) -> str | None:
        """The category code a word names, or None."""
        key = header_key(word)
        extra = self._keyed_categories
        if key in extra:
            return extra[key]
        known = CATEGORY_ALIASES.get(key)
        if known is None:  # "农村留守儿童（父母均外出）": a note in brackets after the word
            bare = re.sub(r"\(.*\)$", "", key)
            known = CATEGORY_ALIASES.get(bare) if bare != key else None
            if known is None and bare in extra:
                return extra[bare]
        return known.value if known is not None else None

    def read_levels(self, text: str, scale: Scale) -> tuple[dict[str, int], list[str]]:
        """Needs (or skills) written as text, as levels by need; and the phrases not
        understood (none is dropped: the caller reports them).

        The cell is split into phrases by the list rule (``、,;`` and spaces, outside
        brackets), and after a bracket that closes a phrase ("学业辅导(严重)生活照料"). A
        phrase names its needs by keyword (:data:`NEED_WORDS`) and its level by a
        severity word (:data:`SEVERITY_WORDS`, 不严重 and 不擅长 among them) or by a lone
        digit 0–3 in brackets, after a colon or at its end (``学业(10)``, ``学业2.5``: any
        other digit, and the phrase is not understood). A need said to be absent reads 0
        in the forms of :data:`NEGATIONS` only (学业：无, 学业辅导（否）, 没有学业需求,
        无需心理辅导, 生活无困难); any other phrase holding a negation is not understood.
        A phrase with a level and no need gives its level to the phrase before it
        (``学业辅导 严重``), when that one has none. A need named twice keeps its highest
        level.

        >>> OfficeVocabulary().read_levels("学业辅导（严重）、心理疏导（一般）", "needs")
        ({'study': 3, 'psychological': 1}, [])
        >>> OfficeVocabulary().read_levels("生活照料:1；陪伴", "needs")
        ({'life': 1}, ['陪伴'])
        >>> OfficeVocabulary().read_levels("学业：无、无人照料、无监护人", "needs")
        ({'study': 0, 'life': 2}, ['无监护人'])
        """
        levels: dict[str, int] = {}
        unknown: list[str] = []
        if header_key(text) in NONE_WORDS:
            return levels, unknown
        mentions: list[tuple[list[str], list[int | None]]] = []
        last: list[int | None] | None = None  # the level of the phrase before, to fill
        for phrase in _phrases(text):
            needs, level = self._phrase(phrase, scale)
            if needs is None:
                unknown.append(phrase)
                last = None
            elif needs:
                mentions.append((needs, [level]))
                last = mentions[-1][1]
            elif last is not None and last[0] is None:  # "学业辅导 严重": the phrase before's
                last[0] = level
                last = None
            else:
                unknown.append(phrase)
        for needs, (level,) in mentions:
            value = self.default_level[scale] if level is None else level
            for need in needs:
                levels[need] = max(levels.get(need, value), value)
        return levels, unknown

    def _phrase(self, phrase: str, scale: Scale) -> tuple[list[str] | None, int | None]:
        """The needs a phrase names and its level; needs None when it is not understood
        (no keyword and no level, two different levels, a digit that is no level, a
        negation not of the forms of :data:`NEGATIONS`)."""
        text = phrase.replace(_NOBODY, " ")  # 无人照料: nobody cares for the child, a need
        for form in _NONE_FORMS:
            none = form.fullmatch(text)
            if none is not None:
                needs, level, rest = self._named(none["x"], scale)
                if needs and level is None and not _DIGIT.search(rest):
                    return needs, 0
                # else read as any phrase: a negation left in it is not understood
        digit = _DIGIT_LEVEL.search(text)  # at the phrase's end, not of what is left
        if digit is not None:
            text = text[: digit.start()]
        needs, level, rest = self._named(text, scale)
        if digit is not None:
            if level is not None:  # 学业3（严重）: two levels
                return None, None
            level = int(next(d for d in digit.groups() if d is not None))
        if needs is None or _DIGIT.search(rest) or (not needs and level is None):
            return None, None
        return needs, level

    def _named(self, text: str, scale: Scale) -> tuple[list[str] | None, int | None, str]:
        """The needs ``text`` names by keyword, its level word's level, and what is left
        of it without them; needs None when it holds two levels or a negation left."""
        rest = text
        found: set[int] = set()
        for word in self._by_length[scale]:
            if word in rest:
                found.add(self.severity[scale][word])
                rest = rest.replace(word, " ")
        needs = sorted({need for word, need in self.needs.items() if word in rest}, key=NEEDS.index)
        for word in self._by_length["keywords"]:
            rest = rest.replace(word, " ")
        if len(found) > 1 or any(c in NEGATIONS for c in rest):
            return None, None, rest
        return needs, (found.pop() if found else None), rest


def _words(name: str, value: object, kind: type, nested: bool = False) -> None:
    """``value`` a dict of words to ``kind`` (or, ``nested``, a dict of such dicts by
    register or scale); an :class:`ArgumentTypeError` naming ``name`` otherwise."""
    shape = "a dict of {'register': {word: ...}}" if nested else "a dict of words"
    if not isinstance(value, Mapping):
        raise ArgumentTypeError(f"{name} must be {shape}")
    inner = list(value.values()) if nested else [value]
    for words in inner:
        if not isinstance(words, Mapping) or not all(
            isinstance(k, str) and isinstance(v, kind) and not isinstance(v, bool)
            for k, v in words.items()
        ):
            raise ArgumentTypeError(
                f"{name} must be {shape}, each word text and each value "
                f"{'text' if kind is str else 'a whole number'}"
            )


def _phrases(text: str) -> list[str]:
    """A cell split by the list rule, outside brackets: "学业辅导（严重、急需）" is one."""
    text = unicodedata.normalize("NFKC", text)
    text = re.sub(r"\s*([()])\s*", r"\1", text)
    out, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        depth += ch == "("
        if ch == ")" and depth > 0:
            depth -= 1
            if depth == 0:  # "学业辅导(严重)生活照料(一般)": a level in brackets ends a phrase
                out.append(text[start : i + 1])
                start = i + 1
        elif depth == 0 and (ch in "、,;" or ch.isspace()):
            out.append(text[start:i])
            start = i + 1
    out.append(text[start:])
    return [p for p in out if p]


def read_json(path: str | os.PathLike[str], form: str) -> dict:
    """A small JSON file pairmatch wrote (its ``format`` is ``form``, when it says one);
    a clear error for a missing, unreadable or foreign file. The path is not repeated: a
    wrong argument may hold anything."""
    what = f"the {form.removeprefix('pairmatch.').replace('_', ' ')} file given"
    path = arguments.path("path", path)
    try:
        if path.stat().st_size > MAX_JSON_BYTES:
            raise ArgumentError(
                f"{what} is larger than {MAX_JSON_BYTES // 1_000_000} MB: it is not a "
                "vocabulary or a mapping of headers pairmatch wrote"
            )
        # utf-8-sig: Windows Notepad saves UTF-8 with a byte-order mark
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise FileAccessError(f"{what} does not exist; check the folder and the name") from None
    except ArgumentError:
        raise
    except (OSError, ValueError, RecursionError, MemoryError) as err:  # ValueError: bad
        raise ArgumentError(  # JSON or UTF-8; RecursionError: brackets nested too deep
            f"{what} could not be read as UTF-8 JSON ({type(err).__name__})"
        ) from None
    if not isinstance(data, dict) or data.get("format", form) != form:
        raise ArgumentError(f"{what} is not a {form} file")
    return data


def write_json(path: str | os.PathLike[str], data: dict) -> Path:
    """``data`` written as UTF-8 JSON at ``path``; a :class:`WriteError` when it cannot be
    (the path is not repeated)."""
    path = arguments.path("path", path)
    try:
        path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    except OSError as err:
        raise WriteError(f"the file could not be written ({type(err).__name__})") from None
    return path


def _str_map(value: object, nested: bool = False) -> dict:
    if not isinstance(value, dict):
        raise TypeError
    if nested:
        return {str(k): _str_map(v) for k, v in value.items()}
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise TypeError
    return dict(value)

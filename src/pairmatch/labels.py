"""Words for people: the headers and codes of pairmatch's tables in English and Chinese.

pairmatch's tables use short English column names and codes (``child_id``,
``capacity_taken``); a county office reads its ledger (结对台账) in Chinese. This module
holds the one vocabulary both the ledger and the command line use, so a header is
translated the same way everywhere.

>>> from pairmatch.labels import header, value
>>> header("child_id", "zh"), header("distance_km", "zh")
('儿童编号', '距离(公里)')
>>> value("reason", "no_consent", "zh")
'监护人未同意'
>>> header("school", "zh")  # a user's own column keeps its name
'school'
"""

from __future__ import annotations

import re

from pairmatch.errors import ArgumentError
from pairmatch.words import (
    HEADERS,
    LANG_VARIABLE,
    LANGS,
    POLICY_LABELS,
    VALUES,
    Lang,
    default_lang,
)

__all__ = [
    "HEADERS",
    "LANGS",
    "LANG_VARIABLE",
    "POLICY_LABELS",
    "VALUES",
    "Lang",
    "default_lang",
    "detail_in_chinese",
    "header",
    "value",
]


def header(column: str, lang: Lang) -> str:
    """The header of ``column`` in ``lang``; columns pairmatch does not know keep their
    name (a user's own columns, possibly already in Chinese)."""
    _check(lang)
    return HEADERS.get(column, column) if lang == "zh" else column


def value(kind: str, code: str, lang: Lang) -> str:
    """A code of kind ``kind`` (a key of :data:`VALUES`) in words of ``lang``; unknown codes
    are returned as they are."""
    _check(lang)
    return VALUES[kind].get(code, code) if lang == "zh" else code


def _check(lang: str) -> None:
    if not isinstance(lang, str) or lang not in LANGS:
        raise ArgumentError(f"unknown language; lang must be one of {', '.join(LANGS)}")


# ---------------------------------------------------------------- the reasons' details
def _needs(text: str) -> str:
    """``study and life`` or ``study, life`` in Chinese: 学业、生活."""
    words = VALUES["need"]
    return "、".join(words.get(k, k) for k in re.split(r", | and ", text))


_N = r"(\d+)"
_KM = r"([\d.]+(?:e[-+]?\d+)?)"  # as {:g} writes it: 10, 2.5, 1e-05
_WHAT = (
    (re.compile(rf"all {_N} volunteers in reach"), lambda m: f"服务范围内的{m[1]}名爱心妈妈"),
    (
        re.compile(r"the volunteers in reach who cover (.+?)"),
        lambda m: f"服务范围内能覆盖{_needs(m[1])}需求的爱心妈妈",
    ),
)
_FULL = {
    "are at capacity or lead as many children as allowed": "名额已满或主结对人数已达上限",
    "are at capacity": "名额已满",
}
_RANKS = (
    (re.compile(rf"{_N} of greater priority"), "其中{0}名优先级更高"),
    (re.compile(rf"{_N} of equal priority whose pairing gives a better total fit"),
     "{0}名优先级相同但总匹配度更高"),
    (re.compile(rf"{_N} of lower priority, whose pairs the other rules keep"),
     "{0}名优先级较低、其结对因其他规则而保留"),
)  # fmt: skip
_FIXED = {
    "the hard rules contradict each other; see the result's reasons": (
        "硬性规则相互矛盾，详见结果中的说明"
    ),
    "the time limit ended the search before any valid pairing was found": (
        "求解时限已到，尚未找到可行的结对方案"
    ),
    "the guardian has not consented to pairing": "监护人尚未同意结对",
    "no eligible, active volunteer with capacity in the county": (
        "本县没有符合条件、在岗且有名额的爱心妈妈"
    ),
    "no eligible, active volunteer with capacity": "没有符合条件、在岗且有名额的爱心妈妈",
    "the volunteers in reach with room left cannot form a valid team for this child "
    "(team size, coverage or lead cap); the rest of their capacity went to children ranked "
    "higher": (
        "服务范围内仍有名额的爱心妈妈无法为该儿童组成有效的帮扶小组（小组人数、需求覆盖或"
        "主结对上限），其余名额已分配给排序更靠前的儿童"
    ),
    "a volunteer in reach had room; the search stopped before proving the best": (
        "服务范围内有爱心妈妈仍有名额，但求解在证明最优之前已停止"
    ),
}
_PATTERNS = (
    (re.compile(rf"nearest eligible volunteer is {_KM} km away; limit {_KM} km"),
     lambda m: f"最近的符合条件的爱心妈妈相距{m[1]}公里，超过服务距离上限{m[2]}公里"),
    (re.compile(rf"nearest eligible volunteer is {_KM} km away, beyond her own travel limit"),
     lambda m: f"最近的符合条件的爱心妈妈相距{m[1]}公里，超出其本人的服务半径"),
    (re.compile(rf"all {_N} volunteers in reach are forbidden pairs"),
     lambda m: f"服务范围内的{m[1]}名爱心妈妈均不得与该儿童结对"),
    (re.compile(r"no volunteer in reach has the skill to cover (.+)"),
     lambda m: f"服务范围内没有爱心妈妈具备覆盖{_needs(m[1])}需求的技能"),
    (re.compile(r"no single volunteer in reach covers (.+), and the team may have one member"),
     lambda m: f"服务范围内没有一名爱心妈妈能单独覆盖{_needs(m[1])}需求，而帮扶小组只能有一人"),
    (re.compile(rf"covering (.+) takes {_N} volunteers in reach; the team may have {_N}"),
     lambda m: f"覆盖{_needs(m[1])}需求需要服务范围内的{m[2]}名爱心妈妈，而帮扶小组最多{m[3]}人"),
    (re.compile(rf"all {_N} volunteers in reach are full; {_N} of them hold locked pairs"),
     lambda m: f"服务范围内的{m[1]}名爱心妈妈名额已满，其中{m[2]}名有锁定的结对"),
)  # fmt: skip
_TAKEN = re.compile(
    rf"(?P<what>.+?) (?P<full>are at capacity(?: or lead as many children as allowed)?), "
    rf"holding {_N} (?:children|child)(?P<rest>.*)"
)
_LATE = " (the time limit stopped the search before ranking them)"


def detail_in_chinese(text: str) -> str:
    """A reason's detail (``result.unmatched["detail"]``) in Chinese; a text it does not
    know is returned as it is.

    >>> detail_in_chinese("nearest eligible volunteer is 12.3 km away; limit 10 km")
    '最近的符合条件的爱心妈妈相距12.3公里，超过服务距离上限10公里'
    >>> detail_in_chinese("all 4 volunteers in reach are at capacity, holding 5 children: "
    ...                   "2 of greater priority, 3 of equal priority whose pairing gives a "
    ...                   "better total fit")
    '服务范围内的4名爱心妈妈名额已满，已结对5名儿童：其中2名优先级更高，3名优先级相同但总匹配度更高'
    """
    if text in _FIXED:
        return _FIXED[text]
    for pattern, words in _PATTERNS:
        m = pattern.fullmatch(text)
        if m:
            return words(m)
    m = _TAKEN.fullmatch(text)
    if m is None:
        return text
    what = next((w(hit) for p, w in _WHAT if (hit := p.fullmatch(m["what"]))), None)
    if what is None:
        return text
    out = f"{what}{_FULL[m['full']]}，已结对{m[3]}名儿童"
    rest = m["rest"]
    if rest == _LATE:
        return out + "（求解时限已到，尚未比较其优先次序）"
    if not rest:
        return out
    if not rest.startswith(": "):
        return text
    ranks: list[str] = []
    for part in re.split(r", (?=\d+ of )", rest[2:]):
        form = next((f for pattern, f in _RANKS if pattern.fullmatch(part)), None)
        if form is None:
            return text
        ranks.append(form.format(part.split(" ", 1)[0]))
    return out + "：" + "，".join(ranks)

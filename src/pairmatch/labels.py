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

import json
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
    "INPUT_SUFFIX",
    "LANGS",
    "LANG_VARIABLE",
    "PAIR_REASONS",
    "PHRASES",
    "POLICY_LABELS",
    "VALUES",
    "VOLUNTEER_PREFIX",
    "Lang",
    "default_lang",
    "detail_in_chinese",
    "figure",
    "header",
    "in_chinese",
    "phrase",
    "resolve",
    "said",
    "setting_text",
    "solver_name",
    "status_name",
    "value",
]


def resolve(lang: str | None) -> Lang:
    """The language a call asked for: ``lang``, or :func:`default_lang` when it is None; a
    :class:`~pairmatch.ArgumentError` for anything but ``en`` and ``zh``.

    >>> resolve("zh"), resolve(None) in LANGS
    ('zh', True)
    """
    if lang is None:
        return default_lang()
    _check(lang)
    return lang  # type: ignore[return-value]


#: What pairmatch adds to a register's own column names in its ledger: the lead
#: volunteer's columns are prefixed ``volunteer_``, a name the ledger already uses gets
#: the suffix ``_input``.
VOLUNTEER_PREFIX, INPUT_SUFFIX = "volunteer_", "_input"


def header(column: str, lang: Lang) -> str:
    """The header of ``column`` in ``lang``; columns pairmatch does not know keep their
    name (a user's own columns, possibly already in Chinese), but pairmatch's own prefix
    and suffix are translated.

    >>> header("volunteer_手机号", "zh"), header("volunteer_shift", "zh")
    ('爱心妈妈手机号', '爱心妈妈·shift')
    >>> header("category_input", "zh")
    '儿童类别(原表)'
    """
    _check(lang)
    if lang == "en":
        return column
    if column in HEADERS:
        return HEADERS[column]
    if column.endswith(INPUT_SUFFIX) and len(column) > len(INPUT_SUFFIX):
        return header(column[: -len(INPUT_SUFFIX)], lang) + "(原表)"
    if column.startswith(VOLUNTEER_PREFIX) and len(column) > len(VOLUNTEER_PREFIX):
        own = header(column[len(VOLUNTEER_PREFIX) :], lang)
        return "爱心妈妈" + ("" if own[:1] > "\x7f" else "·") + own
    return column


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


# ---------------------------------------------------------------- words of the views
#: Short words of the reports, notebook views and command line, in Chinese (English: the
#: key itself).
PHRASES: dict[str, str] = {
    "children": "儿童",
    "volunteers": "爱心妈妈",
    "candidate pairs": "候选结对",
    "paired": "已结对",
    "pairs": "结对",
    "synthetic county": "模拟县",
    "teams:": "帮扶小组:",
    "children with 2 or more volunteers": "名儿童由2名以上爱心妈妈结对",
    "distance km (to the lead)": "距离(公里,至主结对人)",
    "status": "求解状态",
    "objective": "总匹配度",
    "bound": "上界",
    "gap": "最优性差距",
    "time s": "用时(秒)",
    "pairing": "结对结果",
    "paired by category": "各类儿童结对情况",
    "category": "儿童类别",
    "priority points": "优先级分",
    "share": "结对率",
    "unmatched by reason": "未结对原因",
    "unmatched, by reason": "未结对原因",
    "note": "说明",
    "mean": "平均",
    "p90": "90%分位",
    "max": "最大",
    "ledger written to": "结对台账已写入",
    "notes withheld (they name records)": "条说明未显示（其中含有记录编号）",
    "count": "数量",
    "part": "分片",
    "seconds": "用时(秒)",
    "setting": "设置项",
    "value": "值",
    "meaning": "说明",
    "change": "变动",
    "pairs ended (history)": "已结束的结对(历史)",
    "pairs forbidden": "禁止的结对",
    "last re-pairing": "最近一次重新结对",
    "children register": "儿童登记表",
    "volunteers register": "爱心妈妈登记表",
    "rows left out as no records (totals, signature lines)": (
        "行不是记录，未读入（合计行、填表人等）"
    ),
}


def phrase(text: str, lang: Lang) -> str:
    """A short word of :data:`PHRASES` in ``lang`` (English: as it is)."""
    _check(lang)
    return PHRASES.get(text, text) if lang == "zh" else text


def status_name(status: str, lang: Lang) -> str:
    """A :class:`~pairmatch.Status` value for people: ``OPTIMAL`` or ``最优``."""
    return value("result_status", status, lang)


_PARTS = re.compile(r"by parts(?: \((\d+)\))?")


def solver_name(solver: str, lang: Lang) -> str:
    """The name of the back end that solved a result (``flow``, ``cpsat``, ``by parts (3)``)
    in ``lang``.

    >>> solver_name("by parts (3)", "zh"), solver_name("flow", "en")
    ('分片求解(3片)', 'flow')
    """
    _check(lang)
    if lang == "en":
        return solver
    m = _PARTS.fullmatch(solver)
    if m:
        return f"分片求解({m[1]}片)" if m[1] else "分片求解"
    return VALUES["solver"].get(solver, solver)


def figure(x: float) -> str:
    """A number as people write it: whole numbers without decimals, others to at most three
    decimals (``5``, ``0.5``, ``1264.041``)."""
    text = f"{x:.3f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


_SETTING_KIND = {"category_priority": "category", "need_weights": "need"}


def setting_text(name: str, setting: object, lang: Lang) -> str:
    """A policy setting's or a run fact's value in words of ``lang``: 是/否, 无 for none,
    ``学业:1, 生活:1`` for a dict of needs, ``1至3`` for a range, statuses and solvers in
    words. English keeps pairmatch's JSON text (as the policy sheet has always written)."""
    _check(lang)
    if lang == "en":
        return setting if isinstance(setting, str) else json.dumps(
            setting, ensure_ascii=False, default=str)  # fmt: skip
    if name == "status":
        return status_name(str(setting), lang)
    if name == "solver":
        return solver_name(str(setting), lang)
    return _zh_text(setting, VALUES.get(_SETTING_KIND.get(name, ""), {}))


def _zh_text(x: object, words: dict[str, str]) -> str:
    """Any setting value in Chinese words; ``words`` translates a dict's keys."""
    if x is None:
        return "无"
    if isinstance(x, bool):
        return "是" if x else "否"
    if isinstance(x, int | float):
        return figure(x)
    if isinstance(x, dict):
        if not x:
            return "无"
        return "；".join(f"{words.get(str(k), k)}:{_zh_text(v, {})}" for k, v in x.items())
    if isinstance(x, list | tuple):
        if len(x) == 2 and all(isinstance(i, int | float) for i in x):
            return f"{figure(x[0])}至{figure(x[1])}"
        return "、".join(_zh_text(i, words) for i in x) or "无"
    return in_chinese(str(x))


# ---------------------------------------------------------------- re-pairing reasons
#: Why a pair ended or changed in a re-pairing (``diff["reason"]``,
#: ``history["end_reason"]``), in Chinese; an office's own reasons keep their words.
PAIR_REASONS: dict[str, str] = {
    "new pair": "新结对",
    "declined": "已婉拒",
    "ended by the office": "由工作人员解除",
    "the child left the programme": "儿童已退出项目",
    "the volunteer left the programme": "爱心妈妈已退出项目",
    "the volunteer went to pair a child who had none (neediest first)": (
        "该爱心妈妈改为结对一名尚无结对的儿童（需求最迫切者优先）"
    ),
    "the volunteer went to re-pair a child whose pair had ended (neediest first)": (
        "该爱心妈妈改为重新结对一名原结对已解除的儿童（需求最迫切者优先）"
    ),
    "replaced by a better overall pairing (a fit gain above the switching cost)": (
        "由更优的整体结对方案取代（匹配度提升超过保持现有结对的分值）"
    ),
    "the volunteer's capacity no longer holds it": "爱心妈妈的名额已不足以保留该结对",
    "role changed to lead": "角色改为主结对人",
    "role changed to support": "角色改为协助",
}
#: The hard rules a carried pair may break (:func:`pairmatch.pipeline.broken_rules`).
_RULES = {
    "the guardian has not consented": "监护人未同意",
    "the volunteer is not eligible": "爱心妈妈不符合条件",
    "the volunteer is not active": "爱心妈妈不在岗",
    "the volunteer has no capacity": "爱心妈妈没有名额",
    "they are in different counties": "双方不在同一县",
    "the pair is also forbidden": "该结对已被禁止",
    "unknown": "原因不明",
}
_APART = re.compile(rf"they are {_KM} km apart, beyond the {_KM} km limit")
_BROKEN = "a hard rule now breaks it: "
#: The solver's notes on a result (``result.reasons``) that name no record.
_NOTES = (
    (re.compile(rf"{_N} children have more than one locked pair"),
     lambda m: f"{m[1]}名儿童有多个锁定的结对"),
    (re.compile(rf"{_N} volunteers have locked pairs beyond their capacity"),
     lambda m: f"{m[1]}名爱心妈妈锁定的结对超出其名额"),
    (re.compile(rf"{_N} children must be paired but have no allowed pair"),
     lambda m: f"{m[1]}名儿童必须结对但没有允许的结对"),
    (re.compile(r"the registers share no county: the children are in (.+), the volunteers in "
                r"(.+); no child can be paired inside her county\. Check how each register "
                r"writes its counties, give a single-county register its county when reading "
                r"it \(county=\.\.\.\), or allow cross-county pairs "
                r"\(allow_cross_county=True\)", re.DOTALL),
     lambda m: f"两张登记表没有相同的县：儿童在{_counties(m[1])}，爱心妈妈在{_counties(m[2])}；"
               "没有儿童能在本县内结对。请检查两张表县名的写法；只有一个县的登记表，可在读表时"
               "给出县名（county=...）；或允许跨县结对（allow_cross_county=True）"),
)  # fmt: skip


def _counties(text: str) -> str:
    """A few counties as :meth:`~pairmatch.registry.Registry.counties_apart` lists them
    (``甲县, 乙县 and 3 more``, ``no county``), in Chinese."""
    if text == "no county":
        return "（未填县名）"
    m = re.fullmatch(r"(.*) and (\d+) more", text, re.DOTALL)
    named, more = (m[1], m[2]) if m else (text, None)
    return "、".join(named.split(", ")) + (f"等（另有{more}个县）" if more else "")


def _rule(text: str) -> str:
    m = _APART.fullmatch(text)
    if m:
        return f"双方相距{m[1]}公里，超过{m[2]}公里的上限"
    return _RULES.get(text, text)


def in_chinese(text: str) -> str:
    """Any sentence pairmatch writes for people (a reason's detail, why a pair ended or
    changed, a solver's note) in Chinese; a text it does not know (an office's own reason)
    is returned as it is.

    >>> in_chinese("a hard rule now breaks it: the volunteer is not active")
    '现已违反硬性规则：爱心妈妈不在岗'
    >>> in_chinese("the child moved away")  # an office's own words
    'the child moved away'
    """
    if text in PAIR_REASONS:
        return PAIR_REASONS[text]
    if text.startswith(_BROKEN):
        return "现已违反硬性规则：" + "；".join(_rule(r) for r in text[len(_BROKEN) :].split("; "))
    for pattern, words in _NOTES:
        m = pattern.fullmatch(text)
        if m:
            return words(m)
    return detail_in_chinese(text)


def said(text: str, lang: Lang) -> str:
    """A sentence pairmatch wrote, in ``lang`` (see :func:`in_chinese`)."""
    _check(lang)
    return in_chinese(text) if lang == "zh" else text

"""pairmatch's words for people, as data: the language it speaks when a call does not say
(:func:`default_lang`), and the Chinese of its column headers, codes and settings.

This module imports nothing of pairmatch, so that the lowest modules (:mod:`pairmatch.errors`
saying an input problem in Chinese) may use it; :mod:`pairmatch.labels` holds the functions
that use these words and is where callers find them.
"""

from __future__ import annotations

import os
from typing import Literal, TypeAlias

__all__ = [
    "HEADERS",
    "LANGS",
    "LANG_VARIABLE",
    "POLICY_LABELS",
    "VALUES",
    "Lang",
    "default_lang",
]

Lang: TypeAlias = Literal["en", "zh"]
LANGS: tuple[Lang, ...] = ("en", "zh")

#: The environment variable that sets the language of what pairmatch says to people when a
#: call does not: ``zh`` (also ``zh_CN``, ``zh-CN.UTF-8``, ``中文``) or ``en``.
LANG_VARIABLE = "PAIRMATCH_LANG"


def default_lang() -> Lang:
    """The language a call uses when it is not given one: ``zh`` when the environment
    variable :data:`LANG_VARIABLE` starts with ``zh`` (or is ``中文``), else ``en``.

    >>> import os
    >>> os.environ["PAIRMATCH_LANG"] = "zh_CN.UTF-8"; default_lang()
    'zh'
    >>> del os.environ["PAIRMATCH_LANG"]; default_lang()
    'en'
    """
    said = os.environ.get(LANG_VARIABLE, "").strip().lower()
    return "zh" if said.startswith("zh") or said == "中文" else "en"


#: Chinese headers of every column pairmatch writes (English keeps the column names).
HEADERS: dict[str, str] = {
    # people and pairs
    "child_id": "儿童编号",
    "volunteer_id": "爱心妈妈编号",
    "status": "结对状态",
    "distance_km": "距离(公里)",
    "fit": "匹配度",
    "reason": "未结对原因",
    "reason_code": "原因代码",
    "detail": "详情",
    "priority": "优先级",
    "team_size": "结对人数",
    "support_ids": "协助爱心妈妈编号",
    "role": "角色",
    "need_fit": "需求匹配分",
    "tag_bonus": "兴趣加分",
    "preference": "偏好加分",
    "distance_penalty": "距离扣分",
    "shared_tags": "共同兴趣数",
    "covers": "覆盖需求",
    "locked": "锁定",
    "volunteer_township": "爱心妈妈所在乡镇",
    # the child's record
    "category": "儿童类别",
    "gender": "性别",
    "name": "姓名",
    "phone": "手机号",
    "birth_date": "出生日期",
    "id_number": "身份证号",
    "address": "住址",
    "province": "省",
    "city": "市",
    "county": "县(市、区)",
    "township": "乡镇(街道)",
    "village": "村(社区)",
    "volunteer_name": "爱心妈妈姓名",
    "volunteer_id_number": "爱心妈妈身份证号",
    "volunteer_address": "爱心妈妈住址",
    "volunteer_gender": "爱心妈妈性别",
    # summaries
    "children": "儿童数",
    "paired": "已结对",
    "unmatched": "未结对",
    "paired_share": "结对率",
    "team_children": "小组结对儿童数",
    "mean_distance_km": "平均距离(公里)",
    "p90_distance_km": "90%分位距离(公里)",
    # the Matcher's history, its events and a re-pairing's changes
    "start": "开始时间",
    "end": "结束时间",
    "end_reason": "结束原因",
    "change": "变动",
    "event": "事件",
    "at": "时间",
    # the policy sheet
    "setting": "设置项",
    "setting_label": "说明",
    "value": "值",
}

#: Chinese words for the codes in pairmatch's tables, by column.
VALUES: dict[str, dict[str, str]] = {
    # a child's status in the ledger, a pair's in the Matcher's history
    "status": {"paired": "已结对", "unmatched": "未结对", "proposed": "待确认",
               "active": "进行中", "ended": "已结束", "declined": "已婉拒"},
    # what a re-pairing did to a pair (``result.diff["change"]``), and the history's events
    "change": {"kept": "保持", "added": "新增", "ended": "解除", "reassigned": "改配"},
    "event": {"started": "开始", "ended": "结束", "declined": "婉拒"},
    # how good a solution is known to be (:class:`~pairmatch.Status`), and who found it
    "result_status": {"OPTIMAL": "最优", "FEASIBLE": "可行(未证明最优)",
                      "INFEASIBLE": "无可行解", "UNKNOWN": "未找到可行解"},
    "solver": {"flow": "最小费用流", "cpsat": "约束规划", "none": "未求解"},
    "stability": {"keep": "尽量保持现有结对", "strict": "严格保持在岗结对"},
    "role": {"lead": "主结对人", "support": "协助"},
    "category": {
        "left_behind": "留守儿童",
        "scattered_orphan": "散居孤儿",
        "no_guardian_care": "事实无人抚养儿童",
        "other_difficulty": "困境儿童",
    },
    "gender": {"female": "女", "male": "男"},
    "need": {"study": "学业", "life": "生活", "psychological": "心理", "safety": "安全"},
    "reason": {
        "problem_infeasible": "规则相互矛盾，未能结对",
        "not_solved": "时限内未找到可行结对方案",
        "no_consent": "监护人未同意",
        "no_eligible_volunteer_in_reach": "服务范围内没有符合条件的爱心妈妈",
        "all_candidates_forbidden": "服务范围内的爱心妈妈均不可结对",
        "coverage_impossible": "服务范围内无法组成覆盖全部需求的帮扶小组",
        "locked_out": "服务范围内的爱心妈妈已被锁定结对占满",
        "capacity_taken": "服务范围内的爱心妈妈名额已由更优先的儿童占用",
        "not_paired_in_time": "时限内未完成结对",
    },
    "bool": {"True": "是", "False": "否"},
}  # fmt: skip

#: Chinese names of the :class:`~pairmatch.Policy` settings and of the run's facts.
POLICY_LABELS: dict[str, str] = {
    "max_distance_km": "最远服务距离(公里)",
    "allow_cross_county": "允许跨县结对",
    "need_weights": "各类需求权重",
    "tag_bonus": "每个共同兴趣加分",
    "distance_penalty_per_km": "每公里距离扣分",
    "need_priority_weight": "需求程度优先级权重",
    "category_priority": "儿童类别优先级",
    "score_resolution": "匹配度精度",
    "gender_bonus": "性别偏好加分",
    "same_township_bonus": "同乡镇加分",
    "same_village_bonus": "同村(社区)加分",
    "switching_cost": "保持现有结对的分值",
    "fairness_penalty": "超额结对扣分",
    "fair_load": "公平结对数",
    "team_size": "帮扶小组人数范围",
    "severe_team_size": "重点儿童帮扶小组人数范围",
    "severe_total_need": "重点儿童需求总分线",
    "severe_need": "重点儿童单项需求线",
    "cover_need_from": "需覆盖的需求程度",
    "cover_skill_from": "覆盖需求所需技能等级",
    "support_load": "协助成员占用名额",
    "max_leads": "每人最多主结对儿童数",
    # facts of the run
    "version": "pairmatch 版本",
    "solver": "求解器",
    "status": "求解状态",
    "objective": "总匹配度",
    "bound": "总匹配度上界",
    "gap": "最优性差距",
    "pseudonymised": "已假名化",
    "left_out": "未导出的列",
}

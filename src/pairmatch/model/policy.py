"""The rules and weights of a pairing: :class:`Policy`.

The objective is lexicographic, and both levels are computed in integers so that every
solver optimises exactly the same numbers:

1. **Priority paired** (maximised first, never traded for level 2)::

       priority(c) = 1 + need_priority_weight * (need_study + need_life
                                                 + need_psychological + need_safety)
                       + category_priority[category(c)]

   summed over the paired children. Because every priority is at least 1, for one-to-one
   and capacity problems the optimum also pairs the largest possible *number* of children
   (the children that can be paired together form a matroid, and a maximum-weight basis is
   also a maximum-cardinality one): "pair everyone who can be paired, the neediest first".

2. **Fit** (maximised among the level-1 optima)::

       fit(c, v) = sum_k need_weights[k] * need_k(c) * skill_k(v)
                 + tag_bonus * |interests(c) ∩ specialities(v)|
                 + gender_bonus * [v's gender is c's preferred_gender]
                 + same_township_bonus * [same township] + same_village_bonus * [same village]
                 - distance_penalty_per_km * distance_km(c, v)

   summed over the pairs, each pair's fit rounded to ``score_resolution`` first. In a team
   (several volunteers for one child) the need × skill part counts once per need category,
   from the member with the most skill in it (complementary skills are not counted twice).

3. **Fewer volunteers** per child where fit is equal (only with teams).

Teams (多对一): a child may get ``team_size`` volunteers, ``severe_team_size`` when their
total need reaches ``severe_total_need`` or one need reaches ``severe_need``, or their own
``team_min``/``team_max`` columns. One member leads (主结对人); the others support, each
using ``support_load`` of a slot of their capacity. With ``cover_need_from`` set, a paired
child's team must include, for every need category of severity ``>= cover_need_from``, a
member with skill ``>= cover_skill_from`` in it.

Hard rules (never broken): a pair is only possible within both ``max_distance_km`` and the
volunteer's own ``max_distance_km`` (great-circle distance), inside one county unless
``allow_cross_county``, for an eligible and active volunteer with spare capacity and a child
whose guardian consented.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator, Mapping
from fractions import Fraction
from html import escape
from typing import Annotated, Any, ClassVar

import pydantic
from pydantic import ConfigDict, Field, field_validator, model_validator

from pairmatch.errors import FieldError, InputIssue, ValidationError
from pairmatch.labels import POLICY_LABELS, default_lang, setting_text
from pairmatch.model.base import PairmatchModel
from pairmatch.model.vocab import (
    LEVEL_MAX,
    MAX_CAPACITY,
    MAX_TEAM,
    NEEDS,
    ChildCategory,
    near_miss,
    parse_category,
)
from pairmatch.outputs import html

__all__ = ["Policy", "read_policy"]

# Upper bounds keep both objective levels exact in 64-bit integers for every back end.
NonNegative = Annotated[float, Field(ge=0, le=1e6, allow_inf_nan=False)]
Weight = Annotated[int, Field(ge=0, le=10_000)]
TeamBound = Annotated[int, Field(ge=1, le=MAX_TEAM)]
TeamSize = tuple[TeamBound, TeamBound]

_DEFAULT_CATEGORY_PRIORITY = {
    ChildCategory.NO_GUARDIAN_CARE: 4,
    ChildCategory.SCATTERED_ORPHAN: 4,
    ChildCategory.OTHER_DIFFICULTY: 2,
    ChildCategory.LEFT_BEHIND: 1,
}


class Policy(PairmatchModel):
    """Rules and weights for one pairing run.

    Examples
    --------
    >>> import pairmatch as pm
    >>> policy = pm.Policy(max_distance_km=8, tag_bonus=3)
    >>> policy.max_distance_km, policy.need_weights["study"]
    (8.0, 1.0)
    >>> pm.Policy(max_distance_km=-1)
    Traceback (most recent call last):
    ...
    pairmatch.errors.ModelValidationError: 1 validation error for Policy
    ...
    """

    # the settings may come from another system's request: an error names the field, never
    # the value given (nor a key that is not a setting: it may be anything)
    model_config = ConfigDict(
        frozen=True, extra="forbid", use_attribute_docstrings=True, hide_input_in_errors=True
    )
    error_table: ClassVar[str] = "policy"

    max_distance_km: float = Field(default=10.0, gt=0, le=20_000, allow_inf_nan=False)
    """Farthest a volunteer is asked to travel (great-circle km)."""
    allow_cross_county: bool = False
    """Pair across county lines (records are owned by their county, so off by default)."""
    need_weights: dict[str, NonNegative] = Field(default_factory=lambda: dict.fromkeys(NEEDS, 1.0))
    """Weight of need × skill per need category; missing categories weigh 1."""
    tag_bonus: NonNegative = 2.0
    """Fit points per tag shared by a child's interests and a volunteer's specialities."""
    distance_penalty_per_km: NonNegative = 0.5
    """Fit points lost per km between child and volunteer (nearest-first, 就近就便)."""
    need_priority_weight: Weight = 1
    """Priority points per point of total need severity."""
    category_priority: dict[ChildCategory, Weight] = Field(
        default_factory=lambda: dict(_DEFAULT_CATEGORY_PRIORITY)
    )
    """Priority points per child category (the categories ranked first get the most)."""
    score_resolution: float = Field(default=0.001, ge=1e-6, le=1)
    """Fit is rounded to this step before optimising, so every solver sees integers."""

    # ---- soft preferences (fit points)
    gender_bonus: NonNegative = 1.0
    """Fit points when the volunteer's gender is the child's ``preferred_gender``."""
    same_township_bonus: NonNegative = 0.0
    """Fit points when child and volunteer live in the same township (乡镇)."""
    same_village_bonus: NonNegative = 0.0
    """Fit points when they live in the same village (村/社区): people who know the family."""

    switching_cost: NonNegative = 5.0
    """Fit points an existing pair is worth keeping when pairs are re-solved (see
    :class:`pairmatch.Matcher`): a working pair is replaced only when the gain in fit
    exceeds this (pairing a needier child, level 1, always outranks it)."""
    fairness_penalty: NonNegative = 0.0
    """Fit points lost for each child a volunteer takes beyond her fair load (spreads the
    work; 0: off)."""
    fair_load: int | None = Field(default=None, ge=0, le=MAX_CAPACITY)
    """Children per volunteer before ``fairness_penalty`` applies; None: the average of her
    county, i.e. its children with a volunteer in reach / its volunteers with a child in
    reach, rounded up (of the whole register when ``allow_cross_county``)."""

    # ---- teams (one lead volunteer plus supporting members for one child)
    team_size: TeamSize = (1, 1)
    """Smallest and largest team for every child (``(1, 1)``: one volunteer per child)."""
    severe_team_size: TeamSize | None = None
    """Team size range for children in severe need (see ``severe_total_need``)."""
    severe_total_need: int = Field(default=8, ge=0, le=4 * LEVEL_MAX)
    """A child whose total need reaches this is in severe need."""
    severe_need: int = Field(default=LEVEL_MAX, ge=0, le=LEVEL_MAX)
    """A child with one need of at least this severity is in severe need."""
    cover_need_from: int | None = Field(default=None, ge=1, le=LEVEL_MAX)
    """Needs of at least this severity must be covered by a team member (None: no rule)."""
    cover_skill_from: int = Field(default=2, ge=1, le=LEVEL_MAX)
    """Skill a member needs in a category to cover it."""
    support_load: float = Field(default=1.0, ge=0.01, le=1)
    """Share of a capacity slot a supporting member uses (a lead uses a whole slot): a
    fraction with a denominator of at most 100, such as 0.5, 0.25 or 1/3."""
    max_leads: int | None = Field(default=None, ge=1, le=MAX_CAPACITY)
    """Most children one volunteer may lead (None: only her capacity limits it)."""

    def __repr_args__(self) -> Iterator[tuple[str, Any]]:
        """Only the settings that differ from the defaults, so that ``repr`` stays short:
        ``Policy(max_distance_km=5.0)``; ``model_dump()`` has them all."""
        for name, field in type(self).model_fields.items():
            value = getattr(self, name)
            if value != field.get_default(call_default_factory=True):
                yield name, value

    def _repr_html_(self) -> str:
        """The notebook view: every setting, its value and meaning, the settings changed
        from the defaults in bold; in Chinese (each setting by its Chinese name, no
        English meaning) when :func:`pairmatch.labels.default_lang` says so."""
        lang = default_lang()
        default = type(self)()
        rows = []
        for name, field in type(self).model_fields.items():
            value = getattr(self, name)
            shown = escape(POLICY_LABELS[name] if lang == "zh" else name)
            label = f"<b>{shown}</b>" if value != getattr(default, name) else shown
            if lang == "zh":
                rows.append(f"<tr><td>{label}</td><td>{escape(setting_text(name, value, lang))}"
                            "</td></tr>")  # fmt: skip
                continue
            about = escape(" ".join((field.description or "").split()))
            rows.append(
                f"<tr><td>{label}</td><td>{escape(html.text(value))}</td>"
                f'<td style="text-align:left">{about}</td></tr>'
            )
        if lang == "zh":
            head, title = "<th>设置项</th><th>值</th>", "匹配规则（加粗的设置已改动）"
        else:
            head = "<th>setting</th><th>value</th><th>meaning</th>"
            title = "Policy (settings changed from the defaults in bold)"
        table = f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
        return html.box(title, table)

    @model_validator(mode="before")
    @classmethod
    def _known_settings(cls, data: Any) -> Any:
        if isinstance(data, Mapping):
            unknown = [k for k in data if k not in cls.model_fields]
            if unknown:
                raise FieldError(_unknown("setting", unknown, cls.model_fields))
        return data

    @field_validator("need_weights", mode="before")
    @classmethod
    def _need_names(cls, weights: Any) -> Any:
        # before the values are read: a bad value under an unknown key would otherwise be
        # reported at that key
        if isinstance(weights, Mapping):
            unknown = [k for k in weights if k not in NEEDS]
            if unknown:
                raise FieldError(_unknown("need category", unknown, NEEDS))
        return weights

    @field_validator("need_weights")
    @classmethod
    def _known_needs(cls, weights: dict[str, float]) -> dict[str, float]:
        return {k: float(weights.get(k, 1.0)) for k in NEEDS}

    @field_validator("category_priority", mode="before")
    @classmethod
    def _known_categories(cls, value: object) -> object:
        if isinstance(value, dict):
            merged = dict(_DEFAULT_CATEGORY_PRIORITY)
            merged.update({parse_category(k): v for k, v in value.items()})
            return merged
        return value

    @field_validator("team_size", "severe_team_size")
    @classmethod
    def _ordered(cls, value: tuple[int, int] | None) -> tuple[int, int] | None:
        if value is not None and value[0] > value[1]:
            raise FieldError(f"smallest team {value[0]} is larger than largest {value[1]}")
        return value

    @field_validator("support_load")
    @classmethod
    def _exact_fraction(cls, value: float) -> float:
        # loads are exact integers: a share that is no fraction p/q with q <= 100 would be
        # rounded, and a rounded-down share could overfill a capacity
        near = Fraction(value).limit_denominator(100)
        if abs(float(near) - value) > 1e-9 * max(1.0, value):
            raise FieldError(
                f"must be a fraction with a denominator of at most 100 (such as 0.5 or 1/3); "
                f"the nearest is {near}"
            )
        return value

    @property
    def support_fraction(self) -> Fraction:
        """``support_load`` as an exact fraction (denominator at most 100), so loads and
        capacities stay integers: a lead uses ``denominator`` units, a supporter
        ``numerator``."""
        return Fraction(self.support_load).limit_denominator(100)

    @property
    def priority_ceiling(self) -> int:
        """The highest priority a child can have under this policy (every need at its
        highest level)."""
        return (
            1
            + self.need_priority_weight * LEVEL_MAX * len(NEEDS)
            + max(self.category_priority.values(), default=0)
        )

    @property
    def may_form_teams(self) -> bool:
        """Whether these settings alone may give a child several volunteers, ask for
        coverage or cap leads (a child's own ``team_max`` may also ask for a team)."""
        return (
            self.team_size[1] > 1
            or self.severe_team_size is not None
            or self.cover_need_from is not None
            or self.max_leads is not None
        )

    def need_weight_vector(self) -> list[float]:
        """Need weights in the order of :data:`pairmatch.model.vocab.NEEDS`."""
        return [self.need_weights[k] for k in NEEDS]


def _unknown(what: str, keys: list[object], known: Iterable[str]) -> str:
    """The message for keys that are not among ``known``: a near-miss is named, with the
    word it is close to; any other key is only counted (it may be anything)."""
    known = list(known)
    named = []
    for key in keys:
        near = near_miss(key, known)
        if near is not None:
            close = difflib.get_close_matches(near.lower(), known, n=1, cutoff=0.75)[0]
            named.append(f"{near!r} (did you mean {close!r}?)")
        elif what == "setting" and (shown := _key_shown(key)) is not None:
            named.append(repr(shown))
    plural = "s" if len(keys) != 1 else ""
    listed = f": {', '.join(named)}" if named else ""
    return f"{len(keys)} unknown {what}{plural}{listed}; use {', '.join(known)}"


def _key_shown(key: object, *, vocabulary: bool = False) -> str | None:
    """A key of the settings as an error may show it: a position, or a word that cannot be
    personal (a Python identifier in ASCII for a setting's name; for a key inside a setting,
    a word of the needs' and categories' vocabulary or a near-miss of one); else None."""
    if isinstance(key, int) and not isinstance(key, bool):
        return str(key) if vocabulary else None  # a position in a list, not a setting
    if not isinstance(key, str):
        return None
    if vocabulary:
        return near_miss(key, [*NEEDS, *(c.value for c in ChildCategory)])
    return key if key.isascii() and key.isidentifier() and len(key) <= 40 else None


def read_policy(data: Any) -> Policy:
    """A :class:`Policy` from a Policy, a mapping of its settings (such as a request's
    parsed JSON) or None (the defaults).

    Raises
    ------
    pairmatch.ValidationError
        Naming every bad setting (table ``"policy"``, the setting as ``field``), never the
        value given.

    Examples
    --------
    >>> read_policy({"max_distance_km": 5}).max_distance_km
    5.0
    >>> read_policy({"max_distance_km": -1, "tag_bonuss": 1})
    Traceback (most recent call last):
    ...
    pairmatch.errors.ValidationError: 2 problems in policy; nothing was changed:
      - policy, field 'tag_bonuss': unknown setting (did you mean 'tag_bonus'?)
      - policy, field 'max_distance_km': Input should be greater than 0
    """
    if data is None:
        return Policy()
    if isinstance(data, Policy):
        return data
    if not isinstance(data, Mapping):
        what = type(data).__name__
        raise ValidationError(
            [InputIssue("policy", None, None, None,
                        f"must be a pm.Policy or a dict of its settings (a JSON object), "
                        f"not a {what}")],
            what="policy",
        )  # fmt: skip
    issues = []
    known = list(Policy.model_fields)
    for key in data:
        if key not in Policy.model_fields:
            near = near_miss(key, known)
            if near is None:
                text = f"a key that is not a setting; the settings are {', '.join(known)}"
            else:
                close = difflib.get_close_matches(near.lower(), known, n=1, cutoff=0.75)[0]
                text = f"unknown setting (did you mean {close!r}?)"
            issues.append(InputIssue("policy", None, None, _key_shown(key), text))
    settings = {k: v for k, v in data.items() if k in Policy.model_fields}
    try:
        policy = Policy.model_validate(settings)
    except pydantic.ValidationError as err:
        for e in err.errors(include_url=False, include_input=False, include_context=False):
            text = e["msg"].removeprefix("Value error, ")
            field = str(e["loc"][0]) if e["loc"] else None  # keys were checked: a setting
            inner = [_key_shown(part, vocabulary=True) for part in e["loc"][1:]]
            if inner and None not in inner:  # a need or category word, or a position
                text += f" (at {'.'.join(map(str, inner))!r})"
            issues.append(InputIssue("policy", None, None, field, text))
    if issues:
        raise ValidationError(issues, what="policy")
    return policy

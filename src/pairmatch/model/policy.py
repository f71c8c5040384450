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
                 - distance_penalty_per_km * distance_km(c, v)

   summed over the pairs, each pair's fit rounded to ``score_resolution`` first.

Hard rules (never broken): a pair is only possible within both ``max_distance_km`` and the
volunteer's own ``max_distance_km`` (great-circle distance), inside one county unless
``allow_cross_county``, for an eligible and active volunteer with spare capacity and a child
whose guardian consented.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

from pairmatch.model.vocab import NEEDS, ChildCategory, parse_category

__all__ = ["Policy"]

# Upper bounds keep both objective levels exact in 64-bit integers for every back end.
NonNegative = Annotated[float, Field(ge=0, le=1e6, allow_inf_nan=False)]
Weight = Annotated[int, Field(ge=0, le=10_000)]

_DEFAULT_CATEGORY_PRIORITY = {
    ChildCategory.NO_GUARDIAN_CARE: 4,
    ChildCategory.SCATTERED_ORPHAN: 4,
    ChildCategory.OTHER_DIFFICULTY: 2,
    ChildCategory.LEFT_BEHIND: 1,
}


class Policy(BaseModel):
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
    pydantic_core._pydantic_core.ValidationError: 1 validation error for Policy
    ...
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

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

    @field_validator("need_weights")
    @classmethod
    def _known_needs(cls, weights: dict[str, float]) -> dict[str, float]:
        unknown = sorted(set(weights) - set(NEEDS))
        if unknown:
            raise ValueError(f"unknown need categories {unknown}; use {list(NEEDS)}")
        return {k: float(weights.get(k, 1.0)) for k in NEEDS}

    @field_validator("category_priority", mode="before")
    @classmethod
    def _known_categories(cls, value: object) -> object:
        if isinstance(value, dict):
            merged = dict(_DEFAULT_CATEGORY_PRIORITY)
            merged.update({parse_category(k): v for k, v in value.items()})
            return merged
        return value

    def need_weight_vector(self) -> list[float]:
        """Need weights in the order of :data:`pairmatch.model.vocab.NEEDS`."""
        return [self.need_weights[k] for k in NEEDS]

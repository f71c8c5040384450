"""The records a county office keeps: children and volunteers (pydantic v2).

Records can be built by hand, nested::

    >>> from pairmatch import Child, Location, Jurisdiction, Needs
    >>> child = Child(id="C0001", location=Location(lat=30.1, lon=111.2),
    ...               jurisdiction=Jurisdiction(county="Anxian", township="T01"),
    ...               category="left_behind", needs=Needs(study=2, psychological=1),
    ...               interests="chess", guardian_consent=True, name="(a name)")
    >>> child.needs.total, child.interests
    (3, ('chess',))
    >>> "(a name)" in repr(child)
    False

or from one row of the table form (``lat``, ``lon``, ``county``, ``need_study``, ...), as
:meth:`Child.model_validate` accepts both shapes. The sensitive fields ``name``,
``id_number`` and ``address`` never appear in a repr, and a validation error never echoes
the value it rejected.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, ClassVar

from pydantic import (
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from pairmatch.errors import FieldError
from pairmatch.model.base import PairmatchModel
from pairmatch.model.vocab import (
    LEVEL_MAX,
    LEVEL_MIN,
    MAX_CAPACITY,
    MAX_TEAM,
    NEEDS,
    ChildCategory,
    Gender,
    is_missing,
    parse_bool,
    parse_category,
    parse_gender,
    parse_id,
    parse_tags,
)

__all__ = [
    "CHILD_COLUMNS",
    "CHILD_OPTIONAL",
    "JURISDICTION_LEVELS",
    "SENSITIVE_COLUMNS",
    "VOLUNTEER_COLUMNS",
    "Child",
    "Jurisdiction",
    "Location",
    "Needs",
    "Skills",
    "Volunteer",
]

JURISDICTION_LEVELS = ("province", "city", "county", "township", "village")
SENSITIVE_COLUMNS = ("name", "id_number", "address")

#: Required columns of the children table, in the documented order.
CHILD_COLUMNS = (
    "id",
    "lat",
    "lon",
    *JURISDICTION_LEVELS,
    "category",
    *(f"need_{k}" for k in NEEDS),
    "interests",
    "guardian_consent",
    "team_min",
    "team_max",
    "preferred_gender",
)
#: Optional children columns: a blank cell means "the policy decides" / "no preference".
CHILD_OPTIONAL = ("province", "city", "township", "village", "interests", *CHILD_COLUMNS[-3:])
#: Columns of the volunteers table, in the documented order (capacity, max_distance_km and
#: active may be left out: they default to 1, no personal limit, and true).
VOLUNTEER_COLUMNS = (
    "id",
    "lat",
    "lon",
    *JURISDICTION_LEVELS,
    *(f"skill_{k}" for k in NEEDS),
    "specialities",
    "capacity",
    "max_distance_km",
    "eligible",
    "active",
)

Level = Annotated[int, Field(ge=LEVEL_MIN, le=LEVEL_MAX, strict=False)]
TeamBound = Annotated[int, Field(ge=1, le=MAX_TEAM, strict=False)]
Tags = Annotated[tuple[str, ...], BeforeValidator(parse_tags)]
StrictBool = Annotated[bool, BeforeValidator(parse_bool)]
Text = Annotated[str, Field(min_length=1)]

_CONFIG = ConfigDict(
    frozen=True,
    extra="forbid",
    hide_input_in_errors=True,  # a rejected value may be personal data
    str_strip_whitespace=True,
)


class Location(PairmatchModel):
    """A point in WGS84 degrees."""

    model_config = _CONFIG
    lat: float = Field(ge=-90, le=90, allow_inf_nan=False)
    lon: float = Field(ge=-180, le=180, allow_inf_nan=False)


class Jurisdiction(PairmatchModel):
    """Where a record is registered. The county owns the record and is required."""

    model_config = _CONFIG
    province: str | None = None
    city: str | None = None
    county: Text
    township: str | None = None
    village: str | None = None


class _Levels(PairmatchModel):
    model_config = _CONFIG
    study: Level = 0
    life: Level = 0
    psychological: Level = 0
    safety: Level = 0


class Needs(_Levels):
    """A child's need severity per category, 0 (none) to 3 (severe)."""

    @property
    def total(self) -> int:
        return self.study + self.life + self.psychological + self.safety


class Skills(_Levels):
    """A volunteer's skill level per need category, 0 (none) to 3 (professional)."""


def _nest_flat_row(data: Any, prefix: str, group: str) -> Any:
    """Accept the flat table form (lat, lon, county, need_study, ...) as well as nesting."""
    if not isinstance(data, dict):
        return data
    row = dict(data)
    flat = "location" not in row and ("lat" in row or "lon" in row)
    if flat:
        row["location"] = {"lat": row.pop("lat", None), "lon": row.pop("lon", None)}
    if "jurisdiction" not in row and any(k in row for k in JURISDICTION_LEVELS):
        row["jurisdiction"] = {k: _none_if_nan(row.pop(k)) for k in JURISDICTION_LEVELS if k in row}
    keys = [f"{prefix}_{k}" for k in NEEDS]
    if group not in row and any(k in row for k in keys):
        row[group] = {k: row.pop(f"{prefix}_{k}") for k in NEEDS if f"{prefix}_{k}" in row}
    # A flat table row may carry extra columns (kept and passed through to the ledger); a
    # nested record may not, so a mistyped field name is an error rather than an extra.
    extra = {k: row.pop(k) for k in list(row) if k not in _FIELDS[group]} if flat else {}
    if extra:
        row["extra"] = {**row.get("extra", {}), **extra}
    return row


def _none_if_nan(value: Any) -> Any:
    return None if is_missing(value) else value


class _Record(PairmatchModel):
    model_config = _CONFIG

    id: Text
    location: Location
    jurisdiction: Jurisdiction
    gender: Annotated[Gender | None, BeforeValidator(parse_gender)] = None
    name: str | None = Field(default=None, repr=False)
    id_number: str | None = Field(default=None, repr=False)
    address: str | None = Field(default=None, repr=False)
    extra: dict[str, Any] = Field(default_factory=dict, repr=False)

    @field_validator("id", mode="before")
    @classmethod
    def _id_as_text(cls, value: Any) -> Any:
        return parse_id(value)

    def _row(self) -> dict[str, Any]:
        j = self.jurisdiction
        return {
            "id": self.id,
            "lat": self.location.lat,
            "lon": self.location.lon,
            **{k: getattr(j, k) for k in JURISDICTION_LEVELS},
        }

    def _tail(self) -> dict[str, Any]:
        tail: dict[str, Any] = {"gender": self.gender.value if self.gender else None}
        tail |= {k: getattr(self, k) for k in SENSITIVE_COLUMNS}
        return tail | self.extra


class Child(_Record):
    """A child in the register.

    A child without ``guardian_consent`` is never paired; they are reported as unmatched
    with the reason ``no_consent``. ``team_min``/``team_max`` override the policy's team
    size for this child; ``preferred_gender`` is the volunteer gender the family prefers (a
    soft preference, see :attr:`Policy.gender_bonus`).
    """

    error_table: ClassVar[str] = "children"
    category: Annotated[ChildCategory, BeforeValidator(parse_category)]
    needs: Needs = Field(default_factory=Needs)
    interests: Tags = ()
    guardian_consent: StrictBool
    team_min: TeamBound | None = None
    team_max: TeamBound | None = None
    preferred_gender: Annotated[Gender | None, BeforeValidator(parse_gender)] = None

    @model_validator(mode="after")
    def _team_order(self) -> Child:
        if (
            self.team_min is not None
            and self.team_max is not None
            and self.team_min > self.team_max
        ):
            raise FieldError("team_min is larger than team_max")
        return self

    @model_validator(mode="before")
    @classmethod
    def _flat(cls, data: Any) -> Any:
        data = _nest_flat_row(data, "need", "needs")
        if isinstance(data, dict):
            # a blank cell in an optional column means "the policy decides"
            for name in ("team_min", "team_max", "preferred_gender"):
                value = _none_if_nan(data.get(name))
                if name in data and (value is None or str(value).strip() == ""):
                    del data[name]
        return data

    def to_row(self) -> dict[str, Any]:
        """This record as one row of the children table."""
        return (
            self._row()
            | {"category": self.category.value}
            | {f"need_{k}": getattr(self.needs, k) for k in NEEDS}
            | {"interests": ";".join(self.interests), "guardian_consent": self.guardian_consent}
            | {"team_min": self.team_min, "team_max": self.team_max}
            | {"preferred_gender": self.preferred_gender.value if self.preferred_gender else None}
            | self._tail()
        )


class Volunteer(_Record):
    """A volunteer (爱心妈妈) in the register.

    ``eligible`` must be stated: false for anyone with a criminal record or dismissed from
    public office, who is never paired. ``max_distance_km`` is her own travel limit; ``None``
    means only the policy's limit applies.
    """

    error_table: ClassVar[str] = "volunteers"

    skills: Skills = Field(default_factory=Skills)
    specialities: Tags = ()
    capacity: int = Field(default=1, ge=0, le=MAX_CAPACITY)
    max_distance_km: float | None = Field(default=None, gt=0, allow_inf_nan=False)
    eligible: StrictBool
    active: StrictBool = True

    @model_validator(mode="before")
    @classmethod
    def _flat(cls, data: Any) -> Any:
        data = _nest_flat_row(data, "skill", "skills")
        if isinstance(data, dict):
            data["max_distance_km"] = _none_if_nan(data.get("max_distance_km"))
            # a blank cell in an optional column takes the default, as in the table form
            for name in ("capacity", "active", "specialities"):
                if name in data and _none_if_nan(data[name]) is None:
                    del data[name]
        return data

    def to_row(self) -> dict[str, Any]:
        """This record as one row of the volunteers table."""
        return (
            self._row()
            | {f"skill_{k}": getattr(self.skills, k) for k in NEEDS}
            | {
                "specialities": ";".join(self.specialities),
                "capacity": self.capacity,
                "max_distance_km": (
                    math.nan if self.max_distance_km is None else self.max_distance_km
                ),
                "eligible": self.eligible,
                "active": self.active,
            }
            | self._tail()
        )


_BASE_FIELDS = {"id", "location", "jurisdiction", "gender", *SENSITIVE_COLUMNS, "extra"}
_FIELDS = {
    "needs": _BASE_FIELDS
    | {"category", "needs", "interests", "guardian_consent", *CHILD_COLUMNS[-3:]},
    "skills": _BASE_FIELDS
    | {"skills", "specialities", "capacity", "max_distance_km", "eligible", "active"},
}

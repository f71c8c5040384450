"""Records, vocabulary and policy: what a county office knows, before any solving. The
rest of pairmatch reads these; they read nothing but the errors and the HTML pieces."""

from pairmatch.model.policy import Policy
from pairmatch.model.records import (
    CHILD_COLUMNS,
    VOLUNTEER_COLUMNS,
    Child,
    Jurisdiction,
    Location,
    Needs,
    Skills,
    Volunteer,
)
from pairmatch.model.tables import validate_children, validate_volunteers
from pairmatch.model.vocab import NEEDS, ChildCategory, Gender

__all__ = [
    "CHILD_COLUMNS",
    "NEEDS",
    "VOLUNTEER_COLUMNS",
    "Child",
    "ChildCategory",
    "Gender",
    "Jurisdiction",
    "Location",
    "Needs",
    "Policy",
    "Skills",
    "Volunteer",
    "validate_children",
    "validate_volunteers",
]

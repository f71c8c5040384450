"""pairmatch: pair volunteers (caring mothers, 爱心妈妈) with children who need care, as a
constraint optimisation problem, and prove how good the pairing is.

>>> import pairmatch as pm
>>> children, volunteers = pm.synth.county(400, seed=1)
>>> result = pm.match(children, volunteers, pm.Policy(max_distance_km=10))
>>> result.status.value, result.gap
('OPTIMAL', 0.0)
>>> bool(pm.verify(result))
True

The public API is exactly what ``__all__`` lists.
"""

import logging

from pairmatch import synth
from pairmatch.candidates import Candidates
from pairmatch.errors import (
    ArgumentError,
    ArgumentTypeError,
    CountiesApartWarning,
    DateError,
    FileAccessError,
    FileReadError,
    InputIssue,
    MissingDependencyError,
    MissingFileError,
    ModelValidationError,
    PairmatchError,
    PairmatchWarning,
    SolverError,
    SolverUnavailableError,
    TooLargeError,
    UnknownKeyError,
    ValidationError,
)
from pairmatch.explain.explanation import Explanation
from pairmatch.explain.reasons import Reason
from pairmatch.io import read_children, read_volunteers, save_columns
from pairmatch.match import match
from pairmatch.model import (
    Child,
    ChildCategory,
    Gender,
    Jurisdiction,
    Location,
    Needs,
    Policy,
    Skills,
    Volunteer,
)
from pairmatch.office.locate import locate
from pairmatch.office.vocabulary import OfficeVocabulary
from pairmatch.partition import PartitionedResult, match_partitioned
from pairmatch.problem import Problem
from pairmatch.rematching.changes import Changes
from pairmatch.rematching.matcher import Matcher, MatcherFileError
from pairmatch.result import MatchResult, UnknownIdError
from pairmatch.solvers import BACKENDS, Options, Solution, Status, solve
from pairmatch.verify import Verification, VerificationError, verify
from pairmatch.version import __version__

logging.getLogger("pairmatch").addHandler(logging.NullHandler())


__all__ = [
    "BACKENDS",
    "ArgumentError",
    "ArgumentTypeError",
    "Candidates",
    "Changes",
    "Child",
    "ChildCategory",
    "CountiesApartWarning",
    "DateError",
    "Explanation",
    "FileAccessError",
    "FileReadError",
    "Gender",
    "InputIssue",
    "Jurisdiction",
    "Location",
    "MatchResult",
    "Matcher",
    "MatcherFileError",
    "MissingDependencyError",
    "MissingFileError",
    "ModelValidationError",
    "Needs",
    "OfficeVocabulary",
    "Options",
    "PairmatchError",
    "PairmatchWarning",
    "PartitionedResult",
    "Policy",
    "Problem",
    "Reason",
    "Skills",
    "Solution",
    "SolverError",
    "SolverUnavailableError",
    "Status",
    "TooLargeError",
    "UnknownIdError",
    "UnknownKeyError",
    "ValidationError",
    "Verification",
    "VerificationError",
    "Volunteer",
    "__version__",
    "locate",
    "match",
    "match_partitioned",
    "read_children",
    "read_volunteers",
    "save_columns",
    "solve",
    "synth",
    "verify",
]

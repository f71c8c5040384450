"""Every error pairmatch raises is a ``pm.PairmatchError``, wherever it comes from.

The public API (``pm.__all__``: its functions, its classes' constructors and their public
methods, ``synth``, a result's figures) is called with a wrong argument in each parameter
in turn: ``None``, text where a number goes, a negative count, NaN, a dict where a table
goes, an unknown id, a missing file, ... Each call must either succeed (some parameters
take these) or raise a pairmatch error, never a bare ``TypeError``, ``ValueError``,
``KeyError`` or ``AttributeError`` from inside; and the error must not repeat the personal
value given. The parameters come from each callable's signature, so a parameter added
later is walked too. Also: errors.py holds every exception class of the package.
"""

from __future__ import annotations

import ast
import copy
import enum
import inspect
import math
import pickle
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pydantic
import pytest
from matplotlib.figure import Figure

import pairmatch as pm
import pairmatch.errors
import registers

matplotlib.use("Agg")

SRC = Path(pm.__file__).parent
SECRET = "王小明"  # a child's name: never repeated by an error
MISSING = Path("no such folder") / "no such file.csv"


class _Odd:
    """An object of no type any parameter takes."""

    def __repr__(self) -> str:
        return "<odd>"


#: Wrong values tried in every parameter (the name says what each stands for).
BAD: dict[str, Any] = {
    "None": None,
    "text": SECRET,
    "unknown id": "C999",
    "empty text": "",
    "negative": -1,
    "zero": 0,
    "fraction": 1.5,
    "nan": math.nan,
    "infinity": math.inf,
    "huge": 10**30,
    "bool": True,
    "bytes": b"\x00\xff",
    "dict": {"a": 1},
    "list": [1, 2],
    "object": _Odd(),
    "missing file": MISSING,
    "empty table": pd.DataFrame(),
    "array": np.array([[1.0, -2.0], [math.nan, 3.0]]),
}


# ---------------------------------------------------------------------------- fixtures
@dataclass
class World:
    """Small valid inputs and the objects made from them."""

    children: pd.DataFrame
    volunteers: pd.DataFrame
    result: pm.MatchResult
    partitioned: pm.PartitionedResult
    matcher: pm.Matcher
    problem: pm.Problem
    proposed: tuple[str, str]
    saved: Path
    words: Path


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    children = registers.children(
        [{"id": f"C{i}", "lat": 30 + i / 200, "need_study": i % 3} for i in range(6)]
    )
    volunteers = registers.volunteers([{"id": f"V{i}", "lat": 30 + i / 150} for i in range(4)])
    policy = pm.Policy(max_distance_km=5)
    result = pm.match(children, volunteers, policy)
    matcher = pm.Matcher(children, volunteers, policy)
    first = matcher.solve(at="2025-01-01")
    pair = first.pairs.iloc[0]
    saved = matcher.save(tmp_path_factory.mktemp("saved") / "county.pm")
    value = np.array([[3.0, 1.0, 0.0], [2.0, 0.0, 4.0]])
    return World(
        children=children,
        volunteers=volunteers,
        result=result,
        partitioned=pm.match_partitioned(children, volunteers, policy, max_workers=1),
        matcher=matcher,
        problem=pm.Problem.from_matrices(value),
        proposed=(str(pair["child_id"]), str(pair["volunteer_id"])),
        saved=saved,
        words=pm.OfficeVocabulary().save(tmp_path_factory.mktemp("words") / "words.json"),
    )


# ---------------------------------------------------------------------------- targets
@dataclass(frozen=True)
class Target:
    """A public callable, how to get it, and good values for the parameters it needs."""

    name: str
    get: Callable[[World], Callable[..., Any]]
    good: Callable[[World], dict[str, Any]] = lambda w: {}
    #: parameters not walked, each with why
    skip: dict[str, str] = field(default_factory=dict)


#: Parameters that take a path: an error may name the path given (the caller's own; the
#: command line names files by their role instead).
PATHS = {"children", "volunteers", "source", "path"}


def _record(kind: str) -> dict[str, Any]:
    row = registers.CHILD if kind == "child" else registers.VOLUNTEER
    row = {k: v for k, v in row.items() if not (isinstance(v, float) and math.isnan(v))}
    return {"id": "R1", **row}


#: An enumeration's other parameters make a new enumeration (Enum's functional API).
_ENUM_API = dict.fromkeys(
    ("names", "module", "qualname", "type", "start", "boundary"), "Enum's functional API"
)


def _fresh_matcher(w: World) -> pm.Matcher:
    return copy.deepcopy(w.matcher)


TARGETS: list[Target] = [
    # functions
    Target(
        "match", lambda w: pm.match, lambda w: {"children": w.children, "volunteers": w.volunteers}
    ),
    Target(
        "match_partitioned",
        lambda w: pm.match_partitioned,
        lambda w: {"children": w.children, "volunteers": w.volunteers, "max_workers": 1},
    ),
    Target("read_children", lambda w: pm.read_children, lambda w: {"source": w.children}),
    Target("read_volunteers", lambda w: pm.read_volunteers, lambda w: {"source": w.volunteers}),
    Target("solve", lambda w: pm.solve, lambda w: {"problem": w.problem}),
    Target("OfficeVocabulary", lambda w: pm.OfficeVocabulary),
    Target(
        "OfficeVocabulary.extend",
        lambda w: pm.OfficeVocabulary().extend,
        lambda w: {"needs": {"陪伴": "psychological"}},
    ),
    Target(
        "OfficeVocabulary.load", lambda w: pm.OfficeVocabulary.load, lambda w: {"path": w.words}
    ),
    Target("locate", lambda w: pm.locate, lambda w: {"table": w.children}),
    Target(
        "save_columns",
        lambda w: pm.save_columns,
        lambda w: {"columns": {"孩子代码": "id"}, "path": w.words.parent / "columns.json"},
    ),
    Target("verify", lambda w: pm.verify, lambda w: {"result": w.result}),
    Target("synth.county", lambda w: pm.synth.county, lambda w: {"n_children": 5}),
    Target(
        "synth.province", lambda w: pm.synth.province, lambda w: {"n_children": 5, "n_counties": 2}
    ),
    # records, policy, options, changes
    Target("Policy", lambda w: pm.Policy),
    Target("Policy.model_validate", lambda w: pm.Policy.model_validate, lambda w: {"obj": {}}),
    Target("Child", lambda w: pm.Child, lambda w: _record("child")),
    Target(
        "Child.model_validate",
        lambda w: pm.Child.model_validate,
        lambda w: {"obj": _record("child")},
    ),
    Target("Volunteer", lambda w: pm.Volunteer, lambda w: _record("volunteer")),
    Target(
        "Volunteer.model_validate",
        lambda w: pm.Volunteer.model_validate,
        lambda w: {"obj": _record("volunteer")},
    ),
    Target("Location", lambda w: pm.Location, lambda w: {"lat": 30.0, "lon": 111.0}),
    Target("Jurisdiction", lambda w: pm.Jurisdiction, lambda w: {"county": "K"}),
    Target("Needs", lambda w: pm.Needs),
    Target("Skills", lambda w: pm.Skills),
    Target(
        "ChildCategory",
        lambda w: pm.ChildCategory,
        lambda w: {"value": "left_behind"},
        skip=_ENUM_API,
    ),
    Target("Gender", lambda w: pm.Gender, lambda w: {"value": "female"}, skip=_ENUM_API),
    Target("Status", lambda w: pm.Status, lambda w: {"value": "OPTIMAL"}, skip=_ENUM_API),
    Target("Reason", lambda w: pm.Reason, lambda w: {"value": "no_consent"}, skip=_ENUM_API),
    Target("Options", lambda w: pm.Options),
    Target("Changes", lambda w: pm.Changes),
    # the Matcher
    Target(
        "Matcher",
        lambda w: pm.Matcher,
        lambda w: {"children": w.children, "volunteers": w.volunteers},
    ),
    Target("Matcher.load", lambda w: pm.Matcher.load, lambda w: {"path": w.saved}),
    Target("Matcher.solve", lambda w: _fresh_matcher(w).solve),
    Target(
        "Matcher.update",
        lambda w: _fresh_matcher(w).update,
        lambda w: {"changes": pm.Changes(remove_children=["C5"])},
    ),
    Target(
        "Matcher.respond",
        lambda w: _fresh_matcher(w).respond,
        lambda w: {"child_id": w.proposed[0], "volunteer_id": w.proposed[1], "accept": True},
    ),
    Target("Matcher.active_on", lambda w: w.matcher.active_on, lambda w: {"when": "2025-02-01"}),
    Target(
        "Matcher.events",
        lambda w: w.matcher.events,
        lambda w: {"since": "2024-12-01", "until": "2025-02-01"},
    ),
    Target("Matcher.save", lambda w: _fresh_matcher(w).save, lambda w: {"path": "out.pm"}),
    # problems and solutions
    Target(
        "Problem",
        lambda w: pm.Problem,
        lambda w: {
            "n_children": 2,
            "n_volunteers": 3,
            "child": np.array([0, 0, 1]),
            "volunteer": np.array([0, 1, 2]),
            "score": np.array([3, 1, 4]),
        },
    ),
    Target(
        "Problem.from_matrices",
        lambda w: pm.Problem.from_matrices,
        lambda w: {"value": np.array([[3.0, 1.0], [2.0, 0.0]])},
    ),
    Target(
        "Problem.restrict",
        lambda w: w.problem.restrict,
        lambda w: {"edges": np.arange(w.problem.n_edges)},
    ),
    Target(
        "Problem.overload",
        lambda w: w.problem.overload,
        lambda w: {"chosen": np.zeros(w.problem.n_edges, bool)},
    ),
    Target(
        "Candidates.edges",
        lambda w: w.result.candidates.edges,
        lambda w: {"child": np.array([0]), "volunteer": np.array([0])},
    ),
    # a result
    Target("MatchResult.explain", lambda w: w.result.explain, lambda w: {"child_id": "C0"}),
    Target(
        "MatchResult.alternatives", lambda w: w.result.alternatives, lambda w: {"child_id": "C0"}
    ),
    Target("MatchResult.shortfall", lambda w: w.result.shortfall),
    Target("MatchResult.summary", lambda w: w.result.summary),
    Target("MatchResult.diff_table", lambda w: w.result.diff_table),
    Target("MatchResult.report", lambda w: w.result.report),
    Target("Matcher.history_table", lambda w: w.matcher.history_table),
    Target("MatchResult.ledger", lambda w: w.result.ledger),
    Target("MatchResult.ledger_tables", lambda w: w.result.ledger_tables),
    Target("MatchResult.to_ledger", lambda w: w.result.to_ledger, lambda w: {"path": "ledger.csv"}),
    Target("MatchResult.plot.coverage", lambda w: w.result.plot.coverage),
    Target("MatchResult.plot.distances", lambda w: w.result.plot.distances),
    Target("MatchResult.plot.load", lambda w: w.result.plot.load),
    Target("MatchResult.plot.map_static", lambda w: w.result.plot.map_static),
    Target(
        "MatchResult.plot.map",
        lambda w: w.result.plot.map,
        skip={"map_options": "passed to folium.Map as they are"},
    ),
    Target(
        "PartitionedResult.part",
        lambda w: w.partitioned.part,
        lambda w: {"key": w.partitioned.parts["part"].iat[0]},
    ),
    Target("PartitionedResult.summary", lambda w: w.partitioned.summary),
    Target("PartitionedResult.ledger_tables", lambda w: w.partitioned.ledger_tables),
    Target(
        "PartitionedResult.to_ledger",
        lambda w: w.partitioned.to_ledger,
        lambda w: {"path": "ledger.xlsx"},
    ),
    Target(
        "Verification.fail",
        lambda w: pm.Verification().fail,
        lambda w: {"rule": "r", "message": "m"},
    ),
]


def _parameters(target: Target, world: World) -> list[str]:
    """The parameters of the callable, as its signature gives them (no ``*args``)."""
    signature = inspect.signature(target.get(world))
    return [
        p.name
        for p in signature.parameters.values()
        if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD) and p.name not in target.skip
    ]


def test_every_public_callable_is_walked() -> None:
    """A public function, class or method not in TARGETS fails here: add it there."""
    names = {t.name for t in TARGETS}
    exempt = {
        # exceptions, constants, data holders with no checks of their own
        *(
            n
            for n in pm.__all__
            if isinstance(getattr(pm, n), type) and issubclass(getattr(pm, n), BaseException)
        ),
        "BACKENDS",
        "__version__",
        "synth",
        "InputIssue",
        "Explanation",
        "Verification",
        "Solution",
        "Candidates",
        "MatchResult",
        "PartitionedResult",
    }
    for name in pm.__all__:
        if name in exempt:
            continue
        assert name in names, f"pm.{name} is not walked by tests/test_errors.py"
    classes = {
        "MatchResult": pm.MatchResult,
        "Matcher": pm.Matcher,
        "Problem": pm.Problem,
        "PartitionedResult": pm.PartitionedResult,
    }
    for cls_name, cls in classes.items():
        for method, obj in inspect.getmembers(cls):
            if method.startswith("_") or not inspect.isfunction(obj):
                continue
            if list(inspect.signature(obj).parameters) == ["self"]:
                continue  # nothing to get wrong
            assert f"{cls_name}.{method}" in names, f"{cls_name}.{method} is not walked"
    for name in pm.synth.__all__:
        if callable(getattr(pm.synth, name)):
            assert f"synth.{name}" in names


def _call(target: Target, world: World, parameter: str, value: Any) -> BaseException | None:
    """The exception calling the target with ``value`` in ``parameter`` raised, or None."""
    kwargs = dict(target.good(world))
    kwargs[parameter] = value
    try:
        out = target.get(world)(**kwargs)
    except BaseException as err:  # what is raised is the test
        return err
    if isinstance(out, Figure):
        plt.close(out)
    return None


def _wrong(err: BaseException | None, parameter: str) -> str | None:
    """What is wrong with the outcome, or None."""
    if err is None:
        return None
    if not isinstance(err, pm.PairmatchError):
        return f"{type(err).__module__}.{type(err).__name__}: {str(err)[:160]}"
    text = str(err) + repr(err)
    if isinstance(err, pm.ValidationError):
        text += "".join(str(p) for p in err.problems)
    if SECRET in text and parameter not in PATHS:
        return f"{type(err).__name__} repeats the value given: {text[:160]}"
    return None


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("target", [pytest.param(t, id=t.name) for t in TARGETS])
def test_wrong_arguments_raise_pairmatch_errors(
    target: Target, world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # whatever a call writes lands here
    failures = []
    calls = 0
    for parameter in _parameters(target, world):
        for label, value in BAD.items():
            calls += 1
            problem = _wrong(_call(target, world, parameter, value), parameter)
            if problem is not None:
                failures.append(f"{target.name}({parameter}={label}): {problem}")
    assert calls
    assert not failures, "\n".join(failures)


# ---------------------------------------------------------------------------- the tree
def test_every_exception_class_is_defined_in_errors_py() -> None:
    """No module but errors.py defines an exception (a class deriving from one), except
    the team solver's private time-out signal and column generation's signal that HiGHS
    could not solve its master, which never leave their module."""
    allowed = {
        ("solvers/teams/model.py", "_OutOfTime"),
        ("solvers/teams/colgen.py", "_LinearProgramFailed"),
    }
    found = []
    for path in sorted(SRC.rglob("*.py")):
        if path.name == "errors.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                bases = {ast.unparse(b) for b in node.bases}
                if any(b.endswith(("Error", "Exception")) for b in bases):
                    where = (path.relative_to(SRC).as_posix(), node.name)
                    if where not in allowed:
                        found.append(where)
    assert not found, found


def test_the_tree() -> None:
    for name in pairmatch.errors.__all__:
        cls = getattr(pairmatch.errors, name)
        if name == "InputIssue":
            continue
        assert issubclass(cls, pm.PairmatchError | pm.PairmatchWarning), name
        assert cls.__module__ == "pairmatch.errors", name
    # the classes that moved are the same objects where they used to be
    from pairmatch.rematching.matcher import MatcherFileError
    from pairmatch.result import UnknownIdError
    from pairmatch.verify import VerificationError

    assert pm.MatcherFileError is MatcherFileError is pairmatch.errors.MatcherFileError
    assert pm.UnknownIdError is UnknownIdError is pairmatch.errors.UnknownIdError
    assert pm.VerificationError is VerificationError is pairmatch.errors.VerificationError
    # and keep their built-in bases, so callers' except clauses still catch them
    assert issubclass(pm.UnknownIdError, KeyError)
    assert issubclass(pm.MatcherFileError, ValueError)
    assert issubclass(pm.VerificationError, AssertionError)
    assert issubclass(pm.ArgumentTypeError, TypeError)
    assert issubclass(pm.ArgumentError, ValueError)
    assert issubclass(pm.ModelValidationError, pydantic.ValidationError)
    for vocabulary in (pm.ChildCategory, pm.Gender, pm.Status, pm.Reason):
        assert issubclass(vocabulary, enum.StrEnum)
        with pytest.raises(ValueError, match=f"not a {vocabulary.__name__}; use one of"):
            vocabulary(SECRET)


def test_a_policy_error_is_both_pydantic_and_pairmatch() -> None:
    with pytest.raises(pm.ModelValidationError) as err:
        pm.Policy(max_distance_km=-1, tag_bonus=SECRET)
    assert isinstance(err.value, pydantic.ValidationError)
    assert {p.field for p in err.value.problems} == {"max_distance_km", "tag_bonus"}
    assert [e["loc"] for e in err.value.errors()] == [("max_distance_km",), ("tag_bonus",)]
    assert "2 validation errors for Policy" in str(err.value)
    again = pickle.loads(pickle.dumps(err.value))  # as a worker process sends it back
    assert type(again) is pm.ModelValidationError and again.problems == err.value.problems
    # a key given is repeated only when it is a field's name
    with pytest.raises(pm.ModelValidationError) as err:
        pm.Child.model_validate({**_record("child"), "location": {"lat": 1, "lon": 1, SECRET: 1}})
    assert SECRET not in str(err.value) + repr(err.value)
    assert [p.field for p in err.value.problems] == ["location", "lat", "lon"]

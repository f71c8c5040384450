"""One set of solver options: every entry point takes ``options=`` (a ``pm.Options``) or the
keywords of the same names, gives the same pairs either way, and refuses both at once."""

from __future__ import annotations

import pandas as pd
import pytest

import pairmatch as pm

POLICY = pm.Policy(max_distance_km=5)


@pytest.fixture(scope="module")
def county():
    return pm.synth.county(150, seed=11)


def _pairs(result) -> pd.DataFrame:
    return result.pairs[["child_id", "volunteer_id"]].reset_index(drop=True)


ENTRY_POINTS = {
    "match": lambda c, v, **kw: pm.match(c, v, POLICY, **kw),
    "match_partitioned": lambda c, v, **kw: pm.match_partitioned(c, v, POLICY, max_workers=1, **kw),
    "Matcher": lambda c, v, **kw: pm.Matcher(c, v, POLICY, **kw).solve(),
}


@pytest.mark.parametrize("entry", sorted(ENTRY_POINTS))
def test_options_and_keywords_give_the_same_pairs(county, entry) -> None:
    run = ENTRY_POINTS[entry]
    by_keywords = run(*county, solver="cpsat", seed=3, workers=1)
    by_options = run(*county, options=pm.Options(solver="cpsat", seed=3, workers=1))
    pd.testing.assert_frame_equal(_pairs(by_keywords), _pairs(by_options))


@pytest.mark.parametrize("entry", sorted(ENTRY_POINTS))
def test_an_option_given_twice_is_refused_naming_it(county, entry) -> None:
    with pytest.raises(pm.ValidationError, match="seed") as caught:
        ENTRY_POINTS[entry](*county, options=pm.Options(seed=1), seed=2)
    assert "time_limit" not in str(caught.value)  # only the clashing keyword is named


@pytest.mark.parametrize("entry", sorted(ENTRY_POINTS))
def test_options_must_be_an_options_object(county, entry) -> None:
    with pytest.raises(pm.ValidationError, match="options"):
        ENTRY_POINTS[entry](*county, options={"seed": 1})


def test_solve_takes_options_too() -> None:
    problem = pm.Problem.from_matrices([[3.0, 1.0], [2.0, 1.0]], capacity=[1, 1])
    a = pm.solve(problem, options=pm.Options(solver="cpsat"))
    b = pm.solve(problem, "cpsat")
    assert a.solver == b.solver == "cpsat" and a.objective == b.objective == 4.0
    with pytest.raises(pm.ValidationError, match="solver"):
        pm.solve(problem, "flow", options=pm.Options(solver="cpsat"))


def test_an_unknown_solver_in_options_is_refused_before_any_work(county) -> None:
    with pytest.raises(pm.SolverUnavailableError, match="unknown solver"):
        pm.match(*county, options=pm.Options(solver="gurobi"))


def test_the_matcher_saves_every_option(county, tmp_path) -> None:
    options = pm.Options(solver="flow", time_limit=20, workers=2, seed=5, deterministic=False)
    m = pm.Matcher(*county, POLICY, options=options, incremental=False)
    loaded = pm.Matcher.load(m.save(tmp_path / "m.pm"))
    assert loaded.options == options and loaded.incremental is False


def test_a_backend_object_cannot_be_saved_so_the_matcher_refuses_it(county) -> None:
    backend = pm.BACKENDS["flow"]
    assert pm.match(*county, POLICY, solver=backend).solution.solver == "flow"
    with pytest.raises(pm.ValidationError, match="solver"):
        pm.Matcher(*county, POLICY, solver=backend)

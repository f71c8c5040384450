"""Every table pairmatch hands out has its documented columns and dtypes, full or empty, and
docs/tables.md documents exactly those."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

import pairmatch as pm
from pairmatch.outputs.schema import SCHEMAS, conform

DOCS = Path(__file__).resolve().parents[2] / "docs" / "tables.md"
TEAMS = pm.Policy(max_distance_km=4, severe_team_size=(1, 3), cover_need_from=3, support_load=0.5)


def _check(table: pd.DataFrame, kind: str, first: int = 0) -> None:
    """The schema's columns, in order, after ``first`` leading columns (a summary's keys),
    each in its dtype."""
    schema = SCHEMAS[kind]
    assert list(table.columns[first : first + len(schema)]) == list(schema), kind
    got = {c: str(table[c].dtype) for c in schema}
    assert got == dict(schema), kind


@pytest.fixture(scope="module")
def results():
    children, volunteers = pm.synth.county(200, seed=3)
    full = pm.match(children, volunteers, pm.Policy(max_distance_km=5))
    teams = pm.match(children.head(120), volunteers.head(70), TEAMS)
    nobody = pm.match(children.head(0), volunteers, pm.Policy(max_distance_km=5))
    apart = pm.match(children, volunteers, pm.Policy(max_distance_km=0.001))  # no pairs
    return {"full": full, "teams": teams, "nobody": nobody, "apart": apart}


@pytest.mark.parametrize("name", ["full", "teams", "nobody", "apart"])
def test_result_tables(results, name) -> None:
    result = results[name]
    _check(result.pairs, "pairs")
    _check(result.unmatched, "unmatched")
    _check(result.ledger(), "ledger")
    _check(result.ledger(personal=False), "ledger")
    _check(result.summary(), "summary", first=2)
    _check(result.summary(by="county"), "summary", first=1)
    if len(result.pairs):
        _check(result.alternatives(result.pairs["child_id"].iat[0], k=2), "alternatives")


def test_matcher_tables() -> None:
    children, volunteers = pm.synth.county(200, seed=3)
    m = pm.Matcher(children, volunteers, pm.Policy(max_distance_km=5))
    _check(m.history, "history")  # before any pairing: empty, same dtypes
    # (dates more than a year ahead are refused as typos: "until tomorrow" is all of it)
    tomorrow = pd.Timestamp.now("UTC") + pd.Timedelta(days=1)
    _check(m.events("2000-01-01", tomorrow), "events")
    m.solve()
    result = m.update(pm.Changes(remove_volunteers=[m.active["volunteer_id"].iat[0]]))
    _check(m.history, "history")
    _check(m.active, "history")
    _check(m.events("2000-01-01", tomorrow), "events")
    _check(result.diff, "diff")


def test_partitioned_tables() -> None:
    children, volunteers = pm.synth.province(400, 2, seed=1)
    for radius in (5.0, 0.001):
        parts = pm.match_partitioned(
            children, volunteers, pm.Policy(max_distance_km=radius), max_workers=1
        )
        _check(parts.parts, "parts")
        _check(parts.pairs, "pairs")
        _check(parts.unmatched, "unmatched")
        _check(parts.ledger(), "ledger")
        _check(parts.summary(), "summary", first=1)


def test_conform_names_a_missing_column() -> None:
    with pytest.raises(KeyError, match="lacks its columns"):
        conform(pd.DataFrame({"child_id": []}), "unmatched")


def test_docs_list_every_column_and_dtype() -> None:
    text = DOCS.read_text(encoding="utf-8")
    documented: dict[str, dict[str, str]] = {}
    for section in re.split(r"^## ", text, flags=re.M)[1:]:
        name = section.split("\n", 1)[0].strip()
        rows = re.findall(r"^\| `([^`]+)` \| `([^`]+)` \|", section, flags=re.M)
        documented[name] = dict(rows)
    assert documented == {k: dict(v) for k, v in SCHEMAS.items()}


def test_alternatives_that_leave_no_valid_pairing() -> None:
    children, volunteers = pm.synth.county(120, seed=2)
    volunteers = volunteers.assign(capacity=1)
    policy = pm.Policy(max_distance_km=5)
    held = pm.match(children, volunteers, policy).pairs[["child_id", "volunteer_id"]]
    result = pm.match(children, volunteers, policy, locked=held)  # every volunteer held
    child = result.unmatched.loc[result.unmatched["reason"] == "locked_out", "child_id"].iat[0]
    options = result.alternatives(child, k=3)
    _check(options, "alternatives")
    assert len(options) and not options["feasible"].any()
    assert options["priority_change"].isna().all()  # no pairing: no change to tell


def test_recruitment_tables(results) -> None:
    for result in (results["full"], results["apart"], results["nobody"]):
        table = result.shortfall(by="township", time_limit=20)
        _check(table, "shortfall", first=1)
        _check(table.attrs["plan"], "recruitment_plan")
    children, volunteers = pm.synth.county(200, seed=3)
    m = pm.Matcher(children, volunteers, pm.Policy(max_distance_km=5))
    m.solve()
    _check(m.active_on(pd.Timestamp.now(tz="UTC")), "history")

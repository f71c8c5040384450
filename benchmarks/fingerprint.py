"""Result fingerprints: evidence that a behaviour-preserving refactor changed no result.

Runs a fixed set of seeded, deterministic cases through pairmatch's public API only
(``import pairmatch as pm``) and writes one JSON file holding, per case, a canonical
fingerprint: status, objective, bound, priority_paired, priority_bound, the sorted pairs
(with roles), the unmatched children with their reason codes and details, a few
explanations, alternatives and recruitment plans, the ledger's columns and a hash of its
content, and for the Matcher every step of a run of changes. Run it on the code before
and after the change and compare the two files::

    # the old code, from its own checkout (PYTHONPATH picks the package imported)
    git worktree add /tmp/base <old commit>
    PYTHONPATH=/tmp/base/src .venv/bin/python benchmarks/fingerprint.py --out /tmp/base.json
    # the new code
    .venv/bin/python benchmarks/fingerprint.py --out /tmp/new.json
    .venv/bin/python benchmarks/fingerprint.py --compare /tmp/base.json /tmp/new.json

``--compare`` prints the cases and fields that differ and exits 1, or prints
``identical``. ``--only NAME[,NAME]`` runs some cases; ``--list`` names them. The
package imported is printed to stderr first, with each case's time (times are not in the
file: they differ from run to run); all cases take about 100-130 s on 2 busy cores. A case
that raises is recorded as failed, the others still run, and the exit code is 2. To leave
a checkout untouched, add ``PYTHONDONTWRITEBYTECODE=1 NUMBA_CACHE_DIR=/tmp/numba`` (numba
caches its compiled code beside the source otherwise).

What is left out because it is not deterministic: run times (``timings``, ``stats``,
``PartitionedResult.parts["seconds"]``), the Matcher file's bytes, and every search under
a time limit that could bind. Every case solves without a time limit, except one team
case whose limit (600 s) is far above what it needs (about 5 s); its status must come
out ``OPTIMAL``. Matcher steps use fixed dates (``at=``), so its history is reproducible.
Floats are kept exactly (JSON holds ``repr``), so a difference in the last bit shows.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import platform
import re
import sys
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterable
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    import pairmatch as pm
else:
    pm = None  # imported by run(): --compare needs no pairmatch

Fingerprint = dict[str, Any]

TEAMS: dict[str, Any] = {"severe_team_size": (1, 3), "cover_need_from": 3, "support_load": 0.5}
"""The team policy of the tests and benchmarks: children in severe need get teams of one
to three, every need at 3 covered by a member with skill 2 or more, supporters use half a
slot."""

MAX_SHOWN = 12  # differences shown per case by --compare


# ------------------------------------------------------------------------ canonical data
def plain(value: Any) -> Any:
    """JSON-ready, canonical: numpy and pandas scalars as Python ones, NaN and NA as None,
    infinities as strings, tuples and sets as lists (sets sorted), times as ISO text."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted(plain(v) for v in value)
    if isinstance(value, np.ndarray):
        return [plain(v) for v in value.tolist()]
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if hasattr(value, "value") and type(value).__module__.startswith("pairmatch"):
        return plain(value.value)  # an enum of pairmatch (Status, Reason)
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return value
    if isinstance(value, bool | int | str):
        return value
    return str(value)


def rows(table: pd.DataFrame, columns: Iterable[str]) -> list[list[Any]]:
    """The table's rows over ``columns`` (those present), as lists, sorted."""
    cols = [c for c in columns if c in table.columns]
    out = [plain(list(r)) for r in table[cols].itertuples(index=False, name=None)]
    return sorted(out, key=lambda r: [("" if x is None else str(x)) for x in r])


def digest(table: pd.DataFrame) -> Fingerprint:
    """A table's shape, columns with dtypes, and a SHA-256 of its content in its own row
    order (CSV, floats in full precision)."""
    text = table.to_csv(index=False, lineterminator="\n", float_format=repr)
    return {
        "rows": len(table),
        "columns": [[str(c), str(t)] for c, t in table.dtypes.items()],
        "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
    }


def records(table: pd.DataFrame) -> list[dict[str, Any]]:
    """A small table as a list of dicts, in its own order."""
    return [plain(r) for r in table.to_dict(orient="records")]


# ------------------------------------------------------------------------ fingerprints
def headline(result: Any, *, by_parts: bool = False) -> Fingerprint:
    """The figures every result has: status, objective, bound, gap, priority, reasons
    (a :class:`pm.PartitionedResult`, ``by_parts``, has its priority bound per part)."""
    out = {
        "status": plain(result.status),
        "objective": plain(result.objective),
        "bound": plain(result.bound),
        "gap": plain(result.gap),
        "priority_paired": plain(result.priority_paired),
        "reasons": plain(list(result.reasons)),
    }
    if not by_parts:
        out["priority_bound"] = plain(result.priority_bound)
    return out


def tables(result: Any) -> Fingerprint:
    """Pairs, unmatched children and the ledger: sorted rows of the key columns, and a
    digest of each whole table."""
    pairs, unmatched = result.pairs, result.unmatched
    return {
        "pairs": rows(pairs, ["child_id", "volunteer_id", "role", "covers", "locked"]),
        "pairs_table": digest(pairs),
        "unmatched": rows(unmatched, ["child_id", "reason", "detail"]),
        "unmatched_table": digest(unmatched),
        "ledger": digest(result.ledger()),
    }


def sample_children(result: pm.MatchResult, extra: Iterable[str] = ()) -> list[str]:
    """Children to explain, chosen from the result: the first two paired, the first with a
    team, the first unmatched of each reason, and ``extra``."""
    ledger = result.ledger(personal=False)
    paired = sorted(ledger.loc[ledger["status"] == "paired", "child_id"])[:2]
    teams = sorted(ledger.loc[ledger["team_size"] > 1, "child_id"])[:1]
    firsts = result.unmatched.sort_values("child_id").groupby("reason", sort=True).head(1)
    chosen = [*paired, *teams, *firsts.sort_values("reason")["child_id"], *extra]
    return list(dict.fromkeys(str(c) for c in chosen))


def explanations(result: pm.MatchResult, children: Iterable[str]) -> Fingerprint:
    """``explain(child)``: its data and its words."""
    out = {}
    for child in children:
        e = result.explain(child)
        out[child] = {"data": plain(e.as_dict()), "text": str(e)}
    return out


def alternatives(result: pm.MatchResult, children: Iterable[str], k: int = 3) -> Fingerprint:
    """``alternatives(child, k)`` for each child."""
    return {child: records(result.alternatives(child, k=k)) for child in children}


def shortfall(result: pm.MatchResult, by: str = "township") -> Fingerprint:
    """The recruitment table and its plan, solved without a time limit (the default 60 s
    could bind on a busy machine and make the plan depend on the clock)."""
    table = result.shortfall(by=by, time_limit=None)
    return {
        "table": records(table),
        "status": plain(table.attrs.get("status")),
        "plan": digest(table.attrs["plan"]),
    }


def full(
    result: pm.MatchResult,
    *,
    explain: Iterable[str] = (),
    alternatives_for: int = 2,
    recruit: bool = True,
) -> Fingerprint:
    """Everything about one result: headline, tables, summary, verification, explanations
    of sampled children, alternatives of the first ``alternatives_for`` of them (a paired
    child and a waiting one, where there are), and the recruitment plan."""
    out = {**headline(result), **tables(result)}
    solved = plain(result.status) in ("OPTIMAL", "FEASIBLE")
    out["summary"] = records(result.summary())
    if solved:
        out["verified"] = bool(pm.verify(result).ok)
    chosen = sample_children(result, explain)
    out["explain"] = explanations(result, chosen)
    if solved and alternatives_for:
        waiting = set(
            result.unmatched.loc[result.unmatched["reason"] == "capacity_taken", "child_id"]
        )
        paired = set(result.pairs["child_id"])
        picks = [c for c in chosen if c in paired][:1] + [c for c in chosen if c in waiting][:1]
        out["alternatives"] = alternatives(result, picks[:alternatives_for])
    if solved and recruit:
        out["shortfall"] = shortfall(result)
    return out


def caught(action: Callable[[], Any], tmp: str = "") -> Fingerprint:
    """The error an action raises: its class, which public classes it is, and its words
    (a temporary folder's name replaced by ``<tmp>``)."""
    try:
        action()
    except Exception as err:  # what is raised is the fingerprint
        kinds = [
            name
            for name in sorted(pm.__all__)
            if isinstance(getattr(pm, name), type)
            and issubclass(getattr(pm, name), BaseException)
            and isinstance(err, getattr(pm, name))
        ]
        builtins = [
            b.__name__
            for b in (ValueError, KeyError, TypeError, OSError, LookupError)
            if isinstance(err, b)
        ]
        out: Fingerprint = {
            "type": type(err).__name__,
            "is": kinds + builtins,
            "message": str(err).replace(tmp, "<tmp>") if tmp else str(err),
        }
        if hasattr(err, "to_frame"):
            out["problems"] = records(err.to_frame())
        return out
    return {"type": None}


# ------------------------------------------------------------------------ cases
def county_case(radius: float) -> Callable[[], Fingerprint]:
    """Case 1: a plain county of 2,000 children (seed 3) at ``radius`` km."""

    def run() -> Fingerprint:
        children, volunteers = pm.synth.county(2000, seed=3)
        result = pm.match(children, volunteers, pm.Policy(max_distance_km=radius))
        return {"size": [len(children), len(volunteers)], **full(result)}

    run.__doc__ = county_case.__doc__
    return run


def rules_case() -> Fingerprint:
    """Case 2: the same county at 5 km with forbidden pairs (a DataFrame: every 25th pair
    of the plain pairing, and every pair of one child), locked pairs (four waiting
    children, each with her best alternative) and kept pairs (another policy's pairing,
    and three of the forbidden pairs)."""
    children, volunteers = pm.synth.county(2000, seed=3)
    policy = pm.Policy(max_distance_km=5)
    plain_result = pm.match(children, volunteers, policy)
    pairs = plain_result.pairs
    every = pairs.iloc[::25][["child_id", "volunteer_id"]]
    shut_out = str(pairs["child_id"].iat[1])  # every candidate of this child is forbidden
    alone = pd.DataFrame({"child_id": shut_out, "volunteer_id": volunteers["id"]})
    forbidden = pd.concat([every, alone], ignore_index=True)
    banned = set(zip(forbidden["child_id"], forbidden["volunteer_id"], strict=True))
    um = plain_result.unmatched
    waiting = sorted(str(c) for c in um.loc[um["reason"] == "capacity_taken", "child_id"])
    locked: list[tuple[str, str]] = []
    taken: set[str] = set()
    for child in waiting:
        options = plain_result.alternatives(child, k=1)
        if len(options):
            vid = str(options["volunteer_id"].iat[0])
            if vid not in taken and (child, vid) not in banned:
                locked.append((child, vid))
                taken.add(vid)
        if len(locked) == 4:
            break
    other = pm.match(
        children, volunteers, pm.Policy(max_distance_km=5, tag_bonus=0, distance_penalty_per_km=2)
    )
    keep = [*zip(other.pairs["child_id"], other.pairs["volunteer_id"], strict=True)]
    keep += [tuple(r) for r in every.head(3).itertuples(index=False, name=None)]
    result = pm.match(children, volunteers, policy, forbidden=forbidden, locked=locked, keep=keep)
    return {
        "size": [len(children), len(volunteers)],
        "forbidden": len(forbidden),
        "locked": plain(locked),
        "kept": len(keep),
        "other_policy": headline(other),
        **full(result, explain=[shut_out, *(c for c, _ in locked)]),
    }


def teams_case(time_limit: float | None) -> Callable[[], Fingerprint]:
    """Cases 3 and 4: teams (severe need: 1-3 members, needs at 3 covered, supporters half
    a slot) in a county of 300 children (seed 3) at 3 km, solved to optimality (about 5 s),
    with the recruitment plan and the first team child's alternatives; with ``time_limit``,
    one so large it never binds, and only the result and its explanations."""

    def run() -> Fingerprint:
        children, volunteers = pm.synth.county(300, seed=3)
        policy = pm.Policy(max_distance_km=3, **TEAMS)
        result = pm.match(children, volunteers, policy, time_limit=time_limit)
        if plain(result.status) != "OPTIMAL":  # then it depended on the clock
            raise RuntimeError(f"team case not solved to optimality: {result!r}")
        if time_limit is not None:  # the search under a limit: the result, no what-ifs
            return {
                "size": [len(children), len(volunteers)],
                **full(result, recruit=False, alternatives_for=0),
            }
        out = {"size": [len(children), len(volunteers)], **full(result, alternatives_for=0)}
        # the first team child's alternatives (each a team re-solve: ~10 s in all)
        ledger = result.ledger(personal=False)
        team = sorted(ledger.loc[ledger["team_size"] > 1, "child_id"])[:1]
        out["team_alternatives"] = alternatives(result, team)
        return out

    run.__doc__ = teams_case.__doc__
    return run


def teams_everyone_case() -> Fingerprint:
    """Case 3b: every child may have a team of 1-2, a volunteer leads at most one, needs at
    3 covered, supporters half a slot; 150 children (seed 11) at 3 km."""
    children, volunteers = pm.synth.county(150, seed=11)
    policy = pm.Policy(
        max_distance_km=3, team_size=(1, 2), max_leads=1, support_load=0.5, cover_need_from=3
    )
    result = pm.match(children, volunteers, policy)
    return {"size": [len(children), len(volunteers)], **full(result, alternatives_for=0)}


def cpsat_case() -> Fingerprint:
    """Case 7: the CP-SAT back end on a plain county of 300 children (seed 7) at 5 km, and
    the flow optimum of the same problem (equally good; the pairs may differ)."""
    children, volunteers = pm.synth.county(300, seed=7)
    policy = pm.Policy(max_distance_km=5)
    result = pm.match(children, volunteers, policy, solver="cpsat")
    flow = pm.match(children, volunteers, policy, solver="flow")
    return {
        "size": [len(children), len(volunteers)],
        **full(result, alternatives_for=0, recruit=False),
        "flow": {**headline(flow), "pairs": rows(flow.pairs, ["child_id", "volunteer_id"])},
    }


def province_case() -> Fingerprint:
    """Case 6: a province of 900 children in 3 counties (seed 5) at 5 km by parts, one part
    after another (max_workers=1); one part matched again for explanations; and whether
    one pm.match of the whole gives the same pairs."""
    children, volunteers = pm.synth.province(900, n_counties=3, seed=5)
    policy = pm.Policy(max_distance_km=5)
    result = pm.match_partitioned(children, volunteers, policy, max_workers=1)
    parts = result.parts.drop(columns=["seconds"])  # (a wall-clock time)
    whole = pm.match(children, volunteers, policy)
    key = str(parts["part"].iat[0])
    one = result.part(key)
    return {
        "size": [len(children), len(volunteers)],
        **headline(result, by_parts=True),
        "parts": records(parts),
        **tables(result),
        "summary": records(result.summary()),
        "part": {"key": key, **headline(one), "explain": explanations(one, sample_children(one))},
        "whole": headline(whole),
        "same_pairs_as_whole": rows(whole.pairs, ["child_id", "volunteer_id", "role"])
        == rows(result.pairs, ["child_id", "volunteer_id", "role"]),
    }


def infeasible_case() -> Fingerprint:
    """Case 8: locked pairs that break the rules. (a) A county of 300 (seed 3) at 5 km with
    a child without consent locked, a pair far beyond the radius, a child locked twice, a
    volunteer of capacity 1 locked twice, and a locked pair that is also forbidden. (b) A
    one-member policy with coverage, a child locked to a volunteer who does not cover her
    need. (c) A province by parts with a pair locked across counties: that part only is
    INFEASIBLE."""
    children, volunteers = pm.synth.county(300, seed=3)
    c, v = children.sort_values("id"), volunteers.sort_values("id")
    no_consent = str(c.loc[~c["guardian_consent"], "id"].iat[0])
    south = str(c.sort_values(["lat", "id"])["id"].iat[0])
    north = str(v.sort_values(["lat", "id"], ascending=[False, True])["id"].iat[0])
    ones = v.loc[v["capacity"] == 1, "id"].tolist()
    consenting = c.loc[c["guardian_consent"], "id"].tolist()
    twice = str(consenting[5])
    locked = [
        (no_consent, str(ones[0])),
        (south, north),
        (twice, str(ones[1])),
        (twice, str(ones[2])),
        (str(consenting[6]), str(ones[3])),
        (str(consenting[7]), str(ones[3])),
        (str(consenting[8]), str(ones[4])),
    ]
    forbidden = [(str(consenting[8]), str(ones[4]))]
    broken = pm.match(
        children, volunteers, pm.Policy(max_distance_km=5), locked=locked, forbidden=forbidden
    )

    small, helpers = pm.synth.county(150, seed=5)
    cs, vs = small.sort_values("id"), helpers.sort_values("id")
    needy = str(cs.loc[cs["guardian_consent"] & (cs["need_psychological"] == 3), "id"].iat[0])
    weak = vs.loc[
        vs["eligible"] & vs["active"] & (vs["capacity"] > 0) & (vs["skill_psychological"] < 2),
        "id",
    ]
    uncovered_lock = [(needy, str(weak.iat[0]))]
    cover = pm.Policy(max_distance_km=50, cover_need_from=3)
    uncovered = pm.match(small, helpers, cover, locked=uncovered_lock)

    kids, vols = pm.synth.province(600, n_counties=3, seed=5)
    first = kids.loc[kids["county"] == "County-001", "id"].sort_values()
    away = vols.loc[vols["county"] == "County-002", "id"].sort_values()
    across = [(str(first.iat[0]), str(away.iat[0]))]
    parts = pm.match_partitioned(
        kids, vols, pm.Policy(max_distance_km=5), locked=across, max_workers=1
    )
    return {
        "locks": {
            "locked": plain(locked),
            "forbidden": plain(forbidden),
            **headline(broken),
            **tables(broken),
            "explain": explanations(broken, [no_consent, twice, consenting[0]]),
        },
        "coverage": {
            "locked": plain(uncovered_lock),
            **headline(uncovered),
            **tables(uncovered),
            "explain": explanations(uncovered, [needy]),
        },
        "partitioned": {
            "locked": plain(across),
            **headline(parts, by_parts=True),
            "parts": records(parts.parts.drop(columns=["seconds"])),
            **tables(parts),
        },
    }


def errors_case() -> Fingerprint:
    """Bad input refused: the error's class, the public classes it is an instance of, its
    message and its problems (for the error tree)."""
    children, volunteers = pm.synth.county(60, seed=2)
    policy = pm.Policy(max_distance_km=5)
    result = pm.match(children, volunteers, policy)
    bad = children.astype({"need_study": object, "lat": object})
    bad.loc[0, "need_study"] = 7
    bad.loc[2, "lat"] = "north"
    m = pm.Matcher(children, volunteers, policy)
    m.solve(at="2025-01-01")
    with tempfile.TemporaryDirectory() as tmp:
        junk = Path(tmp) / "junk.pm"
        junk.write_bytes(b"not a zip file")
        return {
            "bad_cells": caught(lambda: pm.read_children(bad)),
            "bad_register_in_match": caught(lambda: pm.match(bad, volunteers, policy)),
            "unknown_pair_ids": caught(
                lambda: pm.match(
                    children,
                    volunteers,
                    policy,
                    forbidden=[("NOPE", "V0001")],
                    locked=[("C0001", "NOPE")],
                )
            ),
            "bad_policy": caught(lambda: pm.Policy(max_distance_km=-1)),
            "bad_policy_dict": caught(lambda: pm.match(children, volunteers, {"nope": 1})),
            "bad_time_limit": caught(lambda: pm.match(children, volunteers, time_limit=-1)),
            "bad_solver": caught(lambda: pm.match(children, volunteers, solver="nope")),
            "unknown_child": caught(lambda: result.explain("NOPE")),
            "bad_changes": caught(
                lambda: m.update(
                    pm.Changes(remove_children=["NOPE"], end_pairs=[("C0001", "V0001", "x")]),
                    at="2025-02-01",
                )
            ),
            "date_backwards": caught(lambda: m.update(pm.Changes(), at="2024-01-01")),
            "not_proposed": caught(lambda: m.respond("NOPE", "V0001", accept=True)),
            "bad_file": caught(lambda: pm.Matcher.load(junk), tmp),
            "missing_file": caught(lambda: pm.Matcher.load(Path(tmp) / "none.pm"), tmp),
        }


# --------------------------------------------------------------------- the Matcher
def step(m: pm.Matcher, result: pm.MatchResult | None) -> Fingerprint:
    """One Matcher step: the new result (when it re-paired), its diff, and the history."""
    out: Fingerprint = {}
    if result is not None:
        out |= headline(result)
        out |= tables(result)
        if result.diff is not None:
            out["diff"] = rows(result.diff, ["child_id", "volunteer_id", "change", "reason"])
    out["history"] = digest(m.history)
    out["active"] = len(m.active)
    return out


def _pairs_of(m: pm.Matcher) -> list[tuple[str, str]]:
    active = m.active.sort_values(["child_id", "volunteer_id"])
    return list(zip(active["child_id"], active["volunteer_id"], strict=True))


def _proposed(m: pm.Matcher) -> list[tuple[str, str]]:
    active = m.active
    active = active[active["status"] == "proposed"].sort_values(["child_id", "volunteer_id"])
    return list(zip(active["child_id"], active["volunteer_id"], strict=True))


def matcher_case(
    *,
    incremental: bool = True,
    stability: Literal["keep", "strict"] = "keep",
    n: int = 1500,
    teams: bool = False,
) -> Callable[[], Fingerprint]:
    """Case 5: a Matcher on a county (seed 4) at 5 km (teams: 3 km), through a run of
    changes, each at a fixed date: a paired child exits, the busiest volunteer leaves, two
    children join, two children are re-assessed, the office ends two pairs, a family
    accepts one proposal and declines another, a volunteer moves and takes one more child,
    a volunteer joins where a child waits, a mixed batch; then the file is saved, loaded,
    solved and changed again. Who the changes name is read from the Matcher's own pairs
    (the first by id), so variants that pair alike get the same changes."""

    def run() -> Fingerprint:
        children, volunteers = pm.synth.county(n, seed=4)
        policy = pm.Policy(max_distance_km=3 if teams else 5, **(TEAMS if teams else {}))
        m = pm.Matcher(children, volunteers, policy, stability=stability, incremental=incremental)
        day = iter(pd.date_range("2025-01-01", periods=40, freq="7D").strftime("%Y-%m-%d"))
        steps: dict[str, Fingerprint] = {}
        current = m.solve(at=next(day))
        steps["00 solve"] = step(m, current)

        def change(name: str, changes: pm.Changes) -> None:
            nonlocal current
            current = m.update(changes, at=next(day))
            steps[name] = step(m, current)

        def waiting() -> list[str]:
            um = current.unmatched
            return sorted(um.loc[um["reason"] == "capacity_taken", "child_id"])

        first = _pairs_of(m)[0]
        change("01 child exits", pm.Changes(remove_children={first[0]: "moved away"}))
        busy = m.active.groupby("volunteer_id").size().reset_index(name="n")
        busiest = str(busy.sort_values(["n", "volunteer_id"], ascending=[False, True]).iat[0, 0])
        change("02 volunteer leaves", pm.Changes(remove_volunteers=[busiest]))
        newcomers = children.iloc[[20, 21]].assign(id=["C9001", "C9002"])
        change("03 children join", pm.Changes(add_children=newcomers))
        reassess = pd.DataFrame(
            {
                "id": [_pairs_of(m)[3][0], (waiting() or [str(children["id"].iat[30])])[0]],
                "need_psychological": [3, 3],
                "need_safety": [0, 3],
            }
        )
        change("04 re-assessed", pm.Changes(edit_children=reassess))
        ended = _pairs_of(m)[5:7]
        change("05 pairs ended", pm.Changes(end_pairs=[(c, v, "family request") for c, v in ended]))
        proposed = _proposed(m)
        if proposed:
            steps["06 accepted"] = step(m, m.respond(*proposed[0], accept=True, at=next(day)))
        if len(proposed) > 1:
            declined = m.respond(*proposed[-1], accept=False, reason="declined", at=next(day))
            current = declined if declined is not None else current
            steps["07 declined"] = step(m, declined)
        row = volunteers.iloc[7]
        moved = pd.DataFrame(
            {
                "id": [row["id"]],
                "lat": [row["lat"] + 0.01],
                "lon": [row["lon"] - 0.01],
                "capacity": [row["capacity"] + 1],
            }
        )
        change("08 volunteer moves", pm.Changes(edit_volunteers=moved))
        site = (waiting() or [str(children["id"].iat[40])])[0]
        home = children.loc[children["id"] == site].iloc[0]
        recruit = volunteers.iloc[[8]].assign(id="V9001", lat=home["lat"], lon=home["lon"])
        change("09 volunteer joins", pm.Changes(add_volunteers=recruit))
        pairs = _pairs_of(m)
        end = pairs[0]
        gone_child = next(c for c, v in pairs if c != end[0] and v != end[1])
        gone_volunteer = next(v for c, v in pairs if v != end[1] and c not in (end[0], gone_child))
        change(
            "10 mixed batch",
            pm.Changes(
                remove_children=[gone_child],
                remove_volunteers={gone_volunteer: "retired"},
                add_children=children.iloc[[60]].assign(id=["C9003"]),
                end_pairs=[(*end, "office decision")],
            ),
        )
        with tempfile.TemporaryDirectory() as tmp:
            path = m.save(Path(tmp) / "county.pm")
            loaded = pm.Matcher.load(path)
        steps["11 loaded"] = step(loaded, None)
        steps["12 loaded, solved"] = step(loaded, loaded.solve(at=next(day)))
        joins = children.iloc[[70]].assign(id=["C9004"])
        last = loaded.update(
            pm.Changes(remove_volunteers=[_pairs_of(loaded)[0][1]], add_children=joins),
            at=next(day),
        )
        steps["13 loaded, changed"] = step(loaded, last)
        events = loaded.events("2025-01-01", "2026-01-01")
        return {
            "size": [len(children), len(volunteers)],
            "steps": steps,
            "events": digest(events),
            "events_by_kind": plain(events["event"].value_counts().sort_index().to_dict()),
            "explain": explanations(last, sample_children(last)),
            "ledger": digest(last.ledger()),
            "verified": bool(pm.verify(last).ok),
        }

    run.__doc__ = matcher_case.__doc__
    return run


CASES: dict[str, Callable[[], Fingerprint]] = {
    "county-2000-10km": county_case(10),
    "county-2000-3.5km": county_case(3.5),
    "county-2000-5km-rules": rules_case,
    "teams-300-3km": teams_case(None),
    "teams-300-3km-limit600": teams_case(600),
    "teams-everyone-150-3km": teams_everyone_case,
    "matcher-1500-incremental": matcher_case(),
    "matcher-1500-full": matcher_case(incremental=False),
    "matcher-1500-strict": matcher_case(stability="strict"),
    "matcher-teams-200": matcher_case(n=200, teams=True),
    "province-900-3": province_case,
    "cpsat-300-5km": cpsat_case,
    "infeasible": infeasible_case,
    "errors": errors_case,
}


# --------------------------------------------------------------------- compare
def differences(a: Any, b: Any, path: str = "") -> list[str]:
    """Every place where ``a`` and ``b`` differ, with the two values (shortened). Tables
    of rows (lists of lists) are compared as rows: each row only in A (``-``) or only in B
    (``+``) is one difference."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for key in sorted(set(a) | set(b)):
            where = f"{path}.{key}" if path else key
            if key not in a or key not in b:
                out.append(f"{where}: only in {'B' if key not in a else 'A'}")
            else:
                out += differences(a[key], b[key], where)
        return out
    if isinstance(a, list) and isinstance(b, list) and a != b:
        if a and b and all(isinstance(x, list) for x in a + b):  # rows
            ka, kb = (Counter(json.dumps(x, ensure_ascii=False) for x in t) for t in (a, b))
            only_a, only_b = sorted((ka - kb).elements()), sorted((kb - ka).elements())
            if not only_a and not only_b:
                return [f"{path}: the same rows in another order"]
            return [f"{path}: - {_cut(r)}" for r in only_a] + [
                f"{path}: + {_cut(r)}" for r in only_b
            ]
        if len(a) == len(b):
            return [
                d
                for i, (x, y) in enumerate(zip(a, b, strict=True))
                for d in differences(x, y, f"{path}[{i}]")
            ]
    if a == b and type(a) is type(b):
        return []
    return [f"{path}: {_short(a)} != {_short(b)}"]


def _short(value: Any) -> str:
    return _cut(json.dumps(value, ensure_ascii=False))


def _cut(text: str, width: int = 100) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


def compare(path_a: Path, path_b: Path) -> int:
    """Print the cases and fields that differ; 1 when any does, else 0 ("identical")."""
    a, b = (json.loads(p.read_text(encoding="utf-8")) for p in (path_a, path_b))
    if a.get("meta") != b.get("meta"):
        print(f"note: the runs' environments differ: {a.get('meta')} / {b.get('meta')}")
    cases_a, cases_b = a["cases"], b["cases"]
    found = 0
    for name in sorted(set(cases_a) | set(cases_b), key=_case_order):
        if name not in cases_a or name not in cases_b:
            print(f"{name}: only in {'B' if name not in cases_a else 'A'}")
            found += 1
            continue
        diffs = differences(cases_a[name], cases_b[name])
        if diffs:
            found += 1
            fields = sorted({".".join(re.split(r"[\[:]", d)[0].split(".")[:2]) for d in diffs})
            print(f"{name}: {len(diffs)} differences, in {', '.join(fields)}")
            for d in diffs[:MAX_SHOWN]:
                print(f"  {d}")
            if len(diffs) > MAX_SHOWN:
                print(f"  ... and {len(diffs) - MAX_SHOWN} more")
    if found:
        return 1
    print("identical")
    return 0


def _case_order(name: str) -> tuple[int, str]:
    order = list(CASES)
    return (order.index(name) if name in order else len(order), name)


# --------------------------------------------------------------------- output
def dumps(value: Any, indent: int = 0) -> str:
    """JSON with one line per row: lists of scalars stay on one line, so a file of pairs
    stays readable and a line diff points at the rows that differ."""
    pad, inner = " " * indent, " " * (indent + 1)
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = [
            f"{inner}{json.dumps(k, ensure_ascii=False)}: {dumps(v, indent + 1)}"
            for k, v in value.items()
        ]
        return "{\n" + ",\n".join(items) + f"\n{pad}}}"
    if isinstance(value, list) and any(isinstance(v, dict | list) for v in value):
        return "[\n" + ",\n".join(f"{inner}{dumps(v, indent + 1)}" for v in value) + f"\n{pad}]"
    return json.dumps(value, ensure_ascii=False, allow_nan=False)


def run(out: Path, only: list[str] | None) -> int:
    """Run the cases (``only``: some of them) and write their fingerprints to ``out``. A
    case that raises is recorded as ``{"failed": ...}`` and the others still run; the
    exit code is then 2."""
    global pm
    import pairmatch as pm  # the package that PYTHONPATH (or the venv) gives

    print(f"pairmatch {pm.__version__} from {pm.__file__}", file=sys.stderr)
    names = only or list(CASES)
    unknown = [n for n in names if n not in CASES]
    if unknown:
        raise SystemExit(f"unknown cases: {', '.join(unknown)}; --list names them")
    cases: dict[str, Fingerprint] = {}
    began = time.perf_counter()
    failed = 0
    for name in names:
        t = time.perf_counter()
        try:
            cases[name] = plain(CASES[name]())
        except Exception as err:  # recorded: the other cases still say what they say
            traceback.print_exc()
            cases[name] = {"failed": f"{type(err).__name__}: {err}"}
            failed += 1
        print(f"{name:<28} {time.perf_counter() - t:7.1f} s", file=sys.stderr)
    print(f"{'all':<28} {time.perf_counter() - began:7.1f} s", file=sys.stderr)
    meta = {"pairmatch": pm.__version__, "python": platform.python_version()}
    meta |= {name: version(name) for name in ("numpy", "pandas", "ortools", "numba", "scipy")}
    out.write_text(dumps({"meta": meta, "cases": cases}) + "\n", encoding="utf-8")
    print(f"wrote {out}" + (f"; {failed} cases failed" if failed else ""), file=sys.stderr)
    return 2 if failed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, help="the JSON file to write")
    parser.add_argument("--only", help="comma-separated case names (default: all)")
    parser.add_argument("--list", action="store_true", help="name the cases and stop")
    parser.add_argument(
        "--compare", nargs=2, type=Path, metavar=("A", "B"), help="compare two fingerprint files"
    )
    args = parser.parse_args(argv)
    if args.list:
        for name, case in CASES.items():
            doc = (getattr(case, "__doc__", None) or "").split("\n")[0]
            print(f"{name:<28} {doc}")
        return 0
    if args.compare:
        return compare(*args.compare)
    if args.out is None:
        parser.error("give --out FILE (or --compare A B, or --list)")
    return run(args.out, args.only.split(",") if args.only else None)


if __name__ == "__main__":
    sys.exit(main())

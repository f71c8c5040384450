"""pairmatch against a straightforward script on the same data: candidates from a KD-tree,
one OR-Tools min-cost flow; prints a table.

    .venv/bin/python benchmarks/reference.py --sizes 5000,20000 --radius 3.5

The script is what an analyst would write by hand: unit vectors and a KD-tree for the
pairs within the radius, the hard rules as array filters (consent, an eligible and active
volunteer with capacity, the same county, her own radius), a fit of need x skill minus a
distance penalty, and one min-cost flow that pairs the neediest first (priority folded
over fit with a big M). It skips what pairmatch adds (validation, interests, the ledger's
tables, per-component weights, reasons), so it bounds from below what a pure pairing
costs. Issue 5's target: ``pm.match`` end to end within 1.5x of it, the same children
paired and the same total priority.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd
from ortools.graph.python import min_cost_flow
from report import describe, machine, save
from scipy.spatial import cKDTree

import pairmatch as pm

EARTH_KM = 6371.009
NEEDS = ("study", "life", "psychological", "safety")


def _xyz(table: pd.DataFrame) -> np.ndarray:
    la, lo = np.radians(table["lat"].to_numpy(float)), np.radians(table["lon"].to_numpy(float))
    return np.column_stack((np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)))


def straightforward(
    children: pd.DataFrame, volunteers: pd.DataFrame, radius: float
) -> dict[str, float]:
    """Pair by hand; returns seconds per phase, children paired and total priority."""
    t = time.perf_counter()
    ok_c = children["guardian_consent"].to_numpy(bool)
    cap = volunteers["capacity"].to_numpy(np.int64)
    ok_v = volunteers["eligible"].to_numpy(bool) & volunteers["active"].to_numpy(bool) & (cap > 0)
    ci, vi = np.flatnonzero(ok_c), np.flatnonzero(ok_v)
    chord = 2 * np.sin(radius / EARTH_KM / 2) * (1 + 1e-9)
    hits = cKDTree(_xyz(children)[ci]).sparse_distance_matrix(
        cKDTree(_xyz(volunteers)[vi]), chord, output_type="ndarray"
    )
    c, v = ci[hits["i"]], vi[hits["j"]]
    km = 2 * EARTH_KM * np.arcsin(np.minimum(hits["v"] / 2, 1))
    own = volunteers["max_distance_km"].to_numpy(float)[v]
    keep = (km <= np.where(np.isnan(own), radius, np.minimum(own, radius))) & (
        children["county"].to_numpy(object)[c] == volunteers["county"].to_numpy(object)[v]
    )
    c, v, km = c[keep], v[keep], km[keep]
    need = children[[f"need_{k}" for k in NEEDS]].to_numpy(np.int64)
    skill = volunteers[[f"skill_{k}" for k in NEEDS]].to_numpy(np.int64)
    fit = (need[c] * skill[v]).sum(axis=1) - 0.5 * km
    score = np.rint(fit * 100).astype(np.int64)
    bonus = {"no_guardian_care": 4, "scattered_orphan": 4, "other_difficulty": 2, "left_behind": 1}
    prio = 1 + need.sum(axis=1) + children["category"].map(bonus).fillna(0).to_numpy(np.int64)
    candidates_s = time.perf_counter() - t

    t = time.perf_counter()
    n, m = len(children), len(volunteers)
    big = int(np.abs(score).max(initial=0)) * 2 * n + 1  # no fit gain pays for one priority
    sink = n + m
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(
        np.concatenate((c, n + np.arange(m), np.arange(n))).astype(np.int32),
        np.concatenate((n + v, np.full(m + n, sink))).astype(np.int32),
        np.concatenate((np.ones(c.size, np.int64), cap, np.ones(n, np.int64))),
        np.concatenate((-(big * prio[c] + score), np.zeros(m + n, np.int64))),
    )
    flow.set_nodes_supplies(
        np.append(np.arange(n), sink).astype(np.int32),
        np.append(np.ones(n, np.int64), -n),
    )
    if flow.solve() != flow.OPTIMAL:
        raise RuntimeError("min-cost flow did not solve")
    used = flow.flows(np.arange(c.size, dtype=np.int32)) > 0
    solve_s = time.perf_counter() - t
    return {
        "edges": float(c.size),
        "candidates": candidates_s,
        "solve": solve_s,
        "total": candidates_s + solve_s,
        "paired": float(used.sum()),
        "priority": float(prio[c[used]].sum()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="5000,20000")
    parser.add_argument("--radius", type=float, default=3.5)
    args = parser.parse_args()
    about, rows = machine(), []
    print(f"# {describe(about)}")
    print("| children | edges | script s (candidates, flow) | pm.match s (validate, candidates, "
          "solve) | ratio | same paired | same priority |")  # fmt: skip
    print("|---|---|---|---|---|---|---|")
    for n in (int(x) for x in args.sizes.split(",")):
        children, volunteers = pm.synth.county(n, seed=1)
        ref = straightforward(children, volunteers, args.radius)
        t = time.perf_counter()
        result = pm.match(children, volunteers, pm.Policy(max_distance_km=args.radius))
        total = time.perf_counter() - t
        tm = result.timings
        print(
            f"| {n:,} | {int(ref['edges']):,} | {ref['total']:.2f} ({ref['candidates']:.2f}, "
            f"{ref['solve']:.2f}) | {total:.2f} ({tm['validate']:.2f}, {tm['candidates']:.2f}, "
            f"{tm['solve']:.2f}) | {total / ref['total']:.2f} "
            f"| {int(ref['paired']) == result.n_paired} "
            f"| {int(ref['priority']) == result.priority_paired} |"
        )
        rows.append({
            "children": n, "edges": int(ref["edges"]), "script_s": ref["total"],
            "script_candidates_s": ref["candidates"], "script_flow_s": ref["solve"],
            "pm_match_s": total, **{f"pm_{k}_s": v for k, v in tm.items()},
            "ratio": total / ref["total"], "same_paired": int(ref["paired"]) == result.n_paired,
            "same_priority": int(ref["priority"]) == result.priority_paired,
        })  # fmt: skip
    save(f"reference-{args.sizes.replace(',', '-')}", rows, vars(args), about)


if __name__ == "__main__":
    main()

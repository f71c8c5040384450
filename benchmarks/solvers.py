"""Solvers side by side on the same edges: pairmatch's solve, scipy's sparse LAPJVsp, and a
plain one-Boolean-per-edge CP-SAT model; prints a table.

    .venv/bin/python benchmarks/solvers.py --sizes 1000,5000 --radius 3.5 --cpsat-up-to 1000

Every solver gets the problem ``pm.match`` builds for a synthetic county (the same edges,
scores and priorities, priority folded over fit with the same exact weight), and must reach
the same optimum: the columns say whether it did and how its time compares with
pairmatch's (ratio > 1: slower than pairmatch).

- LAPJVsp (``scipy.sparse.csgraph.min_weight_full_bipartite_matching``) needs a full
  matching of the rows: every volunteer is expanded into one column per slot, and every
  child gets a column of its own for staying unpaired.
- CP-SAT: one Boolean per edge, one constraint per child and per volunteer, the objective
  as one linear expression; built from arrays, solved with one worker (small sizes only).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from report import describe, machine, save
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import min_weight_full_bipartite_matching

import pairmatch as pm
from pairmatch.solvers.flow.backend import _plan


def _weight(problem: pm.Problem) -> int:
    return int(_plan(problem).weight.max(initial=1))


def _value(problem: pm.Problem, edges: np.ndarray) -> tuple[int, int]:
    return int(problem.priority[problem.child[edges]].sum()), int(problem.score[edges].sum())


def lapjvsp(problem: pm.Problem) -> tuple[np.ndarray, float]:
    """Chosen edges by LAPJVsp on the slot-expanded graph, and seconds."""
    t = time.perf_counter()
    n = problem.n_children
    w = _weight(problem)
    value = w * problem.priority[problem.child] + problem.score
    top = float(value.max(initial=0)) + 1.0  # costs top - value > 0; every row pays top once
    cap = problem.capacity
    first = np.concatenate(([0], np.cumsum(cap)))  # first slot column of each volunteer
    reps = cap[problem.volunteer]
    edge = np.repeat(np.arange(problem.n_edges), reps)
    slot = first[problem.volunteer][edge] + (
        np.arange(edge.size) - np.repeat(np.cumsum(reps) - reps, reps)
    )
    slots = int(first[-1])
    rows = np.concatenate((problem.child[edge], np.arange(n)))
    cols = np.concatenate((slot, slots + np.arange(n)))
    cost = np.concatenate((top - value[edge].astype(float), np.full(n, top)))
    graph = csr_matrix((cost, (rows, cols)), shape=(n, slots + n))
    row, col = min_weight_full_bipartite_matching(graph)
    real = col < slots
    kids = row[real]
    owner = np.searchsorted(first, col[real], side="right") - 1
    # the edge of (child, owner)
    m = problem.n_volunteers
    keys = problem.child * m + problem.volunteer
    chosen = np.searchsorted(keys, kids * m + owner)
    return np.sort(chosen), time.perf_counter() - t


def cpsat(problem: pm.Problem, limit: float) -> tuple[np.ndarray, float, str]:
    """Chosen edges by a plain CP-SAT model, seconds and status."""
    from ortools.sat.python import cp_model

    t = time.perf_counter()
    w = _weight(problem)
    model = cp_model.CpModel()
    x = [model.new_bool_var("") for _ in range(problem.n_edges)]
    order = np.argsort(problem.volunteer, kind="stable")
    child_cuts = np.searchsorted(problem.child, np.arange(1, problem.n_children))
    for group in np.split(np.arange(problem.n_edges), child_cuts):
        if group.size > 1:
            model.add_at_most_one(x[e] for e in group.tolist())
    cuts = np.searchsorted(problem.volunteer[order], np.arange(1, problem.n_volunteers))
    for v, group in enumerate(np.split(order, cuts)):
        if group.size > problem.capacity[v]:
            model.add(sum(x[e] for e in group.tolist()) <= int(problem.capacity[v]))
    value = (w * problem.priority[problem.child] + problem.score).tolist()
    model.maximize(cp_model.LinearExpr.weighted_sum(x, value))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = limit
    status = solver.solve(model)
    chosen = np.flatnonzero([solver.boolean_value(v) for v in x]) if status in (
        cp_model.OPTIMAL, cp_model.FEASIBLE) else np.empty(0, np.int64)  # fmt: skip
    return chosen, time.perf_counter() - t, solver.status_name(status)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,5000")
    parser.add_argument("--radius", type=float, default=3.5)
    parser.add_argument("--cpsat-up-to", type=int, default=1000)
    parser.add_argument("--cpsat-limit", type=float, default=120.0)
    args = parser.parse_args()
    about, rows = machine(), []
    print(f"# {describe(about)}")
    print("| children | edges | pairmatch s | LAPJVsp s (ratio, same optimum) "
          "| plain CP-SAT s (ratio, status, same optimum) |")  # fmt: skip
    print("|---|---|---|---|---|")
    for n in (int(s) for s in args.sizes.split(",")):
        children, volunteers = pm.synth.county(n, seed=1)
        problem = pm.match(
            children, volunteers, pm.Policy(max_distance_km=args.radius)
        ).solution.problem
        t = time.perf_counter()
        ours = pm.solve(problem)
        ours_s = time.perf_counter() - t
        best = _value(problem, ours.chosen)
        lap, lap_s = lapjvsp(problem)
        row = (
            f"| {n:,} | {problem.n_edges:,} | {ours_s:.2f} | {lap_s:.2f} ({lap_s / ours_s:.1f}x, "
            f"{_value(problem, lap) == best}) "
        )
        record = {
            "children": n, "edges": problem.n_edges, "pairmatch_s": ours_s, "lapjvsp_s": lap_s,
            "lapjvsp_ratio": lap_s / ours_s, "lapjvsp_same": _value(problem, lap) == best,
        }  # fmt: skip
        if n <= args.cpsat_up_to:
            sat, sat_s, status = cpsat(problem, args.cpsat_limit)
            row += (
                f"| {sat_s:.2f} ({sat_s / ours_s:.0f}x, {status}, {_value(problem, sat) == best}) |"
            )
            record |= {
                "cpsat_s": sat_s, "cpsat_ratio": sat_s / ours_s, "cpsat_status": status,
                "cpsat_same": _value(problem, sat) == best,
            }  # fmt: skip
        else:
            row += "| not run (size) |"
        print(row)
        rows.append(record)
    save(f"solvers-{args.sizes.replace(',', '-')}", rows, vars(args), about)


if __name__ == "__main__":
    main()

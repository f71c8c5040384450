"""Benchmark the whole pipeline on synthetic counties and print a table.

    .venv/bin/python benchmarks/run.py                 # 1k and 5k children
    .venv/bin/python benchmarks/run.py --sizes 1000,5000,20000 --radius 10
    .venv/bin/python benchmarks/run.py --teams --sizes 1000,5000 --radius 5 --time-limit 600

``--teams`` gives the ~22% of children in severe need (total need >= 8, or one need of 3)
a team of 1-3 volunteers that must cover every need of severity 3 with a member of skill
>= 2, supporters using half a slot: time to proven optimum (or the gap at the time limit)
and the size of the CP-SAT model.

Each size runs in a fresh process so that its peak memory is its own. Times are wall-clock
seconds on this machine; nothing here is asserted by the tests.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import platform
import resource
import time


def _policy(radius: float, teams: bool):
    import pairmatch as pm

    if not teams:
        return pm.Policy(max_distance_km=radius)
    return pm.Policy(
        max_distance_km=radius, severe_team_size=(1, 3), cover_need_from=3, support_load=0.5
    )


def _one(
    n: int, radius: float, solver: str, teams: bool, limit: float | None, queue: mp.Queue
) -> None:
    import pairmatch as pm

    t = time.perf_counter()
    children, volunteers = pm.synth.county(n, seed=1)
    synth_s = time.perf_counter() - t
    t = time.perf_counter()
    result = pm.match(children, volunteers, _policy(radius, teams), solver=solver, time_limit=limit)
    total = time.perf_counter() - t
    t = time.perf_counter()
    ok = pm.verify(result).ok
    verify_s = time.perf_counter() - t
    queue.put(
        {
            "children": n,
            "volunteers": len(volunteers),
            "edges": len(result.candidates),
            "team_children": int((result.ledger()["team_size"] > 1).sum()),
            "presolved_edges": result.solution.stats.get("edges_after_presolve", 0),
            "cpsat_vars": result.solution.stats.get("cpsat_variables", 0),
            "cpsat_cons": result.solution.stats.get("cpsat_constraints", 0),
            "synth": synth_s,
            **result.timings,
            "total": total,
            "verify": verify_s,
            "paired": result.n_paired,
            "status": result.status.value,
            "gap": result.gap,
            "solver": result.solution.solver,
            "verified": ok,
            "peak_MB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,5000")
    parser.add_argument("--radius", type=float, default=10.0)
    parser.add_argument("--solver", default="auto")
    parser.add_argument("--teams", action="store_true", help="20%% of children need teams")
    parser.add_argument("--time-limit", type=float, default=None)
    args = parser.parse_args()
    ctx = mp.get_context("spawn")
    rows = []
    for n in (int(s) for s in args.sizes.split(",")):
        queue = ctx.Queue()
        proc = ctx.Process(
            target=_one,
            args=(n, args.radius, args.solver, args.teams, args.time_limit, queue),
        )
        proc.start()
        rows.append(queue.get())
        proc.join()
    cols = [
        "children",
        "volunteers",
        "edges",
        *(["team_children", "presolved_edges", "cpsat_vars", "cpsat_cons"] if args.teams else []),
        "validate",
        "candidates",
        "build",
        "solve",
        "total",
        "verify",
        "paired",
        "status",
        "gap",
        "solver",
        "verified",
        "peak_MB",
    ]
    print(
        f"# pm.match on synthetic counties{' with teams' if args.teams else ''}, "
        f"radius {args.radius:g} km, time limit {args.time_limit}; "
        f"{platform.processor() or platform.machine()}, {mp.cpu_count()} cores"
    )
    print("| " + " | ".join(cols) + " |")
    print("|" + "---|" * len(cols))
    for row in rows:
        cells = [
            f"{row[c]:.2f}"
            if isinstance(row[c], float)
            else f"{row[c]:,}"
            if isinstance(row[c], int) and not isinstance(row[c], bool)
            else str(row[c])
            for c in cols
        ]
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()

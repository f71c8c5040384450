"""Benchmark the whole pipeline on synthetic counties: a table per phase, plus CSV and JSON.

    .venv/bin/python benchmarks/run.py                 # 1k and 5k children
    .venv/bin/python benchmarks/run.py --sizes 1000,5000,20000,100000 --radius 3.5,3.5,3.5,1.5
    .venv/bin/python benchmarks/run.py --teams --sizes 1000,5000 --radius 3.5 --time-limit 600

Columns: ``load`` is reading the registers (synthetic here, so it is the generator),
``validate`` checking them, ``candidates`` the pairs in reach, ``build`` the solver-neutral
problem, ``solve`` the back end, ``result`` assembling the result tables (pairs, ledger,
reasons), ``total`` all of ``pm.match``; ``peak MB`` is the process's peak resident memory.
``objective`` is the total fit, ``bound`` the proven upper bound on it, ``gap`` their
relative distance (0 when proven optimal).

``--teams`` gives the ~22% of children in severe need (total need >= 8, or one need of 3)
a team of 1-3 volunteers that must cover every need of severity 3 with a member of skill
>= 2, supporters using half a slot.

Each size runs in a fresh process so that its peak memory is its own. The rows are also
written to ``--out`` (CSV and JSON, with the machine described). Times are wall-clock
seconds; nothing here is asserted by the tests.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import resource
import time

from report import RESULTS, cell, describe, machine, save


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
    load_s = time.perf_counter() - t
    t = time.perf_counter()
    try:
        result = pm.match(
            children, volunteers, _policy(radius, teams), solver=solver, time_limit=limit
        )
    except pm.PairmatchError as error:  # a refusal (too large for memory) is an answer too
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        queue.put({"children": n, "radius_km": radius, "volunteers": len(volunteers),
                   "load": load_s, "total": time.perf_counter() - t, "peak_MB": peak,
                   "status": f"{type(error).__name__}: {str(error)[:160]}"})  # fmt: skip
        return
    total = time.perf_counter() - t
    t = time.perf_counter()
    ok = pm.verify(result).ok
    verify_s = time.perf_counter() - t
    phases = {k: result.timings.get(k, 0.0) for k in ("validate", "candidates", "build", "solve")}
    stats = result.solution.stats
    queue.put(
        {
            "children": n,
            "radius_km": radius,
            "volunteers": len(volunteers),
            "edges": len(result.candidates),
            "team_children": int((result.ledger()["team_size"] > 1).sum()),
            "presolved_edges": stats.get("edges_after_presolve", 0),
            "cpsat_vars": stats.get("cpsat_variables", 0),
            "cpsat_cons": stats.get("cpsat_constraints", 0),
            "load": load_s,
            **phases,
            "result": max(0.0, total - sum(phases.values())),
            "total": total,
            "verify": verify_s,
            "paired": result.n_paired,
            "objective": result.objective,
            "bound": result.bound,
            "gap": result.gap,
            "status": result.status.value,
            "solver": result.solution.solver,
            "verified": ok,
            "peak_MB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        }
    )


def _answer(proc: mp.Process, queue: mp.Queue, n: int, radius: float) -> dict:
    """The row the case's process sends, or one that says how it died (killed for memory,
    a crash) instead of waiting for ever."""
    import queue as queues

    while True:
        try:
            return queue.get(timeout=1.0)
        except queues.Empty:
            if not proc.is_alive():
                return {"children": n, "radius_km": radius,
                        "status": f"died (exit code {proc.exitcode})"}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,5000")
    parser.add_argument(
        "--radius", default="10", help="km; one value, or one per size (comma-separated)"
    )
    parser.add_argument("--solver", default="auto")
    parser.add_argument("--teams", action="store_true", help="20%% of children need teams")
    parser.add_argument("--time-limit", type=float, default=None)
    parser.add_argument("--out", default=str(RESULTS), help="folder for the CSV and JSON (created)")
    args = parser.parse_args()
    ctx = mp.get_context("spawn")
    sizes = [int(s) for s in args.sizes.split(",")]
    radii = [float(r) for r in args.radius.split(",")]
    if len(radii) == 1:
        radii *= len(sizes)
    if len(radii) != len(sizes):
        parser.error("--radius takes one value or one per size")
    rows = []
    for n, radius in zip(sizes, radii, strict=True):
        queue = ctx.Queue()
        proc = ctx.Process(
            target=_one, args=(n, radius, args.solver, args.teams, args.time_limit, queue)
        )
        proc.start()
        rows.append(_answer(proc, queue, n, radius))
        proc.join()
    cols = [
        "children",
        "radius_km",
        "volunteers",
        "edges",
        *(["team_children", "presolved_edges", "cpsat_vars", "cpsat_cons"] if args.teams else []),
        *("load", "validate", "candidates", "build", "solve", "result", "total", "verify"),
        *("paired", "objective", "bound", "gap", "status", "solver", "verified", "peak_MB"),
    ]
    about = machine()
    print(
        f"# pm.match on synthetic counties{' with teams' if args.teams else ''}, "
        f"time limit {args.time_limit}; {describe(about)}"
    )
    print("| " + " | ".join(cols) + " |")
    print("|" + "---|" * len(cols))
    for row in rows:
        print("| " + " | ".join(cell(row.get(c, "")) for c in cols) + " |")
    name = f"run{'-teams' if args.teams else ''}-{args.sizes.replace(',', '-')}"
    settings = {k: v for k, v in vars(args).items() if k != "out"}
    save(name, [{c: row.get(c, "") for c in cols} for row in rows], settings, about, args.out)


if __name__ == "__main__":
    main()

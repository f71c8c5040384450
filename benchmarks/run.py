"""Benchmark the whole pipeline on synthetic counties and print a table.

    .venv/bin/python benchmarks/run.py                 # 1k and 5k children
    .venv/bin/python benchmarks/run.py --sizes 1000,5000,20000 --radius 10

Each size runs in a fresh process so that its peak memory is its own. Times are wall-clock
seconds on this machine; nothing here is asserted by the tests.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import platform
import resource
import time


def _one(n: int, radius: float, solver: str, queue: mp.Queue) -> None:
    import pairmatch as pm

    t = time.perf_counter()
    children, volunteers = pm.synth.county(n, seed=1)
    synth_s = time.perf_counter() - t
    t = time.perf_counter()
    result = pm.match(children, volunteers, pm.Policy(max_distance_km=radius), solver=solver)
    total = time.perf_counter() - t
    t = time.perf_counter()
    ok = pm.verify(result).ok
    verify_s = time.perf_counter() - t
    queue.put(
        {
            "children": n,
            "volunteers": len(volunteers),
            "edges": len(result.candidates),
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
    args = parser.parse_args()
    ctx = mp.get_context("spawn")
    rows = []
    for n in (int(s) for s in args.sizes.split(",")):
        queue = ctx.Queue()
        proc = ctx.Process(target=_one, args=(n, args.radius, args.solver, queue))
        proc.start()
        rows.append(queue.get())
        proc.join()
    cols = [
        "children",
        "volunteers",
        "edges",
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
        f"# pm.match on synthetic counties, radius {args.radius:g} km; "
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

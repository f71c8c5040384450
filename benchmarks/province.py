"""Province benchmark: a synthetic province matched by parts (one per county) with
``pm.match_partitioned`` in a local process pool; prints a table.

    .venv/bin/python benchmarks/province.py                                  # 100k, 20 counties
    .venv/bin/python benchmarks/province.py --children 1000000 --counties 100

Columns: seconds to generate the registers, to match them all, and per county (median and
largest); candidate pairs; children paired; the status of the whole; the peak memory of
this process and of the largest worker (the parts' memory stays in the workers).
"""

from __future__ import annotations

import argparse
import os
import resource
import time

from report import describe, machine, save

import pairmatch as pm


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=100_000)
    parser.add_argument("--counties", type=int, default=20)
    parser.add_argument("--radius", type=float, default=5.0)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    about = machine()
    print(f"# {describe(about)}; {args.workers} worker processes, radius {args.radius:g} km")
    t = time.perf_counter()
    children, volunteers = pm.synth.province(args.children, args.counties, seed=1)
    synth_s = time.perf_counter() - t
    t = time.perf_counter()
    result = pm.match_partitioned(
        children, volunteers, pm.Policy(max_distance_km=args.radius), max_workers=args.workers
    )
    total = time.perf_counter() - t
    parts = result.parts
    me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    worker = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print("| children | volunteers | counties | synth s | match s | per county s (median, max) "
          "| candidate pairs | paired | status | peak MB (this, largest worker) |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|---|")
    print(
        f"| {len(children):,} | {len(volunteers):,} | {len(parts)} | {synth_s:.1f} "
        f"| {total:.1f} | {parts['seconds'].median():.2f}, {parts['seconds'].max():.2f} "
        f"| {int(parts['edges'].sum()):,} | {result.n_paired:,} | {result.status.value} "
        f"| {me:,.0f}, {worker:,.0f} |"
    )
    row = {
        "children": len(children), "volunteers": len(volunteers), "counties": len(parts),
        "synth_s": synth_s, "match_s": total, "county_s_median": parts["seconds"].median(),
        "county_s_max": parts["seconds"].max(), "edges": int(parts["edges"].sum()),
        "paired": result.n_paired, "status": result.status.value, "peak_MB": me,
        "worker_peak_MB": worker,
    }  # fmt: skip
    save(f"province-{args.children}-{args.counties}", [row], vars(args), about)


if __name__ == "__main__":
    main()

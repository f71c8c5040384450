"""Do time limits hold? Each row is one ``pm.match`` in a fresh process with a time limit,
and the seconds its search stage took (``result.timings``: building the model, presolve,
the search, bounds, pricing and improvement) against the promise: at most the limit plus
max(10%, 2 s).

    .venv/bin/python benchmarks/time_limits.py                   # the default grid
    .venv/bin/python benchmarks/time_limits.py --cases 5000:10:teams:3,20000:10:plain:10

A case is ``children:radius_km:teams|plain:limit_s``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

from report import describe, machine, save

DEFAULT = (
    "1000:10:teams:3,5000:10:teams:3,5000:10:teams:10,20000:3.5:teams:10,"
    "20000:3.5:teams:60,20000:10:plain:5,20000:10:teams:60"
)

_RUN = """
import json, resource, time, pairmatch as pm
children, volunteers = pm.synth.county({n}, seed=1)
teams = dict(severe_team_size=(1, 3), cover_need_from=3) if {teams} else {{}}
policy = pm.Policy(max_distance_km={radius}, **teams)
t = time.perf_counter()
result = pm.match(children, volunteers, policy, time_limit={limit})
wall = time.perf_counter() - t
searched = sum(v for k, v in result.timings.items() if k in ("build", "solve"))
print(json.dumps({{
    "wall_s": wall, "search_s": searched, "status": result.status.value, "gap": result.gap,
    "paired": result.n_paired, "pairs": len(result.candidates),
    "peak_MB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "timings": result.timings,
}}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", default=DEFAULT)
    args = parser.parse_args()
    rows = []
    for case in args.cases.split(","):
        n, radius, kind, limit = case.split(":")
        code = _RUN.format(n=int(n), radius=float(radius), teams=kind == "teams",
                           limit=float(limit))  # fmt: skip
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        row: dict[str, object] = {"children": int(n), "radius_km": float(radius),
                                  "kind": kind, "limit_s": float(limit)}  # fmt: skip
        if done.returncode:
            row["error"] = done.stderr.strip().splitlines()[-1][:200]
        else:
            row |= json.loads(done.stdout.strip().splitlines()[-1])
            allowed = float(limit) + max(0.1 * float(limit), 2.0)
            row["held"] = bool(row["search_s"] <= allowed)  # type: ignore[operator]
        rows.append(row)
        print(json.dumps(row), flush=True)
    about = machine()
    print(f"\ntime limits ({describe(about)})")
    print("| children | km | kind | limit s | search s | whole call s | held | status | gap |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        if "error" in r:
            print(f"| {r['children']:,} | {r['radius_km']} | {r['kind']} | {r['limit_s']} | "
                  f"error: {r['error']} |||||")  # fmt: skip
            continue
        print(
            f"| {r['children']:,} | {r['radius_km']} | {r['kind']} | {r['limit_s']:g} | "
            f"{r['search_s']:.1f} | {r['wall_s']:.1f} | {'yes' if r['held'] else 'NO'} | "
            f"{r['status']} | {r['gap']:.2%} |"
        )
    save("time-limits", rows, vars(args), about)


if __name__ == "__main__":
    main()

"""The first re-pairing after an install: a fresh process solves a county and makes its
first change, with numba's cache empty (what a fresh clone had before) and after
``pairmatch warmup`` (what ``make`` now runs at install).

    .venv/bin/python benchmarks/first_update.py --children 20000 --radius 3.5

Each row is a new process with its own empty cache folder; the times are wall-clock
seconds of ``Matcher.solve`` and of the first and second ``Matcher.update``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

from report import describe, machine, save

_RUN = """
import json, time, pairmatch as pm
children, volunteers = pm.synth.county({n}, seed=1)
m = pm.Matcher(children, volunteers, pm.Policy(max_distance_km={radius}))
t = time.perf_counter(); first = m.solve(at="2026-01-01"); solve = time.perf_counter() - t
gone = first.pairs["volunteer_id"].tolist()
t = time.perf_counter()
m.update(pm.Changes(remove_volunteers=gone[:1]), at="2026-01-02")
update1 = time.perf_counter() - t
t = time.perf_counter()
m.update(pm.Changes(remove_volunteers=gone[1:2]), at="2026-01-03")
update2 = time.perf_counter() - t
print(json.dumps({{"solve_s": solve, "first_update_s": update1, "second_update_s": update2}}))
"""


def _run(code: str, cache: str) -> dict[str, float]:
    env = {**os.environ, "NUMBA_CACHE_DIR": cache}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=20000)
    parser.add_argument("--radius", type=float, default=3.5)
    args = parser.parse_args()
    code = _RUN.format(n=args.children, radius=args.radius)
    rows = []
    for warm in (False, True):
        with tempfile.TemporaryDirectory() as cache:
            row: dict[str, object] = {"cache": "after warmup" if warm else "empty"}
            if warm:
                t = time.perf_counter()
                subprocess.run(
                    [sys.executable, "-m", "pairmatch.cli", "warmup"],
                    env={**os.environ, "NUMBA_CACHE_DIR": cache},
                    check=True,
                    capture_output=True,
                )
                row["warmup_s"] = round(time.perf_counter() - t, 2)
            row |= {k: round(v, 3) for k, v in _run(code, cache).items()}
            rows.append(row)
    about = machine()
    print(f"first re-pairing, {args.children:,} children, {args.radius} km ({describe(about)})")
    print("| cache | warmup s | solve s | first update s | second update s |")
    print("|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['cache']} | {r.get('warmup_s', '')} | {r['solve_s']} | "
            f"{r['first_update_s']} | {r['second_update_s']} |"
        )
    save(f"first-update-{args.children}", rows, vars(args), about)


if __name__ == "__main__":
    main()

"""Teams (多对一) at county scale: the targets of issue 20, on two generators.

    .venv/bin/python benchmarks/teams.py                     # the targets table
    .venv/bin/python benchmarks/teams.py --cases synth:300:10:none,clustered:1500:10:60

A case is ``generator:children:radius_km:time_limit`` (``none`` for no limit). Each runs
``pm.match`` in a fresh process, so its peak memory is its own, and is checked by
``pm.verify``.

Generators:

- ``synth``: ``pm.synth.county(n, seed=1)``; the policy gives children in severe need
  (total need >= 8 or one need of 3, about 22%) a team of 1-3 volunteers.
- ``clustered``: a county generated differently. The children are ``pm.synth.county``'s,
  but each child's team size is its own (``team_min``/``team_max`` columns): 35% may
  have up to 3 members, 20% up to 2, and one in 20 of those needs at least 2. The
  volunteers live near the children (each beside a random child, 2 km spread, so they
  are dense where children are), half as many as the children, with capacities 1-3 drawn
  50/30/20.

Both: every need of severity 3 covered by a member of skill >= 2, supporters use half a
slot. ``teams`` counts children given two or more members. ``gap 1`` and ``gap 2`` are
the proven gaps of levels 1 (priority) and 2 (fit), in percent; ``s`` is the whole
``pm.match`` call, ``peak MB`` the process's peak resident memory.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import resource
import time

from report import cell, describe, machine, save

TARGETS = (
    "synth:300:10:none",
    "clustered:300:10:none",
    "synth:1500:10:60",
    "clustered:1500:10:60",
    "synth:5000:3.5:60",
    "clustered:5000:3.5:60",
    "synth:20000:3.5:120",
    "synth:20000:10:120",
)


def clustered(n: int, seed: int = 1):
    """The second generator (see the module)."""
    import numpy as np

    import pairmatch as pm

    children, volunteers = pm.synth.county(n, round(0.5 * n), seed=seed)
    rng = np.random.default_rng(seed + 1000)
    host = rng.integers(0, n, len(volunteers))
    km = 1 / 111.0
    volunteers["lat"] = children["lat"].to_numpy()[host] + rng.normal(0, 2 * km, len(volunteers))
    cos = np.cos(np.radians(children["lat"].to_numpy()[host]))
    volunteers["lon"] = (
        children["lon"].to_numpy()[host] + rng.normal(0, 2 * km, len(volunteers)) / cos
    )
    volunteers["township"] = children["township"].to_numpy()[host]
    volunteers["village"] = children["village"].to_numpy()[host]
    volunteers["capacity"] = rng.choice([1, 2, 3], len(volunteers), p=[0.5, 0.3, 0.2])
    draw = rng.random(n)
    team_max = np.where(draw < 0.35, 3, np.where(draw < 0.55, 2, 1))
    team_min = np.where((team_max >= 2) & (rng.random(n) < 0.05), 2, 1)
    children["team_min"] = team_min
    children["team_max"] = team_max
    return children, volunteers


def _data(generator: str, n: int):
    import pairmatch as pm

    if generator == "synth":
        return pm.synth.county(n, seed=1)
    if generator == "clustered":
        return clustered(n)
    raise SystemExit(f"unknown generator {generator!r} (synth or clustered)")


def _policy(generator: str, radius: float):
    import pairmatch as pm

    teams = {"severe_team_size": (1, 3)} if generator == "synth" else {}
    return pm.Policy(max_distance_km=radius, cover_need_from=3, support_load=0.5, **teams)


def _one(case: str, queue: mp.Queue) -> None:
    import pairmatch as pm

    generator, n, radius, limit = case.split(":")
    children, volunteers = _data(generator, int(n))
    policy = _policy(generator, float(radius))
    time_limit = None if limit == "none" else float(limit)
    t = time.perf_counter()
    result = pm.match(children, volunteers, policy, time_limit=time_limit)
    seconds = time.perf_counter() - t
    ledger = result.ledger()
    gaps = result.gaps
    queue.put(
        {
            "case": case,
            "children": int(n),
            "volunteers": len(volunteers),
            "edges": len(result.candidates),
            "limit s": limit,
            "s": seconds,
            "status": result.status.value,
            "paired": result.n_paired,
            "teams": int((ledger["team_size"] > 1).sum()),
            "objective": result.objective,
            "gap 1 %": 100 * gaps["priority"],
            "gap 2 %": 100 * gaps["fit"],
            "verified": pm.verify(result).ok,
            "peak MB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", default=",".join(TARGETS))
    parser.add_argument("--out", default=None, help="folder for the CSV and JSON")
    parser.add_argument(
        "--give-up", type=float, default=1800, help="seconds after which a case is stopped"
    )
    args = parser.parse_args()
    ctx = mp.get_context("spawn")
    rows = []
    for case in args.cases.split(","):
        queue = ctx.Queue()
        proc = ctx.Process(target=_one, args=(case, queue))
        proc.start()
        try:
            rows.append(queue.get(timeout=args.give_up))
        except Exception:  # queue.Empty: no answer in time
            proc.kill()
            rows.append({"case": case, "status": f"no answer in {args.give_up:g} s"})
        proc.join()
        print(rows[-1], flush=True)
    cols = list(max(rows, key=len))
    about = machine()
    print(f"# teams at county scale; {describe(about)}")
    print("| " + " | ".join(cols) + " |")
    print("|" + "---|" * len(cols))
    for row in rows:
        print("| " + " | ".join(cell(row.get(c, "")) for c in cols) + " |")
    extra = {} if args.out is None else {"folder": args.out}
    save("teams", rows, vars(args), about, **extra)


if __name__ == "__main__":
    main()

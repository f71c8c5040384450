"""Re-pairing benchmark: one change and a 1% batch on a synthetic county, under both
stability modes; prints a table.

    .venv/bin/python benchmarks/rematch.py                  # 5k children
    .venv/bin/python benchmarks/rematch.py --children 20000

Columns: seconds for the first solve and for each update (validation, candidates and a full
re-solve: updates are not yet incremental), and the share of untouched pairs kept.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

import pairmatch as pm


def _untouched_kept(before: pd.DataFrame, result: pm.MatchResult, touched: set[str]) -> float:
    pairs = set(zip(result.pairs["child_id"], result.pairs["volunteer_id"], strict=True))
    rows = [
        (c, v)
        for c, v in zip(before["child_id"], before["volunteer_id"], strict=True)
        if c not in touched and v not in touched
    ]
    return sum(pair in pairs for pair in rows) / max(len(rows), 1)


def _batch(m: pm.Matcher, rng: np.random.Generator, share: float) -> tuple[pm.Changes, set[str]]:
    k_c = max(1, int(len(m.children) * share / 2))
    k_v = max(1, int(len(m.volunteers) * share))
    leave = rng.choice(m.volunteers["id"].to_numpy(object), k_v, replace=False).tolist()
    edit = rng.choice(m.children["id"].to_numpy(object), k_c, replace=False).tolist()
    new, _ = pm.synth.county(k_c, seed=int(rng.integers(1 << 30)))
    new = new.assign(id=[f"NEW{i:06d}" for i in range(len(new))])
    changes = pm.Changes(
        remove_volunteers=leave,
        add_children=new,
        edit_children=pd.DataFrame({"id": edit, "need_psychological": 3}),
    )
    return changes, set(leave) | set(edit)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=5000)
    parser.add_argument("--radius", type=float, default=10.0)
    args = parser.parse_args()
    children, volunteers = pm.synth.county(args.children, seed=1)
    policy = pm.Policy(max_distance_km=args.radius)
    print(f"# re-pairing a synthetic county of {len(children):,} children, "
          f"{len(volunteers):,} volunteers, radius {args.radius:g} km")  # fmt: skip
    print("| stability | change | first solve s | update s | untouched pairs kept | verified |")
    print("|---|---|---|---|---|---|")
    for stability in ("keep", "strict"):
        for name in ("one volunteer leaves", "1% batch"):
            m = pm.Matcher(children, volunteers, policy, stability=stability)
            t = time.perf_counter()
            first = m.solve()
            first_s = time.perf_counter() - t
            rng = np.random.default_rng(7)
            if name == "one volunteer leaves":
                gone = first.pairs["volunteer_id"].value_counts().index[0]
                changes, touched = pm.Changes(remove_volunteers=[gone]), {gone}
            else:
                changes, touched = _batch(m, rng, 0.01)
            before = m.active
            t = time.perf_counter()
            result = m.update(changes)
            update_s = time.perf_counter() - t
            kept = _untouched_kept(before, result, touched)
            ok = pm.verify(result).ok
            print(f"| {stability} | {name} | {first_s:.2f} | {update_s:.2f} | {kept:.2%} | {ok} |")


if __name__ == "__main__":
    main()

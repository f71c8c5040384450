"""Re-pairing benchmark: incremental repair against a full re-solve, for single changes of
each everyday kind and a 1% batch, under both stability modes; prints a table.

    .venv/bin/python benchmarks/rematch.py                           # 5k children
    .venv/bin/python benchmarks/rematch.py --children 20000 --radius 3.5

Two Matchers start from the same registers and get the same changes: one repairs the last
flow (``incremental=True``, the default), one solves every update in full
(``incremental=False``). Columns: median seconds per update of each, the speed-up, whether
both reached the same optimum (level 1 and level 2), the share of untouched pairs kept
(pairs whose child and volunteer the change did not touch), and the verifier's verdict on
the last incremental result.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import pandas as pd
from report import describe, machine, save

import pairmatch as pm


def _untouched_kept(before: pd.DataFrame, result: pm.MatchResult, touched: set[str]) -> float:
    pairs = set(zip(result.pairs["child_id"], result.pairs["volunteer_id"], strict=True))
    rows = [
        (c, v)
        for c, v in zip(before["child_id"], before["volunteer_id"], strict=True)
        if c not in touched and v not in touched
    ]
    return sum(pair in pairs for pair in rows) / max(len(rows), 1)


def _one_leaves(m: pm.Matcher, rng: np.random.Generator) -> tuple[pm.Changes, set[str]]:
    busy = m.active["volunteer_id"].value_counts()
    gone = str(busy.index[int(rng.integers(min(len(busy), 50)))])
    return pm.Changes(remove_volunteers=[gone]), {gone}


def _one_exits(m: pm.Matcher, rng: np.random.Generator) -> tuple[pm.Changes, set[str]]:
    kids = m.active["child_id"]
    gone = str(kids.iat[int(rng.integers(len(kids)))])
    return pm.Changes(remove_children={gone: "moved away"}), {gone}


def _one_joins(m: pm.Matcher, rng: np.random.Generator) -> tuple[pm.Changes, set[str]]:
    new, _ = pm.synth.county(1, seed=int(rng.integers(1 << 30)))
    new = new.assign(id=[f"NEW{rng.integers(1 << 40):012d}"])
    return pm.Changes(add_children=new), set()


def _one_reassessed(m: pm.Matcher, rng: np.random.Generator) -> tuple[pm.Changes, set[str]]:
    kids = m.active["child_id"]
    cid = str(kids.iat[int(rng.integers(len(kids)))])
    edit = pd.DataFrame({"id": [cid], "need_psychological": [int(rng.integers(4))]})
    return pm.Changes(edit_children=edit), {cid}


SINGLE = {
    "one volunteer leaves": _one_leaves,
    "one child exits": _one_exits,
    "one child joins": _one_joins,
    "one child re-assessed": _one_reassessed,
}


def _batch(m: pm.Matcher, rng: np.random.Generator, share: float) -> tuple[pm.Changes, set[str]]:
    k_c = max(1, int(len(m.children) * share / 2))
    k_v = max(1, int(len(m.volunteers) * share))
    leave = rng.choice(m.volunteers["id"].to_numpy(object), k_v, replace=False).tolist()
    edit = rng.choice(m.children["id"].to_numpy(object), k_c, replace=False).tolist()
    new, _ = pm.synth.county(k_c, seed=int(rng.integers(1 << 30)))
    new = new.assign(id=[f"NEW{rng.integers(1 << 40):012d}{i}" for i in range(len(new))])
    changes = pm.Changes(
        remove_volunteers=leave,
        add_children=new,
        edit_children=pd.DataFrame({"id": edit, "need_psychological": 3}),
    )
    return changes, set(leave) | set(edit)


def _value(result: pm.MatchResult) -> tuple[int, int]:
    return result.solution.priority_value, result.solution.score_value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=5000)
    parser.add_argument("--radius", type=float, default=5.0)
    parser.add_argument("--repeat", type=int, default=5, help="single changes per kind")
    parser.add_argument("--stability", choices=["keep", "strict", "both"], default="both")
    args = parser.parse_args()
    children, volunteers = pm.synth.county(args.children, seed=1)
    policy = pm.Policy(max_distance_km=args.radius)
    about, rows = machine(), []
    print(
        f"# re-pairing a synthetic county of {len(children):,} children, "
        f"{len(volunteers):,} volunteers, radius {args.radius:g} km; {describe(about)}"
    )
    print(
        "| stability | change | updates | edges | first solve s | incremental s (median, max) "
        "| full s (median) | speed-up | same optimum | untouched pairs kept | verified |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for stability in ("keep", "strict") if args.stability == "both" else (args.stability,):
        fast = pm.Matcher(children, volunteers, policy, stability=stability)
        full = pm.Matcher(children, volunteers, policy, stability=stability, incremental=False)
        t = time.perf_counter()
        fast.solve(at="2026-01-01")
        first_s = time.perf_counter() - t
        full.solve(at="2026-01-01")
        rng = np.random.default_rng(7)
        clock = pd.Timestamp("2026-02-01")
        for name, steps in (*((k, args.repeat) for k in SINGLE), ("1% batch", 1)):
            quick, slow, same, kept = [], [], [], []
            result = fast.result
            for _ in range(steps):
                if name in SINGLE:
                    changes, touched = SINGLE[name](fast, rng)
                else:
                    changes, touched = _batch(fast, rng, 0.01)
                clock += pd.Timedelta(days=1)
                at = clock
                before = fast.active
                t = time.perf_counter()
                result = fast.update(changes, at=at)
                quick.append(time.perf_counter() - t)
                t = time.perf_counter()
                other = full.update(changes, at=at)
                slow.append(time.perf_counter() - t)
                same.append(_value(result) == _value(other))
                kept.append(_untouched_kept(before, result, touched))
                # the next change starts from the same state in both
                full = _copy_state(fast, full)
            ok = pm.verify(result).ok
            speed = statistics.median(slow) / statistics.median(quick)
            print(
                f"| {stability} | {name} | {len(quick)} | {result.solution.problem.n_edges:,} "
                f"| {first_s:.2f} | {statistics.median(quick):.3f}, {max(quick):.3f} "
                f"| {statistics.median(slow):.2f} | {speed:.1f}x | {sum(same)}/{len(same)} "
                f"| {min(kept):.2%} | {ok} |"
            )
            rows.append({
                "stability": stability, "change": name, "updates": len(quick),
                "edges": result.solution.problem.n_edges, "first_solve_s": first_s,
                "incremental_s_median": statistics.median(quick), "incremental_s_max": max(quick),
                "full_s_median": statistics.median(slow), "speed_up": speed,
                "same_optimum": sum(same), "untouched_kept_min": min(kept), "verified": ok,
            })  # fmt: skip
    suffix = "" if args.stability == "both" else f"-{args.stability}"
    save(f"rematch-{args.children}{suffix}", rows, vars(args), about)


def _copy_state(source: pm.Matcher, target: pm.Matcher) -> pm.Matcher:
    """``target`` with ``source``'s registers and pairs (so that both face the next change
    from the same state even where equally good pairings differ)."""
    target.children, target.volunteers = source.children, source.volunteers
    target.forbidden = set(source.forbidden)
    target._history = source.history
    return target


if __name__ == "__main__":
    main()

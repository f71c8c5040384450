"""Match a county from CSV registers and write the ledger: the integration path for other
systems' code.

    .venv/bin/python examples/match_county.py [children.csv volunteers.csv] [-o ledger.xlsx]

Without files it writes a synthetic county next to the ledger first and matches that.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pairmatch as pm


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("registers", nargs="*", type=Path, help="children.csv volunteers.csv")
    parser.add_argument("-o", "--output", type=Path, default=Path("out/example-ledger.xlsx"))
    args = parser.parse_args()
    args.output.parent.mkdir(parents=True, exist_ok=True)
    if args.registers:
        children_path, volunteers_path = args.registers
    else:
        children, volunteers = pm.synth.county(1000, seed=42)
        children_path = args.output.parent / "children.csv"
        volunteers_path = args.output.parent / "volunteers.csv"
        children.to_csv(children_path, index=False)
        volunteers.to_csv(volunteers_path, index=False)

    try:
        children = pm.read_children(children_path)
        volunteers = pm.read_volunteers(volunteers_path)
    except pm.ValidationError as err:
        print(err)  # every bad row and field, no personal data
        raise SystemExit(2) from err

    result = pm.match(children, volunteers, pm.Policy(max_distance_km=8))
    pm.verify(result).raise_if_failed()
    print(result.report())
    worst = result.unmatched.sort_values("priority", ascending=False).head(3)
    for child_id in worst["child_id"]:
        print(result.explain(child_id))
    print("ledger:", result.to_ledger(args.output))


if __name__ == "__main__":
    main()

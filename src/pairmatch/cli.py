"""The ``pairmatch`` command.

Exit codes: 0 a pairing was made (children may still be unmatched, with reasons);
2 bad input or usage; 3 no pairing obeys the rules (INFEASIBLE) or none was found in time;
1 anything unexpected.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from pairmatch import synth
from pairmatch.errors import PairmatchError, ValidationError
from pairmatch.io import read_table
from pairmatch.match import match
from pairmatch.model.policy import Policy
from pairmatch.result import MatchResult

__all__ = ["main"]

EXIT_OK, EXIT_ERROR, EXIT_INPUT, EXIT_NO_PAIRING = 0, 1, 2, 3


def _policy_args(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("policy and solver")
    group.add_argument(
        "--policy",
        type=Path,
        metavar="JSON",
        help="a Policy as JSON (any of its fields, e.g. teams: "
        '{"severe_team_size": [1, 3], "cover_need_from": 3}); the flags below override it',
    )
    group.add_argument(
        "--max-distance",
        type=float,
        default=None,
        metavar="KM",
        help="farthest a volunteer travels, great-circle km (default 10)",
    )
    group.add_argument(
        "--cross-county", action="store_true", help="allow pairs across county lines"
    )
    group.add_argument("--solver", default="auto", choices=["auto", "flow", "cpsat"])
    group.add_argument(
        "--time-limit",
        type=float,
        default=None,
        metavar="S",
        help="seconds for the CP-SAT search (exact flow is not limited)",
    )
    group.add_argument("--seed", type=int, default=0)
    group.add_argument(
        "--no-personal",
        action="store_true",
        help="leave names, id numbers and addresses out of the ledger",
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pairmatch",
        description="Pair volunteers (爱心妈妈) with children in need, optimally, with reasons.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="match a synthetic county and write its ledger")
    demo.add_argument("--children", type=int, default=2000, help="children (default 2000)")
    demo.add_argument("--volunteers", type=int, default=None, help="default 0.6 × children")
    demo.add_argument("--data-seed", type=int, default=1, help="seed of the synthetic county")
    demo.add_argument(
        "-o",
        "--output",
        type=Path,
        default=Path("out/demo-ledger.xlsx"),
        help="ledger file: .xlsx, .csv or .parquet (default out/demo-ledger.xlsx)",
    )
    _policy_args(demo)

    run = sub.add_parser("match", help="match registers given as CSV, Excel or Parquet files")
    run.add_argument("children", type=Path, help="children register")
    run.add_argument("volunteers", type=Path, help="volunteer register")
    run.add_argument(
        "-o",
        "--output",
        type=Path,
        default=Path("ledger.xlsx"),
        help="ledger file: .xlsx, .csv or .parquet (default ledger.xlsx)",
    )
    run.add_argument(
        "--forbidden",
        type=Path,
        help="table of pairs never to make (columns child_id, volunteer_id)",
    )
    run.add_argument("--locked", type=Path, help="table of pairs that must stay")
    _policy_args(run)
    return parser


def _run(args: argparse.Namespace) -> int:
    policy = (
        Policy.model_validate_json(args.policy.read_text(encoding="utf-8"))
        if args.policy
        else Policy()
    )
    changes: dict[str, object] = {}
    if args.max_distance is not None:
        changes["max_distance_km"] = args.max_distance
    if args.cross_county:
        changes["allow_cross_county"] = True
    if changes:
        policy = Policy.model_validate(policy.model_dump() | changes)
    options = {"solver": args.solver, "time_limit": args.time_limit, "seed": args.seed}
    if args.command == "demo":
        children, volunteers = synth.county(args.children, args.volunteers, seed=args.data_seed)
        print(f"synthetic county: {len(children):,} children, {len(volunteers):,} volunteers")
        result: MatchResult = match(children, volunteers, policy, **options)
    else:
        forbidden = read_table(args.forbidden) if args.forbidden else None
        locked = read_table(args.locked) if args.locked else None
        result = match(
            args.children, args.volunteers, policy, forbidden=forbidden, locked=locked, **options
        )
    print(result.report())
    args.output.parent.mkdir(parents=True, exist_ok=True)
    path = result.to_ledger(args.output, personal=not args.no_personal)
    print(f"ledger written to {path}")
    return EXIT_OK if result.solution.has_solution else EXIT_NO_PAIRING


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args = _parser().parse_args(argv)
    if args.verbose:
        logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        return _run(args)
    except ValidationError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_INPUT
    except (FileNotFoundError, ValueError, TypeError) as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_INPUT
    except PairmatchError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

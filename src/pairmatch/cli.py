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

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from pairmatch import synth
from pairmatch.errors import FileAccessError, PairmatchError, ValidationError
from pairmatch.io import read_table
from pairmatch.labels import Lang, header, value
from pairmatch.ledger import KEY_VARIABLE, by_category, lead_distances, secret_key
from pairmatch.match import match
from pairmatch.model.policy import Policy
from pairmatch.result import MatchResult

__all__ = ["main", "show"]

EXIT_OK, EXIT_ERROR, EXIT_INPUT, EXIT_NO_PAIRING = 0, 1, 2, 3
_EXIT_CODES = """exit codes:
  0  a pairing was made (children may still be unmatched, each with a reason)
  2  bad input or usage (the message names the row and field)
  3  no pairing obeys the rules (INFEASIBLE), or none was found in time
  1  anything unexpected"""


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
    out = parser.add_argument_group("output")
    out.add_argument(
        "--lang",
        choices=["en", "zh"],
        default="en",
        help="language of the ledger and of the tables printed: en or zh (中文)",
    )
    out.add_argument(
        "--no-personal",
        action="store_true",
        help="leave personal columns out of the ledger: names, id numbers, addresses, phones, "
        "e-mail and chat ids, birth dates, guardians (by header, English or Chinese) and any "
        "column holding id, phone numbers or e-mail addresses",
    )
    out.add_argument(
        "--pseudonymise",
        action="store_true",
        help=f"replace ids in the ledger by keyed pseudonyms (key from {KEY_VARIABLE}) and "
        "keep only the ledger's own columns",
    )
    out.add_argument("--progress", action="store_true", help="show progress bars on standard error")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pairmatch",
        description="Pair volunteers (爱心妈妈) with children in need, optimally, with reasons.",
        epilog=_EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser(
        "warmup",
        help="compile the numeric kernels once (after installing), so that the first "
        "re-pairing is fast",
        description="Run a tiny county through every compiled kernel (numba), so that their "
        "machine code is in the cache before the first real re-pairing needs it.",
    )

    demo = sub.add_parser(
        "demo",
        help="match a synthetic county and write its ledger",
        description="Match a seeded synthetic county and write its ledger (结对台账).",
        epilog=_EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
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

    run = sub.add_parser(
        "match",
        help="match registers given as CSV, Excel or Parquet files",
        description="Match a children register with a volunteer register (CSV, Excel or "
        "Parquet) and write the ledger (结对台账).",
        epilog=_EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
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
    options = {
        "solver": args.solver,
        "time_limit": args.time_limit,
        "seed": args.seed,
        "progress": args.progress,
    }
    if args.pseudonymise:
        secret_key(None)  # no key: say so before the work, not after it
    console = Console(highlight=False)
    if args.command == "demo":
        children, volunteers = synth.county(args.children, args.volunteers, seed=args.data_seed)
        console.print(
            _word("synthetic county", args.lang)
            + f": {len(children):,} {_word('children', args.lang)}, "
            f"{len(volunteers):,} {_word('volunteers', args.lang)}"
        )
        result: MatchResult = match(children, volunteers, policy, **options)
    else:
        forbidden = read_table(args.forbidden) if args.forbidden else None
        locked = read_table(args.locked) if args.locked else None
        result = match(
            args.children, args.volunteers, policy, forbidden=forbidden, locked=locked, **options
        )
    # the ledger first: the work is kept whatever happens to the printing
    args.output.parent.mkdir(parents=True, exist_ok=True)
    path = result.to_ledger(
        args.output, lang=args.lang, personal=not args.no_personal, pseudonymise=args.pseudonymise
    )
    show(result, console, args.lang, ids_hidden=args.pseudonymise)
    console.print(f"{_word('ledger written to', args.lang)} {escape(str(path))}")
    return EXIT_OK if result.solution.has_solution else EXIT_NO_PAIRING


def show(
    result: MatchResult, console: Console, lang: Lang = "en", *, ids_hidden: bool = False
) -> None:
    """Print a result's headline figures as tables: the pairing, children paired by
    category, and unmatched children by reason (ids and figures only, no personal data)."""
    n = len(result.children)
    pairs = result.pairs
    lead = lead_distances(pairs)
    head = Table(title=_word("pairing", lang), show_header=False, box=box.SIMPLE)
    head.add_column(style="bold")
    head.add_column(justify="right")
    rows = [
        ("children", f"{n:,}"),
        ("volunteers", f"{len(result.volunteers):,}"),
        ("candidate pairs", f"{len(result.candidates):,}"),
        ("paired", f"{result.n_paired:,} ({result.n_paired / max(n, 1):.1%})"),
    ]
    if result.has_teams and len(pairs):
        teams = int((pairs.groupby("child_id").size() > 1).sum())
        rows.append(("teams:", f"{teams:,} {_word('children with 2 or more volunteers', lang)}"))
    if len(lead):
        rows.append(
            ("distance km (to the lead)",
             f"{_word('mean', lang)} {lead.mean():.2f}, {_word('p90', lang)} "
             f"{lead.quantile(0.9):.2f}, {_word('max', lang)} {lead.max():.2f}")
        )  # fmt: skip
    status = result.status.value
    colour = {"OPTIMAL": "green", "FEASIBLE": "yellow"}.get(status, "red")
    rows += [
        ("status", f"[{colour}]{status}[/] ({result.solution.solver})"),
        ("objective", f"{result.objective:,.3f}"),
        ("bound", f"{result.bound:,.3f}"),
        ("gap", f"{result.gap:.3g}"),
        ("time s", f"{sum(result.timings.values()):.2f}"),
    ]
    for label, figure in rows:
        head.add_row(_word(label, lang), figure)
    console.print(head)
    paired = result.children["id"].isin(pairs["child_id"]).to_numpy()
    counts = by_category(result.children["category"], paired, result.policy)
    cats = Table(title=_word("paired by category", lang), box=box.SIMPLE)
    for col in ("category", "priority points", "children", "paired", "share"):
        cats.add_column(_word(col, lang), justify="left" if col == "category" else "right")
    for name, weight, size, got, share in counts.itertuples(index=False):
        cats.add_row(
            value("category", name, lang), str(weight), f"{size:,}", f"{got:,}", f"{share:.1%}"
        )
    console.print(cats)
    reasons = result.unmatched["reason"].value_counts()
    if len(reasons):
        why = Table(title=_word("unmatched by reason", lang), box=box.SIMPLE)
        why.add_column(header("reason", lang))
        why.add_column(_word("children", lang), justify="right")
        for code, k in reasons.items():
            why.add_row(value("reason", str(code), lang), f"{k:,}")
        console.print(why)
    if ids_hidden and result.reasons:
        # the notes name records (a locked pair's ids): not printed beside a pseudonymised
        # ledger
        console.print(f"[yellow]{_word('note', lang)}:[/] {len(result.reasons)} "
                      f"{_word('notes withheld (they name records)', lang)}")  # fmt: skip
        return
    for note in result.reasons:
        console.print(f"[yellow]{_word('note', lang)}:[/] {escape(note)}")


#: The command's words in Chinese (English is the key itself).
_ZH = {
    "synthetic county": "模拟县",
    "children": "儿童",
    "volunteers": "爱心妈妈",
    "candidate pairs": "候选结对",
    "paired": "已结对",
    "teams:": "帮扶小组:",
    "children with 2 or more volunteers": "名儿童由2名以上爱心妈妈结对",
    "distance km (to the lead)": "距离(公里,至主结对人)",
    "status": "求解状态",
    "objective": "总匹配度",
    "bound": "上界",
    "gap": "最优性差距",
    "time s": "用时(秒)",
    "pairing": "结对结果",
    "paired by category": "各类儿童结对情况",
    "category": "儿童类别",
    "priority points": "优先级分",
    "share": "结对率",
    "unmatched by reason": "未结对原因",
    "note": "说明",
    "mean": "平均",
    "p90": "90%分位",
    "max": "最大",
    "ledger written to": "结对台账已写入",
    "notes withheld (they name records)": "条说明未显示（其中含有记录编号）",
}


def _word(text: str, lang: Lang) -> str:
    return _ZH.get(text, text) if lang == "zh" else text


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args = _parser().parse_args(argv)
    if args.verbose:
        logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    if args.command == "warmup":
        from pairmatch.warmup import warm_up

        print(f"kernels compiled and cached ({warm_up():.1f} s)")
        return EXIT_OK
    try:
        return _run(args)
    except (ValidationError, FileAccessError) as err:  # bad input, or a file not to be read
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

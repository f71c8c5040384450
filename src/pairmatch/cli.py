"""The ``pairmatch`` command.

Exit codes: 0 a pairing was made (children may still be unmatched, with reasons);
2 bad input or usage; 3 no pairing obeys the rules (INFEASIBLE) or none was found in time;
1 anything unexpected; 130 interrupted.

Whatever the arguments and files, the command answers with an exit code and, on error, one
line on standard error saying what is wrong and what to do (a bad register: every bad row
and field, one per line), never a traceback (unless ``-v``). No error repeats a value it
was given: not a register's cell, not an argument, not a path (it may be a child's name).
The ledger is written to a temporary file beside the output and renamed into place, so a
failure never leaves a half-written ledger.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import sys
import tempfile
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from pairmatch import synth
from pairmatch.errors import (
    FieldError,
    FileAccessError,
    FileReadError,
    PairmatchError,
    TooLargeError,
    UsageError,
    ValidationError,
    WriteError,
)
from pairmatch.files import reasons, rows_said
from pairmatch.io import read_children, read_columns, read_table, read_volunteers
from pairmatch.labels import (
    Lang,
    default_lang,
    header,
    phrase,
    said,
    solver_name,
    status_name,
    value,
)
from pairmatch.match import match
from pairmatch.messages_zh import message_in_chinese
from pairmatch.model.policy import Policy, read_policy
from pairmatch.office.vocabulary import OfficeVocabulary
from pairmatch.outputs.ledger import KEY_VARIABLE, by_category, lead_distances, secret_key
from pairmatch.result import MatchResult
from pairmatch.solvers import BACKENDS

__all__ = ["main", "show"]

EXIT_OK, EXIT_ERROR, EXIT_INPUT, EXIT_NO_PAIRING = 0, 1, 2, 3
EXIT_INTERRUPTED = 130
_EXIT_CODES = """exit codes:
  0    a pairing was made (children may still be unmatched, each with a reason)
  2    bad input or usage (the message names the row and field)
  3    no pairing obeys the rules (INFEASIBLE), none was found in time, or the
       registers share no county
  1    anything unexpected (-v shows the details)
  130  interrupted"""

#: Suffixes of the ledger file (its format).
LEDGER_SUFFIXES = (".xlsx", ".csv", ".parquet")
#: Most children or volunteers a synthetic county may have (the largest documented scale).
MAX_DEMO = 1_000_000
_MAX_SEED = 2**31 - 1  # CP-SAT's seed is a 32-bit integer


class _Parser(argparse.ArgumentParser):
    """argparse, except that an error raises :class:`UsageError` with a message that never
    repeats what was typed (argparse quotes a bad value, an unknown argument)."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{_redact(message)}; see '{self.prog} --help'")


#: argparse's messages that quote what was typed, and what is kept of each.
_QUOTING = (
    (re.compile(r"invalid choice: .* \(choose from (.*)\)$", re.S), r"must be one of \1"),
    (re.compile(r"invalid (\S+) value: .*$", re.S), r"must be a valid \1"),
    (re.compile(r"unrecognized arguments: .*$", re.S), "unrecognized arguments"),
    (re.compile(r"ambiguous option: .* could match (.*)$", re.S), r"ambiguous option: could be \1"),
    (re.compile(r"ignored explicit argument .*$", re.S), "takes no value"),
)


def _redact(message: str) -> str:
    for pattern, kept in _QUOTING:
        message = pattern.sub(kept, message)
    return message


def _figure(x: float) -> str:
    return f"{int(x):,}" if float(x).is_integer() else f"{x:g}"


def _number(
    unit: str, *, low: float, high: float, whole: bool = False, low_open: bool = False
) -> Callable[[str], Any]:
    """An argparse type: a finite number in [low, high] ((low, high] with ``low_open``);
    its error says what is accepted and never repeats the text given."""
    kind = "a whole number" if whole else "a number"
    if low_open:
        rule = f"{kind} greater than {_figure(low)} and at most {_figure(high)}"
    else:
        rule = f"{kind} from {_figure(low)} to {_figure(high)}"
    rule += f" {unit}" if unit else ""

    def parse(text: str) -> Any:
        try:
            number = int(text) if whole else float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be {rule}") from None
        above = number > low if low_open else number >= low
        if not (above and number <= high):  # NaN is neither; infinities are beyond
            raise argparse.ArgumentTypeError(f"must be {rule}")
        return number

    return parse


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
        type=_number("(km)", low=0, high=20_000, low_open=True),
        default=None,
        metavar="KM",
        help="farthest a volunteer travels, great-circle km (default 10)",
    )
    group.add_argument(
        "--cross-county", action="store_true", help="allow pairs across county lines"
    )
    group.add_argument("--solver", default="auto", choices=["auto", *BACKENDS])
    group.add_argument(
        "--time-limit",
        type=_number("(seconds; leave it out for no limit)", low=0, high=1e6, low_open=True),
        default=None,
        metavar="S",
        help="seconds for the CP-SAT search (exact flow is not limited)",
    )
    group.add_argument("--seed", type=_number("", low=0, high=_MAX_SEED, whole=True), default=0)
    out = parser.add_argument_group("output")
    out.add_argument(
        "--lang",
        choices=["en", "zh"],
        default=None,
        help="language of the ledger and of the tables printed: en or zh (中文); by default "
        "the environment variable PAIRMATCH_LANG's, else en",
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
    parser = _Parser(
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
    demo.add_argument(
        "--children",
        type=_number("", low=1, high=MAX_DEMO, whole=True),
        default=2000,
        help="children (default 2000)",
    )
    demo.add_argument(
        "--volunteers",
        type=_number("", low=0, high=MAX_DEMO, whole=True),
        default=None,
        help="default 0.6 × children",
    )
    demo.add_argument(
        "--data-seed",
        type=_number("", low=0, high=_MAX_SEED, whole=True),
        default=1,
        help="seed of the synthetic county",
    )
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
    run.add_argument(
        "--columns",
        type=Path,
        help="JSON file mapping the registers' own headers to pairmatch's fields, e.g. "
        '{"孩子代码": "id"} (the usual Chinese headers need none)',
    )
    run.add_argument(
        "--vocabulary",
        type=Path,
        help="the office's own words (headers, categories, needs), saved as JSON by "
        "pm.OfficeVocabulary().extend(...).save(path)",
    )
    run.add_argument(
        "--county",
        help="the county of single-county registers that leave it out (filled into blank rows)",
    )
    _policy_args(run)
    return parser


#: What each file argument is, for messages: a file is named by its role, never by its
#: path (a file may be named after a child).
_ROLES = {
    "children": "the children register (first argument)",
    "volunteers": "the volunteer register (second argument)",
    "forbidden": "the --forbidden file",
    "locked": "the --locked file",
    "policy": "the --policy file",
}
_OUTPUT = "the output file (-o/--output)"
_JSON_TYPES = {list: "a list", str: "a string", int: "a number", float: "a number",
               bool: "true or false", type(None): "null"}  # fmt: skip


def _run(args: argparse.Namespace) -> int:
    args.lang = args.lang or default_lang()
    # every check that does not need the registers comes first: a mistake costs no work
    given = {role: getattr(args, role, None) for role in _ROLES}  # demo's --children is a count
    inputs = [(role, path) for role, path in given.items() if isinstance(path, Path)]
    for role, path in inputs:
        _check_input(role, path)
    target = _check_output(args.output, inputs)
    policy = _policy(args)
    if args.pseudonymise:
        try:
            secret_key(None)  # no key: say so before the work, not after it
        except (ValueError, TypeError) as err:
            raise UsageError(str(err)) from None
    options = {
        "solver": args.solver,
        "time_limit": args.time_limit,
        "seed": args.seed,
        "progress": args.progress,
    }
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
        words = {
            "columns": _columns(getattr(args, "columns", None)),
            "vocabulary": _vocabulary(getattr(args, "vocabulary", None)),
            "county": getattr(args, "county", None),
        }
        tables = {role: _read(role, path, words) for role, path in inputs if role != "policy"}
        for role in ("children", "volunteers"):
            _say_skipped(console, role, tables[role].attrs.get("skipped_rows"), args.lang)
        result = match(
            tables["children"],
            tables["volunteers"],
            policy,
            forbidden=tables.get("forbidden"),
            locked=tables.get("locked"),
            **options,
        )
    # the ledger first: the work is kept whatever happens to the printing
    _write_ledger(result, target, args)
    show(result, console, args.lang, ids_hidden=args.pseudonymise)
    shown = str(args.output).encode("utf-8", "backslashreplace").decode("utf-8")
    console.print(f"{_word('ledger written to', args.lang)} {escape(shown)}")
    apart = not result.policy.allow_cross_county and result.registry.counties_apart()
    return EXIT_OK if result.solution.has_solution and not apart else EXIT_NO_PAIRING


def _why(err: OSError) -> str:
    """An operating system error in words, without the path it names."""
    return err.strerror or type(err).__name__


def _check_input(role: str, path: Path) -> None:
    """A file argument names a readable regular file."""
    what = _ROLES[role]
    try:
        if not path.exists():
            raise UsageError(f"{what} does not exist; check its path")
        if path.is_dir():
            raise UsageError(f"{what} is a folder; give the file in it")
        if not path.is_file():  # a pipe or a device: opening it below could wait forever
            raise UsageError(f"{what} is not a regular file; give a .csv, .xlsx or .parquet file")
        with path.open("rb"):
            pass
    except OSError as err:
        raise UsageError(f"{what} cannot be opened ({_why(err)}); check its path and "
                         "permissions") from None  # fmt: skip


def _same_file(given: Path, target: Path) -> bool:
    """Whether two paths name one file: through symbolic and hard links, and ./ or ../"""
    try:
        return target.exists() and os.path.samefile(given, target)
    except (OSError, RuntimeError):
        return False


def _check_output(path: Path, inputs: list[tuple[str, Path]]) -> Path:
    """The output's real path (symbolic links followed), once every check that can be made
    before the work has passed: a ledger suffix, not an input, not a folder, and a folder
    (or the nearest existing one above it) that can be written to."""
    if path.suffix.lower() not in LEDGER_SUFFIXES:
        raise UsageError(f"{_OUTPUT} must end in .xlsx, .csv or .parquet (the ledger's format)")
    try:
        target = path.resolve()
    except (OSError, RuntimeError):  # RuntimeError: a loop of symbolic links
        raise UsageError(f"{_OUTPUT} cannot be resolved (a loop of symbolic links?); "
                         "choose another path") from None  # fmt: skip
    for role, given in inputs:
        if _same_file(given, target):
            raise UsageError(f"{_OUTPUT} is {_ROLES[role]}; the ledger would overwrite it: "
                             "choose another name")  # fmt: skip
    try:
        if target.is_dir():
            raise UsageError(f"{_OUTPUT} is a folder; give a file name ending in "
                             ".xlsx, .csv or .parquet")  # fmt: skip
        if target.exists() and not target.is_file():
            raise UsageError(f"{_OUTPUT} exists and is not a regular file; choose another name")
        folder = target.parent  # missing folders are made when the ledger is written
        while not folder.exists() and folder != folder.parent:
            folder = folder.parent
        if not folder.is_dir():
            raise UsageError(f"{_OUTPUT} would be inside a file, not a folder; check its path")
        fd, probe = tempfile.mkstemp(dir=folder, prefix=".pairmatch-", suffix=".probe")
        os.close(fd)
        os.unlink(probe)
    except OSError:
        raise UsageError(f"{_OUTPUT} cannot be written there (no permission, or a read-only "
                         "or special file system); choose another folder") from None  # fmt: skip
    return target


def _policy(args: argparse.Namespace) -> Policy:
    """The --policy file's settings with the flags over them, read as one."""
    settings: dict[str, Any] = _policy_file(args.policy) if args.policy else {}
    if args.max_distance is not None:
        settings["max_distance_km"] = args.max_distance
    if args.cross_county:
        settings["allow_cross_county"] = True
    return read_policy(settings)


def _no_constant(name: str) -> NoReturn:
    raise FieldError(f"{name} is not JSON")  # (read as "not JSON" below)


def _policy_file(path: Path) -> dict[str, Any]:
    what = _ROLES["policy"]
    example = '{"max_distance_km": 8}'
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise UsageError(f"{what} is not UTF-8 text; save it as UTF-8 JSON") from None
    except OSError as err:
        raise UsageError(f"{what} cannot be read ({_why(err)})") from None
    try:
        data = json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as err:
        raise UsageError(f"{what} is not JSON ({err.msg} at line {err.lineno}, column "
                         f"{err.colno}); write the settings as {example}") from None  # fmt: skip
    except (ValueError, RecursionError):  # NaN or Infinity, or nested too deep
        raise UsageError(f"{what} is not JSON; write the settings as {example}") from None
    if not isinstance(data, dict):
        kind = _JSON_TYPES.get(type(data), "not an object")
        raise UsageError(f"{what} must hold one JSON object of settings, such as {example}, "
                         f"not {kind}")  # fmt: skip
    return data


def _columns(path: Path | None) -> Any:
    """The --columns file's mapping (a usage error naming the option when it is no such
    file)."""
    if path is None:
        return None
    try:
        return read_columns(path)
    except PairmatchError as err:
        raise UsageError(f"--columns: {err}") from None


def _vocabulary(path: Path | None) -> Any:
    """The --vocabulary file's words (a usage error naming the option when it is no such
    file)."""
    if path is None:
        return None
    try:
        return OfficeVocabulary.load(path)
    except PairmatchError as err:
        raise UsageError(f"--vocabulary: {err}") from None


def _read(role: str, path: Path, words: dict[str, Any] | None = None) -> Any:
    """A file argument as a table: a register read as an office keeps it (its title rows,
    headers and words, see pm.read_children; ``words``: the --columns, --vocabulary and
    --county given), a list of pairs as it is."""
    try:
        if role == "children":
            return read_children(path, **(words or {}))
        if role == "volunteers":
            return read_volunteers(path, **(words or {}))
        return read_table(path)
    except (FileReadError, FileAccessError) as err:  # the library names the file by its path
        raise UsageError(f"{_ROLES[role]} cannot be read as a table: {reasons(err, path)}"
                         ) from None  # fmt: skip
    except PairmatchError:
        raise
    except Exception as err:  # whatever a file's bytes make a reader raise is the file's
        raise UsageError(f"{_ROLES[role]} cannot be read as a table ({type(err).__name__}); "
                         "give a .csv (UTF-8), .xlsx or .parquet file") from None  # fmt: skip


def _say_skipped(console: Console, role: str, skipped: Any, lang: Lang) -> None:
    """One line for a register whose rows were left out as no records (合计 totals,
    signature lines): how many, and which spreadsheet rows (never their cells)."""
    if not skipped:
        return
    rows = rows_said([row for row, _ in skipped])
    register = _word(f"{role} register", lang)
    left = _word("rows left out as no records (totals, signature lines)", lang)
    if lang == "zh":
        line = f"[yellow]{register}：[/]{len(skipped)} {left}：表格第 {rows} 行"
    else:
        line = f"[yellow]{register}:[/] {len(skipped)} {left}: spreadsheet rows {rows}"
    console.print(line, soft_wrap=True)


def _write_ledger(result: MatchResult, target: Path, args: argparse.Namespace) -> None:
    """Write the ledger to a temporary file beside ``target`` and rename it into place: a
    failure (or an interruption) leaves ``target`` as it was."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(
            dir=target.parent, prefix=f".{target.stem}.", suffix=target.suffix
        )
        os.close(fd)
    except OSError as err:
        raise WriteError(f"could not write the ledger ({_why(err)}); nothing was written") from None
    temporary = Path(name)
    try:
        result.to_ledger(
            temporary, lang=args.lang, personal=not args.no_personal,
            pseudonymise=args.pseudonymise,
        )  # fmt: skip
        os.chmod(temporary, _mode_for(target))
        os.replace(temporary, target)
    except OSError as err:
        temporary.unlink(missing_ok=True)
        raise WriteError(f"could not write the ledger ({_why(err)}); nothing was written to "
                      f"{_OUTPUT}") from None  # fmt: skip
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _mode_for(target: Path) -> int:
    """The permissions the ledger gets: those of the file it replaces, else a new file's."""
    try:
        return target.stat().st_mode & 0o777
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


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
        (
            "status",
            f"[{colour}]{status_name(status, lang)}[/] "
            f"({solver_name(result.solution.solver, lang)})",
        ),
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
        console.print(f"[yellow]{_word('note', lang)}:[/] {escape(said(note, lang))}")


def _word(text: str, lang: Lang) -> str:
    """The command's words in ``lang`` (:data:`pairmatch.labels.PHRASES`)."""
    return phrase(text, lang)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (``--help`` exits with 0)."""
    verbose = False
    lang = _lang_of(sys.argv[1:] if argv is None else list(argv))
    try:
        args = _parser().parse_args(argv)
        verbose = args.verbose
        if verbose:
            logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
        if args.command == "warmup":
            from pairmatch.warmup import warm_up

            print(f"kernels compiled and cached ({warm_up():.1f} s)")
            return EXIT_OK
        return _run(args)
    except (UsageError, ValidationError, FileAccessError, TooLargeError) as err:
        _error(err, lang)  # bad input, a file not to be read, or a run too large to fit
        return EXIT_INPUT
    except PairmatchError as err:  # pairmatch's messages never hold personal data
        _error(err, lang)
        return EXIT_INPUT if isinstance(err, ValueError) else EXIT_ERROR  # (a WriteError: 1)
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # the reader of the output went away (``pairmatch ... | head``)
        _quiet_stdout()
        return EXIT_ERROR
    except Exception as err:
        # not shown: its text may quote anything, personal data included
        if verbose:
            traceback.print_exc()
        _error(f"unexpected {type(err).__name__}; run again with -v for the details and "
               "report it", lang)  # fmt: skip
        return EXIT_ERROR


def _lang_of(argv: list[str]) -> Lang:
    """The language errors are said in: the --lang given (read before the arguments are
    parsed, so a mistake in them is said in it too), else the environment's."""
    for i, word in enumerate(argv):
        given = word.removeprefix("--lang=") if word.startswith("--lang=") else None
        if word == "--lang" and i + 1 < len(argv):
            given = argv[i + 1]
        if given in ("en", "zh"):
            return given  # type: ignore[return-value]
    return default_lang()


def _error(err: BaseException | str, lang: Lang = "en") -> None:
    """One line (or a ValidationError's lines) on standard error, in ``lang``: Chinese from
    the table of message forms (:mod:`pairmatch.messages_zh`), English where it has none."""
    if lang != "zh":
        print(f"error: {err}", file=sys.stderr)
        return
    if isinstance(err, ValidationError):
        text = err.said("zh")
    else:
        text = message_in_chinese(str(err)) or str(err)
    print(f"错误：{text}", file=sys.stderr)


def _quiet_stdout() -> None:
    """Send what is left of standard output nowhere (it was closed by its reader)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

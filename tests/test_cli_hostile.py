"""The command under hostile input: every bad argument, file or path ends in exit code 2
and one line on standard error saying what is wrong and what to do, found before any work
where it can be; anything unexpected in exit code 1 and one line; an interruption in 130.
Never a traceback, never a value it was given, never a half-written ledger."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pairmatch as pm
from pairmatch import cli
from pairmatch.cli import EXIT_ERROR, EXIT_INPUT, EXIT_INTERRUPTED, EXIT_OK, main
from pairmatch.result import MatchResult

SENTINELS = ("王小明", "110101200001011234", "13800138000", "幸福路12号", "Wang Xiaoming")


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> Path:
    """A folder with good registers (c.csv, v.csv), pair lists and a policy."""
    folder = tmp_path_factory.mktemp("files")
    children, volunteers = pm.synth.county(40, seed=3)
    children.to_csv(folder / "c.csv", index=False)
    volunteers.to_csv(folder / "v.csv", index=False)
    pairs = pd.DataFrame({"child_id": [children["id"].iat[0]], "volunteer_id": ["nobody"]})
    pairs.iloc[:0].to_csv(folder / "forbidden.csv", index=False)
    pairs.iloc[:0].to_csv(folder / "locked.csv", index=False)
    (folder / "policy.csv").write_text('{"max_distance_km": 8}', encoding="utf-8")
    return folder


def _run(capsys, argv: list[str]) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def _refused(capsys, argv: list[str], *words: str) -> str:
    """The command refuses ``argv`` with exit code 2 and one line naming ``words``."""
    code, out, err = _run(capsys, argv)
    assert code == EXIT_INPUT, err
    assert "Traceback" not in err + out
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    for word in words:
        assert word in err, err
    return err


def _nothing_written(folder: Path, before: set[str]) -> None:
    assert {p.name for p in folder.iterdir()} == before  # no ledger, no temporary file


# ---------------------------------------------------------------- numbers and choices
BAD_NUMBERS = [
    *(("--max-distance", v, "greater than 0") for v in
      ("-1", "0", "nan", "inf", "-inf", "20001", "1e400", "", "王小明", "5km")),
    *(("--time-limit", v, "greater than 0") for v in ("0", "-1", "nan", "inf", "王小明")),
    *(("--seed", v, "whole number") for v in ("-1", "2147483648", "1.5", "王小明")),
]  # fmt: skip
BAD_COUNTS = [
    *(("--children", v) for v in ("0", "-5", "10000000000000", "1.5", "王小明", "1e3")),
    *(("--volunteers", v) for v in ("-1", "10000000000000", "x")),
    ("--data-seed", "-1"),
]


@pytest.mark.parametrize(("flag", "text", "word"), BAD_NUMBERS)
def test_bad_numbers(capsys, files, flag, text, word) -> None:
    before = {p.name for p in files.iterdir()}
    argv = ["match", files / "c.csv", files / "v.csv", "-o", files / "l.csv", f"{flag}={text}"]
    err = _refused(capsys, argv, flag, word, "--help")
    if len(text) > 2:
        assert text not in err
    _nothing_written(files, before)


@pytest.mark.parametrize(("flag", "text"), BAD_COUNTS)
def test_bad_counts_in_the_demo(capsys, tmp_path, flag, text) -> None:
    _refused(capsys, ["demo", flag, text, "-o", tmp_path / "l.csv"], flag, "whole number")
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["demo", "--solver", "王小明"], ["--solver", "auto", "cpsat"]),
        (["demo", "--lang", "王小明"], ["--lang", "'en', 'zh'"]),
        (["王小明"], ["demo", "match"]),
        (["demo", "王小明"], ["unrecognized"]),
        (["demo", "--王小明"], ["unrecognized"]),
        (["demo", "--cross-county=王小明"], ["--cross-county", "takes no value"]),
        (["demo", "--no-p=王小明"], ["takes no value"]),
        (["demo", "--p=王小明"], ["ambiguous", "--policy"]),
        (["match", "c.csv"], ["required", "volunteers"]),
        (["demo", "--max-distance"], ["expected one argument"]),
        ([], ["required", "command"]),
    ],
)
def test_bad_usage_is_one_line_without_the_text_typed(capsys, argv, words) -> None:
    err = _refused(capsys, argv, *words)
    assert "王小明" not in err


@pytest.mark.parametrize(
    "message",
    [
        "argument --x: invalid choice: 'x (choose from 王小明' (choose from 'a', 'b')",
        "argument --x: invalid int value: '王小明'",
        "unrecognized arguments: 王小明 --王小明",
        "ambiguous option: --p=王小明 could match --policy, --progress",
        "argument --x: ignored explicit argument '王小明'",
    ],
)
def test_argparse_messages_are_redacted(message) -> None:
    """Every message of argparse that quotes what was typed, as argparse words it."""
    assert "王小明" not in cli._redact(message)


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    where=st.sampled_from(
        ["--max-distance", "--time-limit", "--seed", "--solver", "--lang", "--children",
         "--volunteers", "--data-seed", "extra", "flag=", "option", "command", "output",
         "output name"]
    ),
    secret=st.sampled_from(SENTINELS),
    padding=st.sampled_from(["", " ", "x", "-", "1"]),
)  # fmt: skip
def test_no_argument_is_echoed(capsys, tmp_path, where, secret, padding) -> None:
    """A personal value typed into any argument never comes back (hypothesis)."""
    value = padding + secret
    out = str(tmp_path / "l.csv")
    argv = {
        "extra": ["demo", value],
        "flag=": ["demo", f"--cross-county={value}"],
        "option": ["demo", f"--{value}"],
        "command": [value],
        "output": ["demo", "-o", value],
        "output name": ["demo", "-o", str(tmp_path / f"{value}.txt")],
    }.get(where, ["demo", where, value, "-o", out])
    code, printed, err = _run(capsys, argv)
    assert code == EXIT_INPUT
    assert secret not in printed + err and "Traceback" not in err
    assert not list(tmp_path.iterdir())


# ---------------------------------------------------------------- the output
def test_the_output_may_not_be_an_input(capsys, files, tmp_path) -> None:
    before = {p.name for p in files.iterdir()}
    args = ["match", files / "c.csv", files / "v.csv"]
    inputs = ["--forbidden", files / "forbidden.csv", "--locked", files / "locked.csv"]
    here = os.getcwd()
    try:
        os.chdir(files)
        _refused(capsys, ["match", "c.csv", "v.csv", "-o", "./c.csv"], "children register")
        _refused(capsys, ["match", "./c.csv", "v.csv", "-o", "../files/v.csv".replace(
            "files", files.name)], "volunteer register")  # fmt: skip
    finally:
        os.chdir(here)
    _refused(capsys, [*args, *inputs, "-o", files / "forbidden.csv"], "--forbidden file")
    _refused(capsys, [*args, *inputs, "-o", files / "." / "locked.csv"], "--locked file")
    policy = ["--policy", files / "policy.csv"]
    _refused(capsys, [*args, *policy, "-o", files / "policy.csv"], "--policy file")
    # through a symbolic link, and through a hard link
    (tmp_path / "link.csv").symlink_to(files / "c.csv")
    _refused(capsys, [*args, "-o", tmp_path / "link.csv"], "children register")
    os.link(files / "v.csv", tmp_path / "hard.csv")
    _refused(capsys, [*args, "-o", tmp_path / "hard.csv"], "volunteer register")
    (tmp_path / "to-v.csv").symlink_to(tmp_path / "hard.csv")
    _refused(capsys, ["match", files / "c.csv", tmp_path / "to-v.csv", "-o", files / "v.csv"],
             "volunteer register")  # fmt: skip
    _nothing_written(files, before)
    # the registers are untouched
    assert len(pd.read_csv(files / "c.csv")) == 40


@pytest.mark.parametrize(
    ("output", "words"),
    [
        ("ledger.txt", [".xlsx, .csv or .parquet"]),
        ("ledger", [".xlsx, .csv or .parquet"]),
        ("ledger.xlsx.bak", [".xlsx, .csv or .parquet"]),
        ("folder.xlsx", ["is a folder"]),
        ("file.csv/ledger.xlsx", ["inside a file"]),
        ("file.csv/deeper/ledger.xlsx", ["inside a file"]),
        ("/proc/ledger.xlsx", ["cannot be written there"]),
        ("/proc/1/ledger.xlsx", ["cannot be written there"]),
        ("loop.csv", ["loop of symbolic links"]),
        ("pipe.csv", ["not a regular file"]),
    ],
)
def test_an_output_that_cannot_be_written_is_refused_before_the_work(
    capsys, files, tmp_path, monkeypatch, output, words
) -> None:
    (tmp_path / "folder.xlsx").mkdir()
    (tmp_path / "file.csv").write_text("x", encoding="utf-8")
    (tmp_path / "loop.csv").symlink_to(tmp_path / "loop2.csv")
    (tmp_path / "loop2.csv").symlink_to(tmp_path / "loop.csv")
    os.mkfifo(tmp_path / "pipe.csv")
    before = {p.name for p in tmp_path.iterdir()}

    def no_work(*args, **kwargs):
        raise AssertionError("the work started")

    monkeypatch.setattr(cli, "match", no_work)
    target = output if output.startswith("/") else tmp_path / output
    _refused(capsys, ["match", files / "c.csv", files / "v.csv", "-o", target], "-o/--output",
             *words)  # fmt: skip
    _nothing_written(tmp_path, before)


def test_missing_folders_of_the_output_are_made(capsys, files, tmp_path) -> None:
    out = tmp_path / "new" / "deeper" / "ledger.CSV"
    code, printed, _ = _run(capsys, ["match", files / "c.csv", files / "v.csv", "-o", out])
    assert code == EXIT_OK and out.exists() and "ledger written to" in printed
    assert [p.name for p in out.parent.iterdir()] == ["ledger.CSV"]  # no temporary left


# ---------------------------------------------------------------- the input files
@pytest.mark.parametrize(
    ("which", "make", "words"),
    [
        ("children", "missing", ["children register", "does not exist"]),
        ("children", "folder", ["children register", "is a folder"]),
        ("volunteers", "folder", ["volunteer register", "is a folder"]),
        ("volunteers", "fifo", ["volunteer register", "not a regular file"]),
        ("forbidden", "missing", ["--forbidden file", "does not exist"]),
        ("locked", "folder", ["--locked file", "is a folder"]),
        ("policy", "missing", ["--policy file", "does not exist"]),
        ("policy", "folder", ["--policy file", "is a folder"]),
        ("children", "garbage.xlsx", ["children register", "cannot be read as a table"]),
        ("children", "garbage.parquet", ["children register", "cannot be read as a table"]),
        ("volunteers", "undecodable.csv", ["volunteer register", "UTF-8"]),
        ("children", "register.json", ["children register", "cannot be read"]),
        ("forbidden", "garbage.xlsx", ["--forbidden file", "cannot be read as a table"]),
    ],
)
def test_input_files_that_cannot_be_read(capsys, files, tmp_path, which, make, words) -> None:
    name = "王小明" + (Path(make).suffix or ".csv")
    path = tmp_path / name
    if make == "folder":
        path.mkdir()
    elif make == "fifo":
        os.mkfifo(path)
    elif make.startswith("garbage"):
        path.write_bytes("王小明 110101200001011234\n".encode() * 3)
    elif make == "undecodable.csv":  # neither UTF-8 nor GB18030 (GBK files are read)
        path.write_bytes(b"id,name\nC1,\xff\x80\xff\n")
    elif make.endswith(".json"):
        path.write_text("[]", encoding="utf-8")
    given = {"children": files / "c.csv", "volunteers": files / "v.csv", which: path}
    argv = ["match", given.pop("children"), given.pop("volunteers")]
    for flag, value in given.items():
        argv += [f"--{flag}", value]
    err = _refused(capsys, [*argv, "-o", tmp_path / "l.csv"], *words)
    assert "王小明" not in err and str(tmp_path) not in err  # files are named by role
    assert not (tmp_path / "l.csv").exists()


def test_bad_registers_name_rows_and_fields_never_values(capsys, files, tmp_path) -> None:
    children = pd.read_csv(files / "c.csv", dtype=str)
    children.loc[3, "lat"] = "王小明"
    children.loc[5, "guardian_consent"] = "13800138000"
    children.to_csv(tmp_path / "c.csv", index=False)
    code, printed, err = _run(
        capsys, ["match", tmp_path / "c.csv", files / "v.csv", "-o", tmp_path / "l.csv"]
    )
    assert code == EXIT_INPUT and "Traceback" not in err
    assert "row 3" in err and "'lat'" in err and "row 5" in err
    assert "王小明" not in printed + err and "13800138000" not in printed + err


# ---------------------------------------------------------------- the policy file
@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", ["not JSON", "line 1"]),
        ("{", ["not JSON"]),
        ("王小明", ["not JSON"]),
        ("[1, 2]", ["one JSON object", "not a list"]),
        ("8", ["not a number"]),
        ('"王小明"', ["not a string"]),
        ("null", ["not null"]),
        ('{"max_distance_km": NaN}', ["not JSON"]),
        ("[" * 100_000, ["not JSON"]),
    ],
)
def test_a_policy_file_that_is_no_json_object(capsys, tmp_path, text, words) -> None:
    (tmp_path / "p.json").write_text(text, encoding="utf-8")
    err = _refused(capsys, ["demo", "--policy", tmp_path / "p.json", "-o", tmp_path / "l.csv"],
                   "--policy file", *words)  # fmt: skip
    assert "王小明" not in err


def test_a_policy_file_that_is_not_utf8(capsys, tmp_path) -> None:
    (tmp_path / "p.json").write_bytes('{"max_distance_km": 8, "x": "王小明"}'.encode("gbk"))
    _refused(capsys, ["demo", "--policy", tmp_path / "p.json"], "--policy file", "UTF-8")


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    field=st.sampled_from(sorted(pm.Policy.model_fields)),
    secret=st.sampled_from(SENTINELS),
    as_key=st.booleans(),
)
def test_bad_settings_are_named_never_echoed(capsys, tmp_path, field, secret, as_key) -> None:
    """A policy file with a personal value in any setting, or as a key: exit 2, the setting
    named (hypothesis)."""
    settings_ = {secret: 1} if as_key else {field: secret}
    (tmp_path / "p.json").write_text(json.dumps(settings_, ensure_ascii=False), "utf-8")
    code, printed, err = _run(capsys, ["demo", "--policy", tmp_path / "p.json", "-o",
                                       tmp_path / "l.csv"])  # fmt: skip
    assert code == EXIT_INPUT and "Traceback" not in err
    assert secret not in printed + err
    assert err.startswith("error: 1 problem in policy")
    if not as_key:
        assert f"field '{field}'" in err
    assert not (tmp_path / "l.csv").exists()


def test_policy_file_and_flags_are_read_together(capsys, tmp_path) -> None:
    (tmp_path / "p.json").write_text('{"tag_bonuss": 1, "team_size": [3, 1]}', encoding="utf-8")
    code, _, err = _run(capsys, ["demo", "--policy", tmp_path / "p.json", "--max-distance", "3"])
    assert code == EXIT_INPUT
    assert "2 problems in policy" in err and "did you mean 'tag_bonus'" in err
    assert "field 'team_size'" in err and "input_value" not in err


# ---------------------------------------------------------------- failures during the work
@pytest.fixture()
def small_demo(tmp_path) -> list[str]:
    return ["demo", "--children", "30", "-o", str(tmp_path / "l.xlsx")]


def test_anything_unexpected_is_one_line_and_exit_1(capsys, monkeypatch, small_demo) -> None:
    def crash(*args, **kwargs):
        raise RuntimeError("王小明 13800138000 in a library's message")

    monkeypatch.setattr(cli, "match", crash)
    code, printed, err = _run(capsys, small_demo)
    assert code == EXIT_ERROR
    assert err.strip() == (
        "error: unexpected RuntimeError; run again with -v for the details and report it"
    )
    assert "王小明" not in printed
    # -v: the details, for whoever debugs it
    code, _, err = _run(capsys, ["-v", *small_demo])
    assert code == EXIT_ERROR and "Traceback" in err and "RuntimeError" in err


def test_an_interruption_is_quiet(capsys, monkeypatch, small_demo) -> None:
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "match", interrupted)
    code, printed, err = _run(capsys, small_demo)
    assert code == EXIT_INTERRUPTED and err == "" and printed.count("\n") <= 1


def test_a_closed_standard_output_is_quiet(capsys, monkeypatch, small_demo) -> None:
    def closed(*args, **kwargs):
        raise BrokenPipeError

    monkeypatch.setattr(cli, "show", closed)
    code, _, err = _run(capsys, small_demo)
    assert code == EXIT_ERROR and err == ""


@pytest.mark.parametrize("failure", [OSError(28, "No space left on device"), RuntimeError("x"),
                                     KeyboardInterrupt()])  # fmt: skip
@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_a_failed_write_leaves_no_half_written_ledger(
    capsys, monkeypatch, tmp_path, failure, suffix
) -> None:
    out = tmp_path / f"ledger{suffix}"
    out.write_text("the last good ledger", encoding="utf-8")
    real = MatchResult.to_ledger

    def half(self, path, **kwargs):
        real(self, path, **kwargs)
        Path(path).write_bytes(Path(path).read_bytes()[:100])  # half written
        raise failure

    monkeypatch.setattr(MatchResult, "to_ledger", half)
    code, _, err = _run(capsys, ["demo", "--children", "30", "-o", out])
    expected = {OSError: EXIT_ERROR, RuntimeError: EXIT_ERROR, KeyboardInterrupt: 130}
    assert code == expected[type(failure)] and "Traceback" not in err
    if isinstance(failure, OSError):
        assert "could not write the ledger (No space left on device)" in err
    assert out.read_text(encoding="utf-8") == "the last good ledger"
    assert [p.name for p in tmp_path.iterdir()] == [out.name]  # the temporary file is gone


def test_the_ledger_keeps_the_permissions_of_the_file_it_replaces(capsys, tmp_path) -> None:
    fresh, kept = tmp_path / "fresh.csv", tmp_path / "kept.csv"
    kept.write_text("old", encoding="utf-8")
    kept.chmod(0o640)
    for out in (fresh, kept):
        assert main(["demo", "--children", "30", "-o", str(out)]) == EXIT_OK
    mask = os.umask(0)
    os.umask(mask)
    assert fresh.stat().st_mode & 0o777 == 0o666 & ~mask  # as any new file, not 0600
    assert kept.stat().st_mode & 0o777 == 0o640
    assert len(pd.read_csv(kept)) == 30


def test_a_real_interruption_exits_130_without_a_traceback(tmp_path) -> None:
    """SIGINT during the work: exit code 130, nothing on standard error, no ledger."""
    out = tmp_path / "l.xlsx"
    proc = subprocess.Popen(
        [sys.executable, "-m", "pairmatch.cli", "demo", "--children", "20000", "-o", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert proc.stdout is not None
    first = proc.stdout.readline()  # the county is made: the matching starts (seconds)
    assert first.startswith("synthetic county")
    time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == EXIT_INTERRUPTED, err
    assert err == ""
    assert not out.exists() and not list(tmp_path.iterdir())


def test_no_traceback_from_a_real_process(tmp_path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pairmatch.cli", "match", str(tmp_path), str(tmp_path),
         "--max-distance", "王小明"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == EXIT_INPUT
    assert done.stderr.startswith("error: argument --max-distance") and "王小明" not in done.stderr
    done = subprocess.run(
        [sys.executable, "-m", "pairmatch.cli", "match", str(tmp_path), str(tmp_path)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == EXIT_INPUT and "Traceback" not in done.stderr
    assert "is a folder" in done.stderr


def test_a_solver_that_cannot_solve_the_problem_is_bad_usage(capsys, tmp_path) -> None:
    (tmp_path / "teams.json").write_text('{"team_size": [1, 2]}', encoding="utf-8")
    argv = ["demo", "--children", "30", "--solver", "flow", "--policy", tmp_path / "teams.json"]
    code, _, err = _run(capsys, [*argv, "-o", tmp_path / "l.csv"])
    assert code == EXIT_INPUT and err.startswith("error: solver 'flow' cannot solve")
    assert not (tmp_path / "l.csv").exists()


def _unreadable(tmp_path: Path) -> Path:
    """A regular file this process cannot open (as root: a write-only kernel setting)."""
    if os.geteuid() != 0:
        path = tmp_path / "secret.csv"
        path.write_text("id\n", encoding="utf-8")
        path.chmod(0)
        return path
    path = Path("/proc/sys/vm/compact_memory")
    try:
        path.open("rb").close()
    except OSError:
        return path
    pytest.skip("no unreadable file for root here")


def test_an_input_that_cannot_be_opened(capsys, files, tmp_path) -> None:
    path = _unreadable(tmp_path)
    argv = ["match", files / "c.csv", path, "-o", tmp_path / "l.csv"]
    _refused(capsys, argv, "volunteer register", "cannot be opened (Permission denied)")

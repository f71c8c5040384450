"""The ``pairmatch`` command: demo, match, exit codes."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import pairmatch as pm
from pairmatch.cli import EXIT_INPUT, EXIT_NO_PAIRING, EXIT_OK, main


def test_demo_writes_a_ledger(tmp_path, capsys) -> None:
    out = tmp_path / "demo.xlsx"
    assert main(["demo", "--children", "150", "-o", str(out)]) == EXIT_OK
    printed = capsys.readouterr().out
    assert "paired" in printed and "OPTIMAL" in printed and str(out) in printed
    assert len(pd.read_excel(out, engine="openpyxl", sheet_name="ledger")) == 150


def test_match_files(tmp_path, county, capsys) -> None:
    children, volunteers = county
    children.to_csv(tmp_path / "children.csv", index=False)
    volunteers.to_parquet(tmp_path / "volunteers.parquet")
    pd.DataFrame(
        {"child_id": [children["id"].iat[0]], "volunteer_id": [volunteers["id"].iat[0]]}
    ).to_csv(tmp_path / "forbidden.csv", index=False)
    code = main(
        [
            "match",
            str(tmp_path / "children.csv"),
            str(tmp_path / "volunteers.parquet"),
            "--forbidden",
            str(tmp_path / "forbidden.csv"),
            "--max-distance",
            "5",
            "-o",
            str(tmp_path / "ledger.parquet"),
        ]
    )
    assert code == EXIT_OK
    assert len(pd.read_parquet(tmp_path / "ledger.parquet")) == len(children)


def test_bad_input_exit_code_and_message(tmp_path, county, capsys) -> None:
    children, volunteers = county
    bad = children.astype(object)
    bad.loc[4, "need_life"] = 8
    bad.to_csv(tmp_path / "children.csv", index=False)
    volunteers.to_csv(tmp_path / "volunteers.csv", index=False)
    code = main(
        [
            "match",
            str(tmp_path / "children.csv"),
            str(tmp_path / "volunteers.csv"),
            "-o",
            str(tmp_path / "l.csv"),
        ]
    )
    assert code == EXIT_INPUT
    err = capsys.readouterr().err
    assert "row 4" in err and "need_life" in err
    assert (
        main(["match", str(tmp_path / "missing.csv"), str(tmp_path / "volunteers.csv")])
        == EXIT_INPUT
    )


def test_infeasible_exit_code(tmp_path, county) -> None:
    children, volunteers = county
    children.to_csv(tmp_path / "c.csv", index=False)
    volunteers.to_csv(tmp_path / "v.csv", index=False)
    locked = pd.DataFrame(
        {"child_id": children["id"][:2], "volunteer_id": volunteers["id"][:1].tolist() * 2}
    )
    locked.to_csv(tmp_path / "locked.csv", index=False)
    code = main(
        [
            "match",
            str(tmp_path / "c.csv"),
            str(tmp_path / "v.csv"),
            "--locked",
            str(tmp_path / "locked.csv"),
            "--max-distance",
            "0.01",
            "-o",
            str(tmp_path / "l.csv"),
        ]
    )
    assert code == EXIT_NO_PAIRING


def test_help_and_installed_entry_point() -> None:
    with pytest.raises(SystemExit) as stop:
        main(["--help"])
    assert stop.value.code == 0
    done = subprocess.run(
        [sys.executable, "-m", "pairmatch.cli", "match", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "--max-distance" in done.stdout


def test_policy_file_with_teams_and_a_flag_that_overrides_it(tmp_path, capsys) -> None:
    policy = tmp_path / "policy.json"
    policy.write_text(
        '{"severe_team_size": [1, 3], "cover_need_from": 3, "max_distance_km": 50}',
        encoding="utf-8",
    )
    out = tmp_path / "demo.csv"
    args = ["demo", "--children", "120", "--policy", str(policy), "--max-distance", "4"]
    assert main([*args, "-o", str(out)]) == EXIT_OK
    printed = capsys.readouterr().out
    assert "teams:" in printed and "OPTIMAL" in printed
    ledger = pd.read_csv(out)
    assert ledger["distance_km"].max() <= 4  # the flag beat the file's 50 km
    assert ledger["team_size"].max() > 1
    policy.write_text('{"team_size": [3, 1]}', encoding="utf-8")
    assert main(["demo", "--children", "50", "--policy", str(policy)]) == EXIT_INPUT
    assert "larger" in capsys.readouterr().err


def test_demo_in_chinese(tmp_path, capsys) -> None:
    out = tmp_path / "台账.xlsx"
    assert main(["demo", "--children", "150", "--lang", "zh", "-o", str(out)]) == EXIT_OK
    printed = capsys.readouterr().out
    assert "结对结果" in printed and "已结对" in printed and "结对台账已写入" in printed
    assert "留守儿童" in printed  # the category table, in Chinese
    book = pd.read_excel(out, engine="openpyxl", sheet_name=None)
    assert next(iter(book)) == "结对台账" and len(book["结对台账"]) == 150
    assert "未结对原因" in book["结对台账"].columns


def test_demo_in_chinese_says_no_english_word(tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("PAIRMATCH_LANG", "zh")  # the default, when --lang is not given
    monkeypatch.chdir(tmp_path)  # a short path: a long one wraps and is not found to remove
    out = Path("台账.csv")
    assert main(["demo", "--children", "150", "--max-distance", "3", "-o", str(out)]) == EXIT_OK
    printed = capsys.readouterr().out.replace(str(out), "")
    assert "最优" in printed and "未结对原因" in printed
    assert re.findall(r"[A-Za-z]{3,}", printed) == []
    assert pd.read_csv(out, encoding="utf-8-sig").columns[0] == "儿童编号"


def test_pseudonymised_ledger_needs_a_key(tmp_path, capsys, monkeypatch) -> None:
    out = tmp_path / "up.csv"
    monkeypatch.delenv("PAIRMATCH_PSEUDONYM_KEY", raising=False)
    assert main(["demo", "--children", "80", "--pseudonymise", "-o", str(out)]) == EXIT_INPUT
    assert "PAIRMATCH_PSEUDONYM_KEY" in capsys.readouterr().err
    assert not out.exists()  # refused before any work, nothing half written
    monkeypatch.setenv("PAIRMATCH_PSEUDONYM_KEY", "a county office's secret key")
    assert main(["demo", "--children", "80", "--pseudonymise", "-o", str(out)]) == EXIT_OK
    ledger = pd.read_csv(out, dtype=str)
    assert ledger["child_id"].str.fullmatch(r"C[0-9a-f]{16}").all()
    assert "name" not in ledger.columns


def test_every_command_documents_its_exit_codes() -> None:
    for command in (["--help"], ["demo", "--help"], ["match", "--help"]):
        done = subprocess.run(
            [sys.executable, "-m", "pairmatch.cli", *command],
            capture_output=True,
            text=True,
            check=True,
        )
        assert "exit codes:" in done.stdout
        assert "--lang" in done.stdout or command == ["--help"]


def test_ids_with_markup_and_withheld_notes(tmp_path, capsys, monkeypatch) -> None:
    children, volunteers = pm.synth.county(60, seed=2)
    children.loc[0, "id"] = "C[/]1"  # rich markup in an id must print as text
    children.to_csv(tmp_path / "c.csv", index=False)
    volunteers.to_csv(tmp_path / "v.csv", index=False)
    locked = pd.DataFrame({"child_id": ["C[/]1", "C[/]1"], "volunteer_id": volunteers["id"][:2]})
    locked.to_csv(tmp_path / "locked.csv", index=False)
    args = ["match", str(tmp_path / "c.csv"), str(tmp_path / "v.csv"),
            "--locked", str(tmp_path / "locked.csv"), "-o", str(tmp_path / "l.xlsx")]  # fmt: skip
    assert main(args) == EXIT_NO_PAIRING  # two locked pairs for one child
    assert "C[/]1" in capsys.readouterr().out  # the note names it, as typed
    monkeypatch.setenv("PAIRMATCH_PSEUDONYM_KEY", "a county office's secret key")
    assert main([*args, "--pseudonymise"]) == EXIT_NO_PAIRING
    printed = capsys.readouterr().out
    assert "C[/]1" not in printed and "withheld" in printed
    assert (tmp_path / "l.xlsx").exists()


def test_warmup_compiles_every_kernel_into_the_cache(tmp_path) -> None:
    """After `pairmatch warmup` (run by `make` at install) every compiled kernel has its
    machine code in numba's cache, so the first re-pairing of an office does not compile.
    The cache is a fresh folder here: a kernel that warm_up() does not reach fails."""
    import os
    import subprocess
    import sys

    check = (
        "import importlib, os, pkgutil, numba, pairmatch\n"
        "from pairmatch.cli import main\n"
        "assert main(['warmup']) == 0\n"
        "missing = []\n"
        "for mod in pkgutil.walk_packages(pairmatch.__path__, 'pairmatch.'):\n"
        "    module = importlib.import_module(mod.name)\n"
        "    for name, obj in vars(module).items():\n"
        "        if isinstance(obj, numba.core.registry.CPUDispatcher) \\\n"
        "                and obj.__module__ == mod.name \\\n"
        "                and obj.targetoptions.get('inline') != 'always':\n"
        "            index = obj._cache._cache_file._index_path\n"  # numba's on-disk cache
        "            if not os.path.exists(index):\n"
        "                missing.append(f'{mod.name}.{name}')\n"
        "print(sorted(missing))\n"
    )
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-c", check], capture_output=True, text=True, timeout=900, env=env
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "kernels compiled and cached" in done.stdout
    assert done.stdout.strip().splitlines()[-1] == "[]"


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["match", "{tmp}/nope.csv", "{tmp}/v.csv", "-o", "{tmp}/l.csv"],
         "儿童登记表（第一个参数）不存在"),
        (["match", "{tmp}/c.csv", "{tmp}/v.csv", "-o", "{tmp}/l.docx"],
         "输出文件（-o/--output）须以"),
        (["match", "{tmp}/c.csv", "{tmp}/v.csv", "--vocabulary", "{tmp}/no.json"],
         "所给的词表文件不存在"),
        (["match", "{tmp}/c.csv"], "缺少以下参数"),
        (["match", "{tmp}/c.csv", "{tmp}/v.csv", "--bogus"], "无法识别的参数"),
    ],
)  # fmt: skip
def test_errors_are_said_in_chinese_when_asked(tmp_path, capsys, monkeypatch, argv, said) -> None:
    pd.DataFrame({"id": ["C1"]}).to_csv(tmp_path / "c.csv", index=False)
    pd.DataFrame({"id": ["V1"]}).to_csv(tmp_path / "v.csv", index=False)
    args = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    assert main([*args, "--lang", "zh"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("错误：") and said in err, err
    monkeypatch.setenv("PAIRMATCH_LANG", "zh")  # the environment's language, too
    assert main(args) == 2
    assert capsys.readouterr().err.startswith("错误：")
    monkeypatch.setenv("PAIRMATCH_LANG", "en")
    assert main(args) == 2
    assert capsys.readouterr().err.startswith("error: ")

"""The documentation site builds without a warning, and the code on its pages runs.

``mkdocs build --strict`` fails on any warning (a broken link, a page missing from the nav, a
docstring mkdocstrings cannot render), so the API reference cannot silently rot. Every
``python`` block of docs/tutorial.md and docs/index.md is then run in order, in one
interpreter, in a temporary folder, so their code cannot rot either.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TUTORIAL = ROOT / "docs" / "tutorial.md"
BLOCK = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)

# Runs every python block of a page in one namespace. Each block is compiled with blank
# lines in front, so a traceback names the line of the page's Markdown it failed on.
RUNNER = """
import re, sys
text = open(sys.argv[1], encoding="utf-8").read()
namespace = {"__name__": "__main__"}
for match in re.finditer(sys.argv[2], text, re.DOTALL | re.MULTILINE):
    line = text.count("\\n", 0, match.start(1))
    exec(compile("\\n" * line + match.group(1), sys.argv[1], "exec"), namespace)
"""


def _env() -> dict[str, str]:
    return {**os.environ, "NO_MKDOCS_2_WARNING": "1", "MPLBACKEND": "Agg"}


def test_site_builds_strict(tmp_path: Path) -> None:
    pytest.importorskip("mkdocs")
    pytest.importorskip("mkdocstrings_handlers.python")
    site = tmp_path / "site"
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "-d", str(site)],
        cwd=ROOT, capture_output=True, text=True, timeout=300, env=_env(),
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-6000:]
    assert "WARNING" not in done.stderr, done.stderr[-6000:]

    matching = (site / "api" / "matching.html").read_text(encoding="utf-8")
    for name in ("MatchResult", "to_ledger", "explain", "shortfall", "match_partitioned"):
        assert name in matching, name
    pages = {p.stem: p.read_text(encoding="utf-8") for p in (site / "api").glob("*.html")}
    assert {"registers", "matcher", "status", "ledger", "labels", "synth", "plot"} <= set(pages)
    assert "Policy" in pages["registers"] and "Changes" in pages["matcher"]
    assert "capacity_taken" in pages["status"] and "pseudonyms" in pages["ledger"]
    # Sphinx roles in docstrings are turned into links or code, never shown raw
    for name, page in pages.items():
        assert not re.search(r":(class|func|meth|attr|mod|data):<code>", page), name
    # grouped parameters ("solver, time_limit, seed:") get their own types and defaults
    seed_row = re.search(r"<code>seed</code>\s*</td>\s*<td>(.*?)</td>", pages["matcher"], re.S)
    assert seed_row is not None and ">int<" in seed_row.group(1)
    assert "结对台账" in (site / "tutorial.html").read_text(encoding="utf-8")  # UTF-8 kept


def _run_blocks(page: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the python blocks of ``page`` in order, in one interpreter, in ``cwd``."""
    assert BLOCK.search(page.read_text(encoding="utf-8")), f"no python blocks in {page}"
    done = subprocess.run(
        [sys.executable, "-c", RUNNER, str(page), BLOCK.pattern],
        cwd=cwd, capture_output=True, text=True, timeout=300, env=_env(),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-6000:]
    return done


def test_tutorial_code_runs(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    pytest.importorskip("folium")
    assert len(BLOCK.findall(TUTORIAL.read_text(encoding="utf-8"))) >= 15
    done = _run_blocks(TUTORIAL, tmp_path)
    for name in ("children.csv", "volunteers.csv", "儿童名册.xlsx", "台账.xlsx", "up.xlsx",
                 "county.pm", "distances.png", "map.html"):  # fmt: skip
        assert (tmp_path / name).is_file(), name
    assert "500 children, 300 volunteers" in done.stdout
    assert "status OPTIMAL by flow" in done.stdout


def test_home_page_code_runs(tmp_path: Path) -> None:
    done = _run_blocks(ROOT / "docs" / "index.md", tmp_path)
    assert "MatchResult(status=OPTIMAL" in done.stdout
    assert (tmp_path / "台账.xlsx").is_file()

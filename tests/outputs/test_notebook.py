"""The tutorial notebook runs end to end in a fresh Jupyter kernel.

The kernel is the ``python3`` kernelspec, which jupyter_client starts with this test's own
interpreter (the kernelspec says ``python``, and jupyter_client puts ``sys.executable`` in
its place), so the notebook runs against the pairmatch under test. A cell appended here
reports what the kernel saw, and the test checks it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

import pairmatch

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")
pytest.importorskip("matplotlib")
pytest.importorskip("folium")

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "examples" / "tutorial.ipynb"

# Appended to the notebook: what the kernel ran with, and what the tutorial left behind.
REPORT = """
import json, os, sys
from openpyxl import load_workbook
print(json.dumps({
    "executable": sys.executable,
    "prefix": sys.prefix,
    "pairmatch": pm.__file__,
    "workdir": os.getcwd(),
    "files": sorted(os.listdir()),
    "sheets": load_workbook("台账.xlsx", read_only=True).sheetnames,
    "up_sheets": load_workbook("up.xlsx", read_only=True).sheetnames,
}, ensure_ascii=False))
"""


def test_committed_notebook_is_clean() -> None:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    assert code, "no code cells"
    for cell in code:
        assert cell.outputs == [] and cell.execution_count is None, cell.source[:60]
    assert nb.metadata["kernelspec"]["name"] == "python3"


def test_tutorial_notebook_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the notebook writes into tempfile.mkdtemp(): make that land under tmp_path
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(REPORT))
    client = nbclient.NotebookClient(
        nb, kernel_name="python3", timeout=120, resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute()  # raises CellExecutionError, with the cell and traceback, on any error

    outputs = [out for cell in nb.cells if cell.cell_type == "code" for out in cell.outputs]
    assert not [out for out in outputs if out.output_type == "error"]
    printed = [out["text"] for out in nb.cells[-1].outputs if out.get("name") == "stdout"]
    report = json.loads("".join(printed))

    # the kernel ran this interpreter (the .venv's), and this checkout of pairmatch
    assert report["executable"] == sys.executable
    assert report["prefix"] == sys.prefix
    assert report["pairmatch"] == pairmatch.__file__

    # files went to a temporary folder, never the repository
    workdir = Path(report["workdir"]).resolve()
    assert workdir.is_relative_to(tmp_path.resolve()) and workdir != tmp_path.resolve()
    assert {"children.csv", "台账.xlsx", "up.xlsx", "county.pm", "map.html"} <= set(report["files"])
    assert report["sheets"][0] == "结对台账"  # the Chinese ledger sheet comes first
    assert {"结对明细", "未结对儿童", "乡镇汇总", "匹配规则"} <= set(report["sheets"])
    assert report["up_sheets"][0] == "ledger"

    # key outputs: the pairing was proven optimal, and the figures were drawn
    text = "".join(out.get("text", "") for out in outputs if out.output_type == "stream")
    assert "status OPTIMAL by flow" in text and "结对台账" in text
    assert any("image/png" in out.get("data", {}) for out in outputs)  # distances()
    assert any("folium" in out.get("data", {}).get("text/html", "") for out in outputs)
    # the result's own view, and progress bars on request
    html = [out.get("data", {}).get("text/html", "") for out in outputs]
    assert any("MatchResult:" in h and "unmatched, by reason" in h for h in html)
    assert "pairmatch.match" in text

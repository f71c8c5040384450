"""The example scripts run end to end."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_match_county_example(tmp_path) -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "match_county.py"), "-o", str(tmp_path / "l.csv")],
        capture_output=True, text=True, cwd=tmp_path, check=True, timeout=300,
    )  # fmt: skip
    assert "paired" in done.stdout and (tmp_path / "l.csv").exists()


def test_teams_and_recruitment_example(tmp_path) -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "teams_and_recruitment.py"), "--children", "120"],
        capture_output=True, text=True, cwd=tmp_path, check=True, timeout=300,
    )  # fmt: skip
    out = done.stdout
    assert "teams:" in out and "recruitment needed" in out and "alternatives" in out

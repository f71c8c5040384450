"""The example scripts run end to end."""

from __future__ import annotations

import json
import os
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


def test_service_example(tmp_path) -> None:
    script = str(ROOT / "examples" / "service.py")
    env = {**os.environ, "PAIRMATCH_PSEUDONYM_KEY": "the county office's own secret"}
    done = subprocess.run(
        [sys.executable, script, "--demo", "--ledger", str(tmp_path / "台账.xlsx"),
         "--pseudonymise"],
        capture_output=True, text=True, cwd=tmp_path, check=True, timeout=300, env=env,
    )  # fmt: skip
    answer = json.loads(done.stdout)
    assert answer["ok"] and answer["status"] == "OPTIMAL"
    assert answer["paired"] + len(answer["unmatched"]) == answer["children"] == 300
    assert all(p["child_id"].startswith("C") and len(p["child_id"]) == 17 for p in answer["pairs"])
    assert "C0001" not in done.stdout and "号" not in done.stdout  # no id, no address
    assert (tmp_path / "台账.xlsx").exists()
    # a bad record: the answer names it and its field, exit code 2
    sys.path.insert(0, str(ROOT / "examples"))
    try:
        from service import demo_request
    finally:
        sys.path.pop(0)
    request = demo_request(50)
    request["children"][7]["学业需求"] = 9
    bad = subprocess.run(
        [sys.executable, script], input=json.dumps(request, ensure_ascii=False),
        capture_output=True, text=True, cwd=tmp_path, timeout=300,
    )  # fmt: skip
    assert bad.returncode == 2
    errors = json.loads(bad.stdout)["errors"]
    assert any(e["row"] == 7 and e["field"] == "need_study" for e in errors)
    assert "name" not in {e["field"] for e in errors}

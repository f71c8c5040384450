"""What every benchmark shares: the machine it ran on, and its rows saved as CSV and JSON
(``benchmarks/results/<name>.csv|json``) next to the Markdown table it prints."""

from __future__ import annotations

import csv
import json
import os
import platform
import time
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results"


def machine() -> dict[str, Any]:
    """The CPU, cores, memory and versions the figures were measured with."""
    import numpy
    import ortools

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {
        "cpu": cpu,
        "cores": len(os.sched_getaffinity(0)),
        "ram_GiB": round(ram, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "ortools": ortools.__version__,
        "numpy": numpy.__version__,
        "date": time.strftime("%Y-%m-%d"),
    }


def describe(about: dict[str, Any]) -> str:
    """One line for the top of a printed table."""
    return (
        f"{about['cpu']}, {about['cores']} cores, {about['ram_GiB']} GiB, "
        f"Python {about['python']}, OR-Tools {about['ortools']}, {about['date']}"
    )


def save(
    name: str,
    rows: list[dict[str, Any]],
    settings: dict[str, Any],
    about: dict[str, Any],
    folder: Path | str = RESULTS,
) -> Path:
    """Write ``rows`` as ``<folder>/<name>.csv`` and, with the settings and the machine,
    ``<name>.json``; returns the CSV's path."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    cols = list(dict.fromkeys(k for row in rows for k in row))
    with open(folder / f"{name}.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=cols)
        writer.writeheader()
        writer.writerows(rows)
    (folder / f"{name}.json").write_text(
        json.dumps({"machine": about, "settings": settings, "rows": rows}, indent=2, default=str)
        + "\n"
    )
    print(f"written: {folder / name}.csv, .json")
    return folder / f"{name}.csv"


def cell(value: object) -> str:
    """A value as a Markdown table shows it: thousands separated, two decimals."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:,.2f}" if abs(value) >= 0.005 or value == 0 else f"{value:.2g}"

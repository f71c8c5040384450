"""Reader for the OR-Library generalised assignment instances vendored in tests/data/orlib-gap."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

DATA = Path(__file__).resolve().parent / "data" / "orlib-gap"


@dataclass(frozen=True)
class GapInstance:
    name: str
    value: np.ndarray  # agents × jobs
    load: np.ndarray  # agents × jobs
    capacity: np.ndarray  # agents
    optimum: int


def read_gap_file(path: Path) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    numbers = iter(int(tok) for tok in path.read_text().split())
    problems = []
    for _ in range(next(numbers)):
        m, n = next(numbers), next(numbers)
        value = np.array([next(numbers) for _ in range(m * n)]).reshape(m, n)
        load = np.array([next(numbers) for _ in range(m * n)]).reshape(m, n)
        capacity = np.array([next(numbers) for _ in range(m)])
        problems.append((value, load, capacity))
    return problems


def instances() -> list[GapInstance]:
    optima = {}
    with (DATA / "optima.csv").open() as handle:
        for row in csv.DictReader(handle):
            optima[(row["file"], int(row["index"]))] = (row["instance"], int(row["optimum"]))
    out = []
    for (file, index), (name, optimum) in sorted(
        optima.items(), key=lambda kv: (int(kv[0][0][3:]), kv[0][1])
    ):
        value, load, capacity = read_gap_file(DATA / f"{file}.txt")[index - 1]
        out.append(GapInstance(f"{file}-{index}-{name}", value, load, capacity, optimum))
    return out

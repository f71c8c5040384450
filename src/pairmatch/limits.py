"""What a run may take from the machine: memory checked before the big arrays are built.

The candidate pairs are what a run's memory follows (everything after them is arrays over
the pairs), so their number is counted first, by a dual KD-tree count that builds
nothing, and a run whose pairs could not fit in the memory this machine has free fails at
once with :class:`~pairmatch.TooLargeError`, which says how many pairs, how much memory,
and what to change, instead of ``MemoryError``/``std::bad_alloc`` after minutes of work.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import numpy as np

from pairmatch.errors import TooLargeError

__all__ = ["BYTES_PER_PAIR", "TEAM_BYTES_PER_PAIR", "available_bytes", "check_pairs"]

#: Peak memory per candidate pair (counted within the radius, before the county and the
#: volunteers' own limits are applied) of a whole ``pm.match``, with some room: measured
#: 136 B (20,000 children, 10 km) and 161 B (5 km) for one volunteer per child, 364 B
#: (5,000 children, 10 km) and 383 B (20,000, 3.5 km) with teams; see
#: benchmarks/RESULTS.md ("Memory per pair").
BYTES_PER_PAIR = 200
TEAM_BYTES_PER_PAIR = 450

#: What is left to the rest of the process (the registers, the libraries).
_RESERVE = 512 * 2**20


def available_bytes() -> int | None:
    """Memory this process may still take: the kernel's estimate of available memory,
    lowered to the room left under a cgroup (container) limit; None where unknown."""
    free = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                free = int(line.split()[1]) * 1024
                break
    except OSError:
        pass
    if free is None:
        try:
            import psutil

            free = int(psutil.virtual_memory().available)
        except Exception:  # no psutil, or a platform it cannot read
            return None
    limit = _cgroup_room()
    return free if limit is None else min(free, limit)


def _cgroup_room() -> int | None:
    """Room under a cgroup v2 memory limit (max - current), or None without one."""
    folder = Path("/sys/fs/cgroup")
    try:
        most = (folder / "memory.max").read_text().strip()
        used = int((folder / "memory.current").read_text().strip())
    except (OSError, ValueError):
        return None
    if most == "max":
        return None
    return max(0, int(most) - used)


def check_pairs(
    pairs_within: Callable[[np.ndarray], np.ndarray],
    children: int,
    volunteers: int,
    radius_km: float,
    per_pair: int = BYTES_PER_PAIR,
) -> None:
    """Raise :class:`TooLargeError` when the candidate pairs within ``radius_km`` would not
    fit in memory at ``per_pair`` bytes each; ``pairs_within(radii_km)`` counts the pairs
    within each radius.

    ``PAIRMATCH_MEMORY_BYTES`` (bytes) overrides what the machine reports, for a service
    that shares its machine, and for tests.
    """
    given = os.environ.get("PAIRMATCH_MEMORY_BYTES")
    room = int(given) if given and given.isdigit() else available_bytes()
    if room is None:
        return
    pairs = int(pairs_within(np.array([radius_km]))[0])
    need = pairs * per_pair
    budget = max(room - _RESERVE, 0)
    if need <= budget:
        return
    radii = radius_km * np.linspace(0.025, 1, 40)
    fits = radii[pairs_within(radii) * per_pair <= budget]
    advice = f" (at most about {fits[-1]:.1f} km fits)" if fits.size else ""
    raise TooLargeError(
        f"{children:,} children and {volunteers:,} volunteers within {radius_km:g} km of each "
        f"other make about {pairs:,} candidate pairs, which need about {_gb(need)} of memory; "
        f"about {_gb(room)} is free. Lower Policy.max_distance_km{advice}, or pair the "
        "registers by parts with pm.match_partitioned (one county per part), or run on a "
        "machine with more memory",
        pairs=pairs,
        needed_bytes=need,
        available_bytes=room,
    )


def _gb(size: int) -> str:
    return f"{size / 2**30:.1f} GB"

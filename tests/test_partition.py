"""match_partitioned: the same pairs as one match() over the province, whether the parts
run in this process, a process pool or a Dask cluster."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

import pairmatch as pm

CHILDREN, VOLUNTEERS = pm.synth.province(1500, n_counties=5, seed=8)
POLICY = pm.Policy(max_distance_km=5)


def _pairs(table: pd.DataFrame) -> set[tuple[str, str]]:
    return set(zip(table["child_id"], table["volunteer_id"], strict=True))


@pytest.fixture(scope="module")
def whole() -> pm.MatchResult:
    return pm.match(CHILDREN, VOLUNTEERS, POLICY)


def _same_as_whole(parts: pm.PartitionedResult, whole: pm.MatchResult) -> None:
    assert parts.status == whole.status == pm.Status.OPTIMAL
    assert _pairs(parts.pairs) == _pairs(whole.pairs)
    assert parts.objective == pytest.approx(whole.objective)
    assert parts.priority_paired == whole.priority_paired
    pd.testing.assert_frame_equal(
        parts.unmatched[["child_id", "reason"]],
        whole.unmatched[["child_id", "reason"]].sort_values("child_id").reset_index(drop=True),
    )
    # nothing lost: every child is paired or unmatched, once
    seen = pd.concat([parts.pairs["child_id"].drop_duplicates(), parts.unmatched["child_id"]])
    assert sorted(seen) == sorted(CHILDREN["id"])


def test_in_process_and_process_pool_equal_one_match(whole: pm.MatchResult) -> None:
    calls: list[tuple[str, int, int]] = []
    here = pm.match_partitioned(
        CHILDREN, VOLUNTEERS, POLICY, max_workers=1,
        progress=lambda key, done, total: calls.append((key, done, total)),
    )  # fmt: skip
    pool = pm.match_partitioned(CHILDREN, VOLUNTEERS, POLICY, max_workers=2)
    _same_as_whole(here, whole)
    _same_as_whole(pool, whole)
    assert len(here.parts) == 5 and [c[1:] for c in calls] == [(i, 5) for i in range(1, 6)]
    assert len(here.ledger()) == len(whole.ledger())


#: Run in a process of its own: a Dask cluster leaves daemon threads behind after it closes
#: (``Dask-Offload_0`` is still alive after ``Client`` and ``LocalCluster`` have exited),
#: and a daemon thread that writes to standard error while the interpreter shuts down
#: aborts it ("Fatal Python error: _enter_buffered_busy", dask/distributed#7617), which
#: ended one ``make test`` in three with "Aborted". The child leaves with ``os._exit``
#: once its answer is written, so it never shuts down with those threads either.
_DASK_RUN = """
import os, sys
import distributed, pairmatch as pm
if __name__ == "__main__":
    children, volunteers = pm.synth.province(1500, n_counties=5, seed=8)
    with (
        distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                 dashboard_address=None) as cluster,
        distributed.Client(cluster) as client,
    ):
        parts = pm.match_partitioned(children, volunteers, pm.Policy(max_distance_km=5),
                                     client=client)
    parts.pairs.to_parquet(sys.argv[1] + "/pairs.parquet")
    parts.unmatched.to_parquet(sys.argv[1] + "/unmatched.parquet")
    with open(sys.argv[1] + "/figures.txt", "w") as out:
        out.write(f"{parts.status.value} {parts.objective!r} {parts.priority_paired}")
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
"""


def test_a_dask_cluster_gives_the_same_pairs(whole: pm.MatchResult, tmp_path) -> None:
    pytest.importorskip("distributed")
    script = tmp_path / "dask_run.py"
    script.write_text(_DASK_RUN, encoding="utf-8")
    done = subprocess.run([sys.executable, str(script), str(tmp_path)], capture_output=True,
                          text=True, timeout=600)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    status, objective, priority = (tmp_path / "figures.txt").read_text().split()
    assert status == whole.status.value == "OPTIMAL"
    assert float(objective) == pytest.approx(whole.objective)
    assert int(priority) == whole.priority_paired
    assert _pairs(pd.read_parquet(tmp_path / "pairs.parquet")) == _pairs(whole.pairs)
    unmatched = pd.read_parquet(tmp_path / "unmatched.parquet")
    pd.testing.assert_frame_equal(
        unmatched[["child_id", "reason"]].reset_index(drop=True),
        whole.unmatched[["child_id", "reason"]].sort_values("child_id").reset_index(drop=True),
        check_dtype=False,
    )


def test_one_part_again_gives_its_full_result(whole: pm.MatchResult) -> None:
    parts = pm.match_partitioned(CHILDREN, VOLUNTEERS, POLICY, max_workers=1)
    key = parts.parts["part"].iat[1]
    one = parts.part(key)
    assert _pairs(one.pairs) == _pairs(
        parts.pairs[parts.pairs["child_id"].isin(one.children["id"])]
    )
    assert str(CHILDREN["name"].iat[0]) not in repr(parts)
    with pytest.raises(KeyError):
        parts.part("no such county")


def test_across_counties_parts_follow_the_components() -> None:
    policy = pm.Policy(max_distance_km=150, allow_cross_county=True)
    children, volunteers = pm.synth.province(400, n_counties=4, seed=3)
    whole = pm.match(children, volunteers, policy)
    parts = pm.match_partitioned(children, volunteers, policy, max_workers=1)
    assert parts.parts["part"].str.startswith(("component-", "no-candidates")).all()
    assert _pairs(parts.pairs) == _pairs(whole.pairs)
    assert parts.objective == pytest.approx(whole.objective)
    home = dict(zip(volunteers["id"], volunteers["county"], strict=True))
    crossing = parts.pairs["county"] != parts.pairs["volunteer_id"].map(home)
    assert crossing.any()  # a part really spans counties


@pytest.mark.parametrize("cross", [False, True])
def test_default_fair_load_is_the_same_alone_or_together(cross: bool) -> None:
    policy = pm.Policy(max_distance_km=40 if cross else 5, allow_cross_county=cross,
                       fairness_penalty=3.0)  # fmt: skip
    children, volunteers = pm.synth.province(500, n_counties=4, seed=4)
    whole = pm.match(children, volunteers, policy)
    parts = pm.match_partitioned(children, volunteers, policy, max_workers=1)
    assert _pairs(parts.pairs) == _pairs(whole.pairs)
    assert parts.objective == pytest.approx(whole.objective)

"""Progress bars: silent unless asked, never change a result, show figures only."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

import pairmatch as pm
import pairmatch.candidates
import pairmatch.progress

SECRET = "秘密名字"
TEAMS = pm.Policy(max_distance_km=4, severe_team_size=(1, 3), cover_need_from=3, support_load=0.5)


@pytest.fixture(scope="module")
def county():
    children, volunteers = pm.synth.county(1500, seed=8)
    return children.assign(name=SECRET), volunteers


def test_silent_by_default(county, capsys) -> None:
    children, volunteers = county
    pm.match(children, volunteers, pm.Policy(max_distance_km=5))
    pm.match(children.head(150), volunteers.head(90), TEAMS)
    assert capsys.readouterr().err == ""


def test_bars_change_nothing(county, capsys, monkeypatch) -> None:
    policy = pm.Policy(max_distance_km=5)
    quiet = pm.match(*county, policy)
    monkeypatch.setattr(pairmatch.candidates, "PROGRESS_BLOCK", 400)  # blocks of children
    shown = pm.match(*county, policy, progress=True)
    err = capsys.readouterr().err
    assert "pairmatch.match" in err and "4/4" in err
    assert "candidate pairs:" in err and "child/s" in err  # the search's own bar
    assert SECRET not in err
    for field in ("child", "volunteer", "score", "reach"):
        np.testing.assert_array_equal(
            getattr(quiet.candidates, field), getattr(shown.candidates, field)
        )
    assert quiet.pairs.equals(shown.pairs)


def test_search_shows_objective_and_bound(county, capsys) -> None:
    children, volunteers = county
    result = pm.match(children.head(150), volunteers.head(90), TEAMS, progress=True)
    err = capsys.readouterr().err
    assert "objective=" in err and "bound=" in err and "gap=" in err
    assert SECRET not in err
    again = pm.match(children.head(150), volunteers.head(90), TEAMS)
    assert again.pairs.equals(result.pairs)


def test_partitioned_bar_and_callback(capsys) -> None:
    children, volunteers = pm.synth.province(600, 3, seed=2)
    policy = pm.Policy(max_distance_km=5)
    seen: list[tuple[str, int, int]] = []
    quiet = pm.match_partitioned(
        children, volunteers, policy, max_workers=1, progress=lambda *a: seen.append(a)
    )
    assert [s[1:] for s in seen] == [(1, 3), (2, 3), (3, 3)]
    assert capsys.readouterr().err == ""
    shown = pm.match_partitioned(children, volunteers, policy, max_workers=1, progress=True)
    err = capsys.readouterr().err
    assert "pairmatch parts" in err and "3/3" in err
    assert quiet.pairs.equals(shown.pairs)


def test_a_failing_bar_never_stops_the_run(county, monkeypatch) -> None:
    children, volunteers = county
    quiet = pm.match(children.head(150), volunteers.head(90), TEAMS)

    def broken(*_args, **_kw):
        raise BrokenPipeError("standard error is closed")

    monkeypatch.setattr(pairmatch.progress.Reporter, "_show", broken)
    shown = pm.match(children.head(150), volunteers.head(90), TEAMS, progress=True)
    assert shown.pairs.equals(quiet.pairs)


def test_search_reports_from_many_threads_make_one_bar() -> None:
    made = []

    with pairmatch.progress.reporting(True, "threads") as reporter:
        assert reporter is not None
        original = reporter._tqdm

        def counting(*args, **kw):
            made.append(kw.get("desc"))
            time.sleep(0.02)  # a slow bar: the window where two threads could both make one
            return original(*args, **kw)

        reporter._tqdm = counting
        start = threading.Barrier(8)

        def hammer(k: int) -> None:
            start.wait()
            for i in range(200):
                reporter.search(float(i), float(i + k + 1), "CP-SAT")

        threads = [threading.Thread(target=hammer, args=(k,)) for k in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert made == ["CP-SAT"]


def test_a_failed_run_leaves_its_stage_bar_where_it_stopped(county, capsys) -> None:
    children, volunteers = county
    bad = children.astype(object)
    bad.loc[3, "need_life"] = 9
    with pytest.raises(pm.ValidationError):
        pm.match(bad, volunteers, progress=True)
    err = capsys.readouterr().err
    assert "reading registers" in err and "4/4" not in err
    assert pairmatch.progress.current() is None  # nothing left watching


def test_partitioned_progress_is_truthy(capsys) -> None:
    children, volunteers = pm.synth.province(300, 2, seed=4)
    pm.match_partitioned(children, volunteers, max_workers=1, progress=1)
    assert "pairmatch parts" in capsys.readouterr().err


def test_no_thread_is_left_to_write_while_the_interpreter_shuts_down() -> None:
    """A daemon thread that writes to standard error during shutdown aborts Python (the
    intermittent "Aborted" of `make test`): after runs with progress bars, none is left."""
    import subprocess
    import sys

    script = (
        "import threading, pairmatch as pm\n"
        "c, v = pm.synth.province(200, n_counties=2, seed=1)\n"
        "pm.match(c, v, pm.Policy(max_distance_km=8), progress=True)\n"
        "pm.match_partitioned(c, v, pm.Policy(max_distance_km=8), max_workers=1, progress=True)\n"
        "print(sorted(t.name for t in threading.enumerate() if t.daemon))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "[]"

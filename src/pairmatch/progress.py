"""Progress bars for long work: silent unless asked for with ``progress=True``.

Bars are tqdm's (``tqdm.auto``: a widget in Jupyter when ipywidgets is there, text on a
terminal, both on standard error). The library's layers do not pass a bar around: a run
that asks for progress opens a :func:`reporting` block, and the candidate search and the
solvers ask :func:`current` whether anyone is watching. Progress never changes a result,
and only figures are shown, never a child's data.

>>> from pairmatch.progress import current, reporting
>>> current() is None  # nobody watching: every report is skipped
True
>>> with reporting(False):
...     current() is None
True
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from pairmatch import arguments

log = logging.getLogger("pairmatch")

__all__ = ["Reporter", "bar_class", "current", "reporting"]


def bar_class() -> Any:
    """tqdm's bar (``tqdm.auto``) without its monitor thread.

    tqdm starts a daemon thread ("tqdm_monitor") with its first bar, which wakes every 10 s
    and may redraw a bar left open, writing to standard error; if it does so while the
    interpreter shuts down, Python aborts ("Fatal Python error: _enter_buffered_busy ...
    possibly due to daemon threads"). pairmatch's bars do not need it (the monitor only
    lowers ``miniters`` of bars that update too rarely)."""
    from tqdm.auto import tqdm

    class Bar(tqdm):
        monitor_interval = 0

    return Bar


_CURRENT: ContextVar[Reporter | None] = ContextVar("pairmatch_progress", default=None)


class Reporter:
    """The bars of one run: its stages, the steps of long stages, and the search's best
    objective and bound as they improve."""

    def __init__(self, description: str, stages: int | None = None) -> None:
        self._tqdm = bar_class()
        self.stages = self._tqdm(total=stages, desc=description, unit="stage", leave=True)
        self._search: Any = None
        self._stage: str | None = None
        self._seen: tuple[float, float] | None = None
        self._lock = threading.Lock()  # the solver's threads report here
        self.broken = False  # a bar failed (a closed terminal...): report no more

    def stage(self, name: str) -> None:
        """The run enters stage ``name`` (the previous one is done)."""
        if self._stage is not None:
            self.stages.update(1)
        self._stage = name
        self.stages.set_postfix_str(name)

    def steps(self, description: str, total: int, unit: str = "it") -> Any:
        """A bar for the ``total`` steps of one long stage; call ``.update(k)`` and
        ``.close()``."""
        return self._tqdm(total=total, desc=description, unit=unit, leave=False)

    def search(self, objective: float, bound: float, what: str = "search") -> None:
        """The search found a better pairing or proved a better bound. Called from the
        solver's threads; repeated figures are skipped. A bar that fails (standard error
        closed, say) is dropped quietly: progress never stops a run."""
        if self.broken:
            return
        with self._lock:
            try:
                self._show(objective, bound, what)
            except Exception:  # a picture must not end the work
                self.broken = True
                log.debug("progress bar failed; no more progress is shown", exc_info=True)

    def _show(self, objective: float, bound: float, what: str) -> None:
        if self._seen == (objective, bound):
            return
        self._seen = (objective, bound)
        if self._search is None:
            self._search = self._tqdm(desc=what, unit="improvement", leave=False)
        elif self._search.desc != what:
            self._search.set_description_str(what, refresh=False)
        if objective != objective:  # NaN: no pairing found yet, only a bound
            self._search.set_postfix(bound=f"{bound:,.6g}", refresh=False)
        else:
            gap = abs(bound - objective) / max(1.0, abs(objective))
            self._search.set_postfix(
                objective=f"{objective:,.6g}", bound=f"{bound:,.6g}", gap=f"{gap:.3g}",
                refresh=False,
            )  # fmt: skip
        self._search.update(1)

    def close(self, done: bool = True) -> None:
        """Close the bars; ``done=False`` (the run failed) leaves the stage bar where the
        run stopped instead of filling it."""
        try:
            if self._search is not None:
                self._search.close()
            if done and self.stages.total is not None:
                self.stages.update(self.stages.total - self.stages.n)
            self.stages.close()
        except Exception:  # as in search
            log.debug("progress bar failed to close", exc_info=True)


def current() -> Reporter | None:
    """The reporter of the run in progress, or None when nobody asked for progress."""
    return _CURRENT.get()


@contextmanager
def reporting(
    enabled: bool, description: str = "pairmatch", stages: int | None = None
) -> Iterator[Reporter | None]:
    """Report progress inside this block when ``enabled`` (and no outer block already
    does: an inner run reports to the outer bars)."""
    enabled = arguments.flag("progress", enabled)
    if not enabled or _CURRENT.get() is not None:
        yield _CURRENT.get()
        return
    reporter = Reporter(description, stages)
    token = _CURRENT.set(reporter)
    done = False
    try:
        yield reporter
        done = True
    finally:
        _CURRENT.reset(token)
        reporter.close(done)

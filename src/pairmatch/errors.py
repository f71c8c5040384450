"""One exception hierarchy for pairmatch.

Every error pairmatch raises derives from :class:`PairmatchError`, and from the built-in
exception it most resembles, so ``except ValueError`` keeps working for callers who do not
know pairmatch. Messages have one shape: what was wrong, where (record and field), and what
to do. Messages never contain personal data: a record is named by its programme id and its
row, never by a child's name, national id or address.

An infeasible problem is *not* an error: it is a result whose status says so. Errors are for
input that cannot be read as what it claims to be, and for a solver that crashed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "DateError",
    "InputIssue",
    "PairmatchError",
    "SolverError",
    "SolverUnavailableError",
    "ValidationError",
]


class PairmatchError(Exception):
    """Root of every error pairmatch raises."""


@dataclass(frozen=True)
class InputIssue:
    """One thing wrong with the input.

    Attributes
    ----------
    table:
        ``"children"``, ``"volunteers"``, ``"pairs"``, ``"policy"`` or ``"matrix"``.
    row:
        Position of the record in the input (0-based), or ``None`` for a table-level problem.
    record_id:
        The record's programme id when it could be read, else ``None``.
    field:
        The column or field at fault, or ``None``.
    message:
        Why it is wrong and what would be accepted. Never contains personal data.
    """

    table: str
    row: int | None
    record_id: str | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = [self.table]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.record_id is not None:
            where.append(f"id {self.record_id!r}")
        if self.field is not None:
            where.append(f"field {self.field!r}")
        return f"{', '.join(where)}: {self.message}"


class ValidationError(PairmatchError, ValueError):
    """Input that cannot be accepted; lists every problem found, not just the first.

    Attributes
    ----------
    problems:
        Every problem found, in input order.
    """

    MAX_LINES = 50

    def __init__(self, problems: Sequence[InputIssue], *, what: str = "input") -> None:
        self.problems: tuple[InputIssue, ...] = tuple(problems)
        self.what = what
        n = len(self.problems)
        lines = [f"{n} problem{'s' if n != 1 else ''} in {what}; nothing was changed:"]
        lines += [f"  - {p}" for p in self.problems[: self.MAX_LINES]]
        if n > self.MAX_LINES:
            lines.append(f"  ... and {n - self.MAX_LINES} more (see the error's .problems)")
        super().__init__("\n".join(lines))

    def to_frame(self):
        """Every problem as a DataFrame with columns table, row, record_id, field, message."""
        import pandas as pd

        return pd.DataFrame(
            [(p.table, p.row, p.record_id, p.field, p.message) for p in self.problems],
            columns=["table", "row", "record_id", "field", "message"],
        )


class DateError(PairmatchError, ValueError):
    """A date that cannot be accepted: missing, unreadable, ambiguous (day and month in
    either order), a bare number, outside the accepted window, or earlier than a change
    already recorded. The message names the argument (``at``, ``since``, ...)."""


class SolverError(PairmatchError, RuntimeError):
    """A back end failed in a way that is not a property of the problem (a crash, a bug)."""


class SolverUnavailableError(PairmatchError, ValueError):
    """The requested back end does not exist or cannot solve this problem."""

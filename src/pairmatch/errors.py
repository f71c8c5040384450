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
    "FileAccessError",
    "FileReadError",
    "InputIssue",
    "MissingFileError",
    "PairmatchError",
    "SolverError",
    "SolverUnavailableError",
    "TooLargeError",
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
        ``"children"``, ``"volunteers"``, a kind of pairs (``"forbidden pairs"``,
        ``"locked pairs"``, ...), ``"policy"``, ``"matrix"`` (the arguments of
        :meth:`~pairmatch.Problem.from_matrices`), ``"problem"`` (the arrays of a
        :class:`~pairmatch.Problem`) or ``"options"`` (the solver and search options).
    row:
        Position of the record in the input (0-based; for a matrix, the entry's row; for an
        array, the entry's position), or ``None`` for a table-level problem.
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


class FileReadError(ValidationError):
    """A file that cannot be read as one table: empty, not the format its name says, not
    UTF-8 or GB18030 text, ragged, an unclosed quote, or a workbook whose register sheet is
    not clear. Its problems name the file, the line or sheet, and what to do."""


class FileAccessError(PairmatchError, OSError):
    """A file that cannot be opened: a directory, or one pairmatch may not read."""


class MissingFileError(FileAccessError, FileNotFoundError):
    """A file that does not exist."""


class DateError(PairmatchError, ValueError):
    """A date that cannot be accepted: missing, unreadable, ambiguous (day and month in
    either order), a bare number, outside the accepted window, or earlier than a change
    already recorded. The message names the argument (``at``, ``since``, ...)."""


class SolverError(PairmatchError, RuntimeError):
    """A back end failed in a way that is not a property of the problem (a crash, a bug)."""


class SolverUnavailableError(PairmatchError, ValueError):
    """The requested back end does not exist or cannot solve this problem."""


class TooLargeError(PairmatchError, MemoryError):
    """A run that would not fit in the memory this machine has free, refused before the
    work: the message says how large, how much memory, and what to change.

    Attributes
    ----------
    pairs:
        Candidate pairs the run would build.
    needed_bytes, available_bytes:
        The memory they need, and what was free.
    """

    def __init__(
        self, message: str, *, pairs: int, needed_bytes: int, available_bytes: int
    ) -> None:
        super().__init__(message)
        self.pairs = pairs
        self.needed_bytes = needed_bytes
        self.available_bytes = available_bytes


class UnknownIdError(PairmatchError, KeyError):
    """An id that is not in the register."""

    def __str__(self) -> str:  # KeyError quotes its argument; keep the message readable
        return str(self.args[0]) if self.args else ""

"""One exception hierarchy for pairmatch.

Every error pairmatch raises derives from :class:`PairmatchError`, and from the built-in
exception it most resembles, so ``except ValueError`` keeps working for callers who do not
know pairmatch. Messages have one shape: what was wrong, where (record and field), and what
to do. Messages never contain personal data: a record is named by its programme id and its
row, never by a child's name, national id or address.

An infeasible problem is *not* an error: it is a result whose status says so. Errors are for
input that cannot be read as what it claims to be, and for a solver that crashed.

The tree (built-in bases in brackets)::

    PairmatchError
    ├── ValidationError [ValueError]        bad input; every problem listed
    │   ├── FileReadError                   a file that is not one readable table
    │   ├── ModelValidationError            a record or policy built from bad values
    │   │                                   (also pydantic's ValidationError)
    │   └── UnknownSolverError              (also SolverUnavailableError)
    ├── FieldError [ValueError]             one value a field cannot hold
    ├── ArgumentError [ValueError]          an argument a function does not accept
    │   └── ArgumentTypeError [TypeError]
    ├── DateError [ValueError]
    ├── UnknownKeyError [KeyError]          a key that names nothing
    │   └── UnknownIdError                  an id not in the register
    ├── FileAccessError [OSError]           a folder, no permission
    │   └── MissingFileError [FileNotFoundError]
    ├── MatcherFileError [ValueError]       a saved Matcher file that cannot be read
    ├── WriteError [OSError]                a file that could not be written
    ├── SolverError [RuntimeError]          a back end crashed (a bug)
    ├── SolverUnavailableError [ValueError]
    ├── TooLargeError [MemoryError]         refused before the work
    ├── VerificationError [AssertionError]  a result broke a rule
    ├── MissingDependencyError [ImportError]
    ├── UsageError                          the command line's bad arguments
    └── SchemaError [KeyError]              pairmatch's own table lacks a column (a bug)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pydantic_core

__all__ = [
    "ArgumentError",
    "ArgumentTypeError",
    "DateError",
    "FieldError",
    "FileAccessError",
    "FileReadError",
    "InputIssue",
    "MatcherFileError",
    "MissingDependencyError",
    "MissingFileError",
    "ModelValidationError",
    "PairmatchError",
    "SchemaError",
    "SolverError",
    "SolverUnavailableError",
    "TooLargeError",
    "UnknownIdError",
    "UnknownKeyError",
    "UnknownSolverError",
    "UsageError",
    "ValidationError",
    "VerificationError",
    "WriteError",
    "PairmatchWarning",
    "CountiesApartWarning",
]


class PairmatchError(Exception):
    """Root of every error pairmatch raises."""


class PairmatchWarning(UserWarning):
    """Root of every warning pairmatch gives."""


class CountiesApartWarning(PairmatchWarning):
    """The children's and the volunteers' registers share no county, so no child can be
    paired inside her county: the result says so too (``result.reasons``), and the command
    line exits 3."""


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
    sheet_row:
        For a register read from a file, the row as the spreadsheet shows it (the header
        on the row it is on, title rows above it counted), else ``None``.
    sheet:
        For a workbook read with ``sheet="all"``, the sheet the row is on.
    header:
        The office's own header of ``field`` when the register called it otherwise
        (``"监护人是否同意"`` for ``guardian_consent``), else ``None``.
    """

    table: str
    row: int | None
    record_id: str | None
    field: str | None
    message: str
    sheet_row: int | None = None
    sheet: str | None = None
    header: str | None = None

    def __str__(self) -> str:
        where = [self.table]
        if self.row is not None:
            at = [f"sheet {self.sheet!r}"] if self.sheet is not None else []
            at += [f"spreadsheet row {self.sheet_row}"] if self.sheet_row is not None else []
            where.append(f"row {self.row}" + (f" ({', '.join(at)})" if at else ""))
        if self.record_id is not None:
            where.append(f"id {self.record_id!r}")
        if self.field is not None:
            shown = f" (header {self.header!r})" if self.header is not None else ""
            where.append(f"field {self.field!r}{shown}")
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
        """Every problem as a DataFrame with columns table, row, record_id, field, message,
        and, when a problem has them, sheet_row, sheet and header (see
        :class:`InputIssue`)."""
        import pandas as pd

        frame = pd.DataFrame(
            [(p.table, p.row, p.record_id, p.field, p.message) for p in self.problems],
            columns=["table", "row", "record_id", "field", "message"],
        )
        for extra in ("sheet_row", "sheet", "header"):
            values = [getattr(p, extra) for p in self.problems]
            if any(v is not None for v in values):
                frame[extra] = values
        return frame


class FileReadError(ValidationError):
    """A file that cannot be read as one table: empty, not the format its name says, not
    UTF-8 or GB18030 text, ragged, an unclosed quote, or a workbook whose register sheet is
    not clear. Its problems name the file, the line or sheet, and what to do."""


class ModelValidationError(ValidationError, pydantic_core.ValidationError):
    """A record or a policy built from values it cannot hold (``pm.Policy(...)``,
    ``pm.Child(...)``, their ``model_validate``): pydantic's ``ValidationError``, with its
    ``errors()`` and text as they have always been, and a :class:`ValidationError` whose
    problems name each field (table ``"policy"`` or ``"records"``), never the value given.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # built by pydantic_core's ``from_exception_data``, which holds the errors itself;
        # :meth:`from_pydantic` adds the problems
        pass

    @classmethod
    def from_pydantic(
        cls, err: pydantic_core.ValidationError, *, table: str, shown: Callable[[Any], bool]
    ) -> ModelValidationError:
        """``err`` as this class. A field's path is cut before its first part ``shown``
        refuses (a key given may be anything: only a known field or word is repeated)."""
        errors = err.errors(include_url=False)
        for e in errors:
            loc = list(e["loc"])
            cut = next((i for i, part in enumerate(loc) if not shown(part)), len(loc))
            e["loc"] = tuple(loc[:cut])
        new = cls.from_exception_data(err.title, errors, hide_input=True)  # type: ignore[arg-type]
        new.problems = tuple(
            InputIssue(
                table, None, None, ".".join(map(str, e["loc"])) or None,
                e["msg"].removeprefix("Value error, "),
            )
            for e in errors
        )  # fmt: skip
        new.what = table
        return new

    def __reduce__(self) -> tuple[Any, ...]:
        # pydantic's rebuilds the errors; the problems travel as the instance's state
        reduced: tuple[Any, ...] = super().__reduce__()  # type: ignore[assignment]
        rebuild, args = reduced[:2]
        return rebuild, args, {"problems": self.problems, "what": self.what}


class FieldError(PairmatchError, ValueError):
    """One value a field cannot hold (an id, a category, a yes/no, a setting), said as the
    rest of a sentence that starts with the field's name (``"is missing; every record
    needs an id"``). The register and policy checks collect these into the problems of a
    :class:`ValidationError`."""


class ArgumentError(PairmatchError, ValueError):
    """An argument of a public function or method that is not one it accepts (out of
    range, not one of its choices): the message names the parameter and what it takes,
    never the value given unless it cannot be personal (a number, a near-miss)."""


class ArgumentTypeError(ArgumentError, TypeError):
    """An argument of a type its parameter does not take (also a ``TypeError``)."""


class DateError(PairmatchError, ValueError):
    """A date that cannot be accepted: missing, unreadable, ambiguous (day and month in
    either order), a bare number, outside the accepted window, or earlier than a change
    already recorded. The message names the argument (``at``, ``since``, ...)."""


class UnknownKeyError(PairmatchError, KeyError):
    """A key that names nothing: an id not in a register, a part not in a result."""

    def __str__(self) -> str:  # KeyError quotes its argument; keep the message readable
        return str(self.args[0]) if self.args else ""


class UnknownIdError(UnknownKeyError):
    """An id that is not in the register."""


class FileAccessError(PairmatchError, OSError):
    """A file that cannot be opened: a directory, or one pairmatch may not read."""


class MissingFileError(FileAccessError, FileNotFoundError):
    """A file that does not exist."""


class MatcherFileError(PairmatchError, ValueError):
    """A saved Matcher file that cannot be read: not one, from a newer version, damaged
    (the message names the member and field), or over the size bounds. Nothing is loaded;
    the message never repeats what the registers hold."""


class WriteError(PairmatchError, OSError):
    """A file pairmatch was asked to write could not be written (no room, no permission);
    the message is safe to print and says what was left as it was."""


class SolverError(PairmatchError, RuntimeError):
    """A back end failed in a way that is not a property of the problem (a crash, a bug)."""


class SolverUnavailableError(PairmatchError, ValueError):
    """The requested back end does not exist or cannot solve this problem."""


class UnknownSolverError(ValidationError, SolverUnavailableError):
    """A solver name that names no back end: bad input (a :class:`ValidationError` naming
    the option), and the :class:`SolverUnavailableError` it has always been."""


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


class VerificationError(PairmatchError, AssertionError):
    """A result broke a rule it must obey."""


class MissingDependencyError(PairmatchError, ImportError):
    """An optional dependency a feature needs (matplotlib, folium) is not installed; the
    message says what to install."""


class UsageError(PairmatchError):
    """Bad arguments or files given to the command line, found before any work: exit code
    2 and this one line."""


class SchemaError(PairmatchError, KeyError):
    """A table of pairmatch's own lacks columns its schema documents
    (:mod:`pairmatch.outputs.schema`): a bug of pairmatch's, not of the data."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""

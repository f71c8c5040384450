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
from typing import TYPE_CHECKING, Any, ClassVar

import pydantic_core

if TYPE_CHECKING:
    from pairmatch.words import Lang

__all__ = [
    "ArgumentError",
    "ArgumentTypeError",
    "CountiesApartWarning",
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
    "PairmatchWarning",
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
]


class PairmatchError(Exception):
    """Root of every error pairmatch raises."""


class PairmatchWarning(UserWarning):
    """Root of every warning pairmatch gives."""


class CountiesApartWarning(PairmatchWarning):
    """The children's and the volunteers' registers share no county, so no child can be
    paired inside her county: the result says so too (``result.reasons``), and the command
    line exits 3."""


def _lang(lang: str | None) -> str:
    """``lang``, or the language set by ``PAIRMATCH_LANG`` when it is None."""
    if lang is None:
        from pairmatch.words import default_lang

        return default_lang()
    if lang not in ("en", "zh"):
        raise ArgumentError("unknown language; lang must be one of en, zh")
    return lang


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
        return self.said()

    def said(self, lang: Lang | None = None) -> str:
        """This problem in words of ``lang`` (``"en"`` or ``"zh"``; left out, the language
        of :func:`pairmatch.labels.default_lang`): the table, row, id and field, then
        the message. In Chinese the message is translated from the English one (see
        :mod:`pairmatch.messages_zh`); a message of a form it does not know stays English.

        >>> issue = InputIssue("children", 3, "C7", "lat", "95.0 must be a number from -90 to 90")
        >>> issue.said("en")
        "children, row 3, id 'C7', field 'lat': 95.0 must be a number from -90 to 90"
        >>> issue.said("zh")
        "儿童登记表，第3行，编号 'C7'，字段 纬度（lat）：95.0不符合要求：须为 -90 到 90 之间的数"
        """
        if _lang(lang) == "zh":
            return self._in_chinese()
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

    def columns(self, lang: Lang = "en") -> tuple[str, int | None, str | None, str | None, str]:
        """This problem as a row of :meth:`ValidationError.to_frame` in ``lang``: table,
        row, record id, field and message (in Chinese: the table, field and message
        translated; the row and id as they are)."""
        if _lang(lang) != "zh":
            return (self.table, self.row, self.record_id, self.field, self.message)
        from pairmatch import messages_zh as zh

        field = None if self.field is None else zh.field_in_chinese(self.field, self.table)
        return (zh.table_in_chinese(self.table), self.row, self.record_id, field,
                zh.message_in_chinese(self.message) or self.message)  # fmt: skip

    def _in_chinese(self) -> str:
        table, row, record_id, field, message = self.columns("zh")
        where = [table]
        if row is not None:
            at = [f"工作表 {self.sheet!r}"] if self.sheet is not None else []
            at += [f"表格第{self.sheet_row}行"] if self.sheet_row is not None else []
            where.append(f"第{row}行" + (f"（{'，'.join(at)}）" if at else ""))
        if record_id is not None:
            where.append(f"编号 {record_id!r}")
        if field is not None:
            shown = f"（原表头 {self.header!r}）" if self.header is not None else ""
            where.append(f"字段 {field}{shown}")
        return f"{'，'.join(where)}：{message}"


class ValidationError(PairmatchError, ValueError):
    """Input that cannot be accepted; lists every problem found, not just the first.

    Attributes
    ----------
    problems:
        Every problem found, in input order.
    """

    MAX_LINES = 50
    #: The headers of :meth:`to_frame`, by language.
    COLUMNS: ClassVar[dict[str, list[str]]] = {
        "en": ["table", "row", "record_id", "field", "message"],
        "zh": ["表", "行", "编号", "字段", "问题"],
    }

    def __init__(self, problems: Sequence[InputIssue], *, what: str = "input") -> None:
        self.problems: tuple[InputIssue, ...] = tuple(problems)
        self.what = what
        super().__init__(self.said("en"))

    def __str__(self) -> str:
        # in English, the message as made (pydantic's own text for a ModelValidationError)
        return self.said("zh") if _lang(None) == "zh" else super().__str__()

    def said(self, lang: Lang | None = None) -> str:
        """Every problem, one a line (at most :attr:`MAX_LINES`), in words of ``lang``
        (``"en"`` or ``"zh"``; left out, the language of
        :func:`pairmatch.labels.default_lang`, which ``str(err)`` also follows)."""
        zh = _lang(lang) == "zh"
        n = len(self.problems)
        if zh:
            from pairmatch.messages_zh import table_in_chinese

            lines = [f"{table_in_chinese(self.what)}中有{n}处问题，未作任何改动："]
        else:
            lines = [f"{n} problem{'s' if n != 1 else ''} in {self.what}; nothing was changed:"]
        lines += [f"  - {p.said('zh' if zh else 'en')}" for p in self.problems[: self.MAX_LINES]]
        if n > self.MAX_LINES:
            more = n - self.MAX_LINES
            lines.append(
                f"  …… 另有{more}处问题（见该错误的 .problems）"
                if zh
                else f"  ... and {more} more (see the error's .problems)"
            )
        return "\n".join(lines)

    def to_frame(self, lang: Lang = "en"):
        """Every problem as a DataFrame with columns table, row, record_id, field, message
        and, when a problem has them, sheet_row, sheet and header (see :class:`InputIssue`);
        with ``lang="zh"``, headed 表, 行, 编号, 字段, 问题 (表格行, 工作表, 原表头) and with
        the table, field and message in Chinese (see :meth:`InputIssue.said`)."""
        import pandas as pd

        frame = pd.DataFrame(
            [p.columns(lang) for p in self.problems], columns=self.COLUMNS[_lang(lang)]
        )
        zh = _lang(lang) == "zh"
        for extra, named in (("sheet_row", "表格行"), ("sheet", "工作表"), ("header", "原表头")):
            values = [getattr(p, extra) for p in self.problems]
            if any(v is not None for v in values):
                frame[named if zh else extra] = values
        return frame


class FileReadError(ValidationError):
    """A file that cannot be read as one table: empty, not the format its name says, not
    UTF-8 or GB18030 text, ragged, an unclosed quote, or a workbook whose register sheet is
    not clear. Its problems name the file, the line or sheet, and what to do. ``sheets``
    holds a workbook's sheet names (the command line hides those that may be a person's)."""

    sheets: tuple[str, ...] = ()


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

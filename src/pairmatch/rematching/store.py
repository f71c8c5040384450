"""The file :meth:`pairmatch.Matcher.save` writes and :meth:`pairmatch.Matcher.load` reads:
a zip holding ``manifest.json`` and three Parquet tables (``children``, ``volunteers``,
``history``).

Reading trusts nothing in the file. Before anything is decompressed, the zip's directory is
checked: exactly the four members, none encrypted, none compressed by anything but deflate
(or stored), none overlapping another, and their declared sizes within
:func:`load_budget` (at most ``max(LOAD_FLOOR_BYTES, LOAD_RATIO x the file's size)``, and
never over ``LOAD_CAP_BYTES``). While a member is inflated, reading stops the moment it
yields more than its header declared. The manifest is validated whole (:class:`Manifest`)
before any table is read; each table's Parquet footer is checked (cells and uncompressed
size within the budget) before it is read; the registers are validated as every register
is; the history's columns, types, words, dates and current pairs are checked
(:func:`check_history`). Every failure is one :class:`MatcherFileError`, which names the
member and field and never repeats what the registers hold.

Writing goes to a temporary file in the target's folder (mode 0600, named
``.<name>.<random>.pairmatch-tmp``), which is synced and then renamed over the target, so
the target is always either the previous complete file or the new one. A temporary file
left by a process that was killed is private and is removed by the next save to (or load
of) the same target.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import json
import os
import re
import stat
import struct
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Annotated, Any, Final, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr, field_validator
from pydantic import ValidationError as PydanticError

from pairmatch import arguments
from pairmatch.dates import EARLIEST_DATE, MAX_DAYS_AHEAD, utc_now
from pairmatch.errors import (
    FieldError,
    InputIssue,
    MatcherFileError,
    MissingFileError,
    ValidationError,
)
from pairmatch.model.policy import Policy
from pairmatch.model.tables import read_ids
from pairmatch.model.vocab import parse_id
from pairmatch.solvers import BACKENDS
from pairmatch.solvers.base import MAX_WORKERS, Options

try:  # POSIX: a live save holds a lock on its temporary file, so no cleaner removes it
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

__all__ = [
    "FORMAT_VERSION",
    "HISTORY_COLUMNS",
    "LOAD_CAP_BYTES",
    "LOAD_FLOOR_BYTES",
    "LOAD_RATIO",
    "MEMBERS",
    "PAIR_STATUSES",
    "TEMP_SUFFIX",
    "Manifest",
    "MatcherFileError",
    "check_history",
    "check_options",
    "load_budget",
    "read_file",
    "remove_stale",
    "write_file",
]

#: Version of the file :meth:`Matcher.save` writes; :meth:`Matcher.load` reads it and older.
FORMAT_VERSION: Final[int] = 1
FORMAT: Final[str] = "pairmatch.matcher"

#: The members of a saved file, all required, no others allowed.
MEMBERS: Final[tuple[str, ...]] = (
    "manifest.json",
    "children.parquet",
    "volunteers.parquet",
    "history.parquet",
)
TABLES: Final[tuple[str, ...]] = ("children", "volunteers", "history")

#: Decompressed bytes a file may hold in all, whatever its size (the largest real state,
#: a province's registers and years of history, is far below this).
LOAD_CAP_BYTES: Final[int] = 4 * 2**30
#: Decompressed bytes any file may hold (a small file is never refused for its ratio).
LOAD_FLOOR_BYTES: Final[int] = 64 * 2**20
#: Decompressed bytes per byte of file a larger file may hold. Parquet is compressed
#: already, so a real file inflates about 1-3 times; a zip bomb inflates a thousand times
#: or more.
LOAD_RATIO: Final[int] = 200
#: Bytes a table cell is counted as when a Parquet table's rows x columns are bounded by
#: the same budget (a column of one repeated value is a few bytes on disk).
CELL_BYTES: Final[int] = 8
#: Largest zip directory read (four entries take about 250 bytes).
_MAX_DIRECTORY: Final[int] = 64 * 1024

#: How every saved temporary file's name ends (``.<target name>.<random>`` before it).
TEMP_SUFFIX: Final[str] = ".pairmatch-tmp"

HISTORY_COLUMNS: Final[tuple[str, ...]] = (
    "child_id",
    "volunteer_id",
    "role",
    "status",
    "start",
    "end",
    "end_reason",
    "county",
    "township",
)
TEXT_COLUMNS: Final[tuple[str, ...]] = (
    "child_id",
    "volunteer_id",
    "role",
    "status",
    "end_reason",
    "county",
    "township",
)
#: Lifecycle of a pair: proposed -> active -> ended, or proposed -> declined (or ended,
#: when a change breaks it before the family and the volunteer answer).
PAIR_STATUSES: Final[tuple[str, ...]] = ("proposed", "active", "ended", "declined")
_OPEN_STATUSES = ("proposed", "active")
ROLES: Final[tuple[str, ...]] = ("lead", "support")

_SEED_RANGE = (-(2**31), 2**31 - 1)  # CP-SAT's random seed is a 32-bit integer


# ---------------------------------------------------------------------------- options
class SavedOptions(BaseModel):
    """The Matcher's search options as its file holds them: the fields of
    :class:`pairmatch.Options` (the solver by name) and ``incremental``. ``workers`` and
    ``deterministic`` are written only when they differ from their defaults, so a file of a
    Matcher with default options reads as it always did."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    solver: StrictStr
    time_limit: Annotated[float, Field(gt=0, allow_inf_nan=False, strict=True)] | None
    seed: Annotated[int, Field(ge=_SEED_RANGE[0], le=_SEED_RANGE[1], strict=True)]
    incremental: StrictBool
    workers: Annotated[int, Field(ge=1, le=MAX_WORKERS, strict=True)] | None = None
    deterministic: StrictBool = True

    def search(self) -> Options:
        """The search options (a :class:`pairmatch.Options`)."""
        return Options(solver=self.solver, time_limit=self.time_limit, seed=self.seed,
                       workers=self.workers, deterministic=self.deterministic)  # fmt: skip

    def manifest(self) -> dict[str, Any]:
        """What the manifest holds: the fields left at their defaults are not written."""
        return self.model_dump(exclude_defaults=True) | self.model_dump(
            include={"solver", "time_limit", "seed", "incremental"}
        )

    @field_validator("solver")
    @classmethod
    def _known_solver(cls, value: str) -> str:
        if value != "auto" and value not in BACKENDS:
            raise FieldError(f"is no known solver; use 'auto' or one of {', '.join(BACKENDS)}")
        return value


def _plain(value: object) -> object:
    return value.item() if isinstance(value, np.generic) else value


def check_options(options: Options, incremental: object) -> SavedOptions:
    """The Matcher's options checked as a saved file holds them: ``solver`` 'auto' or a back
    end's name (a :class:`~pairmatch.solvers.Backend` object cannot be saved),
    ``incremental`` True or False."""
    raw = {"solver": options.solver, "time_limit": options.time_limit, "seed": options.seed,
           "incremental": incremental, "workers": options.workers,
           "deterministic": options.deterministic}  # fmt: skip
    try:
        saved = SavedOptions.model_validate({k: _plain(v) for k, v in raw.items()})
    except PydanticError as err:
        issues = [
            InputIssue("options", None, None, ".".join(map(str, e["loc"])), e["msg"])
            for e in err.errors()
        ]
        raise ValidationError(issues, what="the Matcher's options") from None
    return saved


# ---------------------------------------------------------------------------- manifest
class Manifest(BaseModel):
    """``manifest.json``: everything but the tables. Unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    format: Literal["pairmatch.matcher"]
    version: Annotated[int, Field(ge=1, le=FORMAT_VERSION, strict=True)]
    policy: Policy
    stability: Literal["keep", "strict"]
    options: SavedOptions
    forbidden: list[tuple[StrictStr, StrictStr]]

    @field_validator("forbidden")
    @classmethod
    def _ids(cls, pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
        out = []
        for i, (child, volunteer) in enumerate(pairs):
            for what, value in (("child", child), ("volunteer", volunteer)):
                try:
                    parse_id(value)
                except ValueError as err:
                    raise FieldError(f"pair {i}: the {what} id {err}") from None
            out.append((parse_id(child), parse_id(volunteer)))
        return out


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        raise FieldError("a key appears twice")
    return out


def _no_constants(name: str) -> None:
    raise FieldError(f"{name} is not a JSON number")


def _manifest(where: str, data: bytes) -> Manifest:
    """The manifest read and validated whole (the format and version first, for the two
    clear messages they deserve)."""
    try:
        raw = json.loads(
            data.decode("utf-8"),
            object_pairs_hook=_no_duplicate_keys,
            parse_constant=_no_constants,
        )
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise _damaged(where, "manifest.json is not valid JSON") from None
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise MatcherFileError(f"{where} is not a saved pairmatch Matcher")
    version = raw.get("version")
    if type(version) is not int or version < 1:
        raise _damaged(where, "manifest.json field 'version' must be a whole number from 1")
    if version > FORMAT_VERSION:
        raise MatcherFileError(
            f"{where} was written by a newer pairmatch (format version {version}; this one "
            f"reads up to {FORMAT_VERSION}); upgrade pairmatch to read it"
        )
    try:
        return Manifest.model_validate(raw)
    except PydanticError as err:
        shown = [f"{'.'.join(map(str, e['loc'])) or '(top)'}: {e['msg']}" for e in err.errors()]
        more = f" (and {len(shown) - 5} more)" if len(shown) > 5 else ""
        raise _damaged(where, "manifest.json: " + "; ".join(shown[:5]) + more) from None


# ---------------------------------------------------------------------------- reading
def _damaged(where: str, what: str) -> MatcherFileError:
    return MatcherFileError(
        f"{where} is damaged or not a pairmatch Matcher file: {what}; nothing was loaded "
        "(load a copy saved earlier, or a backup)"
    )


def load_budget(file_size: int) -> int:
    """The most decompressed bytes a file of ``file_size`` bytes may hold."""
    return min(LOAD_CAP_BYTES, max(LOAD_FLOOR_BYTES, LOAD_RATIO * file_size))


def read_file(path: str | os.PathLike[str]) -> tuple[Manifest, dict[str, pd.DataFrame]]:
    """The manifest (validated) and the three tables (read, not yet validated) of a saved
    file; a :class:`MatcherFileError` for anything that is not what :func:`write_file`
    writes, before decompressing more than :func:`load_budget` allows."""
    path = arguments.path("path", path)
    where = str(path)
    remove_stale(path)
    # opened without blocking (a pipe would wait for a writer forever), then checked
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as err:
        raise MatcherFileError(
            f"{where} cannot be opened ({err.strerror or type(err).__name__})"
        ) from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise MatcherFileError(f"{where} is not a regular file, so not a saved Matcher")
    with os.fdopen(fd, "rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        if size > LOAD_CAP_BYTES:
            raise _damaged(where, f"the file is larger than {LOAD_CAP_BYTES:,} bytes")
        budget = load_budget(size)
        infos = _directory(fh, size, where, budget)
        manifest = _manifest(where, _inflate(fh, infos["manifest.json"], where))
        cells = budget // CELL_BYTES
        tables = {}
        for name in TABLES:
            data = _inflate(fh, infos[f"{name}.parquet"], where)
            tables[name], used = _parquet(data, f"{name}.parquet", where, budget, cells)
            cells -= used
    return manifest, tables


def _directory(
    fh: Any, size: int, where: str, budget: int
) -> dict[str, tuple[zipfile.ZipInfo, int]]:
    """The members and where each one's data starts, checked before any is decompressed."""
    # the end record first: a directory of thousands of entries is refused before zipfile
    # builds them
    tail = min(size, 22 + 0xFFFF)
    fh.seek(size - tail)
    end = fh.read(tail)
    at = end.rfind(b"PK\x05\x06")
    if at < 0 or len(end) - at < 22:
        raise MatcherFileError(f"{where} is not a saved pairmatch Matcher (not a zip file)")
    _, disk, cd_disk, here, total, cd_size, _, _ = struct.unpack("<4s4H2LH", end[at : at + 22])
    if at >= 20 and end[at - 20 : at - 16] == b"PK\x06\x07":
        raise _damaged(where, "it is a zip64 archive, which pairmatch never writes")
    if total > len(MEMBERS) or here != total or disk or cd_disk or cd_size > _MAX_DIRECTORY:
        raise _damaged(where, f"the zip holds too many members (pairmatch writes {len(MEMBERS)})")
    fh.seek(0)
    try:
        with zipfile.ZipFile(fh) as z:
            infos = z.infolist()
    except Exception:  # zipfile raises many kinds on a damaged directory
        raise MatcherFileError(
            f"{where} is not a saved pairmatch Matcher (not a readable zip file)"
        ) from None
    names = [i.filename for i in infos]
    missing = [n for n in MEMBERS if n not in names]
    if len(set(names)) != len(names) or len(names) > len(MEMBERS):
        raise _damaged(where, "the zip holds unexpected or repeated members")
    if set(names) - set(MEMBERS):
        raise _damaged(where, f"the zip holds members other than {', '.join(MEMBERS)}")
    if missing:
        raise _damaged(where, f"the zip lacks {', '.join(missing)}")
    spans = []
    starts: dict[str, int] = {}
    for info in infos:
        name = info.filename
        if info.flag_bits & 0x41:
            raise _damaged(where, f"{name} is encrypted; pairmatch never encrypts")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise _damaged(where, f"{name} uses a compression pairmatch never writes")
        if info.compress_type == zipfile.ZIP_STORED and info.compress_size != info.file_size:
            raise _damaged(where, f"{name}'s sizes disagree")
        fh.seek(info.header_offset)
        local = fh.read(30)
        if len(local) != 30 or local[:4] != b"PK\x03\x04":
            raise _damaged(where, f"{name}'s local header is missing")
        name_len, extra_len = struct.unpack("<2H", local[26:30])
        if fh.read(name_len) != name.encode():  # (the directory's flags and method are used)
            raise _damaged(where, f"{name}'s local header disagrees with the zip's directory")
        data_at = info.header_offset + 30 + name_len + extra_len
        if data_at + info.compress_size > size:
            raise _damaged(where, f"{name} runs past the end of the file")
        spans.append((info.header_offset, data_at + info.compress_size, name))
        starts[name] = data_at
    declared = sum(i.file_size for i in infos)
    if declared > budget:
        raise _damaged(
            where,
            f"its members would expand to {declared:,} bytes, more than the {budget:,} a file "
            f"of {size:,} bytes may hold (a zip bomb?)",
        )
    spans.sort()
    if any(a[1] > b[0] for a, b in itertools.pairwise(spans)):
        raise _damaged(where, "its members overlap (a zip bomb?)")
    return {i.filename: (i, starts[i.filename]) for i in infos}


_CHUNK = 1 << 16


def _inflate(fh: Any, member: tuple[zipfile.ZipInfo, int], where: str) -> bytes:
    """A member's bytes, inflated here (not by zipfile) so that reading stops the moment it
    yields more than its header declared; its length and CRC are checked."""
    info, data_at = member  # (checked by _directory)
    name = info.filename
    fh.seek(data_at)
    declared = info.file_size
    out = bytearray()
    left = info.compress_size
    deflated = info.compress_type == zipfile.ZIP_DEFLATED
    inflater = zlib.decompressobj(-zlib.MAX_WBITS) if deflated else None
    try:
        while left:
            chunk = fh.read(min(_CHUNK, left))
            if not chunk:  # (the file shrank while read: the checks below say so)
                break
            left -= len(chunk)
            if inflater is None:
                out += chunk
                continue
            while chunk:
                # never more than one byte past what the header declared
                out += inflater.decompress(chunk, declared - len(out) + 1)
                if len(out) > declared:
                    raise _damaged(
                        where, f"{name} inflates to more than its header declares (a zip bomb?)"
                    )
                chunk = inflater.unconsumed_tail
                if inflater.eof:
                    break
            if inflater.eof and (left or inflater.unused_data):
                raise _damaged(where, f"{name} has data after its end")
        if inflater is not None and not inflater.eof:
            raise _damaged(where, f"{name} is cut short")
    except zlib.error:
        raise _damaged(where, f"{name} is not valid deflate data") from None
    if len(out) != declared:
        raise _damaged(where, f"{name} is shorter than its header declares")
    if zlib.crc32(out) != info.CRC:
        raise _damaged(where, f"{name} fails its checksum")
    return bytes(out)


def _parquet(
    data: bytes, member: str, where: str, budget: int, cells: int
) -> tuple[pd.DataFrame, int]:
    """A member read as a Parquet table, once its footer shows the table fits: its cells
    (rows x columns) within ``cells``, its uncompressed pages within ``budget``."""
    import pyarrow.parquet as pq

    try:
        meta = pq.ParquetFile(io.BytesIO(data)).metadata
        used = int(meta.num_rows) * int(meta.num_columns)
        pages = sum(int(meta.row_group(i).total_byte_size) for i in range(meta.num_row_groups))
    except Exception:  # pyarrow's errors may quote the data: none is passed on
        raise _damaged(where, f"{member} is not a Parquet table") from None
    if used > cells or pages > budget:
        raise _damaged(
            where,
            f"{member} declares {meta.num_rows:,} rows of {meta.num_columns:,} columns "
            f"({pages:,} bytes), more than a file of this size may hold",
        )
    try:
        return pd.read_parquet(io.BytesIO(data)), used
    except Exception:
        raise _damaged(where, f"{member} cannot be read as a table") from None


# ---------------------------------------------------------------------------- history
def _isin(values: np.ndarray, allowed: object) -> np.ndarray:
    """Which of ``values`` (of any types) are in ``allowed`` (hashed, never sorted)."""
    return pd.Series(values, dtype=object).isin(list(allowed)).to_numpy(bool)  # type: ignore[call-overload]


def check_history(
    history: pd.DataFrame,
    children: pd.Series,
    volunteers: pd.Series,
    where: str,
) -> pd.DataFrame:
    """The saved history checked and put in the Matcher's form (text columns as objects,
    UTC nanosecond dates, a missing reason as None): its columns; ids that read as ids;
    roles and statuses from their words; a start on every row; an end (and an ended or
    declined status) only after its start; dates from :data:`~pairmatch.dates.EARLIEST_DATE`
    to :data:`~pairmatch.dates.MAX_DAYS_AHEAD` days after today; one row per current pair,
    one lead per child, and every current pair's child and volunteer registered
    (``children``, ``volunteers``: the register ids). No cell's value is ever shown."""
    columns = [str(c) for c in history.columns]
    if sorted(columns) != sorted(HISTORY_COLUMNS) or len(set(columns)) != len(columns):
        missing = [c for c in HISTORY_COLUMNS if c not in columns]
        extra = len([c for c in columns if c not in HISTORY_COLUMNS])
        raise _damaged(
            where,
            f"history.parquet's columns are not {', '.join(HISTORY_COLUMNS)} (missing: "
            f"{', '.join(missing) or 'none'}; {extra} other or repeated)",
        )
    h = history.set_axis(columns, axis=1)[list(HISTORY_COLUMNS)].reset_index(drop=True)
    problems: list[str] = []

    def flag(bad: np.ndarray, field: str, message: str) -> None:
        rows = np.flatnonzero(bad)
        if rows.size:
            shown = ", ".join(map(str, rows[:5].tolist())) + (", ..." if rows.size > 5 else "")
            plural = "s" if rows.size > 1 else ""
            problems.append(f"field {field!r}, row{plural} {shown}: {message}")

    dates = {}
    for name in ("start", "end"):
        if not isinstance(h[name].dtype, pd.DatetimeTZDtype):
            raise _damaged(where, f"history.parquet field {name!r} does not hold dates with a zone")
        dates[name] = h[name].dt.tz_convert("UTC")
    start, end = dates["start"], dates["end"]
    latest = utc_now() + pd.Timedelta(days=MAX_DAYS_AHEAD)
    text = {name: h[name].to_numpy(object) for name in TEXT_COLUMNS}
    is_text = {n: np.fromiter((type(x) is str for x in v), bool, len(v)) for n, v in text.items()}
    blank = {n: pd.isna(v) & ~is_text[n] for n, v in text.items()}
    for name in ("child_id", "volunteer_id", "role", "status"):
        flag(~is_text[name], name, "is not text")
    for name in ("end_reason", "county", "township"):
        flag(~is_text[name] & ~blank[name], name, "is neither text nor missing")
    for name in ("child_id", "volunteer_id"):
        # an id is valid when parse_id reads it as itself (a refused one reads as "")
        given = np.where(is_text[name], text[name], "x")
        flag(read_ids(pd.Series(given, dtype=object))[0] != given, name, "is not a valid id")
    flag(is_text["role"] & ~_isin(text["role"], ROLES), "role", f"is not one of {ROLES}")
    status = text["status"]
    flag(
        is_text["status"] & ~_isin(status, PAIR_STATUSES),
        "status",
        f"is not one of {', '.join(PAIR_STATUSES)}",
    )
    open_ = end.isna().to_numpy(bool)
    flag(start.isna().to_numpy(bool), "start", "is missing")
    for name, col in dates.items():
        present = col.notna().to_numpy(bool)
        flag(present & (col < EARLIEST_DATE).to_numpy(bool), name, "is before 2000-01-01")
        flag(present & (col > latest).to_numpy(bool), name, "is too far in the future")
    flag((~open_ & (end < start)).to_numpy(bool), "end", "is before the row's start")
    flag(open_ & is_text["status"] & ~_isin(status, _OPEN_STATUSES), "status",
         "is ended or declined on a row without an end")  # fmt: skip
    flag(~open_ & _isin(status, _OPEN_STATUSES), "status",
         "is proposed or active on a row with an end")  # fmt: skip
    if problems:
        raise _damaged(where, "history.parquet: " + "; ".join(problems[:8]))
    current = h.loc[open_, ["child_id", "volunteer_id", "role"]]
    rows = np.arange(len(h))
    twice = current.duplicated(["child_id", "volunteer_id"], keep=False).to_numpy(bool)
    flag(np.isin(rows, current.index[twice]), "child_id",
         "a current pair appears on more than one row")  # fmt: skip
    leads = current[current["role"] == "lead"]
    twice = leads["child_id"].duplicated(keep=False).to_numpy(bool)
    flag(np.isin(rows, leads.index[twice]), "role", "a child has more than one current lead")
    flag(open_ & ~_isin(text["child_id"], children), "child_id",
         "a current pair's child is not in the children register")  # fmt: skip
    flag(open_ & ~_isin(text["volunteer_id"], volunteers), "volunteer_id",
         "a current pair's volunteer is not in the volunteer register")  # fmt: skip
    if problems:
        raise _damaged(where, "history.parquet: " + "; ".join(problems[:8]))
    out = h.astype(dict.fromkeys(TEXT_COLUMNS, object))
    out["start"] = start.dt.as_unit("ns")
    out["end"] = end.dt.as_unit("ns")
    # Parquet gives back a missing reason as NaN; the history holds None
    out["end_reason"] = out["end_reason"].where(out["end_reason"].notna(), None)
    return out


# ---------------------------------------------------------------------------- writing
def write_file(path: str | os.PathLike[str], manifest: Mapping[str, Any],
               tables: Mapping[str, pd.DataFrame]) -> Path:  # fmt: skip
    """Write the manifest and tables to ``path`` atomically: into a private temporary file
    in the same folder, synced, then renamed over ``path``. On any failure (an exception,
    Ctrl-C) the temporary file is removed and ``path`` is untouched. The file is mode 0600,
    or, when it replaces one, that file's owner and group permissions (never others')."""
    path = arguments.path("path", path)
    if not path.parent.is_dir():
        raise MissingFileError(f"no folder {path.parent}; create it first, or save elsewhere")
    remove_stale(path)
    mode = _mode_for(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=TEMP_SUFFIX)
    try:
        with os.fdopen(fd, "wb") as raw:
            _lock(raw.fileno())
            if mode != 0o600 and hasattr(os, "fchmod"):
                os.fchmod(raw.fileno(), mode)
            with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as z:
                z.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1))
                for name in TABLES:
                    buffer = io.BytesIO()
                    tables[name].to_parquet(buffer, index=False)
                    z.writestr(f"{name}.parquet", buffer.getvalue())
            raw.flush()  # the zip is complete (central directory written) before the sync
            os.fsync(raw.fileno())
            if fcntl is not None:  # renamed while still locked: no cleaner can take it
                os.replace(tmp, path)
        if fcntl is None:  # pragma: no cover - Windows renames closed files only
            os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _sync_folder(path.parent)
    return path


def _mode_for(path: Path) -> int:
    """0600, or the replaced file's owner and group read/write bits (others' never)."""
    try:
        old = os.stat(path).st_mode
    except OSError:
        return 0o600
    return 0o600 | (stat.S_IMODE(old) & 0o060)


def _lock(fd: int) -> None:
    if fcntl is not None:
        fcntl.flock(fd, fcntl.LOCK_EX)


def _stale(path: Path) -> Callable[[str], bool]:
    name = re.escape(f".{path.name}.") + r"[A-Za-z0-9_]{1,32}" + re.escape(TEMP_SUFFIX)
    pattern = re.compile(name)
    return lambda name: pattern.fullmatch(name) is not None


def _temp_files(path: Path) -> Iterator[os.DirEntry[str]]:
    is_ours = _stale(path)
    try:
        with os.scandir(path.parent) as entries:
            found = [e for e in entries if is_ours(e.name)]
    except OSError:
        return
    yield from found


def remove_stale(path: Path) -> list[str]:
    """Remove the temporary files of saves to ``path`` that did not finish (their process
    was killed): files named ``.<name>.<random>.pairmatch-tmp`` beside it, regular, and not
    locked by a save still running. Best effort: what cannot be removed is left. Returns
    the names removed."""
    removed = []
    for entry in _temp_files(path):
        try:  # (a symlink is not followed, and is left)
            fd = os.open(entry.path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except OSError:
            continue
        try:
            if fcntl is not None:  # a save still running holds the lock: leave its file
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            os.unlink(entry.path)
            removed.append(entry.name)
        except OSError:
            continue
        finally:
            os.close(fd)
    return removed


def _sync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable (where the platform allows it)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)

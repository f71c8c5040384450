"""A batch of changes to the registers and pairs, validated as a whole before anything is
applied: :class:`Changes` and :func:`apply_changes`."""

from __future__ import annotations

import os
from collections.abc import Container, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from pairmatch.errors import (
    ArgumentTypeError,
    FileAccessError,
    FileReadError,
    InputIssue,
    PairmatchError,
    ValidationError,
)
from pairmatch.files import reasons
from pairmatch.io import read_children, read_columns, read_table, read_volunteers
from pairmatch.model.tables import header_fixes, read_ids
from pairmatch.model.vocab import near_miss, parse_id
from pairmatch.office.translate import translate
from pairmatch.office.vocabulary import OfficeVocabulary

__all__ = ["Applied", "Changes", "apply_changes"]


@dataclass(frozen=True)
class Changes:
    """What changed since the last pairing.

    Parameters
    ----------
    add_children, add_volunteers:
        New records (a table, a path, or records), validated like a register.
    remove_children, remove_volunteers:
        Ids that leave (a child exits, a volunteer leaves), or ``{id: reason}``.
    edit_children, edit_volunteers:
        A table with ``id`` and the columns that change (e.g. re-assessed needs, a new
        address, capacity, consent withdrawn); other columns keep their values.
    end_pairs:
        ``(child_id, volunteer_id, reason)`` pairs the office ends; such a pair is not
        made again.
    columns:
        The office's headers → pairmatch's fields for the added and edited tables (a
        mapping or the path of one saved as JSON), as :func:`pairmatch.read_children`
        takes it; the usual Chinese headers (儿童编号, 帮扶需求, ...) need none.

    Examples
    --------
    >>> import pairmatch as pm
    >>> pm.Changes(remove_volunteers=["V0007"], end_pairs=[("C0042", "V0011", "moved")])
    Changes(remove_volunteers=1, end_pairs=1)
    """

    add_children: Any = None
    remove_children: Iterable[str] | Mapping[str, str] = ()
    edit_children: Any = None
    add_volunteers: Any = None
    remove_volunteers: Iterable[str] | Mapping[str, str] = ()
    edit_volunteers: Any = None
    end_pairs: Iterable[tuple[str, str, str]] = field(default_factory=tuple)
    columns: Any = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "columns", read_columns(self.columns))
        # iterate once, here: a generator would otherwise be used up by the first look
        for name in ("remove_children", "remove_volunteers"):
            value = getattr(self, name)
            if isinstance(value, str | bytes) or not isinstance(value, Iterable):
                raise ArgumentTypeError(f"{name} takes a list of ids (or {{id: reason}})")
            if not isinstance(value, Mapping):
                object.__setattr__(self, name, tuple(value))
        if isinstance(self.end_pairs, str | bytes) or not isinstance(self.end_pairs, Iterable):
            raise ArgumentTypeError("end_pairs takes a list of (child_id, volunteer_id, reason)")
        object.__setattr__(self, "end_pairs", tuple(self.end_pairs))

    def __repr__(self) -> str:  # counts only: the records may be personal
        parts = []
        for name in (
            "add_children",
            "remove_children",
            "edit_children",
            "add_volunteers",
            "remove_volunteers",
            "edit_volunteers",
            "end_pairs",
        ):
            value = getattr(self, name)
            if value is None:
                continue
            if isinstance(value, str | os.PathLike):
                parts.append(f"{name}=<file>")
                continue
            size = len(value) if hasattr(value, "__len__") else 1
            if size:
                parts.append(f"{name}={size}")
        return f"Changes({', '.join(parts)})"


@dataclass(frozen=True)
class Applied:
    """The registers after a valid change set, and what it ended."""

    children: pd.DataFrame
    volunteers: pd.DataFrame
    removed_children: dict[str, str]
    removed_volunteers: dict[str, str]
    ended: dict[tuple[str, str], str]
    touched_children: frozenset[str] = frozenset()
    """Ids of the children added or edited (their candidate pairs must be recomputed)."""
    touched_volunteers: frozenset[str] = frozenset()

    def __repr__(self) -> str:  # the registers hold personal data: counts only
        return (
            f"Applied(children={len(self.children)}, volunteers={len(self.volunteers)}, "
            f"ended={len(self.ended)})"
        )


_ONE = {"children": "child", "volunteers": "volunteer"}


def _reasons(
    kind: str, ids: Iterable[str] | Mapping[str, str], default: str, issues: list[InputIssue]
) -> dict[str, str]:
    """``{id: reason}`` of the records a change removes, ids read as the registers read
    them; problems go to ``issues``."""
    table = f"remove_{kind}"
    items = ids.items() if isinstance(ids, Mapping) else ((k, default) for k in ids)
    out: dict[str, str] = {}
    for i, (raw, reason) in enumerate(items):
        try:
            rid = parse_id(raw)
        except ValueError as err:
            issues.append(InputIssue(table, i, None, "id", str(err)))
            continue
        if not isinstance(reason, str) or not reason.strip():
            issues.append(InputIssue(table, i, rid, "reason", "must be a non-empty text"))
        elif rid in out:
            issues.append(InputIssue(table, i, rid, "id", "is listed twice"))
        else:
            out[rid] = reason.strip()
    return out


def _issue(table: str, row: int | None, rid: str | None, name: str | None, text: str) -> InputIssue:
    return InputIssue(table, row, rid, name, text)


def _register(
    kind: str,
    table: pd.DataFrame,
    add: Any,
    remove: dict[str, str],
    edit: Any,
    issues: list[InputIssue],
    touched: set[str],
    edited: set[str],
    columns: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """One register after its changes; problems go to ``issues``, the ids of added and
    edited records to ``touched``. Added rows are validated here; edited rows are not yet
    (see :func:`_revalidate`)."""
    known = pd.Index(table["id"].to_numpy(object)) if remove or add is not None else pd.Index([])
    for i, rid in enumerate(remove):
        if rid not in known:  # not a record's id: it may be anything, so it is not shown
            issues.append(
                InputIssue(f"remove_{kind}", i, None, "id", f"no {_ONE[kind]} with this id")
            )
    # a register nothing is removed from is not copied (edits and additions make new frames)
    out = table[~table["id"].isin(list(remove))] if remove else table
    if edit is not None:
        out = _edited(kind, out, edit, remove, issues, touched, edited, columns)
    if add is not None:
        out = _added(kind, table, out, add, remove, known, issues, touched, edited, columns)
    return out


def _edited(
    kind: str,
    out: pd.DataFrame,
    edit: Any,
    remove: dict[str, str],
    issues: list[InputIssue],
    touched: set[str],
    edited: set[str],
    columns: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """The register with its edits made (a missing cell keeps the old value); every edit
    that names no record, or a column the register does not have, is an issue."""
    edits = _edit_table(kind, edit, out.columns, issues, columns)
    if edits is None:
        return out
    if "id" not in edits.columns:
        issues.append(InputIssue(f"edit_{kind}", None, None, "id", "required column is missing"))
        return out
    edit_ids, bad_ids = read_ids(edits["id"])
    for i, text in bad_ids.items():
        issues.append(InputIssue(f"edit_{kind}", i, None, "id", text))
    edits = edits.assign(id=edit_ids)[edit_ids != ""]
    headers = tuple(str(c) for c in out.columns)
    for at, name in enumerate(edits.columns):
        if name == "id" or name in out.columns:
            continue
        shown = near_miss(name, headers)  # a header that is no column may be anything
        text = f"no such column in the {kind}"
        if shown is None:
            text = f"the column at position {at} (counting from 0) is not in the {kind}"
        issues.append(InputIssue(f"edit_{kind}", None, None, shown, text))
    index = pd.Index(out["id"])
    for i, rid in zip(edits.index, edits["id"], strict=True):
        if rid in remove:
            issues.append(InputIssue(f"edit_{kind}", i, rid, "id", "is also removed"))
        elif rid not in index:
            issues.append(
                InputIssue(f"edit_{kind}", i, None, "id", f"no {_ONE[kind]} with this id")
            )
    if edits["id"].duplicated().any():
        issues.append(InputIssue(f"edit_{kind}", None, None, "id", "an id is edited twice"))
    found = index.get_indexer(pd.Index(edits["id"].to_numpy(object))) >= 0
    ok = edits[found & ~edits["id"].isin(list(remove))]
    touched.update(ok["id"])
    edited.update(ok["id"])
    cols = [c for c in ok.columns if c != "id" and c in out.columns]
    out = out.astype({c: object for c in cols})
    positions = index.get_indexer(ok["id"])
    for col in cols:
        given = ok[col].notna().to_numpy(bool)  # a missing cell keeps the old value
        values = out[col].to_numpy(object).copy()
        values[positions[given]] = ok[col].to_numpy(object)[given]
        out[col] = values
    return out


def _added(
    kind: str,
    table: pd.DataFrame,
    out: pd.DataFrame,
    add: Any,
    remove: dict[str, str],
    known: pd.Index,
    issues: list[InputIssue],
    touched: set[str],
    edited: set[str],
    columns: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """The register with the added records validated and appended; an added id already in
    the register (or removed in the same batch) is an issue."""
    read = read_children if kind == "children" else read_volunteers
    raw_ids = add["id"] if isinstance(add, pd.DataFrame) and "id" in add.columns else None
    if raw_ids is not None:  # a duplicate id is named even when other fields are bad
        for i, rid in enumerate(read_ids(raw_ids)[0]):
            if rid == "":
                continue  # the reader names it below
            if rid in remove:
                text = "is removed and added in the same batch; send two batches"
                issues.append(_issue(f"add_{kind}", i, rid, "id", text))
            elif rid in known:
                issues.append(_issue(f"add_{kind}", i, rid, "id", "is already in the register"))
    try:
        new = read(add, columns=columns)
    except (FileReadError, FileAccessError) as err:  # a path: named by role, not path
        issues.append(InputIssue(f"add_{kind}", None, None, None, _say(err, add)))
        return out
    except ValidationError as err:
        issues.extend(
            InputIssue(f"add_{kind}", p.row, p.record_id, p.field, p.message) for p in err.problems
        )
        return out
    except (TypeError, ValueError, OSError) as err:  # not a table: named, not quoted
        issues.append(InputIssue(f"add_{kind}", None, None, None, _say(err, add)))
        return out
    if raw_ids is None:
        taken = set(table["id"])
        for i, rid in enumerate(new["id"]):
            if rid in taken:
                issues.append(_issue(f"add_{kind}", i, rid, "id", "is already in the register"))
    touched.update(new["id"])
    if list(new.columns) != list(out.columns) or not new.dtypes.equals(out.dtypes):
        edited.update(new["id"])  # validated again within the register's columns
    return pd.concat([out, new], ignore_index=True)


def _edit_table(
    kind: str,
    edit: Any,
    columns: pd.Index,
    issues: list[InputIssue],
    renames: Mapping[str, str] | None = None,
) -> pd.DataFrame | None:
    """An edit as a table whose headers and words are read as a register's are
    (``"Need Study"`` is ``need_study``, 帮扶需求 "学业辅导（严重）" the four need levels,
    ``renames`` the caller's ``columns=``); None, with the problem in ``issues``, when it
    is not a table."""
    try:
        edits = read_table(edit)
    except (TypeError, ValueError, OSError) as err:
        issues.append(InputIssue(f"edit_{kind}", None, None, None, _say(err, edit)))
        return None
    office = translate(edits, kind, OfficeVocabulary(), renames)  # type: ignore[arg-type]
    issues.extend(replace(p, table=f"edit_{kind}") for p in office.issues)
    known = tuple(str(c) for c in columns)
    table = office.table
    return table.rename(columns=header_fixes(table.columns, known)).reset_index(drop=True)


def _say(err: BaseException, given: Any) -> str:
    if isinstance(err, FileReadError | FileAccessError):
        return f"the file given cannot be read as a table: {reasons(err, given)}"
    if isinstance(err, PairmatchError):
        return str(err)
    return f"cannot be read as a table ({type(err).__name__})"


def apply_changes(
    children: pd.DataFrame,
    volunteers: pd.DataFrame,
    active: Container[tuple[str, str]],
    changes: Changes,
) -> Applied:
    """The registers after ``changes``; raises one :class:`ValidationError` naming every
    problem (unknown ids, duplicate new ids, bad fields, pairs that are not active) and
    changes nothing when there is any."""
    if not isinstance(changes, Changes):
        raise ArgumentTypeError("changes must be a pm.Changes")
    issues: list[InputIssue] = []
    removed_c = _reasons(
        "children", changes.remove_children, "the child left the programme", issues
    )
    removed_v = _reasons(
        "volunteers", changes.remove_volunteers, "the volunteer left the programme", issues
    )
    touched_c: set[str] = set()
    touched_v: set[str] = set()
    edited_c: set[str] = set()  # the added rows were validated when read; these were not
    edited_v: set[str] = set()
    new_children = _register(
        "children", children, changes.add_children, removed_c, changes.edit_children, issues,
        touched_c, edited_c, changes.columns,
    )  # fmt: skip
    new_volunteers = _register(
        "volunteers", volunteers, changes.add_volunteers, removed_v, changes.edit_volunteers,
        issues, touched_v, edited_v, changes.columns,
    )  # fmt: skip
    ended: dict[tuple[str, str], str] = {}
    child_ids = pd.Index([])  # read when a pair is refused
    for i, item in enumerate(changes.end_pairs):
        if not (isinstance(item, tuple | list) and len(item) in (2, 3)):
            issues.append(
                InputIssue("end_pairs", i, None, None, "must be (child_id, volunteer_id, reason)")
            )
            continue
        ids = []
        for name, raw in zip(("child_id", "volunteer_id"), item, strict=False):
            try:
                ids.append(parse_id(raw))
            except ValueError as err:
                issues.append(InputIssue("end_pairs", i, None, name, str(err)))
        reason = item[2] if len(item) == 3 else "ended by the office"
        if not isinstance(reason, str) or not reason.strip():
            issues.append(InputIssue("end_pairs", i, None, "reason", "must be a non-empty text"))
            continue
        if len(ids) < 2:
            continue
        pair = (ids[0], ids[1])
        if pair not in active:  # the child's id is named only when it is a record's
            child_ids = child_ids if len(child_ids) else pd.Index(children["id"].to_numpy(object))
            rid = pair[0] if pair[0] in child_ids else None
            issues.append(InputIssue("end_pairs", i, rid, "volunteer_id", "is not an active pair"))
        elif pair in ended:
            issues.append(InputIssue("end_pairs", i, pair[0], "volunteer_id", "is ended twice"))
        else:
            ended[pair] = reason.strip()
    valid: dict[str, pd.DataFrame] = {}
    if not issues:  # the edited rows must still be valid records
        for read, old, table, what, touched in (
            (read_children, children, new_children, "children", edited_c),
            (read_volunteers, volunteers, new_volunteers, "volunteers", edited_v),
        ):
            try:
                valid[what] = _revalidate(read, old, table, touched)
            except ValidationError as err:
                issues.extend(
                    InputIssue(f"edit_{what}", p.row, p.record_id, p.field, p.message)
                    for p in err.problems
                )
    if issues:
        raise ValidationError(issues, what="changes")
    return Applied(
        valid["children"], valid["volunteers"], removed_c, removed_v, ended,
        frozenset(touched_c), frozenset(touched_v),
    )  # fmt: skip


def _patched(
    old: pd.DataFrame, table: pd.DataFrame, at: np.ndarray, fresh: pd.DataFrame
) -> pd.DataFrame:
    """``table`` with its rows ``at`` replaced by their validated values (``fresh``, in any
    order): only the columns where a value changed are rebuilt, in the dtype that joining
    the register's column with the validated rows gives (the register's own for a
    validated column; an extra column may widen, e.g. to text), so that an edit costs
    what it touches, not the whole register."""
    rows = pd.Index(fresh["id"].to_numpy(object)).get_indexer(table["id"].iloc[at].to_numpy(object))
    patched = {}
    for col in table.columns:
        was = table[col].iloc[at].to_numpy(object)
        now = fresh[col].to_numpy(object)[rows]
        if table[col].dtype == old[col].dtype and all(map(_same, was, now)):
            continue
        values = table[col].to_numpy(object).copy()
        values[at] = now
        joined = pd.concat([old[col].iloc[:0], fresh[col].iloc[:0]]).dtype
        patched[col] = pd.Series(values, dtype=object).astype(joined)
    return table.assign(**patched) if patched else table


def _same(a: Any, b: Any) -> bool:
    """Whether two cells hold the same value (two missing values are the same)."""
    if pd.isna(a) or pd.isna(b):
        return bool(pd.isna(a) and pd.isna(b))
    return bool(a == b)


def _revalidate(
    read: Any, old: pd.DataFrame, table: pd.DataFrame, edited: set[str]
) -> pd.DataFrame:
    """The register with its edited rows (and added rows that did not line up with it)
    validated again (every other rule is per record, and ids were checked above):
    unchanged rows keep their validated values, and the rows keep their order."""
    changed = table["id"].isin(list(edited)).to_numpy(bool)
    if not changed.any():
        return table.reset_index(drop=True)
    fresh = read(table[changed].reset_index(drop=True))
    if list(fresh.columns) == list(old.columns) == list(table.columns):
        return _patched(old, table.reset_index(drop=True), np.flatnonzero(changed), fresh)
    kept = table[~changed]
    kept = kept.astype({c: old[c].dtype for c in kept.columns if c in old.columns})
    out = pd.concat([kept, fresh], ignore_index=True)
    rank = pd.Index(table["id"]).get_indexer(out["id"])
    return out.iloc[np.argsort(rank, kind="stable")].reset_index(drop=True)

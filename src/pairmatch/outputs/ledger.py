"""The pairing ledger (结对台账) as it leaves pairmatch: its tables, in English or Chinese,
optionally pseudonymised, and the workbook a county office reports upward.

:func:`ledger_tables` turns a result's tables into the sheets of the ledger; :func:`write`
writes them (Excel with frozen, filterable headers and fitted column widths; CSV or
Parquet for the ledger table); :func:`summarise` counts per jurisdiction;
:func:`pseudonyms` replaces ids with keyed hashes that stay the same from one export to
the next when the key does.

>>> import pairmatch as pm
>>> result = pm.match(*pm.synth.county(200, seed=1), pm.Policy(max_distance_km=5))
>>> sheets = result.ledger_tables(lang="zh")
>>> list(sheets)
['结对台账', '结对明细', '未结对儿童', '县级汇总', '乡镇汇总', '匹配规则']
>>> list(sheets["结对台账"].columns[:4])
['儿童编号', '结对状态', '爱心妈妈编号', '距离(公里)']
"""

from __future__ import annotations

import hashlib
import hmac
import os
import unicodedata
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pairmatch import arguments
from pairmatch.errors import ArgumentError, ArgumentTypeError, MissingFileError
from pairmatch.explain.reasons import Reason
from pairmatch.labels import (
    POLICY_LABELS,
    Lang,
    header,
    resolve,
    setting_text,
)
from pairmatch.model.policy import Policy
from pairmatch.model.records import JURISDICTION_LEVELS
from pairmatch.outputs.personal import personal_columns
from pairmatch.outputs.schema import SCHEMAS, conform
from pairmatch.outputs.words import in_words
from pairmatch.version import __version__

__all__ = [
    "CORE_COLUMNS",
    "KEY_VARIABLE",
    "SHEETS",
    "by_category",
    "lead_distances",
    "ledger_tables",
    "pseudonyms",
    "secret_key",
    "summarise",
    "write",
]

#: The environment variable :func:`pseudonyms` reads its key from when none is passed.
KEY_VARIABLE = "PAIRMATCH_PSEUDONYM_KEY"
_MIN_KEY_BYTES = 16

#: The ledger's own columns (its schema); a pseudonymised export keeps only these.
CORE_COLUMNS = tuple(SCHEMAS["ledger"])

#: Sheet names of the workbook, by language.
SHEETS: dict[str, dict[str, str]] = {
    "en": {
        "ledger": "ledger",
        "pairs": "pairs",
        "unmatched": "unmatched",
        "summary_county": "summary_county",
        "summary_township": "summary_township",
        "policy": "policy",
    },
    "zh": {
        "ledger": "结对台账",
        "pairs": "结对明细",
        "unmatched": "未结对儿童",
        "summary_county": "县级汇总",
        "summary_township": "乡镇汇总",
        "policy": "匹配规则",
    },
}

_TOTAL = {"en": "total", "zh": "合计"}
_NOT_OWN = {
    "en": "not a ledger column (a pseudonymised export keeps only those)",
    "zh": "非台账自有列（假名化导出只保留台账自有列）",
}


# ---------------------------------------------------------------- pseudonyms
def pseudonyms(
    ids: Sequence[Any] | np.ndarray | pd.Series, kind: str, key: str | bytes | None = None
) -> np.ndarray:
    """Stable keyed pseudonyms of ``ids``: ``C`` or ``V`` and 16 hex digits of
    HMAC-SHA256(key, kind + id).

    The same id and key give the same pseudonym in every export, so ledgers sent upward
    can be joined over time, while nobody without the key can recover or test an id.
    ``kind`` (``"child"`` or ``"volunteer"``) keeps a child's and a volunteer's pseudonyms
    apart even when their ids are equal. The key comes from ``key`` or the environment
    variable ``PAIRMATCH_PSEUDONYM_KEY``; keep it secret, and at least 16 bytes long.

    >>> pseudonyms(["C001"], "child", key="a key of sixteen+ bytes")[0]
    'C0bd6abfc7da76823'
    """
    if kind not in ("child", "volunteer"):
        raise ArgumentError("kind must be 'child' or 'volunteer'")
    secret = secret_key(key)
    prefix, tag = kind[0].upper(), f"{kind}\x00".encode()
    return np.array(
        [
            None
            if item is None or (isinstance(item, float) and np.isnan(item))
            else prefix
            + hmac.new(secret, tag + str(item).encode(), hashlib.sha256).hexdigest()[:16]
            for item in ids
        ],
        dtype=object,
    )


def _digest(secret: bytes, message: bytes) -> str:
    return hmac.new(secret, message, hashlib.sha256).hexdigest()[:16]


def secret_key(key: str | bytes | None = None) -> bytes:
    """The pseudonymisation key: ``key``, else the environment variable
    ``PAIRMATCH_PSEUDONYM_KEY``; a clear error when there is none or it is too short."""
    if key is None:
        key = os.environ.get(KEY_VARIABLE)
    if key is None:
        raise ArgumentError(
            f"pseudonymising needs a secret key: pass key=... or set {KEY_VARIABLE}; use the "
            "same key for every export so that pseudonyms stay the same"
        )
    if isinstance(key, str):
        secret = key.encode()
    elif isinstance(key, bytes | bytearray | memoryview):
        secret = bytes(key)
    else:  # bytes(20) would be twenty zero bytes: a key anybody can guess
        raise ArgumentTypeError(
            f"the pseudonymisation key must be text or bytes, not {type(key).__name__}"
        )
    if len(secret) < _MIN_KEY_BYTES:
        raise ArgumentError(
            f"the pseudonymisation key has {len(secret)} bytes; use at least {_MIN_KEY_BYTES}, "
            "or ids (often short and guessable) could be recovered by trying keys"
        )
    return secret


def _pseudonym_map(ids: pd.Series, kind: str, key: str | bytes | None) -> dict[Any, Any]:
    """Each distinct id and its pseudonym: an id is hashed once however often it appears."""
    distinct = ids.dropna().unique()
    return dict(zip(distinct, pseudonyms(distinct, kind, key), strict=True))


def _pseudonymise_list(column: pd.Series, names: dict[Any, Any]) -> np.ndarray:
    """``;``-separated id lists (a team's supporting members) with each id replaced."""
    return np.array(
        [";".join(names[v] for v in text.split(";")) if text else "" for text in
         column.fillna("").astype(str)],
        dtype=object,
    )  # fmt: skip


# ---------------------------------------------------------------- summaries
def by_category(category: pd.Series, paired: np.ndarray, policy: Policy) -> pd.DataFrame:
    """Children and paired children per category, the categories the policy ranks first
    on top: ``category``, ``priority_points``, ``children``, ``paired``, ``paired_share``.

    >>> import pandas as pd, numpy as np, pairmatch as pm
    >>> table = by_category(pd.Series(["left_behind", "scattered_orphan", "left_behind"]),
    ...                     np.array([True, False, False]), pm.Policy())
    >>> table[["category", "children", "paired"]].values.tolist()
    [['scattered_orphan', 1, 0], ['left_behind', 2, 1]]
    """
    frame = pd.DataFrame({"category": category.astype(str).to_numpy(), "paired": paired})
    out = frame.groupby("category")["paired"].agg(children="size", paired="sum").reset_index()
    weight = {str(k): v for k, v in policy.category_priority.items()}
    out.insert(1, "priority_points", out["category"].map(lambda c: weight.get(c, 0)))
    out["paired"] = out["paired"].astype(np.int64)
    out["paired_share"] = out["paired"] / out["children"].clip(lower=1)
    order = np.lexsort((out["category"].to_numpy(), -out["priority_points"].to_numpy()))
    return out.iloc[order].reset_index(drop=True)


def lead_distances(pairs: pd.DataFrame) -> pd.Series:
    """The distance from each paired child to her lead volunteer (support members left out,
    as in the ledger and its summaries)."""
    return pairs.loc[pairs["role"] == "lead", "distance_km"]


def summarise(
    ledger: pd.DataFrame, by: str | Sequence[str], *, total: str | None = None
) -> pd.DataFrame:
    """Counts per jurisdiction from a ledger table (one row per child, English codes):
    ``children``, ``paired``, ``unmatched``, ``paired_share``, ``team_children`` (children
    with two or more volunteers), ``mean_distance_km`` and ``p90_distance_km`` (to the
    lead), then one column per reason code with the unmatched children it explains.

    With ``total`` (a label such as ``"total"``), a last row adds everything up; its first
    key holds the label.
    """
    keys = arguments.columns("by", by, ledger.columns, shown=(*JURISDICTION_LEVELS, "category"))
    paired = (ledger["status"] == "paired").to_numpy()
    frame = ledger[keys].assign(
        children=1,
        paired=paired.astype(np.int64),
        unmatched=(~paired).astype(np.int64),
        team_children=(ledger["team_size"].to_numpy() > 1).astype(np.int64),
        distance_km=ledger["distance_km"].astype(float),
    )
    reasons = [r.value for r in Reason]
    for code in reasons:
        frame[code] = (ledger["reason"] == code).to_numpy().astype(np.int64)
    grouped = frame.groupby(keys, sort=True, dropna=False)
    counts = ["children", "paired", "unmatched", "team_children", *reasons]
    out = grouped[counts].sum()
    out.insert(3, "paired_share", out["paired"] / out["children"].clip(lower=1))
    out.insert(5, "mean_distance_km", grouped["distance_km"].mean())
    out.insert(6, "p90_distance_km", grouped["distance_km"].quantile(0.9))
    out = out.reset_index()
    if total is not None:
        row: dict[str, Any] = {k: "" for k in keys} | {keys[0]: total}
        row |= {c: int(frame[c].sum()) for c in counts}
        row["paired_share"] = row["paired"] / max(row["children"], 1)
        row["mean_distance_km"] = frame["distance_km"].mean()
        row["p90_distance_km"] = frame["distance_km"].quantile(0.9)
        out = pd.concat([out, pd.DataFrame([row])[out.columns]], ignore_index=True)
    # reasons that explain nobody are left out
    unused = [c for c in reasons if not out[c].any()]
    return conform(out.drop(columns=unused), "summary")


# ---------------------------------------------------------------- the sheets
def ledger_tables(
    ledger: pd.DataFrame,
    pairs: pd.DataFrame,
    unmatched: pd.DataFrame,
    policy: Policy,
    facts: Mapping[str, Any],
    *,
    lang: Lang | None = None,
    personal: bool = True,
    pseudonymise: bool = False,
    key: str | bytes | None = None,
) -> dict[str, pd.DataFrame]:
    """The sheets of the ledger workbook, named in ``lang`` (None: see
    :func:`pairmatch.labels.default_lang`): the ledger (one row per
    child), pairs, unmatched children with reasons, summaries by county and by township
    (with a total row), and the policy with the run's facts (``facts``: solver, status,
    objective, bound, gap).

    ``personal=False`` leaves out every personal column: by its header (names, id numbers,
    addresses, phones, e-mail and chat ids, birth dates, guardians and parents, in English
    or Chinese) or by its values (resident id numbers, mobile and landline numbers, e-mail
    addresses), the volunteer's ``volunteer_...`` copies too; see :mod:`pairmatch.outputs.personal`.
    ``pseudonymise=True`` also replaces every child and volunteer id with its keyed
    pseudonym (see :func:`pseudonyms`) and keeps only the ledger's own columns
    (:data:`CORE_COLUMNS`), since a register's extra columns may identify a child. The
    policy sheet's ``left_out`` lists every column left out and why, so nothing disappears
    unsaid.
    """
    lang = resolve(lang)
    personal = arguments.flag("personal", personal)
    pseudonymise = arguments.flag("pseudonymise", pseudonymise)
    left_out = _left_out(ledger, personal, pseudonymise, lang)
    ledger = ledger.drop(columns=list(left_out))
    pairs, unmatched = pairs.copy(), unmatched.copy()
    if pseudonymise:
        # the ledger lists every child, the pairs every volunteer a child has
        child = _pseudonym_map(ledger["child_id"], "child", key)
        volunteer = _pseudonym_map(pairs["volunteer_id"], "volunteer", key)
        ledger["child_id"] = ledger["child_id"].map(child)
        ledger["volunteer_id"] = ledger["volunteer_id"].map(volunteer)
        ledger["support_ids"] = _pseudonymise_list(ledger["support_ids"], volunteer)
        pairs["child_id"] = pairs["child_id"].map(child)
        pairs["volunteer_id"] = pairs["volunteer_id"].map(volunteer)
        unmatched["child_id"] = unmatched["child_id"].map(child)
    policy_rows = [
        (name, _setting_label(name, field.description, lang), setting_text(name, value, lang))
        for name, field in Policy.model_fields.items()
        for value in [getattr(policy, name)]
    ]
    if lang == "zh":  # the columns left out, by their headers in the sheets
        left_out = {header(column, lang): why for column, why in left_out.items()}
    facts = dict(facts) | {"pseudonymised": pseudonymise, "left_out": left_out}
    policy_rows += [
        (k, POLICY_LABELS[k] if lang == "zh" else "", setting_text(k, v, lang))
        for k, v in facts.items()
    ]
    tables = {
        "ledger": ledger,
        "pairs": pairs,
        "unmatched": unmatched,
        "summary_county": summarise(ledger, "county", total=_TOTAL[lang]),
        "summary_township": summarise(ledger, ["county", "township"], total=_TOTAL[lang]),
        "policy": pd.DataFrame(policy_rows, columns=["setting", "setting_label", "value"]),
    }
    names = SHEETS[lang]
    return {names[k]: _in_words(table, lang) for k, table in tables.items()}


def _left_out(ledger: pd.DataFrame, personal: bool, pseudonymise: bool, lang: Lang) -> dict:
    """The columns an export leaves out, in the ledger's order, each with why."""
    why: dict[str, str] = {}
    if not personal or pseudonymise:
        found = personal_columns(ledger, keep=CORE_COLUMNS)
        why = {column: reason.said(lang) for column, reason in found.items()}
    if pseudonymise:
        why = {c: why.get(c, _NOT_OWN[lang]) for c in ledger.columns if c not in CORE_COLUMNS}
    return why


def run_facts(
    solver: str, status: str, objective: float, bound: float, gap: float
) -> dict[str, Any]:
    """The run's facts the policy sheet lists under the settings: the pairmatch version,
    the solver, and the status, objective, bound and gap of the result."""
    return {
        "version": __version__,
        "solver": solver,
        "status": status,
        "objective": objective,
        "bound": bound,
        "gap": gap,
    }


def _setting_label(name: str, description: str | None, lang: Lang) -> str:
    if lang == "zh":
        return POLICY_LABELS[name]
    return " ".join((description or "").split())


def _in_words(table: pd.DataFrame, lang: Lang) -> pd.DataFrame:
    """``table`` with codes and headers in ``lang`` (English: as it is); Chinese keeps each
    reason's code in a column of its own beside its words, for joins."""
    if lang == "en":
        return table
    if "reason" in table.columns:
        table = table.copy()
        table.insert(list(table.columns).index("reason") + 1, "reason_code", table["reason"])
    return in_words(table, lang)


# ---------------------------------------------------------------- writing
_NUMBER_FORMATS = {
    "0.00": {"distance_km", "fit", "mean_distance_km", "p90_distance_km", "need_fit",
             "tag_bonus", "preference", "distance_penalty"},
    "0.0%": {"paired_share"},
}  # fmt: skip


def write(tables: Mapping[str, pd.DataFrame], path: str | os.PathLike[str], lang: Lang) -> Path:
    """Write the ledger's sheets: ``.xlsx`` gets every sheet (frozen, filterable headers,
    column widths fitted to the text, numbers rounded for reading only); ``.csv`` (UTF-8
    with BOM, so Excel shows Chinese) and ``.parquet`` get the ledger table."""
    from pairmatch.files import format_of
    from pairmatch.io import write_table

    path = arguments.path("path", path)
    if not path.parent.is_dir():
        raise MissingFileError(f"no folder {path.parent}; create it first, or write elsewhere")
    formats = {header(c, lang): fmt for fmt, cols in _NUMBER_FORMATS.items() for c in cols}
    kind = format_of(str(path))
    if kind != "excel":
        table = next(iter(tables.values()))
        if kind == "csv" and lang == "zh":  # the figures as the workbook shows them
            table = _rounded(table, [c for c, fmt in formats.items() if fmt == "0.00"])
        return write_table(table, path)
    # XlsxWriter directly, a column at a time: about 3x faster than pandas' to_excel over
    # openpyxl (a 20k-child county's workbook 19-20 s -> 6.4-7.3 s), column formats without
    # a loop over cells; and text stays text: a cell "=..." is never made a formula, nor
    # "http..." a link (no formula injection through a register's free text)
    import xlsxwriter

    options = {"strings_to_formulas": False, "strings_to_urls": False, "nan_inf_to_errors": True}
    book = xlsxwriter.Workbook(str(path), options)
    try:
        bold = book.add_format({"bold": True, "bottom": 1})
        styles = {fmt: book.add_format({"num_format": fmt}) for fmt in _NUMBER_FORMATS}
        for name, table in tables.items():
            sheet = book.add_worksheet(name)
            sheet.write_row(0, 0, [str(c) for c in table.columns], bold)
            sheet.freeze_panes(1, 0)
            if len(table.columns):
                sheet.autofilter(0, 0, len(table), len(table.columns) - 1)
            for i, col in enumerate(table.columns):
                style = styles[formats[col]] if col in formats else None
                sheet.set_column(i, i, _width(col, table[col]), style)
                sheet.write_column(1, i, _cells(table[col]))
    finally:
        book.close()
    return path


def _rounded(table: pd.DataFrame, columns: list[str], digits: int = 2) -> pd.DataFrame:
    """``table`` with its ``columns`` (those present) rounded to ``digits`` decimals."""
    present = [c for c in columns if c in table.columns]
    return table.assign(**{c: table[c].round(digits) for c in present}) if present else table


def _cells(column: pd.Series) -> list[Any]:
    """A column's values as Python objects for a worksheet, missing ones as None (blank)."""
    if column.dtype.kind in "iub":
        return column.tolist()
    values = column.astype(object)
    return values.where(column.notna(), None).tolist()


def _width(name: str, column: pd.Series, sample: int = 2000, most: int = 60) -> float:
    """A column width that shows the header and nearly every value (the 95th percentile of
    a sample), counting a Chinese character as two."""
    values = column.iloc[:sample]
    if values.dtype.kind == "f":
        values = values.round(2)
    texts = values.astype(object).where(values.notna(), "").map(str)
    widths = [_display_width(t) for t in texts] or [0]
    return float(min(most, max(_display_width(name) + 2, np.percentile(widths, 95) + 2)))


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)

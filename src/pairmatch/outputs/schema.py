"""The columns and dtypes of every table pairmatch hands out, in one place.

A table's dtypes do not depend on what is in it: an empty ``pairs`` has the same columns
and dtypes as a full one, and text is pandas' ``str`` everywhere (missing text is NaN,
as pandas does for ``str``). :func:`conform` puts a table into its documented shape; the
tests check every table against :data:`SCHEMAS` and ``docs/tables.md`` against both.

>>> import pandas as pd
>>> from pairmatch.outputs.schema import conform
>>> empty = pd.DataFrame({"child_id": [], "reason": [], "detail": [], "priority": [],
...                       "county": [], "township": []})
>>> conform(empty, "unmatched").dtypes.astype(str).tolist()
['str', 'str', 'str', 'int64', 'str', 'str']
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

import pandas as pd

from pairmatch.errors import SchemaError
from pairmatch.model.records import JURISDICTION_LEVELS
from pairmatch.model.vocab import NEEDS

__all__ = ["SCHEMAS", "conform", "empty"]

_T, _F, _I, _B = "str", "float64", "int64", "bool"
_WHEN = "datetime64[ns, UTC]"
_NI = "Int64"  # a count that may be missing (pd.NA): an alternative with no valid pairing
_PLACE = dict.fromkeys(JURISDICTION_LEVELS, _T)

#: Each table's own columns and their dtypes, in order; a table may carry more columns
#: after these (a register's extra columns in the ledger, reason counts in a summary).
SCHEMAS: Final = MappingProxyType(
    {
        "pairs": {
            "child_id": _T, "volunteer_id": _T, "distance_km": _F, "fit": _F, "role": _T,
            "need_fit": _F, "tag_bonus": _F, "preference": _F, "distance_penalty": _F,
            "shared_tags": _I, "covers": _T, "priority": _I, "locked": _B, "county": _T,
            "township": _T, "volunteer_township": _T,
        },
        "unmatched": {
            "child_id": _T, "reason": _T, "detail": _T, "priority": _I, "county": _T,
            "township": _T,
        },
        "ledger": {
            "child_id": _T, "status": _T, "volunteer_id": _T, "distance_km": _F, "fit": _F,
            "reason": _T, "detail": _T, "priority": _I, "team_size": _I, "support_ids": _T,
            "category": _T, **_PLACE,
        },
        "summary": {
            "children": _I, "paired": _I, "unmatched": _I, "paired_share": _F,
            "team_children": _I, "mean_distance_km": _F, "p90_distance_km": _F,
        },
        "parts": {
            "part": _T, "children": _I, "volunteers": _I, "edges": _I, "status": _T,
            "objective": _F, "bound": _F, "gap": _F, "priority_paired": _I,
            "priority_bound": _I, "paired": _I, "seconds": _F,
        },
        "history": {
            "child_id": _T, "volunteer_id": _T, "role": _T, "status": _T, "start": _WHEN,
            "end": _WHEN, "end_reason": _T, "county": _T, "township": _T,
        },
        "diff": {"child_id": _T, "volunteer_id": _T, "change": _T, "reason": _T},
        "events": {
            "at": _WHEN, "event": _T, "child_id": _T, "volunteer_id": _T, "role": _T,
            "reason": _T, "county": _T, "township": _T,
        },
        "alternatives": {
            "volunteer_id": _T, "distance_km": _F, "pair_fit": _F, "feasible": _B,
            "status": _T, "priority_change": _NI, "children_paired_change": _NI,
            "objective_change": _F,
        },
        "shortfall": {
            "skills": _T, "recruits": _I, "children_paired": _I, "priority_gained": _I,
        },
        "recruitment_plan": {
            "site_child_id": _T, **_PLACE, "skills": _T,
            **{f"skill_{k}": _I for k in NEEDS}, "capacity": _I, "children": _T,
            "children_paired": _I, "priority_gained": _I,
        },
    }
)  # fmt: skip


def conform(table: pd.DataFrame, kind: str) -> pd.DataFrame:
    """``table`` with the columns of :data:`SCHEMAS` ``[kind]`` in their dtypes (a summary's
    keys and a ledger's extra columns are left as they are); a new frame, the input is not
    changed. A missing column is a bug of pairmatch's, not of the data: ``KeyError``."""
    schema = SCHEMAS[kind]
    missing = [c for c in schema if c not in table.columns]
    if missing:
        raise SchemaError(f"the {kind} table lacks its columns {missing}")
    cast = {c: t for c, t in schema.items() if str(table[c].dtype) != t}
    return table.astype(cast) if cast else table.copy()


def empty(kind: str) -> pd.DataFrame:
    """A table of ``kind`` without rows, in its documented columns and dtypes."""
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in SCHEMAS[kind].items()})

"""pairmatch's tables in words: codes, yes/no, pairmatch's sentences and headers in English
or Chinese, the same way for every table (the ledger's sheets, a re-pairing's ``diff``, a
Matcher's history and events).

>>> import pandas as pd
>>> diff = pd.DataFrame({"child_id": ["C1"], "volunteer_id": ["V1"], "change": ["added"],
...                      "reason": ["new pair"]})
>>> in_words(diff, "zh", headers={"reason": "变动原因"}).values.tolist()
[['C1', 'V1', '新增', '新结对']]
>>> list(in_words(diff, "zh", headers={"reason": "变动原因"}).columns)
['儿童编号', '爱心妈妈编号', '变动', '变动原因']
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from pairmatch.labels import VALUES, Lang, header, in_chinese, resolve

__all__ = ["in_words"]

#: Columns whose codes are of another column's kind.
_KIND = {"volunteer_gender": "gender"}
#: Columns of sentences pairmatch writes (translated whole; an office's own words stay).
_SENTENCES = {"detail", "end_reason"}


def in_words(
    table: pd.DataFrame, lang: Lang | None = None, *, headers: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """``table`` with its codes, yes/no values, sentences and headers in ``lang`` (English:
    the table as it is; None: :func:`pairmatch.labels.default_lang`). ``headers`` gives
    Chinese headers that differ from the usual ones for this table."""
    lang = resolve(lang)
    if lang == "en":
        return table
    out = table.copy()
    for col in out.columns:
        kind = _KIND.get(col, col)
        if kind == "reason":  # a reason code, or why a pair changed
            out[col] = out[col].map(_reason)
        elif kind in VALUES:
            out[col] = _translate(out[col], VALUES[kind])
        elif col == "covers":
            out[col] = out[col].map(_needs)
        elif col in _SENTENCES:
            out[col] = out[col].map(lambda t: in_chinese(t) if isinstance(t, str) else t)
        elif out[col].dtype == bool:
            out[col] = _translate(out[col].astype(str), VALUES["bool"])
        elif out[col].dtype == object:  # yes/no among blanks: a volunteer's own flags
            out[col] = out[col].map(_yes_no)
    named = dict(headers or {})
    return out.rename(columns=lambda c: named.get(c) or VALUES["reason"].get(c) or header(c, "zh"))


def _reason(x: Any) -> Any:
    if not isinstance(x, str):
        return x
    return VALUES["reason"].get(x) or in_chinese(x)


def _yes_no(x: Any) -> Any:
    """是/否 for a yes/no value, anything else as it is."""
    return VALUES["bool"][str(bool(x))] if isinstance(x, bool | np.bool_) else x


def _needs(text: Any) -> Any:
    if not isinstance(text, str) or not text:
        return text
    return ";".join(VALUES["need"].get(k, k) for k in text.split(";"))


def _translate(column: pd.Series, words: Mapping[str, str]) -> pd.Series:
    return column.map(lambda x: words.get(x, x) if isinstance(x, str) else x)

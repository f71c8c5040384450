"""The array helpers against plain NumPy (pairmatch.arrays)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from pairmatch.arrays import group_max, top_sums, unique

VALUES = st.lists(st.integers(-50, 50), max_size=40)


@settings(deadline=None, max_examples=200, database=None)
@given(values=VALUES, data=st.data())
def test_helpers_equal_numpy(values: list[int], data: st.DataObject) -> None:
    x = np.array(values, np.int64)
    assert unique(x).tolist() == np.unique(x).tolist()
    labels = np.array(data.draw(st.lists(st.integers(0, 5), min_size=x.size, max_size=x.size)),
                      np.int64)  # fmt: skip
    expected = np.zeros(6, np.int64)
    np.maximum.at(expected, labels, x)
    assert group_max(x, labels, 6).tolist() == expected.tolist()
    # top sums over runs of sorted labels: each group's k largest positive values
    order = np.argsort(labels, kind="stable")
    x, labels = x[order], labels[order]
    starts = np.flatnonzero(np.r_[True, labels[1:] != labels[:-1]]) if x.size else labels
    ends = np.r_[starts[1:], x.size][: starts.size].astype(np.int64)
    k = np.array(data.draw(st.lists(st.integers(0, 4), min_size=starts.size,
                                    max_size=starts.size)), np.int64)  # fmt: skip
    want = sum(
        sum(sorted((v for v in x[a:b].tolist() if v > 0), reverse=True)[:n])
        for a, b, n in zip(starts.tolist(), ends.tolist(), k.tolist(), strict=True)
    )
    assert top_sums(x, starts.astype(np.int64), ends, k) == want

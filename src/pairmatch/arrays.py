"""Array helpers that NumPy does slowly for pairmatch's sizes.

NumPy 2.3 and later find ``np.unique``'s values with a hash table, which is 5-15 times
slower than sorting on arrays of many distinct integers, the edge arrays pairmatch works
on (measured with NumPy 2.4: 1.9M distinct int64, 8 s against 0.6 s by sorting; 1M
values of 100k kinds, 2.3 s against 0.3 s). :func:`unique` is the same answer by sorting.
``np.maximum.at`` is unbuffered, one element at a time: :func:`group_max` reduces runs of
sorted labels instead (1.9M pairs of 4 categories: 0.25 s against 0.02 s).
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["group_max", "top_sums", "unique"]


def unique(values: np.ndarray) -> np.ndarray:
    """The sorted distinct values of a 1-D array, as ``np.unique(values)`` gives them.

    >>> unique(np.array([3, 1, 3, 2])).tolist()
    [1, 2, 3]
    """
    ordered = np.sort(np.asarray(values), kind="stable")
    if ordered.size < 2:
        return ordered
    keep = np.empty(ordered.size, bool)
    keep[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]


def group_max(values: np.ndarray, labels: np.ndarray, size: int, floor: int = 0) -> np.ndarray:
    """``out[k] = max(floor, values of label k)`` for ``k < size`` (rows of a 2-D
    ``values``), as ``np.maximum.at`` on an array of ``floor`` gives it.

    >>> group_max(np.array([3, 5, -1, 2]), np.array([0, 0, 2, 2]), 4).tolist()
    [5, 0, 2, 0]
    """
    values, labels = np.asarray(values), np.asarray(labels)
    out = np.full((size, *values.shape[1:]), floor, dtype=np.result_type(values, type(floor)))
    if labels.size == 0:
        return out
    if np.any(labels[1:] < labels[:-1]):
        order = np.argsort(labels, kind="stable")
        values, labels = values[order], labels[order]
    starts = np.flatnonzero(np.r_[True, labels[1:] != labels[:-1]])
    best = np.maximum.reduceat(values, starts, axis=0)
    out[labels[starts]] = np.maximum(best, floor)
    return out


@njit(cache=True, nogil=True)
def top_sums(values, starts, ends, k):  # pragma: no cover - compiled
    """The sum, over groups ``values[starts[g]:ends[g]]``, of each group's ``k[g]`` largest
    positive values (k small: a buffer of the best so far, its least replaced).

    >>> int(top_sums(np.array([5, -1, 3, 4, 2]), np.array([0, 3]), np.array([3, 5]),
    ...              np.array([2, 1])))
    12
    """
    total = 0
    width = 1
    for g in range(k.size):
        width = max(width, k[g])
    buffer = np.empty(width, np.int64)
    for g in range(starts.size):
        size = k[g]
        if size <= 0:
            continue
        buffer[:size] = 0  # only positive values count
        least, at = 0, 0
        for e in range(starts[g], ends[g]):
            v = values[e]
            if v > least:
                buffer[at] = v
                least, at = buffer[0], 0
                for i in range(1, size):
                    if buffer[i] < least:
                        least, at = buffer[i], i
        for i in range(size):
            total += buffer[i]
    return total

"""Distinct values and rows of numpy arrays, and membership, found by sorting.

numpy 2.4's ``np.unique`` finds the distinct values of an integer array with a hash
table, many times slower than sorting it: for a million 64-bit hashes 0.94 s against
0.035 s, and 3.8 s against 0.1 s for three million pair codes (measured on the 2-core
development machine). These give ``np.unique``'s answers, sorted, by sorting, and
``np.isin``'s (which calls it) by a binary search.
"""

from __future__ import annotations

from typing import TypeVar, cast

import numpy as np
import numpy.typing as npt

D = TypeVar("D", bound=np.generic)
A = npt.NDArray[D]


def _firsts(ordered: npt.NDArray[np.generic]) -> npt.NDArray[np.bool_]:
    """Where each run of equal values (or rows) of sorted ``ordered`` starts."""
    first = np.ones(len(ordered), dtype=bool)
    differs = ordered[1:] != ordered[:-1]
    first[1:] = differs.any(axis=1) if ordered.ndim == 2 else differs
    return first


def distinct(values: A[D]) -> A[D]:
    """``np.unique(values)``: the distinct values, sorted."""
    ordered = np.sort(values, axis=None)
    return cast(A[D], ordered[_firsts(ordered)])


def distinct_counts(values: A[D]) -> tuple[A[D], npt.NDArray[np.int64]]:
    """``np.unique(values, return_counts=True)``: the distinct values, sorted, and how
    often each occurs."""
    ordered = np.sort(values, axis=None)
    starts = np.flatnonzero(_firsts(ordered))
    counts = np.diff(np.append(starts, len(ordered))).astype(np.int64)
    return cast(A[D], ordered[starts]), counts


def distinct_rows(rows: A[D]) -> A[D]:
    """``np.unique(rows, axis=0)`` of a two-column array: its distinct rows, in order of
    the first column, then the second."""
    if not len(rows):
        return rows
    ordered = rows[np.lexsort((rows[:, 1], rows[:, 0]))]
    return ordered[_firsts(ordered)]


def members(values: A[D], known: A[D]) -> npt.NDArray[np.bool_]:
    """``np.isin(values, known)``: whether each value is one of ``known``, found by a
    binary search in ``known`` sorted (a million hashes against 4,000: 0.10 s against
    0.23 s)."""
    if not len(known):
        return np.zeros(values.shape, dtype=bool)
    ordered = np.sort(known, axis=None)
    at = np.minimum(np.searchsorted(ordered, values), len(ordered) - 1)
    return np.asarray(ordered[at] == values)

"""Distinct values and rows of numpy arrays, and membership, found by sorting; items
taken a run of consecutive places at a time.

numpy 2.4's ``np.unique`` finds the distinct values of an integer array with a hash
table, many times slower than sorting it: for a million 64-bit hashes 0.94 s against
0.035 s, and 3.8 s against 0.1 s for three million pair codes (measured on the 2-core
development machine). These give ``np.unique``'s answers, sorted, by sorting, and
``np.isin``'s (which calls it) by a binary search.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar, cast

import numpy as np
import numpy.typing as npt

D = TypeVar("D", bound=np.generic)
N = TypeVar("N", bound=np.integer[Any])
A = npt.NDArray[D]
T = TypeVar("T")
I64 = npt.NDArray[np.int64]
#: Items are taken a run at a time when the runs average at least this many places.
RUN_LENGTH = 8


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


def members(values: A[N], known: A[N]) -> npt.NDArray[np.bool_]:
    """``np.isin(values, known)`` for integers: whether each value is one of ``known``.
    Values are screened by their low 16 bits (one flag per pattern, set for ``known``),
    and the few that pass are looked for by a binary search in ``known`` sorted. On the
    927,036 unit hashes of 100,000 articles: 3 ms against 11 ms searching them all for 2
    known values, 10 ms against 70 ms for 4,000."""
    flat = values.reshape(-1)
    found = np.zeros(len(flat), dtype=bool)
    if len(known):
        ordered = np.sort(known, axis=None)
        screen = np.zeros(1 << 16, dtype=bool)
        screen[_low_bits(ordered)] = True
        maybe = np.flatnonzero(screen[_low_bits(flat)])
        near = flat[maybe]
        at = np.minimum(np.searchsorted(ordered, near), len(ordered) - 1)
        found[maybe] = ordered[at] == near
    return found.reshape(values.shape)


def _low_bits(values: A[N]) -> npt.NDArray[np.intp]:
    low: npt.NDArray[np.intp] = np.bitwise_and(values, 0xFFFF).astype(np.intp)
    return low


def run_bounds(places: I64) -> tuple[I64, I64]:
    """The first place of each run of consecutive ``places``, and the place after each
    one's last."""
    if not len(places):
        return places, places
    ends = np.append(np.flatnonzero(np.diff(places) != 1) + 1, len(places))
    return places[np.append(0, ends[:-1])], places[ends - 1] + 1


def pick(items: Sequence[T], places: I64) -> list[T]:
    """``[items[i] for i in places]``, copied a run of consecutive places at a time when
    they come in long runs (as the articles of whole files do)."""
    firsts, ends = run_bounds(places)
    if len(firsts) * RUN_LENGTH > len(places):
        return [items[i] for i in places.tolist()]
    picked: list[T] = []
    for first, end in zip(firsts.tolist(), ends.tolist(), strict=True):
        picked.extend(items[first:end])
    return picked


def spans(values: A[D], starts: I64, counts: I64) -> A[D]:
    """The ``counts[k]`` values from ``starts[k]`` for each ``k``, laid end to end; a run
    of adjacent spans is copied at once."""
    joined = np.flatnonzero(starts[1:] != starts[:-1] + counts[:-1]) + 1
    if (len(joined) + 1) * RUN_LENGTH > len(starts):
        shift = np.repeat(starts - (np.cumsum(counts) - counts), counts)
        return values[shift + np.arange(int(counts.sum()), dtype=np.int64)]
    firsts = starts[np.append(0, joined)]
    lasts = np.append(joined, len(starts)) - 1
    ends = (starts[lasts] + counts[lasts]).tolist()
    return np.concatenate([values[a:b] for a, b in zip(firsts.tolist(), ends, strict=True)])

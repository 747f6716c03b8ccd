"""Distinct values and rows by sorting give exactly what ``np.unique`` gives; a packed sort
gives exactly numpy's stable argsort; items and spans taken a run at a time are those
taken one by one."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from dedup.arrays import distinct, distinct_counts, distinct_rows, members, pick, spans
from dedup.engine.signature import key_order

VALUES = hnp.arrays(
    np.uint64, st.integers(0, 200), elements=st.integers(0, 2**64 - 1) | st.integers(0, 5)
)
ROWS = hnp.arrays(np.int64, st.tuples(st.integers(0, 200), st.just(2)), elements=st.integers(0, 6))


@given(VALUES)
def test_distinct_values_and_counts_are_numpys(values: np.ndarray) -> None:
    assert distinct(values).tolist() == np.unique(values).tolist()
    found, counts = distinct_counts(values)
    expected, expected_counts = np.unique(values, return_counts=True)
    assert found.tolist() == expected.tolist() and counts.tolist() == expected_counts.tolist()
    assert found.dtype == values.dtype


#: Values that often share their low bits but differ above them.
ALIKE_LOW = hnp.arrays(
    np.uint64,
    st.integers(0, 200),
    elements=st.integers(0, 2**64 - 1)
    | st.tuples(st.integers(0, 9), st.integers(0, 3)).map(
        lambda high_low: high_low[0] << 40 | high_low[1]
    ),
)


@given(VALUES | ALIKE_LOW, VALUES | ALIKE_LOW)
def test_members_are_numpys_isin(values: np.ndarray, known: np.ndarray) -> None:
    assert members(values, known).tolist() == np.isin(values, known).tolist()
    assert members(values, values).all()


@given(ROWS)
def test_distinct_rows_are_numpys_in_the_same_order(rows: np.ndarray) -> None:
    expected = np.unique(rows, axis=0) if len(rows) else rows
    assert distinct_rows(rows).tolist() == expected.tolist()


def test_uint64_rows_order_as_numbers() -> None:
    rows = np.array([[2**63 + 1, 5], [3, 9], [2**63 + 1, 2], [3, 9]], dtype=np.uint64)
    assert distinct_rows(rows).tolist() == [[3, 9], [2**63 + 1, 2], [2**63 + 1, 5]]


KEYS = hnp.arrays(
    st.sampled_from([np.uint32, np.uint64]), st.integers(0, 300), elements=st.integers(0, 7)
)


@given(KEYS)
def test_key_order_is_a_stable_argsort(keys: np.ndarray) -> None:
    order, ranked = key_order(keys)
    expected = np.argsort(keys, kind="stable")
    assert order.tolist() == expected.tolist()
    assert ranked.tolist() == keys[expected].tolist() and ranked.dtype == keys.dtype


def test_key_order_of_wide_keys_is_a_stable_argsort() -> None:
    keys = np.array([2**40, 3, 2**40, 2**33, 3], dtype=np.uint64)
    assert key_order(keys)[0].tolist() == [1, 4, 3, 0, 2]


#: Places as a corpus's articles come: long runs of whole files, in or out of order.
PLACES = st.lists(st.tuples(st.integers(0, 60), st.integers(0, 40)), max_size=12).map(
    lambda runs: np.array([p for first, n in runs for p in range(first, first + n)], dtype=np.int64)
)


@given(PLACES | hnp.arrays(np.int64, st.integers(0, 80), elements=st.integers(0, 99)))
def test_items_taken_a_run_at_a_time_are_those_taken_one_by_one(places: np.ndarray) -> None:
    items = [f"item {k}" for k in range(100)]
    assert pick(items, places) == [items[i] for i in places.tolist()]


@given(
    PLACES | hnp.arrays(np.int64, st.integers(0, 80), elements=st.integers(0, 99)),
    st.lists(st.integers(0, 4), min_size=100, max_size=100),
)
def test_spans_taken_a_run_at_a_time_are_those_taken_one_by_one(
    places: np.ndarray, sizes: list[int]
) -> None:
    counts = np.array(sizes, dtype=np.int64)
    starts = np.cumsum(counts) - counts
    values = np.arange(int(counts.sum()), dtype=np.uint64) * np.uint64(3)
    expected = [v for p in places.tolist() for v in values[starts[p] : starts[p] + counts[p]]]
    found = spans(values, starts[places], counts[places])
    assert found.tolist() == [int(v) for v in expected] and found.dtype == values.dtype

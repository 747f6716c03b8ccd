"""Distinct values and rows by sorting give exactly what ``np.unique`` gives; a packed sort
gives exactly numpy's stable argsort."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from dedup.arrays import distinct, distinct_counts, distinct_rows, members
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


@given(VALUES, VALUES)
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

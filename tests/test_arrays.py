"""Distinct values and rows by sorting give exactly what ``np.unique`` gives."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from dedup.arrays import distinct, distinct_counts, distinct_rows

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


@given(ROWS)
def test_distinct_rows_are_numpys_in_the_same_order(rows: np.ndarray) -> None:
    expected = np.unique(rows, axis=0) if len(rows) else rows
    assert distinct_rows(rows).tolist() == expected.tolist()


def test_uint64_rows_order_as_numbers() -> None:
    rows = np.array([[2**63 + 1, 5], [3, 9], [2**63 + 1, 2], [3, 9]], dtype=np.uint64)
    assert distinct_rows(rows).tolist() == [[3, 9], [2**63 + 1, 2], [2**63 + 1, 5]]

"""The tables the stages of a Dask run write, and how a run cuts its corpus."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa

I64 = npt.NDArray[np.int64]
U64 = npt.NDArray[np.uint64]

READ = pa.schema(
    [
        ("file", pa.int64()),
        ("index", pa.int64()),
        ("words", pa.int64()),
        ("dropped", pa.int64()),
        ("digest", pa.binary()),
        ("context", pa.uint64()),
        ("hashes", pa.large_list(pa.uint64())),
        ("fields", pa.binary()),
        ("text", pa.large_string()),
        ("lengths", pa.large_list(pa.int32())),
    ]
)
STORIES = pa.schema([("hash", pa.uint64()), ("story", pa.uint64()), ("rows", pa.int64())])
TEXTS = pa.schema(
    [
        ("id", pa.int64()),
        ("digest", pa.binary()),
        ("words", pa.int64()),
        ("dropped", pa.int64()),
        ("text", pa.large_string()),
    ]
)
DIGESTS = pa.schema([("digest", pa.binary()), ("id", pa.int64())])
IDS = pa.schema([("id", pa.int64())])
PAIRS = pa.schema([("a", pa.int64()), ("b", pa.int64())])
BANDS = pa.schema([("band", pa.int64()), ("key", pa.uint64()), ("id", pa.int64())])
JOINED = pa.schema(
    [
        ("a", pa.int64()),
        ("b", pa.int64()),
        ("digest", pa.binary()),
        ("words", pa.int64()),
        ("dropped", pa.int64()),
        ("text", pa.large_string()),
    ]
)


@dataclass(frozen=True)
class Layout:
    """How many articles, and how many shards (runs of ids) and buckets (hash ranges) the
    stages cut them into."""

    articles: int
    shards: int
    buckets: int


def ints(table: pa.Table, name: str) -> I64:
    """A column of whole numbers as int64."""
    return np.asarray(table.column(name).to_numpy(), dtype=np.int64)


def words(table: pa.Table, name: str) -> U64:
    """A column of 64-bit hashes as uint64."""
    return np.asarray(table.column(name).to_numpy(), dtype=np.uint64)

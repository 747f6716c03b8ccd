"""Files as the shuffle: partitions exchange rows through Parquet files in the work folder.

A map task writes its rows for bucket ``b`` to ``<folder>/b<b>/p<part>.parquet``; the
reduce task of bucket ``b`` reads that folder's files in part order. Every file is
written under a temporary name and renamed into place, so a task run twice (a worker
lost and its task retried) leaves one whole file, the same either time.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.parquet as pq

I64 = npt.NDArray[np.int64]
U64 = npt.NDArray[np.uint64]


def bucket_of(keys: U64, count: int) -> I64:
    """The bucket of each 64-bit hash ``key`` among ``count``."""
    buckets: I64 = (keys % np.uint64(count)).astype(np.int64)
    return buckets


def shard_of(ids: I64, count: int, total: int) -> I64:
    """The shard of each article id: ``count`` runs of consecutive ids over ``total``."""
    shards: I64 = (ids * count) // max(total, 1)
    return shards


def digest_keys(digests: Sequence[bytes]) -> U64:
    """A 64-bit key of each 16-byte digest (its first 8 bytes)."""
    joined = b"".join(d[:8] for d in digests)
    return np.frombuffer(joined, dtype="<u8").astype(np.uint64)


def write_table(table: pa.Table, path: Path) -> None:
    """Write ``table`` to ``path`` whole or not at all."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    pq.write_table(table, temporary)
    os.replace(temporary, path)


def scatter(table: pa.Table, buckets: I64, folder: Path, part: int) -> None:
    """Write the rows of ``table`` to their ``buckets`` (one file per bucket they reach)."""
    order = np.argsort(buckets, kind="stable")
    ranked = buckets[order]
    sorted_table = table.take(pa.array(order))
    cuts = np.flatnonzero(np.diff(ranked)) + 1
    starts = [0, *cuts.tolist()]
    stops = [*cuts.tolist(), len(ranked)]
    for start, stop in zip(starts, stops, strict=True):
        if stop > start:
            bucket = int(ranked[start])
            piece = sorted_table.slice(start, stop - start)
            write_table(piece, folder / f"b{bucket:05d}" / f"p{part:05d}.parquet")


def gather(folder: Path, bucket: int, schema: pa.Schema) -> pa.Table:
    """Every row written to ``bucket``, in part order (an empty table when none was)."""
    where = folder / f"b{bucket:05d}"
    files = sorted(where.glob("p*.parquet")) if where.is_dir() else []
    tables = [pq.read_table(path, schema=schema) for path in files]
    return pa.concat_tables(tables) if tables else schema.empty_table()


def list_column(flat: npt.NDArray[np.generic], counts: I64, kind: pa.DataType) -> pa.Array:
    """A list column whose row ``i`` holds the next ``counts[i]`` values of ``flat``."""
    offsets = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
    return pa.LargeListArray.from_arrays(pa.array(offsets), pa.array(flat, type=kind))


def list_values(column: pa.ChunkedArray) -> tuple[npt.NDArray[np.generic], I64]:
    """The values of a list column end to end, and where each row's start (n + 1 offsets)."""
    joined = column.combine_chunks()
    if isinstance(joined, pa.ChunkedArray):  # an empty column stays chunked
        joined = pa.concat_arrays(joined.chunks) if joined.num_chunks else pa.array([], joined.type)
    offsets = np.asarray(joined.offsets.to_numpy(), dtype=np.int64)
    values = joined.values.to_numpy(zero_copy_only=False)
    return values[offsets[0] : offsets[-1]], offsets - offsets[0]

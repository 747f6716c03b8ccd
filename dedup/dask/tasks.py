"""What the workers run to find copies: exact copies, MinHash rows and band keys, the
band buckets' candidate pairs, and verdicts, by the local engine's own functions.

Each task reads its inputs from the work folder and writes its outputs there
(:mod:`dedup.dask.shuffle`), returning counts.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from dedup.arrays import distinct_counts, distinct_rows
from dedup.config import Config
from dedup.dask.shuffle import bucket_of, gather, scatter, shard_of, write_table
from dedup.dask.tables import BANDS, DIGESTS, IDS, JOINED, PAIRS, TEXTS, Layout
from dedup.dask.tables import ints as _ints
from dedup.dask.tables import words as _words
from dedup.engine.signature import (
    LARGE_BUCKET,
    BandTable,
    Permutations,
    bucket_pairs,
    fingerprints,
)
from dedup.engine.verify import Side, score_pair
from dedup.text.prepare import Prepared

I64 = npt.NDArray[np.int64]
U64 = npt.NDArray[np.uint64]
#: Texts signed in one batch (their rows are freed before the next).
SIGN_BATCH = 2000


def exact_bucket(digests: Path, bucket: int, layout: Layout, folders: tuple[Path, Path]) -> int:
    """Exact copies among one bucket's digests: each text's first article (by id) is its
    representative, the others are joined to it. Edges written to the bucket's file; the
    ids that are no representative sent to their shards. Returns the edges."""
    table = gather(digests, bucket, DIGESTS)
    ids = _ints(table, "id")
    raw = b"".join(table.column("digest").to_pylist())
    halves = np.frombuffer(raw, dtype=">u8").reshape(-1, 2)
    order = np.lexsort((ids, halves[:, 1], halves[:, 0])) if len(ids) else ids
    ranked, keys = ids[order], halves[order]
    fresh = np.ones(len(ranked), dtype=bool)
    fresh[1:] = (keys[1:] != keys[:-1]).any(axis=1)
    first = ranked[np.maximum.accumulate(np.where(fresh, np.arange(len(ranked)), 0))]
    copies = np.flatnonzero(~fresh)
    edges = pa.table([first[copies], ranked[copies]], schema=PAIRS)
    write_table(edges, folders[0] / f"b{bucket:05d}.parquet")
    others = ranked[copies]
    scatter(
        pa.table([others], schema=IDS),
        shard_of(others, layout.shards, layout.articles),
        folders[1],
        bucket,
    )
    return len(copies)


def sign_shard(config: Config, shard: int, folders: tuple[Path, Path, Path], layout: Layout) -> int:
    """MinHash rows of one shard's representatives, and their band keys sent to the
    buckets of the keys (an empty signature takes part in no band). Returns how many
    were signed."""
    texts_dir, others_dir, bands_dir = folders
    table = gather(texts_dir, shard, TEXTS)
    ids = _ints(table, "id")
    others = _ints(gather(others_dir, shard, IDS), "id")
    named = np.asarray([bool(d) for d in table.column("digest").to_pylist()], dtype=bool)
    reps = np.flatnonzero(named & ~np.isin(ids, others))
    reps = reps[np.argsort(ids[reps], kind="stable")]
    texts = table.column("text").to_pylist()
    bands = BandTable(len(reps), config.num_perm, config.lsh_threshold)
    perms = Permutations(config.num_perm, config.seed)
    for first in range(0, len(reps), SIGN_BATCH):
        chosen = reps[first : first + SIGN_BATCH]
        rows = fingerprints(
            [texts[k] for k in chosen.tolist()], config.shingle_size, perms, config.tuning
        )
        bands.fill(np.arange(first, first + len(chosen)), rows)
    rep_ids = ids[reps]
    parts: list[tuple[I64, U64, I64]] = []
    for part, keys in enumerate(bands.keys):
        valid = np.flatnonzero(bands.valid[:, part])
        for band in range(keys.shape[1]):
            code = np.full(len(valid), part * 1000 + band, dtype=np.int64)
            parts.append((code, keys[valid, band], rep_ids[valid]))
    if parts:
        code, key, who = (np.concatenate(x) for x in zip(*parts, strict=True))
        table = pa.table([code, key.astype(np.uint64), who], schema=BANDS)
        scatter(table, bucket_of(key.astype(np.uint64), layout.buckets), bands_dir, shard)
    return len(reps)


def candidates_bucket(bands: Path, bucket: int, layout: Layout, out: Path) -> tuple[int, int]:
    """Candidate pairs of one bucket of band keys, by the local engine's own rule
    (:func:`dedup.engine.signature.bucket_pairs`), sent to the shard of their first id.
    Returns how many buckets were over the cap and the largest one's size."""
    table = gather(bands, bucket, BANDS)
    code, key, ids = _ints(table, "band"), _words(table, "key"), _ints(table, "id")
    order = np.lexsort((ids, code))
    code, key, ids = code[order], key[order], ids[order]
    cuts = [0, *(np.flatnonzero(np.diff(code)) + 1).tolist(), len(code)]
    found: list[I64] = []
    over, largest = 0, 0
    for start, stop in itertools.pairwise(cuts):
        keys, who = key[start:stop], ids[start:stop]
        found.append(who[bucket_pairs(keys)])
        _, sizes = distinct_counts(keys)
        over += int((sizes > LARGE_BUCKET).sum())
        largest = max(largest, int(sizes.max()) if len(sizes) else 0)
    pairs = distinct_rows(np.concatenate(found)) if found else np.zeros((0, 2), np.int64)
    if len(pairs):
        table = pa.table([pairs[:, 0], pairs[:, 1]], schema=PAIRS)
        scatter(table, shard_of(pairs[:, 0], layout.shards, layout.articles), out, bucket)
    return over, largest


def join_shard(shard: int, folders: tuple[Path, Path, Path], layout: Layout) -> int:
    """The candidate pairs whose first article is in this shard, repeats dropped, each
    with that article's text, sent to the shard of the second. Returns how many."""
    candidates, texts_dir, out = folders
    pairs = gather(candidates, shard, PAIRS)
    both = np.stack((_ints(pairs, "a"), _ints(pairs, "b")), axis=1)
    both = distinct_rows(both) if len(both) else both.reshape(0, 2)
    texts = gather(texts_dir, shard, TEXTS)
    where = _positions(_ints(texts, "id"), both[:, 0])
    joined = texts.take(pa.array(where)).drop_columns(["id"])
    columns = [both[:, 0], both[:, 1], *(joined.column(n) for n in JOINED.names[2:])]
    table = pa.table(columns, schema=JOINED)
    if len(both):
        scatter(table, shard_of(both[:, 1], layout.shards, layout.articles), out, shard)
    return len(both)


def verify_shard(config: Config, shard: int, folders: tuple[Path, Path], out: Path) -> int:
    """Verdicts on the pairs whose second article is in this shard, by
    :func:`dedup.engine.verify.score_pair` (quick), the rule the local engine applies.
    The pairs that verify are written to ``out``; returns how many."""
    joined_dir, texts_dir = folders
    pairs = gather(joined_dir, shard, JOINED)
    texts = gather(texts_dir, shard, TEXTS)
    ids = _ints(texts, "id")
    seconds = _positions(ids, _ints(pairs, "b"))
    mine = _prepared(texts)
    theirs = _prepared(pairs.drop_columns(["a", "b"]))
    sides: dict[tuple[int, int], Side] = {}

    def side(key: tuple[int, int], prepared: Prepared) -> Side:
        found = sides.get(key)
        if found is None:
            found = sides[key] = Side.of(prepared, config)
        return found

    firsts = _ints(pairs, "a")
    kept: list[int] = []
    for k, (a, b) in enumerate(zip(firsts.tolist(), seconds.tolist(), strict=True)):
        left, right = side((0, a), theirs[k]), side((1, b), mine[b])
        if score_pair(left, right, config, quick=True).is_copy:
            kept.append(k)
    chosen = np.asarray(kept, dtype=np.int64)
    verified = pa.table([firsts[chosen], ids[seconds[chosen]]], schema=PAIRS)
    write_table(verified, out / f"s{shard:05d}.parquet")
    return len(kept)


def _prepared(table: pa.Table) -> list[Prepared]:
    columns = [table.column(n).to_pylist() for n in ("text", "words", "digest", "dropped")]
    return [Prepared(*row) for row in zip(*columns, strict=True)]


def _positions(ids: I64, wanted: I64) -> I64:
    """Where each of ``wanted`` is among ``ids`` (every one of them is there)."""
    order = np.argsort(ids, kind="stable")
    return order[np.searchsorted(ids[order], wanted)].astype(np.int64)

"""What the workers run: the local engine's own functions over partitions of the corpus.

Each task reads its inputs from the work folder and writes its outputs there
(:mod:`dedup.dask.shuffle`); what it returns is small (counts, warnings, boilerplate
hashes). Article ids are positions in the corpus's (path, index) order, which the client
computes once from what reading gave: never a partition's own numbering.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.parquet as pq

from dedup.config import Config
from dedup.dask.shuffle import (
    bucket_of,
    digest_keys,
    gather,
    list_column,
    list_values,
    scatter,
    shard_of,
    write_table,
)
from dedup.engine.ingest import Piece, light_record, read_range
from dedup.engine.records import encode_fields
from dedup.engine.signature import (
    LARGE_BUCKET,
    BandTable,
    Permutations,
    bucket_pairs,
    fingerprints,
)
from dedup.engine.verify import Side, score_pair
from dedup.errors import InputError
from dedup.read.files import read_file
from dedup.text.prepare import (
    DISTINCT_STORY_SHARE,
    Prepared,
    build_text,
    row_stories,
    split_units,
    units_from_lengths,
)

I64 = npt.NDArray[np.int64]
U64 = npt.NDArray[np.uint64]
#: Warnings of one file as they travel back: (path, reason, line).
Note = tuple[str, str, "int | None"]
#: Texts signed in one batch (their rows are freed before the next).
SIGN_BATCH = 2000

READ = pa.schema(
    [
        ("file", pa.int64()),
        ("slot", pa.int64()),
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


@dataclass(frozen=True)
class Read:
    """One read piece (a file, or a byte range of one): its file's number, its articles,
    its warnings, and for a byte range its records (non-blank lines; -1 for a file)."""

    file: int
    count: int
    notes: tuple[Note, ...]
    records: int


def read_part(config: Config, pieces: Sequence[Piece], out: Path) -> list[Read]:
    """Read and split ``pieces`` into one Parquet file of light records and comparison
    texts (before boilerplate is known)."""
    columns: dict[str, list[object]] = {name: [] for name in READ.names}
    hashes: list[U64] = []
    lengths: list[npt.NDArray[np.int32]] = []
    found: list[Read] = []
    for piece in pieces:
        errors: list[InputError] = []
        if piece.stop < 0:
            articles, records = list(read_file(piece.path, config, errors.append)), -1
        else:
            articles, records = read_range(piece, config, errors.append)
        for slot, article in enumerate(articles):
            units = split_units(article, config)
            record = light_record(article, units)
            row = (piece.file, slot, article.index, record.words, record.dropped, record.digest)
            for name, value in zip(READ.names[:6], row, strict=True):
                columns[name].append(value)
            columns["context"].append(record.context)
            columns["fields"].append(encode_fields(record))
            columns["text"].append(units.prepared.text)
            hashes.append(np.asarray(units.hashes, dtype=np.uint64))
            lengths.append((units.ends - units.starts).astype(np.int32))
        found.append(
            Read(
                piece.file,
                len(articles),
                tuple((e.path, e.reason, e.line) for e in errors),
                records,
            )
        )
    counts = np.fromiter((len(h) for h in hashes), dtype=np.int64, count=len(hashes))
    arrays = {
        name: pa.array(values, type=READ.field(name).type)
        for name, values in columns.items()
        if name not in ("hashes", "lengths")
    }
    arrays["hashes"] = list_column(_flat(hashes, np.uint64), counts, pa.uint64())
    arrays["lengths"] = list_column(_flat(lengths, np.int32), counts, pa.int32())
    write_table(pa.table([arrays[name] for name in READ.names], schema=READ), out)
    return found


def _flat(parts: Sequence[npt.NDArray[np.generic]], kind: type) -> npt.NDArray[np.generic]:
    return np.concatenate(parts).astype(kind) if parts else np.zeros(0, dtype=kind)


def order_keys(path: Path) -> tuple[I64, I64]:
    """The file number and record index of each article of a read part."""
    table = pq.read_table(path, columns=["file", "index"])
    return _ints(table, "file"), _ints(table, "index")


def story_part(read: Path, layout: Layout, out: Path, part: int) -> None:
    """Each unit hash of a read part with the story of its article, counted, sent to the
    bucket of its hash (the map half of learning boilerplate)."""
    table = pq.read_table(read, columns=["hashes", "context"])
    hashes, offsets = list_values(table.column("hashes"))
    flat = np.asarray(hashes, dtype=np.uint64)
    contexts = np.asarray(table.column("context").to_numpy(), dtype=np.uint64)
    stories = row_stories(flat, np.diff(offsets), contexts)
    pairs, rows = np.unique(np.stack((flat, stories), axis=1), axis=0, return_counts=True)
    if not len(pairs):
        return
    counted = pa.table([pairs[:, 0], pairs[:, 1], rows.astype(np.int64)], schema=STORIES)
    scatter(counted, bucket_of(pairs[:, 0], layout.buckets), out, part)


def boilerplate_bucket(stories: Path, bucket: int, min_docs: int) -> list[int]:
    """The boilerplate among one bucket's unit hashes, by the rule of
    :func:`dedup.text.prepare.boilerplate_of`: seen in ``min_docs`` articles about
    different stories, and mostly in such."""
    table = gather(stories, bucket, STORIES)
    if not table.num_rows:
        return []
    pairs = np.stack((_words(table, "hash"), _words(table, "story")), axis=1)
    distinct, where = np.unique(pairs, axis=0, return_inverse=True)
    rows = np.bincount(where.ravel(), weights=_ints(table, "rows")).astype(np.int64)
    found, first, varied = np.unique(distinct[:, 0], return_index=True, return_counts=True)
    seen = np.add.reduceat(rows, first)
    many = (varied >= min_docs) & (varied >= DISTINCT_STORY_SHARE * seen)
    return [int(h) for h in found[many]]


def cut_part(
    read: Path,
    ids: I64,
    boilerplate: frozenset[int],
    layout: Layout,
    folders: tuple[Path, Path],
    part: int,
) -> int:
    """A read part's comparison texts with boilerplate cut out, sent to the shards of
    their ids; their digests sent to the buckets of the digests. Returns their words."""
    table = pq.read_table(
        read, columns=["words", "dropped", "digest", "context", "hashes", "text", "lengths"]
    )
    cut = _cut_texts(table, boilerplate)
    texts = pa.table(
        [
            ids,
            [p.digest for p in cut],
            [p.words for p in cut],
            [p.dropped for p in cut],
            [p.text for p in cut],
        ],
        schema=TEXTS,
    )
    scatter(texts, shard_of(ids, layout.shards, layout.articles), folders[0], part)
    named = [k for k, p in enumerate(cut) if p.digest]
    digests = [cut[k].digest for k in named]
    keyed = pa.table([digests, ids[named]], schema=DIGESTS)
    scatter(keyed, bucket_of(digest_keys(digests), layout.buckets), folders[1], part)
    return sum(p.words for p in cut)


def _cut_texts(table: pa.Table, boilerplate: frozenset[int]) -> list[Prepared]:
    """Each row's comparison text with ``boilerplate`` cut out (:func:`build_text`)."""
    hashes, offsets = list_values(table.column("hashes"))
    lengths, _ = list_values(table.column("lengths"))
    flat, sizes = np.asarray(hashes, dtype=np.uint64), np.asarray(lengths, dtype=np.int32)
    known = np.fromiter(boilerplate, dtype=np.uint64, count=len(boilerplate))
    hit = np.isin(flat, known)
    texts = table.column("text").to_pylist()
    rows = zip(
        texts,
        table.column("words").to_pylist(),
        table.column("digest").to_pylist(),
        table.column("dropped").to_pylist(),
        table.column("context").to_pylist(),
        strict=True,
    )
    cut: list[Prepared] = []
    for i, (text, words, digest, dropped, context) in enumerate(rows):
        light = Prepared(text, words, digest, dropped)
        start, stop = int(offsets[i]), int(offsets[i + 1])
        if hit[start:stop].any():
            units = units_from_lengths(text, sizes[start:stop], light, flat[start:stop], context)
            light = build_text(units, boilerplate)
        cut.append(light)
    return cut


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
        _, sizes = np.unique(keys, return_counts=True)
        over += int((sizes > LARGE_BUCKET).sum())
        largest = max(largest, int(sizes.max()) if len(sizes) else 0)
    pairs = np.unique(np.concatenate(found), axis=0) if found else np.zeros((0, 2), np.int64)
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
    both = np.unique(both, axis=0) if len(both) else both.reshape(0, 2)
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


def _ints(table: pa.Table, name: str) -> I64:
    return np.asarray(table.column(name).to_numpy(), dtype=np.int64)


def _words(table: pa.Table, name: str) -> U64:
    return np.asarray(table.column(name).to_numpy(), dtype=np.uint64)

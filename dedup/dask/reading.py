"""What the workers run to read and prepare the corpus: the local engine's reading,
splitting and boilerplate rules over parts of the input.

Each task reads its inputs from the work folder and writes its outputs there
(:mod:`dedup.dask.shuffle`); what it returns is small (counts, warnings, boilerplate
hashes). Article ids are positions in the corpus's (path, index) order, which the client
computes once from what reading gave: never a partition's own numbering.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.parquet as pq

from dedup.article import Article
from dedup.config import Config
from dedup.dask.inputs import is_url, read_url
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
from dedup.dask.tables import DIGESTS, READ, STORIES, TEXTS, Layout
from dedup.dask.tables import ints as _ints
from dedup.dask.tables import words as _words
from dedup.engine.ingest import Piece, light_record, read_range
from dedup.engine.records import encode_fields
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
#: A warning as it travels back: (path, reason, line).
Note = tuple[str, str, "int | None"]


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
    rows = _Rows()
    found: list[Read] = []
    for piece in pieces:
        errors: list[InputError] = []
        articles, records = _read_piece(piece, config, errors)
        for article in articles:
            rows.add(piece.file, article, config)
        notes = tuple((e.path, e.reason, e.line) for e in errors)
        found.append(Read(piece.file, len(articles), notes, records))
    write_table(rows.table(), out)
    return found


def _read_piece(
    piece: Piece, config: Config, errors: list[InputError]
) -> tuple[list[Article], int]:
    """A piece's articles, and for a byte range its records (-1 for a whole file)."""
    if is_url(piece.path):
        return read_url(piece.path, config, errors.append), -1
    if piece.stop < 0:
        return list(read_file(piece.path, config, errors.append)), -1
    return read_range(piece, config, errors.append)


class _Rows:
    """The rows of a read part, as :func:`dedup.engine.ingest.light_record` keeps an
    article, with its comparison text and unit lengths beside."""

    def __init__(self) -> None:
        self.columns: dict[str, list[object]] = {name: [] for name in READ.names}
        self.hashes: list[U64] = []
        self.lengths: list[npt.NDArray[np.int32]] = []

    def add(self, file: int, article: Article, config: Config) -> None:
        units = split_units(article, config)
        record = light_record(article, units)
        row = (file, article.index, record.words, record.dropped, record.digest)
        for name, value in zip(READ.names[:5], row, strict=True):
            self.columns[name].append(value)
        self.columns["context"].append(record.context)
        self.columns["fields"].append(encode_fields(record))
        self.columns["text"].append(units.prepared.text)
        self.hashes.append(np.asarray(units.hashes, dtype=np.uint64))
        self.lengths.append(np.asarray(units.lengths, dtype=np.int32))

    def table(self) -> pa.Table:
        lists = ("hashes", "lengths")
        arrays = {
            name: pa.array(values, type=READ.field(name).type)
            for name, values in self.columns.items()
            if name not in lists
        }
        counts = np.fromiter((len(h) for h in self.hashes), np.int64, count=len(self.hashes))
        arrays["hashes"] = list_column(_flat(self.hashes, np.uint64), counts, pa.uint64())
        arrays["lengths"] = list_column(_flat(self.lengths, np.int32), counts, pa.int32())
        return pa.table([arrays[name] for name in READ.names], schema=READ)


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
            units = units_from_lengths(
                text, sizes[start:stop].tolist(), light, flat[start:stop].tolist(), context
            )
            light = build_text(units, boilerplate)
        cut.append(light)
    return cut

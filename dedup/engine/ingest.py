"""Reading the files a scan must read, on all jobs, into light records and spilled texts.

The files are cut into parts of about ``part_bytes`` (:class:`dedup.tuning.Tuning`): runs
of whole files, or line-aligned
byte ranges of a large uncompressed JSON Lines file. Each worker reads its own part (no
text travels to it), splits every article into units, writes the comparison texts to the
part's spill file (:mod:`dedup.engine.spill`) and sends back light records: no body, no text.
Results come back in part order, so records and warnings keep the order a single process
reading file after file would give.
"""

from __future__ import annotations

import codecs
import io
import os
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass, replace
from functools import partial

import numpy as np
import numpy.typing as npt

from dedup.article import Article
from dedup.config import Config
from dedup.engine.canonical import DATELINE_OPENS, dateline_in
from dedup.engine.jobs import map_ordered
from dedup.engine.records import LightRecords, Record, encode_fields
from dedup.engine.spill import Place, Span, Spill, SpillWriter
from dedup.errors import InputError
from dedup.read.decode import (
    BINARY_PROBE,
    GZIP_MAGIC,
    gunzip_copy,
    read_lines,
    skip_line,
    stated_gunzipped_size,
    strip_gz,
)
from dedup.read.files import read_file, read_jsonl_lines, read_limit
from dedup.text.prepare import Units, split_many
from dedup.tuning import Tuning

WarningCallback = Callable[[InputError], None]

#: Characters of a first paragraph kept for the dateline rule (more when it needs them).
HEAD = 200
#: A gzipped file is gunzipped to be read in byte ranges only up to this many times its
#: size (news text packs 3 to 5 times); past that it is read in one stream, as before.
GUNZIP_RATIO = 64
#: ...and only when it holds this many times ``range_bytes`` once gunzipped: the copy
#: costs a pass of its own, which workers repay only on a larger file.
GUNZIP_RANGES = 2
#: Articles split into units at once (their paragraphs folded together): enough to fold
#: in few calls, few enough that their units take little memory.
SPLIT_ARTICLES = 1000
#: Bytes read at once from a byte range of a JSON Lines file. The default buffer is one
#: disk block, about one line of news: a system call per line (about a microsecond each
#: on the machines of docs/benchmarks.md).
RANGE_BUFFER = 1 << 20
#: Bytes a blank line may hold: ASCII whitespace (what ``bytes.isspace`` takes), line ends.
_BLANK_BYTES = np.zeros(256, dtype=bool)
_BLANK_BYTES[list(b" \t\n\r\x0b\x0c")] = True
_NEWLINE = np.uint8(ord("\n"))


@dataclass(frozen=True)
class Piece:
    """A file, or a line-aligned byte range of one (``stop`` is -1 for the whole file)."""

    file: int
    path: str
    start: int = 0
    stop: int = -1
    #: Lines and records (non-blank lines) of the file before ``start``.
    line: int = 0
    first: int = 0
    #: Where the bytes are read from, when not ``path``: a gzipped file's gunzipped copy.
    source: str = ""


@dataclass(frozen=True)
class PieceRead:
    """What reading a piece gave: its records as arrays, their fields laid end to end (and
    where the spill holds that copy of them), where their texts are spilled, warnings, and
    for a byte range how many records (non-blank lines) it held."""

    piece: Piece
    light: LightRecords
    fields: bytes
    fields_at: Span
    places: npt.NDArray[np.int64]
    warnings: tuple[InputError, ...]
    count: int


def plan_parts(
    files: Sequence[tuple[int, str, int]],
    tuning: Tuning,
    *,
    ranges: bool = True,
    unpack_to: str | None = None,
) -> list[list[Piece]]:
    """Parts of about ``tuning.part_bytes`` covering ``files`` (number, path, size), in
    order; with ``ranges``, a large JSON Lines file is cut in byte ranges, and with
    ``unpack_to`` (a folder) so is a large gzipped one, gunzipped there first."""
    parts: list[list[Piece]] = []
    current: list[Piece] = []
    size = 0
    for number, path, bytes_ in files:
        pieces = _cut(number, path, bytes_, tuning, unpack_to) if ranges else []
        if not pieces:
            current.append(Piece(number, path))
            size += max(bytes_, 0)
            if size >= tuning.part_bytes:
                parts.append(current)
                current, size = [], 0
            continue
        if current:
            parts.append(current)
            current, size = [], 0
        parts.extend([piece] for piece in pieces)
    if current:
        parts.append(current)
    return parts


def read_parts(
    parts: Sequence[list[Piece]],
    config: Config,
    spill: Spill,
    given: Sequence[Sequence[Article]] | None = None,
) -> Iterator[PieceRead]:
    """Every piece of ``parts`` read, in order, on ``config.effective_jobs`` processes.
    With ``given``, a file's articles are ``given[file]`` instead of what reading gives."""
    work = partial(_read_part, config, spill, given)
    jobs = min(config.effective_jobs, len(parts))
    numbered = [(spill.next_part(), part) for part in parts]
    for read in map_ordered(work, numbered, jobs):
        yield from read


def read_now(file: int, path: str, config: Config, spill: Spill) -> list[PieceRead]:
    """A whole file read in this process (a part of its own)."""
    return _read_part(config, spill, None, (spill.next_part(), [Piece(file, path)]))


def light_record(article: Article, units: Units) -> Record:
    """What the scan keeps of an article: no body, only the openings the canonical rules
    read, and its units' digest, counts and hashes."""
    stripped = [p.strip() for p in article.body[:2]]
    heads = tuple(p[:HEAD] for p in stripped)
    # Cut openings must name the same dateline origin as the whole ones, or stay whole. A
    # dateline's "(" comes within DATELINE_OPENS characters: without one, neither names one.
    cut = any(len(p) > HEAD for p in stripped)
    named = cut and any("(" in p[:DATELINE_OPENS] for p in stripped)
    if named and dateline_in(heads) != dateline_in(stripped):
        heads = article.body[:2]
    p = units.prepared
    return Record(article, heads, p.digest, p.words, p.dropped, units.hashes, units.context)


def _read_part(
    config: Config,
    spill: Spill,
    given: Sequence[Sequence[Article]] | None,
    numbered: tuple[int, list[Piece]],
) -> list[PieceRead]:
    number, pieces = numbered
    writer = spill.writer(number)
    try:
        return [_read_piece(piece, config, writer, given) for piece in pieces]
    finally:
        writer.close()


def _read_piece(
    piece: Piece, config: Config, writer: SpillWriter, given: Sequence[Sequence[Article]] | None
) -> PieceRead:
    errors: list[InputError] = []
    if given is not None:
        articles, count = list(given[piece.file]), -1
    elif piece.stop < 0:
        articles, count = list(read_file(piece.path, config, errors.append)), -1
    else:
        articles, count = read_range(piece, config, errors.append)
    records: list[Record] = []
    places: list[Place] = []
    for first in range(0, len(articles), SPLIT_ARTICLES):
        some = articles[first : first + SPLIT_ARTICLES]
        for article, units in zip(some, split_many(some, config), strict=True):
            records.append(light_record(article, units))
            places.append(writer.write(units))
    fields = [encode_fields(record) for record in records]
    blob = b"".join(fields)
    light = LightRecords.of(records, [len(f) for f in fields])
    spilled = np.asarray(places, dtype=np.int64).reshape(-1, 4)
    return PieceRead(piece, light, blob, writer.write_bytes(blob), spilled, tuple(errors), count)


def read_range(piece: Piece, config: Config, warn: WarningCallback) -> tuple[list[Article], int]:
    """The articles of a byte range of a JSON Lines file, and its records (non-blank lines)."""
    try:
        raw = io.FileIO(piece.source or piece.path)
        with io.BufferedReader(raw, RANGE_BUFFER) as file:
            file.seek(piece.start)
            lines = read_lines(file, read_limit(config), piece.stop - piece.start)
            numbered = enumerate(lines, start=piece.line + 1)
            return _drain(read_jsonl_lines(piece.path, numbered, piece.first, config, warn))
    except OSError as exc:
        warn(InputError(piece.path, f"cannot read: {exc.strerror or exc}"))
        return [], 0


def _drain(found: Generator[Article, None, int]) -> tuple[list[Article], int]:
    articles: list[Article] = []
    while True:
        try:
            articles.append(next(found))
        except StopIteration as stop:
            return articles, stop.value


def _gunzippable(path: str, size: int, least: int) -> bool:
    """A gzipped JSON Lines file that says it holds ``least`` bytes or more, or is that
    large packed."""
    if not strip_gz(path).lower().endswith(".jsonl"):
        return False
    if not path.lower().endswith(".gz"):
        try:
            with open(path, "rb") as file:
                if file.read(len(GZIP_MAGIC)) != GZIP_MAGIC:
                    return False
        except OSError:
            return False
    return size >= least or (size > 0 and stated_gunzipped_size(path) >= least)


def _rangeable(path: str, size: int, range_bytes: int) -> bool:
    """A large uncompressed, non-binary JSON Lines file (anything else is read whole)."""
    if size < range_bytes or not strip_gz(path).lower().endswith(".jsonl"):
        return False
    if path.lower().endswith(".gz"):
        return False
    try:
        with open(path, "rb") as file:
            head = file.read(BINARY_PROBE)
    except OSError:
        return False
    return not head.startswith(GZIP_MAGIC) and b"\0" not in head


def _cut(number: int, path: str, size: int, tuning: Tuning, unpack_to: str | None) -> list[Piece]:
    """The byte ranges of a large JSON Lines file, or of a large gzipped one's copy
    gunzipped into ``unpack_to``; none for any other file (it is read whole)."""
    if _rangeable(path, size, tuning.range_bytes):
        return _ranges(number, path, tuning.part_bytes)
    if unpack_to is None or not _gunzippable(path, size, GUNZIP_RANGES * tuning.range_bytes):
        return []
    copy = os.path.join(unpack_to, f"gunzipped-{number}.jsonl")
    if not gunzip_copy(path, copy, GUNZIP_RATIO * size + tuning.range_bytes):
        return []
    return [replace(p, path=path, source=copy) for p in _ranges(number, copy, tuning.part_bytes)]


def _ranges(number: int, path: str, part_bytes: int) -> list[Piece]:
    """Line-aligned byte ranges of about ``part_bytes``, each with the lines and records
    before it; empty when the file cannot be read (reading it whole then reports why)."""
    pieces: list[Piece] = []
    start = line = first = 0
    try:
        with open(path, "rb") as file:
            for size, lines, records in cut_lines(file, part_bytes):
                pieces.append(Piece(number, path, start, start + size, line, first))
                start, line, first = start + size, line + lines, first + records
    except OSError:
        return []
    return pieces


def cut_lines(stream: io.BufferedIOBase, part_bytes: int) -> Iterator[tuple[int, int, int]]:
    """Line-aligned cuts of about ``part_bytes`` of ``stream`` (read from its start):
    each cut's bytes, lines and records (non-blank lines, a leading BOM left out). A line
    running past a cut is read past in pieces, not held, so no more than ``part_bytes``
    bytes are held however long the line. Lines are found with numpy, and only those
    that open with whitespace are looked at one by one (JSON Lines open with a brace)."""
    first = True
    while block := stream.read(part_bytes):
        lead = len(codecs.BOM_UTF8) if first and block.startswith(codecs.BOM_UTF8) else 0
        first = False
        data = np.frombuffer(block, dtype=np.uint8)
        ends = np.flatnonzero(data == _NEWLINE)
        size, lines = len(block), len(ends)
        records = lines - _blank_lines(block, data, ends, lead)
        tail = int(ends[-1]) + 1 if lines else lead
        if tail < size:  # a line runs past the cut: read past its end
            skipped, text = skip_line(stream)
            blank = block[tail:].isspace()
            size, lines, records = size + skipped, lines + 1, records + (text or not blank)
        yield size, lines, records


def _blank_lines(
    block: bytes, data: npt.NDArray[np.uint8], ends: npt.NDArray[np.intp], lead: int
) -> int:
    """How many of the lines of ``block`` ending at ``ends`` (their line ends) are blank;
    the first starts at ``lead``."""
    if not len(ends):
        return 0
    starts = np.empty_like(ends)
    starts[0], starts[1:] = lead, ends[:-1] + 1
    opened = np.flatnonzero(_BLANK_BYTES[data[starts]])
    return sum(
        block[start : end + 1].isspace()
        for start, end in zip(starts[opened].tolist(), ends[opened].tolist(), strict=True)
    )

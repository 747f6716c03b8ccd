"""Articles as a scan keeps them: light records, packed into arrays and bytes.

A :class:`Record` is what scanning needs of one article: every field but the body, the
openings the canonical rules read, and the digest, word count, dropped-unit count, unit
hashes and story context of its comparison text. Many records travel and are stored as
:class:`LightRecords` (numpy arrays, packed to bytes for the scan index) plus their
fields as JSON texts laid end to end (read back only for articles that end up in groups).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Any

import numpy as np
import numpy.typing as npt
import orjson

from dedup.arrays import pick, spans
from dedup.article import Article

I64 = npt.NDArray[np.int64]
U64 = npt.NDArray[np.uint64]
DIGEST_BYTES = 16


@dataclass(frozen=True)
class Record:
    """One article as scanning sees it: its fields (the body is never encoded or kept),
    the openings the canonical rules read, and its comparison text's facts."""

    article: Article
    heads: tuple[str, ...]
    digest: bytes
    words: int
    dropped: int
    hashes: Sequence[int]
    context: int


def encode_fields(record: Record) -> bytes:
    """A record's article fields (not its path) and openings, as JSON."""
    return orjson.dumps([*article_fields(record.article), record.heads])


def decode_fields(data: bytes, path: str, *, heads: bool) -> Article:
    """The article :func:`encode_fields` wrote, with its openings as body when ``heads``."""
    *fields, openings = orjson.loads(data)
    return article_of(fields, path, tuple(openings) if heads else ())


def article_fields(a: Article) -> list[Any]:
    """An article's fields but its path and body, JSON-ready for :func:`article_of`."""
    return [a.index, a.line, a.end_line, a.title, a.kind, a.source, a.age, a.extra]


def article_of(fields: Sequence[Any], path: str, body: tuple[str, ...] = ()) -> Article:
    """The article whose :func:`article_fields` these are (JSON decoded), named ``path``."""
    index, line, end, title, kind, source, age, extra = fields
    pairs = tuple((str(k), str(v)) for k, v in extra) if extra else ()
    return Article(path, index, line, end, title, body, kind, source, age, pairs)


class LightRecords:
    """Records of one file, or part of one, as arrays; ``sizes`` are the byte sizes of
    their encoded fields, laid end to end in the same order."""

    NUMBERS = ("index", "words", "dropped", "counts", "sizes")

    def __init__(
        self, numbers: dict[str, I64], context: U64, digests: list[bytes], hashes: U64
    ) -> None:
        self.index, self.words, self.dropped = (numbers[k] for k in self.NUMBERS[:3])
        self.counts, self.sizes = numbers["counts"], numbers["sizes"]
        self.context = context
        self.digests = digests
        self.hashes = hashes

    def __len__(self) -> int:
        return len(self.index)

    @classmethod
    def of(cls, records: Sequence[Record], sizes: Sequence[int]) -> LightRecords:
        """The arrays of ``records``, whose encoded fields have ``sizes`` bytes."""
        n = len(records)
        numbers = {
            "index": [r.article.index for r in records],
            "words": [r.words for r in records],
            "dropped": [r.dropped for r in records],
            "counts": [len(r.hashes) for r in records],
            "sizes": list(sizes),
        }
        arrays = {k: np.fromiter(v, dtype=np.int64, count=n) for k, v in numbers.items()}
        context = np.fromiter((r.context for r in records), dtype=np.uint64, count=n)
        count = int(arrays["counts"].sum())
        hashes = np.fromiter(chain.from_iterable(r.hashes for r in records), np.uint64, count)
        return cls(arrays, context, [r.digest for r in records], hashes)

    @classmethod
    def join(cls, parts: Sequence[LightRecords]) -> LightRecords:
        numbers = {k: _ints([getattr(p, k) for p in parts]) for k in cls.NUMBERS}
        context = _words([p.context for p in parts])
        digests = [d for p in parts for d in p.digests]
        return cls(numbers, context, digests, _words([p.hashes for p in parts]))

    def take(self, rows: I64) -> LightRecords:
        """The records at ``rows`` (in that order)."""
        numbers = {k: getattr(self, k)[rows] for k in self.NUMBERS}
        starts = np.cumsum(self.counts) - self.counts
        hashes = spans(self.hashes, starts[rows], self.counts[rows])
        return LightRecords(numbers, self.context[rows], pick(self.digests, rows), hashes)

    def to_bytes(self) -> bytes:
        """The arrays packed little-endian (what :meth:`from_bytes` reads)."""
        n, h = len(self), len(self.hashes)
        flags = np.fromiter((bool(d) for d in self.digests), dtype=np.uint8, count=n)
        digests = b"".join(d or bytes(DIGEST_BYTES) for d in self.digests)
        numbers = [getattr(self, k).astype("<i8").tobytes() for k in self.NUMBERS]
        context = self.context.astype("<u8").tobytes()
        head = np.array([n, h], dtype="<i8").tobytes()
        tail = [context, flags.tobytes(), digests, self.hashes.astype("<u8").tobytes()]
        return b"".join([head, *numbers, *tail])

    @classmethod
    def from_bytes(cls, blob: bytes | memoryview) -> LightRecords:
        n, h = (int(x) for x in np.frombuffer(blob, dtype="<i8", count=2))
        at = 16
        numbers: dict[str, I64] = {}
        for key in cls.NUMBERS:
            numbers[key] = np.frombuffer(blob, dtype="<i8", count=n, offset=at).astype(
                np.int64, copy=False
            )
            at += 8 * n
        context = np.frombuffer(blob, dtype="<u8", count=n, offset=at).astype(np.uint64, copy=False)
        flags = np.frombuffer(blob, dtype=np.uint8, count=n, offset=at + 8 * n)
        at += 9 * n
        raw = np.frombuffer(blob, dtype=f"V{DIGEST_BYTES}", count=n, offset=at)
        digests: list[bytes] = raw.tolist()  # a void item is read back as bytes
        for k in np.flatnonzero(flags == 0).tolist():
            digests[k] = b""
        at += DIGEST_BYTES * n
        hashes = np.frombuffer(blob, dtype="<u8", count=h, offset=at).astype(np.uint64, copy=False)
        return cls(numbers, context, digests, hashes)


def _ints(parts: Sequence[I64]) -> I64:
    return np.concatenate(parts).astype(np.int64) if parts else np.zeros(0, dtype=np.int64)


def _words(parts: Sequence[U64]) -> U64:
    return np.concatenate(parts).astype(np.uint64) if parts else np.zeros(0, dtype=np.uint64)

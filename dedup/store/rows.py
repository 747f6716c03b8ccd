"""How the scan index's rows are encoded and checked: file rows, work rows, pair scores.

Every row carries a CRC-32 over all it holds (:func:`row_crc`, :func:`sealed`); a row that
fails it is never used (:func:`opened` gives None).
"""

from __future__ import annotations

import json
import struct
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from dedup.result import PairScore


@dataclass(frozen=True)
class EncodedRow:
    """A file's row as it is written: its (last) articles packed, their fields laid end to
    end, and the warnings reading it gave. ``chunks`` holds the checksums of the chunks of
    the row already written with :meth:`ScanStore.store_chunk`, in order; the row's own
    articles come after theirs."""

    path: str
    size: int
    mtime_ns: int
    indexed_ns: int
    light: bytes
    fields: bytes
    warnings: tuple[tuple[str, int | None], ...]
    chunks: tuple[int, ...] = ()


@dataclass(frozen=True)
class StoredFile:
    """A stored file's stat and warnings; its records are decoded chunk by chunk."""

    path: str
    shown: str
    size: int
    mtime_ns: int
    indexed_ns: int
    warnings: tuple[tuple[str, int | None], ...]
    #: Each chunk's articles packed and their fields, in chunk order.
    parts: tuple[tuple[bytes, bytes], ...]


def score_fields(score: PairScore) -> list[Any]:
    """A pair score as a JSON-ready list that :func:`score_of` reads back exactly."""
    s = score
    fields = [s.similarity, s.containment_ab, s.containment_ba, s.aligned, s.number_overlap]
    return [*fields, s.words_a, s.words_b, s.rule, s.reason]


def score_of(fields: Sequence[Any]) -> PairScore:
    """The pair score :func:`score_fields` gave."""
    sim, c_ab, c_ba, aligned, numbers, words_a, words_b, rule, reason = fields
    return PairScore(sim, c_ab, c_ba, aligned, numbers, words_a, words_b, rule, reason)


def score_to_json(score: PairScore) -> str:
    """A pair score as JSON that :func:`score_from_json` reads back exactly."""
    return json.dumps(score_fields(score), ensure_ascii=False)


def score_from_json(text: str) -> PairScore:
    """The pair score :func:`score_to_json` wrote."""
    return score_of(json.loads(text))


def checksum(*parts: bytes) -> int:
    """One checksum over ``parts`` (every stored row carries one)."""
    found = 0
    for part in parts:
        found = zlib.crc32(struct.pack("<Q", len(part)), found)  # so parts cannot shift
        found = zlib.crc32(part, found)
    return found


def row_crc(
    scope: bytes, path: bytes, chunk: int, stat: tuple[int, ...], blobs: tuple[bytes, ...]
) -> int:
    """The checksum of a ``files`` row: every column."""
    numbers = struct.pack(f"<{1 + len(stat)}q", chunk, *stat)
    return checksum(scope, path, numbers, *blobs)


def sealed(scope: bytes, key: bytes, value: str) -> tuple[bytes, int]:
    data = value.encode()
    return data, checksum(scope, key, data)


def opened(scope: bytes, key: object, value: object, crc: object) -> str | None:
    """A work row's value, or None when the row is not whole."""
    if not (isinstance(key, bytes) and isinstance(value, bytes)):
        return None
    if checksum(scope, key, value) != crc:
        return None
    try:
        return value.decode()
    except UnicodeDecodeError:
        return None

"""The scan index's snapshot of a whole corpus: every file's stat and articles in one value.

Loading a corpus file by file from the ``files`` table costs a query, a checksum and a
decoding per file. The snapshot holds the same facts for every file of the run that wrote
it, laid end to end: per file its real path, stat (size, modification time, when read) and
the warnings reading it gave; per article its file, its slot in that file and its light
record (:class:`~dedup.engine.records.LightRecords`). A run reads it in one query and adds
the articles of the files it holds unchanged as one block; files it does not hold, or
holds with another stat, go through the ``files`` table as before. The articles' fields,
laid end to end in the same order, are stored apart in chunks of ``FIELDS_CHUNK`` bytes
(a run reads only those of the articles it reports); the snapshot holds each chunk's
checksum, so a chunk of another snapshot is never taken for its own.

:func:`encode` and :func:`decode` are exact inverses; :func:`decode` raises ``ValueError``
on bytes that do not hold a snapshot (the row's checksum is checked before).
"""

from __future__ import annotations

import json
import struct
import sys
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from dedup.engine.records import LightRecords

I64 = npt.NDArray[np.int64]
Warnings = tuple[tuple[str, int | None], ...]

_HEAD = struct.Struct("<6Q")
#: Bytes of fields per stored chunk.
FIELDS_CHUNK = 1 << 20
#: How paths are encoded: as :func:`os.fsencode` does, all at once.
_FS = (sys.getfilesystemencoding(), sys.getfilesystemencodeerrors())


@dataclass(frozen=True)
class Snapshot:
    """Files and their articles, as one run loaded them."""

    #: Real paths of the files.
    paths: list[str]
    #: Per file: size, modification time and when it was read (nanoseconds).
    stats: I64
    #: The warnings reading a file gave, by file (files without warnings left out).
    warnings: dict[int, Warnings]
    #: Per article: its file (an index into ``paths``) and its slot in that file.
    file: I64
    slot: I64
    #: The articles' light records (their ``sizes`` are those of their fields).
    light: LightRecords
    #: The checksums of the stored chunks of the articles' fields, laid end to end in
    #: the same order (none until the store has cut them).
    chunks: tuple[int, ...] = ()

    def fields_size(self) -> int:
        """Bytes of the articles' fields, laid end to end."""
        return int(self.light.sizes.sum())


def encode(snapshot: Snapshot) -> bytes:
    """The snapshot as one value (what :func:`decode` reads)."""
    s = snapshot
    paths = "\0".join(s.paths).encode(*_FS)
    notes = json.dumps(sorted(s.warnings.items()), ensure_ascii=False).encode()
    light = s.light.to_bytes()
    head = _HEAD.pack(len(s.paths), len(s.file), len(paths), len(notes), len(light), len(s.chunks))
    numbers = [a.astype("<i8").tobytes() for a in (s.stats, s.file, s.slot)]
    chunks = np.asarray(s.chunks, dtype="<u8").tobytes()
    return b"".join([head, paths, *numbers, notes, light, chunks])


def decode(data: bytes) -> Snapshot:
    """The snapshot :func:`encode` wrote; ``ValueError`` when ``data`` holds none."""
    files, records, paths_size, notes_size, light_size, chunks = _head(data)
    view = memoryview(data)  # parts are read in place: a copy of 12 MB takes 7 ms
    at = _HEAD.size
    raw_paths = view[at : at + paths_size]
    at += paths_size
    stats, at = _ints(data, at, 3 * files)
    file, at = _ints(data, at, records)
    slot, at = _ints(data, at, records)
    notes = json.loads(bytes(view[at : at + notes_size]))
    at += notes_size
    light = LightRecords.from_bytes(view[at : at + light_size])
    at += light_size
    if len(data) != at + 8 * chunks:
        raise ValueError("snapshot cut short")
    crcs = chunks_of(data)
    paths = str(raw_paths, *_FS).split("\0") if files else []
    warnings = {int(k): tuple((str(m), _line(n)) for m, n in w) for k, w in notes}
    wanted = -(-int(light.sizes.sum()) // FIELDS_CHUNK)
    if len(paths) != files or len(light) != records or chunks != wanted:
        raise ValueError("snapshot sizes do not agree")
    if records and (int(file.min()) < 0 or int(file.max()) >= files):
        raise ValueError("snapshot names a file it does not hold")
    return Snapshot(paths, stats.reshape(-1, 3), warnings, file, slot, light, crcs)


def chunks_of(data: bytes) -> tuple[int, ...]:
    """The checksums of the fields' chunks of the snapshot :func:`encode` wrote in
    ``data``, read without decoding the rest; ``ValueError`` when ``data`` holds none."""
    chunks = _head(data)[5]
    if len(data) < _HEAD.size + 8 * chunks:
        raise ValueError("snapshot cut short")
    at = len(data) - 8 * chunks
    return tuple(np.frombuffer(data, dtype="<u8", count=chunks, offset=at).tolist())


def _head(data: bytes) -> tuple[int, ...]:
    """The numbers that open a snapshot; ``ValueError`` when ``data`` is too short."""
    try:
        return _HEAD.unpack_from(data)
    except struct.error:
        raise ValueError("too short for a snapshot") from None


def _ints(data: bytes, at: int, count: int) -> tuple[I64, int]:
    end = at + 8 * count
    if end > len(data):
        raise ValueError("snapshot cut short")
    ints = np.frombuffer(data, dtype="<i8", count=count, offset=at)
    return ints.astype(np.int64, copy=False), end


def _line(value: object) -> int | None:
    return None if value is None else int(str(value))

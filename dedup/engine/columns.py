"""What a scan keeps in memory of every article: numpy columns; the rest waits on disk.

A scan of a million articles cannot afford a million record objects. Per article it keeps
its file and slot in the file, record index, word and dropped-unit counts, text digest,
story context, unit hashes (one flat array for the whole corpus) and where its comparison
text and its encoded fields are spilled (:mod:`dedup.engine.spill`), or, for the articles
the store's snapshot held, left in the store (:data:`IN_STORE`). Only the articles that
end up in groups have their fields read back.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import chain
from typing import Any, Protocol, TypeVar, overload

import numpy as np
import numpy.typing as npt

from dedup.arrays import pick, spans
from dedup.article import Article
from dedup.engine.records import LightRecords, decode_fields
from dedup.engine.spill import Place, Span, Spill
from dedup.text.prepare import Prepared

I64 = npt.NDArray[np.int64]
U64 = npt.NDArray[np.uint64]
G = TypeVar("G", bound=np.generic)
#: The text place of an article whose text is not spilled (its file was not read).
NOT_SPILLED = (-2, 0, 0, 0)
#: The part of an article's fields span when its fields are in the store: its offset
#: and size are those of its fields in the snapshot's (:class:`StoredFields` reads them).
IN_STORE = -3


class StoredFields(Protocol):
    """Fields kept in the store, laid end to end: ``read`` gives ``size`` bytes from
    ``offset``, or None when the store no longer holds them whole."""

    def read(self, offset: int, size: int) -> bytes | None: ...


class Columns:
    """Light facts of every article, added file by file, then put in corpus order."""

    def __init__(self, spill: Spill) -> None:
        self.spill = spill
        self._added: list[tuple[int, LightRecords, Span, I64 | None]] = []
        self._blocks: list[tuple[I64, I64, LightRecords, I64]] = []
        self.paths: Sequence[str] = ()
        empty = np.zeros(0, dtype=np.int64)
        self.file_of = self.slot_of = self.index = self.words = self.dropped = empty
        self.context: U64 = np.zeros(0, dtype=np.uint64)
        self.digests: Sequence[bytes] = []
        self.starts: I64 = np.zeros(1, dtype=np.int64)
        self.hashes: U64 = np.zeros(0, dtype=np.uint64)
        self.fields: I64 = np.zeros((0, 3), dtype=np.int64)
        self.places: I64 = np.zeros((0, 4), dtype=np.int64)
        #: Where the fields of ``IN_STORE`` spans are read.
        self.stored: StoredFields | None = None

    def __len__(self) -> int:
        return len(self.file_of)

    def __getstate__(self) -> dict[str, Any]:
        # What a worker process receives: what reading and cutting texts needs, not where
        # fields are (only the parent reads articles). Digests go laid end to end: a
        # million bytes objects would cost each worker 64 MB, their bytes alone 16 MB.
        return {
            **self.__dict__,
            **{"paths": (), "_added": [], "_blocks": [], "stored": None},
            "fields": np.zeros((0, 3), dtype=np.int64),
            "digests": PackedBytes(self.digests),
        }

    def add(self, file: int, light: LightRecords, fields_at: Span, places: I64 | None) -> None:
        """Records of one file in file order: ``fields_at`` is where their fields are spilled
        end to end, ``places`` where their texts are (when read in this run)."""
        self._added.append(
            (file, light, fields_at, None if places is None else places.reshape(-1, 4))
        )

    def add_block(self, files: I64, slots: I64, light: LightRecords, fields: I64) -> None:
        """Records of many files not read in this run: each one's file, slot in its file
        and where its fields are spilled (part, offset, size)."""
        self._blocks.append((files, slots, light, fields.reshape(-1, 3)))

    def freeze(self, paths: Sequence[str]) -> None:
        """Every added article in (path, index) order (``paths[file]`` names each file)."""
        self.paths = paths
        added = [light for _, light, _, _ in self._added]
        lights = [*added, *(light for _, _, light, _ in self._blocks)]
        files = _join(
            [np.full(len(x), f, dtype=np.int64) for f, x, _, _ in self._added]
            + [b[0] for b in self._blocks]
        )
        slots = _join(_piece_slots(self._added) + [b[1] for b in self._blocks])
        index = _join([x.index for x in lights])
        rank = np.zeros(len(paths), dtype=np.int64)
        rank[sorted(range(len(paths)), key=paths.__getitem__)] = np.arange(len(paths))
        order = _unless_in_order(np.lexsort((index, rank[files])) if len(files) else files)
        self.file_of, self.slot_of, self.index = (_take(x, order) for x in (files, slots, index))
        self.words = _take(_join([x.words for x in lights]), order)
        self.dropped = _take(_join([x.dropped for x in lights]), order)
        contexts = [x.context for x in lights]
        self.context = _take(np.concatenate(contexts), order) if contexts else self.context
        digests = list(chain.from_iterable(x.digests for x in lights))
        self.digests = digests if order is None else pick(digests, order)
        self._order_hashes(lights, order)
        fields = [self._fields(added), *(b[3] for b in self._blocks)]
        self.fields = _take(np.concatenate(fields).astype(np.int64, copy=False), order)
        self.places = _take(self._places(len(files)), order)
        self._added, self._blocks = [], []

    def _fields(self, lights: Sequence[LightRecords]) -> I64:
        """Where each added record's fields are: part, offset, size (laid end to end from
        their file's ``fields_at``)."""
        counts = np.fromiter((len(x) for x in lights), dtype=np.int64, count=len(lights))
        sizes = _join([x.sizes for x in lights])
        before = np.cumsum(sizes) - sizes  # bytes before each record, over all records
        first = np.cumsum(counts) - counts  # each file's first record
        start = np.concatenate((before, [int(sizes.sum())]))[first]
        spans = np.asarray([span for _, _, span, _ in self._added], dtype=np.int64)
        fields = np.zeros((len(sizes), 3), dtype=np.int64)
        if len(spans):
            fields[:, 0] = np.repeat(spans[:, 0], counts)
            fields[:, 1] = np.repeat(spans[:, 1] - start, counts) + before
        fields[:, 2] = sizes
        return fields

    def _places(self, count: int) -> I64:
        """Where each added record's text is spilled; ``NOT_SPILLED`` for files not read
        (and for blocks, which come after the records added file by file)."""
        places = np.tile(np.asarray(NOT_SPILLED, dtype=np.int64), (count, 1))
        at = 0
        for _, light, _, spilled in self._added:
            if spilled is not None:
                places[at : at + len(light)] = spilled
            at += len(light)
        return places

    def light(self, i: int) -> Prepared:
        """What article ``i``'s comparison text is, without the text."""
        return Prepared("", int(self.words[i]), self.digests[i], int(self.dropped[i]))

    def unit_hashes(self, i: int) -> U64:
        return self.hashes[self.starts[i] : self.starts[i + 1]]

    def place(self, i: int) -> Place | None:
        """Where article ``i``'s text is spilled, or None when its file was not read."""
        part, offset, size, units = self.places[i].tolist()
        return None if part == NOT_SPILLED[0] else (part, offset, size, units)

    def article(self, i: int, *, heads: bool = False) -> Article | None:
        """Article ``i`` without its body, or with the openings the canonical rules read;
        None when its fields were left in the store and it no longer holds them."""
        part, offset, size = self.fields[i].tolist()
        if part == IN_STORE:
            data = None if self.stored is None else self.stored.read(offset, size)
            if data is None:
                return None
        else:
            data = self.spill.read_bytes((part, offset, size))
        try:
            return decode_fields(data, self.paths[int(self.file_of[i])], heads=heads)
        except (ValueError, TypeError):  # JSON that no longer decodes, or of the wrong shape
            if part == IN_STORE:  # its checksum right, its content not: read the file
                return None
            raise self.spill.damaged(part, "holds fields that do not decode") from None

    def _order_hashes(self, lights: Sequence[LightRecords], order: I64 | None) -> None:
        counts = _join([x.counts for x in lights])
        flat = np.concatenate([x.hashes for x in lights]) if lights else self.hashes
        if order is None:
            self.starts = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
            self.hashes = flat.astype(np.uint64, copy=False)
            return
        begins = np.cumsum(counts) - counts
        self.starts = np.concatenate(([0], np.cumsum(counts[order]))).astype(np.int64)
        self.hashes = spans(flat, begins[order], counts[order]).astype(np.uint64, copy=False)


class PackedBytes(Sequence[bytes]):
    """Byte strings laid end to end in one, each read back on demand."""

    def __init__(self, items: Sequence[bytes]) -> None:
        self.data = b"".join(items)
        self.ends = np.cumsum(np.fromiter(map(len, items), dtype=np.int64, count=len(items)))

    def __len__(self) -> int:
        return len(self.ends)

    @overload
    def __getitem__(self, i: int) -> bytes: ...

    @overload
    def __getitem__(self, i: slice) -> list[bytes]: ...

    def __getitem__(self, i: int | slice) -> bytes | list[bytes]:
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        k = range(len(self))[i]  # a negative index counts from the end; IndexError past it
        return self.data[int(self.ends[k - 1]) if k else 0 : int(self.ends[k])]


def _piece_slots(added: Sequence[tuple[int, LightRecords, Span, I64 | None]]) -> list[I64]:
    """Each added piece's records' slots in their whole file: a large file's byte ranges
    come in file order, each going on from where the one before stopped."""
    taken: dict[int, int] = {}
    slots: list[I64] = []
    for file, light, _, _ in added:
        start = taken.get(file, 0)
        taken[file] = start + len(light)
        slots.append(np.arange(start, taken[file], dtype=np.int64))
    return slots


def _unless_in_order(order: I64) -> I64 | None:
    """``order``, or None when it keeps everything in place (a warm run's one block of
    stored articles comes in corpus order): the columns are then kept, not copied."""
    return None if np.array_equal(order, np.arange(len(order))) else order


def _take(values: npt.NDArray[G], order: I64 | None) -> npt.NDArray[G]:
    return values if order is None else values[order]


def _join(parts: Sequence[npt.NDArray[np.generic]]) -> I64:
    if not parts:
        return np.zeros(0, dtype=np.int64)
    return np.concatenate(parts).astype(np.int64, copy=False)

"""The corpus a run works on: columns of every article, their texts on demand.

A scan of a million articles cannot afford a million article objects: per article the
corpus keeps light columns (:mod:`dedup.engine.columns`) and its comparison text in the
spill (:mod:`dedup.engine.spill`). Articles of files the store holds unchanged come back
bodiless and without their texts, which are read again only when a stage needs them
(:meth:`Corpus.full`). Articles handed in whole keep their bodies.

The prepare stage's corpus-wide part, learning boilerplate and cutting it out, is
:mod:`dedup.engine.boilerplate`.
"""

from __future__ import annotations

import hashlib
import os
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import numpy.typing as npt

from dedup.arrays import distinct, distinct_counts, members
from dedup.article import Article
from dedup.config import Config
from dedup.engine.columns import I64, NOT_SPILLED, Columns
from dedup.engine.ingest import PieceRead, light_record
from dedup.engine.jobs import split_parallel
from dedup.engine.records import LightRecords, decode_fields, encode_fields
from dedup.engine.spill import PARENT, Spill
from dedup.errors import DedupError, ignore
from dedup.progress import no_progress
from dedup.read.files import read_file
from dedup.read.walk import Found
from dedup.store.rows import StoredFile
from dedup.text.prepare import Prepared, Units, build_text
from dedup.text.spilled import build_spilled, cut_spilled


class Corpus:
    """The scanned articles as light columns, with their texts read only on demand."""

    def __init__(
        self,
        found: Sequence[Found],
        config: Config,
        spill: Spill,
        given: Sequence[Sequence[Article]] | None = None,
    ) -> None:
        self.found = found
        self.config = config
        self.spill = spill
        #: Articles handed in whole (a library call, ``collapse``), by file and slot.
        self.given = given
        self.columns = Columns(spill)
        self._fields = spill.writer(PARENT)
        #: Stored files read again in this run for their texts: their units per slot.
        self.units: dict[int, list[Units]] = {}
        #: Files read again for fields the store lost: their articles per slot.
        self._again: dict[int, list[Article]] = {}
        self.boilerplate: frozenset[int] = frozenset()
        self._holding_for: frozenset[int] | None = None
        self._holding_rows = self._boilerplate_units = np.zeros(0, dtype=bool)
        self.texts: dict[int, Prepared] = {}
        self._heads: dict[int, Article] = {}
        #: Per file read or loaded: its real path, stat and when it was read; and the
        #: files the store's snapshot held, in blocks (real paths, those three numbers).
        self.stamps: list[tuple[str, int, int, int]] = []
        self.stamped: list[tuple[Sequence[str], I64]] = []
        self._read: bytes | None = None

    def __len__(self) -> int:
        return len(self.columns)

    def __getstate__(self) -> dict[str, Any]:
        # What a worker process receives: what reading texts needs, not the parent's
        # writer, nor the heads and stamps only the parent reads.
        parent_only: dict[str, Any] = {
            "_heads": {},
            "_again": {},
            "stamps": [],
            "stamped": [],
            "_read": None,
        }
        return {**self.__dict__, "_fields": None, **parent_only}

    def __getitem__(self, i: int) -> Article:
        return self.article(i)

    def add_piece(self, file: int, read: PieceRead) -> None:
        """A piece of a file read in this run (pieces come in file order)."""
        self.columns.add(file, read.light, read.fields_at, read.places)

    def add_stored(
        self, file: int, stored: StoredFile, chunks: Iterable[tuple[LightRecords, bytes]]
    ) -> None:
        """A file not read again: its stored articles (their fields are spilled here)."""
        self.stamp(stored.path, stored.size, stored.mtime_ns, stored.indexed_ns)
        for light, fields in chunks:
            self.columns.add(file, light, self._fields.write_bytes(fields), None)

    def freeze(self) -> None:
        """Articles in (path, index) order, whatever order the files were read in."""
        self._fields.close()
        self.columns.freeze([f.path for f in self.found])

    def light(self, i: int) -> Prepared:
        return self.columns.light(i)

    def article(self, i: int) -> Article:
        """Article ``i``: whole when it was handed in whole, else without its body."""
        if self.given is not None:
            return self.given[int(self.columns.file_of[i])][int(self.columns.slot_of[i])]
        head = self._heads.get(i)  # grouped articles are ranked, then reported
        if head is not None:
            return replace(head, body=())
        return self.columns.article(i) or self._read_article(i, heads=False)

    def path(self, i: int) -> str:
        """The path article ``i`` names its file by."""
        return self.columns.paths[int(self.columns.file_of[i])]

    def head(self, i: int) -> Article:
        """Article ``i`` with (at least) as much of its body as the canonical rules read."""
        if self.given is not None:
            return self.article(i)
        found = self._heads.get(i)
        if found is None:
            found = self.columns.article(i, heads=True) or self._read_article(i, heads=True)
            self._heads[i] = found
        return found

    def count_per_path(self) -> Counter[str]:
        """How many articles each file holds, by the path articles name."""
        files, counts = distinct_counts(self.columns.file_of)
        return Counter({self.found[f].path: int(c) for f, c in zip(files, counts, strict=True)})

    def need(self, indices: Iterable[int]) -> None:
        """Read the files holding the texts of those articles, where not read yet."""
        chosen = np.fromiter(indices, dtype=np.int64)
        unspilled = chosen[self.columns.places[chosen, 0] == NOT_SPILLED[0]]
        wanted = set(distinct(self.columns.file_of[unspilled]).tolist())
        for file in sorted(wanted):
            self.need_units(file)

    def full(self, i: int) -> Prepared:
        """Article ``i``'s comparison text, boilerplate cut out (its file read if needed)."""
        columns = self.columns
        place = columns.place(i)
        if place is not None:  # read back from the spill each time: memory stays flat
            text, lengths = self.spill.read_lengths(place)
            hashes = columns.unit_hashes(i).tolist()
            return build_spilled(text, lengths, columns.light(i), hashes, self.boilerplate)
        found = self.texts.get(i)
        if found is None:
            self.need([i])
            file, slot = int(columns.file_of[i]), int(columns.slot_of[i])
            found = self.texts[i] = build_text(self.units[file][slot], self.boilerplate)
        return found

    def text(self, i: int) -> str:
        """``full(i).text``, reading no more than the text where no boilerplate is cut,
        and working out none of the facts that go with it where some is."""
        place = self.columns.place(i)
        if place is None:
            return self.full(i).text
        if self._cuts(i):
            text, lengths = self.spill.read_lengths(place)
            hashes = self.columns.unit_hashes(i).tolist()
            return cut_spilled(text, lengths, hashes, self.boilerplate)
        return self.spill.read_text(place)

    def texts_at(self, indices: Sequence[int]) -> list[str]:
        """``[self.text(i) for i in indices]``, the spilled texts no boilerplate cuts read
        together (:meth:`dedup.engine.spill.Spill.read_texts`)."""
        rows = self.columns.places[np.asarray(indices, dtype=np.int64)].tolist()
        whole = [
            k
            for k, (i, row) in enumerate(zip(indices, rows, strict=True))
            if row[0] != NOT_SPILLED[0] and not self._cuts(i)
        ]
        texts = self.spill.read_texts([tuple(rows[k]) for k in whole])
        read = dict(zip(whole, texts, strict=True))
        return [read[k] if k in read else self.text(i) for k, i in enumerate(indices)]

    def _cuts(self, i: int) -> bool:
        """Whether article ``i`` holds a unit of the corpus's boilerplate."""
        return bool(self.boilerplate) and bool(self.holding()[i])

    def holding(self) -> npt.NDArray[np.bool_]:
        """Per article, whether it holds a unit of the corpus's boilerplate (see
        :meth:`boilerplate_units`)."""
        self.boilerplate_units()
        return self._holding_rows

    def boilerplate_units(self) -> npt.NDArray[np.bool_]:
        """Per unit (the columns' unit hashes end to end), whether it is boilerplate:
        worked out for all articles at once, again only when the boilerplate changes (a
        text read back then looks at its own row, not at its unit hashes one by one)."""
        known = self.boilerplate
        if self._holding_for is not known:
            columns = self.columns
            units = members(columns.hashes, np.fromiter(known, np.uint64, count=len(known)))
            owner = np.repeat(np.arange(len(columns)), np.diff(columns.starts))
            self._holding_rows = np.zeros(len(columns), dtype=bool)
            self._holding_rows[owner[units]] = True
            self._boilerplate_units, self._holding_for = units, known
        return self._boilerplate_units

    def has_text(self, i: int) -> bool:
        """Whether article ``i``'s text is at hand without reading its file."""
        return self.columns.place(i) is not None or int(self.columns.file_of[i]) in self.units

    def stamp(self, path: str, size: int, mtime_ns: int, indexed_ns: int) -> None:
        """Note a file read or loaded, as learned boilerplate is keyed by what was read."""
        self.stamps.append((path, size, mtime_ns, indexed_ns))
        self._read = None

    def stamp_block(self, paths: Sequence[str], stats: I64) -> None:
        """Note files loaded as one block: their real paths, and per file its size,
        modification time and when it was read (one row each)."""
        self.stamped.append((paths, stats))
        self._read = None

    def files_read(self) -> bytes:
        """Every file read or loaded, with its stat and when it was read, in path order:
        what the store's memos of a whole corpus (learned boilerplate, groups) are keyed
        by."""
        if self._read is None:
            self._read = self._files_read()
        return self._read

    def _files_read(self) -> bytes:
        paths = [s[0] for s in self.stamps]
        stats = [np.array([s[1:] for s in self.stamps], dtype=np.int64).reshape(-1, 3)]
        for block, numbers in self.stamped:
            paths.extend(block)
            stats.append(numbers)
        order = sorted(range(len(paths)), key=paths.__getitem__)
        joined = "\0".join([paths[i] for i in order]).encode("utf-8", "surrogateescape")
        return joined + b"\0" + np.concatenate(stats)[order].astype("<i8").tobytes()

    def _read_article(self, i: int, *, heads: bool) -> Article:
        """Article ``i`` as :meth:`article` (or with ``heads``, :meth:`head`) gives it, from
        its file read again: its fields were left in the store, which lost them."""
        file, slot = int(self.columns.file_of[i]), int(self.columns.slot_of[i])
        if file not in self._again:  # kept: its other reported articles are read from it
            self._again[file], self.units[file] = self._read_again(file, self.units.get(file))
        record = light_record(self._again[file][slot], self.units[file][slot])
        return decode_fields(encode_fields(record), self.found[file].path, heads=heads)

    def need_units(self, file: int) -> None:
        """Read ``file`` again for its texts, unless it was read again already."""
        if file not in self.units:
            self.units[file] = self._read_again(file)[1]

    def _read_again(
        self, file: int, units: list[Units] | None = None
    ) -> tuple[list[Article], list[Units]]:
        """A stored file read again, its articles and their units by slot (``units`` when
        it was read again for them already, and is unchanged since: same size and time);
        it must still hold the stored articles."""
        found = self.found[file]
        if units is not None and _stat_of(found.path) != (found.size, found.mtime_ns):
            units = None
        articles = list(read_file(found.path, self.config, ignore))
        if units is None:
            units = split_parallel(articles, self.config, no_progress)
        members = np.flatnonzero(self.columns.file_of == file).tolist()
        slots = self.columns.slot_of
        same = len(members) == len(units) == len(articles) and all(
            articles[slots[i]].index == self.columns.index[i]
            and units[slots[i]].prepared.digest == self.columns.digests[i]
            for i in members
        )
        if not same:
            raise DedupError(f"{found.path}: changed while being scanned; run the scan again")
        return articles, units


def _stat_of(path: str) -> tuple[int, int] | None:
    """The size and modification time of ``path`` (None when it cannot be read)."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_size, info.st_mtime_ns


def digest(data: bytes) -> bytes:
    """A short hash of ``data`` (keys of what the store keeps for a whole corpus)."""
    return hashlib.blake2b(data, digest_size=16).digest()

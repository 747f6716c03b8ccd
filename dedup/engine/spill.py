"""Comparison texts kept on disk while a scan runs, so memory holds only light records.

Every part of the input that a worker reads gets a spill file of its own, written by that
worker alone: per article its comparison text (UTF-8), then the length in characters of
each of its units (little-endian int32), then its fields as JSON (what output and the
canonical rules read). An article's text *place* is (part, offset, text bytes, units)
and its fields' place (part, offset, bytes); any process, a worker included, reads them
back by place (a worker opens the files itself). The parent writes the fields of
articles it loads from the scan index to a part of its own (``PARENT``).

The files live in a temporary folder (under ``TMPDIR``) that :meth:`Spill.close` removes.
A run killed before it could remove it leaves it behind: its name holds the run's process
id (``dedup-spill-<pid>-<random>``) and the run holds a lock on it, so the next run removes
the folders of runs that are gone. A spill file that cannot be written or read back is a
:class:`~dedup.errors.SpillError`; one that comes back damaged makes the run start again
in a new folder (:func:`spilled`), once.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import struct
import tempfile
import zlib
from collections.abc import Callable, Iterator, Sequence
from types import TracebackType
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from dedup.engine.interrupts import interrupts_held
from dedup.engine.spill_folders import made_folder, remove_stale
from dedup.errors import SpillError
from dedup.text.prepare import Units

T = TypeVar("T")
I32 = npt.NDArray[np.int32]
#: Where an article's text is: (part, offset, text bytes, units).
Place = tuple[int, int, int, int]
#: Where some bytes are: (part, offset, size).
Span = tuple[int, int, int]
#: Bytes of texts written one after the other read at once (:meth:`Spill.read_texts`).
READ_RUN_BYTES = 1 << 20
#: The part the parent process writes to.
PARENT = -1


#: Bytes a spill writer gathers before it writes them out (every part is closed, and so
#: written out, before it is read).
WRITE_BUFFER = 1 << 20


class SpillWriter:
    """Appends the texts of one part to its spill file."""

    def __init__(self, path: str, part: int) -> None:
        self.path = path
        self.part = part
        with self._writing():
            # A buffer of many texts: an article's text is ~4 KB, and a write call per
            # 8 KB (the default) cost 7% of reading an article.
            self.file = open(path, "wb", buffering=WRITE_BUFFER)  # noqa: SIM115 (closed by close())
        self.offset = 0

    def write(self, units: Units) -> Place:
        """Write one article's comparison text and unit lengths; where they now are."""
        data = units.prepared.text.encode("utf-8")
        lengths = struct.pack(f"<{len(units.lengths)}i", *units.lengths)
        # What write_sealed(data + lengths) writes, without joining the two first.
        seal = zlib.crc32(lengths, zlib.crc32(data)).to_bytes(4, "little")
        offset = self.offset
        with self._writing():
            self.file.write(data)
            self.file.write(lengths)
            self.file.write(seal)
        self.offset += len(data) + len(lengths) + 4
        return (self.part, offset, len(data), len(units.lengths))

    def write_sealed(self, data: bytes) -> Span:
        """Write ``data`` and its CRC-32 after it; where ``data`` now is (read it back with
        :meth:`Spill.read_sealed`, which checks it)."""
        part, offset, _ = self.write_bytes(data + zlib.crc32(data).to_bytes(4, "little"))
        return (part, offset, len(data))

    def write_bytes(self, data: bytes | bytearray | memoryview) -> Span:
        """Write ``data``; where it now is."""
        span = (self.part, self.offset, len(data))
        with self._writing():
            self.file.write(data)
        self.offset += len(data)
        return span

    def flush(self) -> None:
        with self._writing():
            self.file.flush()

    def close(self) -> None:
        with self._writing():
            self.file.close()

    @contextlib.contextmanager
    def _writing(self) -> Iterator[None]:
        """Turn a failed write (a full disk, an I/O error) into one line naming the place."""
        try:
            yield
        except OSError as exc:
            where = os.path.dirname(os.path.dirname(self.path))
            raise SpillError(
                self.path,
                f"cannot write spill file {self.path}: {exc.strerror or exc}; free space in "
                f"{where} or set TMPDIR to a folder with room, then run again",
            ) from None


class Spill:
    """The spill files of one scan in a temporary folder of their own."""

    def __init__(self, parent: str | None = None) -> None:
        self.parent = parent
        self.folder = ""
        self._lock = -1
        self._files: dict[int, int] = {}
        self._writers: list[SpillWriter] = []
        self._parts = 0

    def __enter__(self) -> Spill:
        """Make the folder (here, not on creation: a Ctrl-C between the two would leave
        it made with no ``with`` block to remove it)."""
        where = self.parent
        try:
            where = where if where is not None else tempfile.gettempdir()
            remove_stale(where)
            self.folder, self._lock = made_folder(where)
        except OSError as exc:
            place = where or "the temporary folder"
            raise SpillError(
                place,
                f"cannot create a spill folder in {place}: {exc.strerror or exc}; "
                "set TMPDIR to a writable folder with room, then run again",
            ) from None
        return self

    def next_part(self) -> int:
        """A part number not given out before."""
        self._parts += 1
        return self._parts - 1

    def writer(self, part: int) -> SpillWriter:
        made = SpillWriter(self._path(part), part)
        self._writers.append(made)
        return made

    def read_bytes(self, span: Span) -> bytes:
        """The bytes written at ``span``."""
        part, offset, size = span
        return self._read(part, offset, size)

    def read(self, place: Place) -> tuple[str, I32]:
        """The text and unit lengths written at ``place``."""
        part, offset, size, units = place
        data = self.read_sealed((part, offset, size + 4 * units))
        text = self._text(part, data[:size])
        lengths = np.frombuffer(data, dtype="<i4", count=units, offset=size).astype(np.int32)
        if units and (lengths.min() < 0 or int(lengths.sum()) + units - 1 > len(text)):
            raise self.damaged(part, "holds unit lengths that do not fit its text")
        return text, lengths

    def read_lengths(self, place: Place) -> tuple[str, list[int]]:
        """:meth:`read`, the unit lengths as a list (no array made)."""
        part, offset, size, units = place
        data = self.read_sealed((part, offset, size + 4 * units))
        text = self._text(part, data[:size])
        lengths = list(struct.unpack_from(f"<{units}i", data, size))
        if units and (min(lengths) < 0 or sum(lengths) + units - 1 > len(text)):
            raise self.damaged(part, "holds unit lengths that do not fit its text")
        return text, lengths

    def read_text(self, place: Place) -> str:
        """The text written at ``place`` (its checksum checked, its unit lengths not read)."""
        part, offset, size, units = place
        return self._text(part, self.read_sealed((part, offset, size + 4 * units))[:size])

    def read_texts(self, places: Sequence[Place]) -> list[str]:
        """:meth:`read_text` of each place. Places that follow each other in a part (as the
        texts of a part are written) are read with one ``pread`` of up to
        ``READ_RUN_BYTES``, each text still checked on its own."""
        texts: list[str] = []
        for part, start, stop, run in _runs(places):
            data = memoryview(self._read(part, start, stop - start))
            for offset, size, units in run:
                at = offset - start
                self._check_seal(part, data, at, size + 4 * units)
                texts.append(self._text(part, data[at : at + size]))
        return texts

    def _text(self, part: int, data: bytes | memoryview) -> str:
        try:
            return str(data, "utf-8")
        except UnicodeDecodeError:
            raise self.damaged(part, "holds text that does not decode") from None

    def close(self) -> None:
        with interrupts_held():  # a Ctrl-C now waits until the folder is gone
            self._close()

    def _close(self) -> None:
        for fd in self._files.values():
            os.close(fd)
        self._files.clear()
        for writer in self._writers:  # those a failed run left open
            with contextlib.suppress(SpillError):
                writer.close()
        self._writers.clear()
        if self.folder:
            shutil.rmtree(self.folder, ignore_errors=True)
        if self._lock >= 0:
            os.close(self._lock)
            self._lock = -1

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __getstate__(self) -> dict[str, Any]:
        # A process that receives a Spill opens the files itself.
        return {**self.__dict__, "_files": {}, "_writers": [], "_lock": -1}

    def _path(self, part: int) -> str:
        if not self.folder:  # a part's path would name the current folder's files
            raise RuntimeError("a Spill is used only inside its with block")
        return os.path.join(self.folder, f"part-{part}.bin")

    def _file(self, part: int) -> int:
        """The part's file, opened for reading (read with ``pread``: pages read stay in the
        page cache, not in the process's memory)."""
        found = self._files.get(part)
        if found is None:
            try:
                found = self._files[part] = os.open(self._path(part), os.O_RDONLY)
            except FileNotFoundError:
                raise self.damaged(part, "is missing") from None
            except OSError as exc:
                raise self.damaged(part, f"cannot be opened ({exc.strerror or exc})") from None
        return found

    def read_sealed(self, span: Span) -> bytes:
        """Bytes written with :meth:`SpillWriter.write_sealed`, their checksum checked (a
        text changed under a run must never be scored, nor its verdict stored)."""
        part, offset, size = span
        data = self._read(part, offset, size + 4)
        self._check_seal(part, data, 0, size)
        return data[:size]

    def _check_seal(self, part: int, data: bytes | memoryview, at: int, size: int) -> None:
        """Raise unless the CRC-32 after ``data[at : at + size]`` is that of those bytes."""
        seal = int.from_bytes(data[at + size : at + size + 4], "little")
        if zlib.crc32(data[at : at + size]) != seal:
            raise self.damaged(part, "holds bytes that fail their checksum")

    def _read(self, part: int, offset: int, size: int) -> bytes:
        try:
            data = os.pread(self._file(part), size, offset)
        except OSError as exc:
            raise self.damaged(part, f"cannot be read ({exc.strerror or exc})") from None
        if len(data) != size:
            raise self.damaged(part, "is shorter than what was written to it")
        return data

    def damaged(self, part: int, problem: str) -> SpillError:
        """The error to raise when part ``part`` turns out damaged: ``problem`` says how."""
        path = self._path(part)
        return SpillError(
            path,
            f"spill file {path} {problem}: it was damaged or removed while dedup ran "
            "(a temporary-file cleaner?); run again",
            damage=problem,
        )


def _runs(places: Sequence[Place]) -> Iterator[tuple[int, int, int, list[tuple[int, int, int]]]]:
    """The places as runs of texts written one after the other in one part, each run at
    most ``READ_RUN_BYTES`` (but for a longer text alone): part, first and last byte, and
    each text's offset, size and units."""
    run: list[tuple[int, int, int]] = []
    part = start = stop = -1
    for p, offset, size, units in places:
        end = offset + size + 4 * units + 4  # past the text, its unit lengths and its seal
        if run and (p != part or offset != stop or end - start > READ_RUN_BYTES):
            yield part, start, stop, run
            run = []
        if not run:
            part, start = p, offset
        run.append((offset, size, units))
        stop = end
    if run:
        yield part, start, stop, run


def spilled(attempt: Callable[[Spill], T], warn: Callable[[SpillError], None]) -> T:
    """``attempt(spill)`` with a spill folder of its own. When a spill file comes back
    damaged, ``warn`` hears of it and the attempt runs once more in a new folder: every
    read is checked, so nothing the first attempt stored came from damaged bytes, and what
    it stored makes the second one quicker. A second damage ends the run."""
    with Spill() as spill:
        try:
            return attempt(spill)
        except SpillError as exc:
            if not exc.damage:
                raise
            warn(exc)
    with Spill() as spill:
        return attempt(spill)

"""Comparison texts kept on disk while a scan runs, so memory holds only light records.

Every part of the input that a worker reads gets a spill file of its own, written by that
worker alone: per article its comparison text (UTF-8), then the length in characters of
each of its units (little-endian int32), then its pickled fields (what output and the
canonical rules read). An article's text *place* is (part, offset, text bytes, units)
and its fields' place (part, offset, bytes); any process, a forked worker included, reads
them back by place. The parent writes the fields of articles it loads from the scan
index to a part of its own (``PARENT``). The files live in a temporary folder that
:meth:`Spill.close` removes.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from types import TracebackType
from typing import Any

import numpy as np
import numpy.typing as npt

from dedup.text.prepare import Units

I32 = npt.NDArray[np.int32]
#: Where an article's text is: (part, offset, text bytes, units).
Place = tuple[int, int, int, int]
#: Where some bytes are: (part, offset, size).
Span = tuple[int, int, int]
#: The part the parent process writes to.
PARENT = -1


class SpillWriter:
    """Appends the texts of one part to its spill file."""

    def __init__(self, path: str, part: int) -> None:
        self.part = part
        self.file = open(path, "wb")  # noqa: SIM115 (closed by close())
        self.offset = 0

    def write(self, units: Units) -> Place:
        """Write one article's comparison text and unit lengths; where they now are."""
        data = units.prepared.text.encode("utf-8")
        lengths = (units.ends - units.starts).astype("<i4").tobytes()
        part, offset, _ = self.write_bytes(data + lengths)
        return (part, offset, len(data), len(units.starts))

    def write_bytes(self, data: bytes) -> Span:
        """Write ``data``; where it now is."""
        span = (self.part, self.offset, len(data))
        self.file.write(data)
        self.offset += len(data)
        return span

    def flush(self) -> None:
        self.file.flush()

    def close(self) -> None:
        self.file.close()


class Spill:
    """The spill files of one scan in a temporary folder of their own."""

    def __init__(self, parent: str | None = None) -> None:
        self.folder = tempfile.mkdtemp(prefix="dedup-spill-", dir=parent)
        self._files: dict[int, int] = {}
        self._parts = 0

    def next_part(self) -> int:
        """A part number not given out before."""
        self._parts += 1
        return self._parts - 1

    def writer(self, part: int) -> SpillWriter:
        return SpillWriter(self._path(part), part)

    def read_bytes(self, span: Span) -> bytes:
        part, offset, size = span
        return os.pread(self._file(part), size, offset)

    def read(self, place: Place) -> tuple[str, I32]:
        """The text and unit lengths written at ``place``."""
        part, offset, size, units = place
        data = os.pread(self._file(part), size + 4 * units, offset)
        lengths = np.frombuffer(data, dtype="<i4", count=units, offset=size)
        return data[:size].decode("utf-8"), lengths.astype(np.int32)

    def close(self) -> None:
        for fd in self._files.values():
            os.close(fd)
        self._files.clear()
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> Spill:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __getstate__(self) -> dict[str, Any]:
        # A process that receives a Spill opens the files itself.
        return {**self.__dict__, "_files": {}}

    def _path(self, part: int) -> str:
        return os.path.join(self.folder, f"part-{part}.bin")

    def _file(self, part: int) -> int:
        """The part's file, opened for reading (read with ``pread``: pages read stay in the
        page cache, not in the process's memory, and forked workers share the descriptor)."""
        found = self._files.get(part)
        if found is None:
            found = self._files[part] = os.open(self._path(part), os.O_RDONLY)
        return found

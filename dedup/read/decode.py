"""Turn a file into text: gzip by magic or suffix, binary and empty files refused,
invalid UTF-8 decoded with replacement and reported once with its line, a leading
byte-order mark dropped.

Reading is bounded: at most ``limit`` bytes of a file (after gunzipping) or of one line
are held; a file or line over it is refused with a warning once the limit is reached, so
a gzip bomb or a gigabyte-long line costs no more memory than the limit.
"""

from __future__ import annotations

import codecs
import contextlib
import gzip
import io
import os
import stat
import zlib
from collections.abc import Callable, Iterator

from dedup.errors import InputError

#: A NUL byte in this many leading bytes marks a file as binary.
BINARY_PROBE = 8192
GZIP_MAGIC = b"\x1f\x8b"
MIB = 1 << 20
_GZIP_ERRORS = (OSError, EOFError, zlib.error)
#: Bytes read at a time while passing over a line over the limit (never held whole).
_SKIP_PIECE = 1 << 16
#: Bytes of a gzipped file or a pipe read at a time.
_READ_PIECE = 1 << 16


def too_large(
    path: str, limit: int, line: int | None = None, *, gunzipped: bool = False
) -> InputError:
    """The warning for a file (or, with ``line``, a line) over ``limit`` bytes."""
    what = "file" if line is None else "line"
    size = f"{limit / MIB:g} MiB limit" + (" once gunzipped" if gunzipped else "")
    return InputError(
        path,
        f"{what} over the {size}, skipped "
        "(raise it with DEDUP_MAX_FILE_MB or max_file_mb in [tool.dedup])",
        line,
    )


def strip_gz(path: str) -> str:
    """``path`` without a trailing ``.gz``: the name that tells the format."""
    return path[:-3] if path.lower().endswith(".gz") else path


def open_raw(path: str) -> io.BufferedReader:
    """The file opened for reading bytes; a problem becomes an :class:`InputError`."""
    try:
        return open(path, "rb")
    except OSError as exc:
        raise InputError(path, f"cannot read: {exc.strerror or exc}") from None


def _unpacked(path: str, raw: io.BufferedReader) -> io.BufferedReader | gzip.GzipFile:
    # peek, not read and seek: the file may be a pipe (``dedup split <(zcat dump.gz)``).
    if raw.peek(2)[:2] == GZIP_MAGIC or path.lower().endswith(".gz"):
        return gzip.GzipFile(fileobj=raw, mode="rb")
    return raw


def _read_error(path: str, exc: BaseException, gzipped: bool) -> InputError:
    if gzipped:
        return InputError(path, f"not a valid gzip file ({exc}), skipped")
    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
    return InputError(path, f"cannot read: {reason}")


def check_head(path: str, head: bytes) -> None:
    """Refuse an empty file or a binary one (a NUL byte in its first 8 KiB)."""
    if not head.strip():
        raise InputError(path, "empty file, skipped")
    if b"\0" in head[:BINARY_PROBE]:
        raise InputError(path, "binary file, skipped")


def read_whole(path: str, limit: int) -> bytes:
    """A file's bytes, gunzipped; empty and binary files, and files over ``limit`` bytes,
    raise :class:`InputError` (no more than ``limit + 1`` bytes are ever read)."""
    with open_raw(path) as raw:
        stream = _unpacked(path, raw)
        size = _stated_size(raw) if stream is raw else -1
        if size > limit:
            raise too_large(path, limit)
        try:
            # A stated size is read at once; a stream (gzip, a pipe) in pieces, never
            # asking for limit + 1 bytes at once: read() allocates what it is asked for.
            data = stream.read(size + 1) if size >= 0 else _read_pieces(stream, limit + 1)
        except _GZIP_ERRORS as exc:
            raise _read_error(path, exc, stream is not raw) from None
    blank = not data or data.isspace()  # not data.strip(): that copies the whole file
    check_head(path, b"" if blank else data[:BINARY_PROBE])
    if len(data) > limit:
        raise too_large(path, limit, gunzipped=stream is not raw)
    return data


def _read_pieces(stream: io.BufferedIOBase, most: int) -> bytes:
    pieces: list[bytes] = []
    total = 0
    while total < most and (piece := stream.read(min(_READ_PIECE, most - total))):
        pieces.append(piece)
        total += len(piece)
    return b"".join(pieces)


def _stated_size(raw: io.BufferedReader) -> int:
    """A regular file's size (-1 for a pipe, whose size only reading tells)."""
    info = os.fstat(raw.fileno())
    return info.st_size if stat.S_ISREG(info.st_mode) else -1


def gunzip_copy(path: str, target: str, most: int) -> bool:
    """Gunzip ``path`` into a new file ``target``, in pieces. False, and no ``target``,
    when ``path`` is not a sound gzip file, is binary once gunzipped (a NUL byte in its
    first 8 KiB) or unpacks to more than ``most`` bytes: reading it whole then tells why,
    or reads it in a stream."""
    try:
        out = open(target, "xb")  # noqa: SIM115 (closed by the with below)
    except OSError:
        return False
    try:
        with out, open(path, "rb") as raw, gzip.GzipFile(fileobj=raw) as stream:
            _copy_unpacked(stream, out, most)
        return True
    except (*_GZIP_ERRORS, _Refused):
        with contextlib.suppress(OSError):
            os.remove(target)
        return False


class _Refused(Exception):
    """A gunzipped copy that is binary or too large to make."""


def _copy_unpacked(stream: gzip.GzipFile, out: io.BufferedWriter, most: int) -> None:
    total = 0
    while piece := stream.read(MIB):
        if total < BINARY_PROBE and b"\0" in piece[: BINARY_PROBE - total]:
            raise _Refused
        total += len(piece)
        if total > most:
            raise _Refused
        out.write(piece)


def stated_gunzipped_size(path: str) -> int:
    """The size a gzip file says its (last member's) data has, modulo 2**32; -1 when it
    cannot be read."""
    try:
        with open(path, "rb") as raw:
            raw.seek(-4, os.SEEK_END)
            return int.from_bytes(raw.read(4), "little")
    except OSError:
        return -1


def iter_raw_lines(path: str, limit: int) -> Iterator[tuple[int, bytes | None]]:
    """A file's lines as bytes with their 1-based numbers, streamed, gunzipped; a line
    over ``limit`` bytes comes as None (passed over, never held).

    A file whose first 8 KiB hold a NUL byte raises :class:`InputError` before any line.
    """
    with open_raw(path) as raw:
        stream = _unpacked(path, raw)
        try:
            if b"\0" in stream.peek(BINARY_PROBE)[:BINARY_PROBE]:
                raise InputError(path, "binary file, skipped")
            yield from enumerate(read_lines(stream, limit), start=1)
        except _GZIP_ERRORS as exc:
            raise _read_error(path, exc, stream is not raw) from None


def read_lines(stream: io.BufferedIOBase, limit: int, size: int = -1) -> Iterator[bytes | None]:
    """The lines of ``stream`` with their line ends; None for a line whose text (line end
    left out) is over ``limit`` bytes, or b"" when that line is blank. With ``size`` >= 0,
    the lines of its next ``size`` bytes only. At most ``limit + 1`` bytes of a line are
    held."""
    left = size
    while size < 0 or left > 0:
        line = stream.readline(limit + 1)
        if not line:
            return
        left -= len(line)
        if len(line) <= limit or line.endswith(b"\n"):
            yield line
            continue
        skipped, text = skip_line(stream)
        left -= skipped
        yield None if text or not line.isspace() else b""


def skip_line(stream: io.BufferedIOBase) -> tuple[int, bool]:
    """Read past the rest of the current line in pieces, holding none of it: how many
    bytes that was, and whether any of them is not blank."""
    skipped, text = 0, False
    while piece := stream.readline(_SKIP_PIECE):
        skipped += len(piece)
        text = text or not piece.isspace()
        if piece.endswith(b"\n"):
            break
    return skipped, text


def logical_line(data: bytes, offset: int) -> int:
    """The 1-based line holding byte ``offset``, counting CRLF and CR as one line end."""
    crlf = data.count(b"\r\n", 0, offset)
    return data.count(b"\n", 0, offset) + data.count(b"\r", 0, offset) - crlf + 1


def decode_text(path: str, data: bytes, on_warning: Callable[[InputError], None]) -> str:
    """UTF-8 text without a leading byte-order mark; invalid bytes are replaced and
    reported once, naming the first one's line."""
    bom = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    view = memoryview(data)[bom:]  # a view: the file's bytes are not copied
    try:
        return str(view, "utf-8")
    except UnicodeDecodeError as exc:
        line = logical_line(data, bom + exc.start)
    on_warning(InputError(path, "invalid UTF-8, decoded with replacement", line))
    return str(view, "utf-8", "replace")

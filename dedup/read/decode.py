"""Turn a file into text: gzip by magic or suffix, binary and empty files refused,
invalid UTF-8 decoded with replacement and reported once with its line."""

from __future__ import annotations

import gzip
import io
import zlib
from collections.abc import Callable, Iterator

from dedup.errors import InputError

#: A NUL byte in this many leading bytes marks a file as binary.
BINARY_PROBE = 8192
GZIP_MAGIC = b"\x1f\x8b"
_GZIP_ERRORS = (OSError, EOFError, zlib.error)


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


def read_whole(path: str) -> bytes:
    """All of a file's bytes, gunzipped; empty and binary files raise :class:`InputError`."""
    with open_raw(path) as raw:
        stream = _unpacked(path, raw)
        try:
            data = stream.read()
        except _GZIP_ERRORS as exc:
            raise _read_error(path, exc, stream is not raw) from None
    check_head(path, data[:BINARY_PROBE] if data.strip() else b"")
    return data


def iter_raw_lines(path: str) -> Iterator[tuple[int, bytes]]:
    """A file's lines as bytes with their 1-based numbers, streamed, gunzipped.

    A file whose first 8 KiB hold a NUL byte raises :class:`InputError` before any line.
    """
    with open_raw(path) as raw:
        stream = _unpacked(path, raw)
        try:
            if b"\0" in stream.peek(BINARY_PROBE)[:BINARY_PROBE]:
                raise InputError(path, "binary file, skipped")
            yield from enumerate(stream, start=1)
        except _GZIP_ERRORS as exc:
            raise _read_error(path, exc, stream is not raw) from None


def logical_line(data: bytes, offset: int) -> int:
    """The 1-based line holding byte ``offset``, counting CRLF and CR as one line end."""
    prefix = data[:offset]
    return prefix.replace(b"\r\n", b"\n").replace(b"\r", b"\n").count(b"\n") + 1


def decode_text(path: str, data: bytes, on_warning: Callable[[InputError], None]) -> str:
    """UTF-8 text; invalid bytes are replaced and reported once, naming the first one's line."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = logical_line(data, exc.start)
        on_warning(InputError(path, "invalid UTF-8, decoded with replacement", line))
        return data.decode("utf-8", errors="replace")

"""Renderers: turn results into text on a stream, one record at a time.

What the renderers of every command share lives here: the options they honour, the
cleaning of a cell for tab-separated output, and the one rule by which file names are
written (see "File names in output" in docs/formats.md).
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from dedup.article import Article

_CONTROL = re.compile(r"[\t\r\n\x0b\x0c\x1c-\x1f\x85\u2028\u2029]+")
_LINE_BREAK = re.compile(r"[\r\n\x0b\x0c\x1c-\x1e\x85\u2028\u2029]+")
#: What a name cannot show as it is: the backslash (the escape character itself), control
#: characters, line and paragraph separators, and lone surrogates (undecodable bytes).
_UNSAFE_IN_NAME = re.compile(r"[\\\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
#: What JSON of a value holds when one of its strings may need escaping as a name or for
#: its undecodable bytes: an escape other than ``\\"``, or a character written raw that
#: a name cannot show.
_MAY_NEED_ESCAPES = re.compile(r'\\[^"]|[\x7f-\x9f\u2028\u2029\ud800-\udfff]')
_SHORT_ESCAPES = {"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"}

#: Keys whose values name a file (a path, a ``path#index`` ref, a ``path:line`` location)
#: in the JSON records of every command: their values are escaped as names.
NAME_KEYS = frozenset({"path", "ref", "location", "via"})


#: Given articles whose texts a page shows, their texts by ``ref`` (a scan's result holds
#: no bodies; one that cannot be found is left out).
TextLoader = Callable[["Sequence[Article]"], Mapping[str, str]]


@dataclass(frozen=True)
class RenderOptions:
    """Choices a renderer honours; ``header`` is None for the format's own default;
    ``texts`` finds article texts for the formats that show them (``html``)."""

    header: bool | None = None
    texts: TextLoader | None = None


def escape_name(name: str) -> str:
    """A file name (or ref, or location) as one line of valid UTF-8, reversibly.

    A name with nothing unusual comes back unchanged. Otherwise ``\\`` becomes ``\\\\``;
    tab, newline and carriage return become ``\\t``, ``\\n``, ``\\r``; a byte that is
    not UTF-8 (a lone surrogate from ``os.fsdecode``) becomes ``\\xNN``, and so does each
    UTF-8 byte of any other control character, U+2028 and U+2029. Reading every escape
    as its byte gives back ``os.fsencode(name)``.
    """
    if not _UNSAFE_IN_NAME.search(name):
        return name
    return _UNSAFE_IN_NAME.sub(_escape_match, name)


def escape_undecodable(text: str) -> str:
    """``text`` with lone surrogates (undecodable bytes) as ``\\xNN``, so it encodes as
    UTF-8; everything else stays as it is. For text that is not a name: titles, reasons."""
    if not _SURROGATE.search(text):
        return text
    return _SURROGATE.sub(_escape_match, text)


def clean_cell(value: str) -> str:
    """A cell with tabs and line breaks turned into single spaces and undecodable bytes
    escaped as ``\\xNN``."""
    return escape_undecodable(_CONTROL.sub(" ", value))


def one_line(value: str) -> str:
    """A CSV cell on one line: line breaks turned into single spaces (tabs stay, quoted)
    and undecodable bytes escaped as ``\\xNN``."""
    return escape_undecodable(_LINE_BREAK.sub(" ", value))


def printable_record(value: Any, key: str = "") -> Any:
    """A JSON-ready value that serialises to valid UTF-8: strings under :data:`NAME_KEYS`
    escaped as names, every other string with its undecodable bytes escaped."""
    if isinstance(value, str):
        return escape_name(value) if key in NAME_KEYS else escape_undecodable(value)
    if isinstance(value, dict):
        return {name: printable_record(item, name) for name, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [printable_record(item) for item in value]
    return value


def escape_bytes(text: str) -> str:
    """Every character of ``text`` as ``\\xNN`` escapes of its UTF-8 bytes (an undecodable
    byte as itself): what a stdout that cannot hold a character writes in its place."""
    return "".join(_escape_char(char) for char in text)


def writes_unicode(stream: TextIO) -> bool:
    """Whether ``stream`` encodes every character (UTF-8, UTF-16...), not ASCII or Latin-1."""
    encoding = getattr(stream, "encoding", None) or "utf-8"
    try:
        return codecs.lookup(encoding).name.startswith("utf")
    except LookupError:
        return False


def to_json(value: Any, stream: TextIO, **options: Any) -> str:
    """``value`` as one line of JSON made for ``stream``: names escaped (see
    :func:`printable_record`), non-ASCII kept as it is unless ``stream`` cannot hold it."""
    ascii_only = not writes_unicode(stream)
    text = json.dumps(value, ensure_ascii=ascii_only, **options)
    if not _may_need_escapes(text):  # no string holds anything to escape
        return text
    return json.dumps(printable_record(value), ensure_ascii=ascii_only, **options)


def _may_need_escapes(text: str) -> bool:
    """Whether :data:`_MAY_NEED_ESCAPES` finds anything in ``text``. In ASCII text only a
    backslash or a DEL can start a match, and looking for those first is many times
    faster than the pattern's search (7 us on a group's 2 KB of JSON)."""
    if text.isascii() and "\\" not in text and "\x7f" not in text:
        return False
    return _MAY_NEED_ESCAPES.search(text) is not None


def _escape_match(match: re.Match[str]) -> str:
    return _escape_char(match.group())


def _escape_char(char: str) -> str:
    code = ord(char)
    if char in _SHORT_ESCAPES:
        return _SHORT_ESCAPES[char]
    if code < 0x80:
        return f"\\x{code:02x}"
    if 0xDC80 <= code <= 0xDCFF:  # os.fsdecode's stand-in for the byte code - 0xDC00
        return f"\\x{code - 0xDC00:02x}"
    if 0xD800 <= code <= 0xDFFF:  # a lone surrogate no file name holds: no bytes to show
        return f"\\u{code:04x}"
    return "".join(f"\\x{byte:02x}" for byte in char.encode())

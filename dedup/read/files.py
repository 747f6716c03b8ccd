"""Read a corpus: files and folders in any mix, dumps, plain text, JSON Lines, gzip.

Everything here streams: files are found one at a time and each file's articles are
yielded before the next file is opened. Bad input never raises out of
:func:`read_articles`; it is reported through ``on_warning`` and reading goes on.
"""

from __future__ import annotations

import codecs
import functools
import json
import re
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from dataclasses import replace
from typing import Any, TextIO

import orjson

from dedup.article import Article
from dedup.config import Config
from dedup.errors import InputError, ignore
from dedup.read.decode import MIB, decode_text, iter_raw_lines, read_whole, strip_gz, too_large
from dedup.read.html import HTML_SUFFIXES, is_html, read_page, read_record_html
from dedup.read.paragraphs import assemble_paragraphs
from dedup.read.split import split_dump, split_lines, title_from_text
from dedup.read.walk import check_paths_exist, iter_files
from dedup.reading import Tally

__all__ = ["check_paths_exist", "iter_files", "read_articles", "read_file", "read_jsonl_lines"]

WarningCallback = Callable[[InputError], None]


def read_articles(
    paths: Sequence[str],
    config: Config,
    *,
    on_warning: WarningCallback | None = None,
    stdin: TextIO | None = None,
    tally: Tally | None = None,
) -> Iterator[Article]:
    """Every article in ``paths`` (files, folders, ``-`` for paths on stdin), in order.
    A ``tally`` counts the files found and left out, and what the warnings skipped."""
    warn = on_warning or ignore
    if tally is None:
        for path in iter_files(paths, config, warn, stdin=stdin):
            yield from read_file(path, config, warn)
        return
    warn = tally.counting(warn)
    for path in iter_files(paths, config, warn, stdin=stdin, on_left_out=tally.left_out):
        tally.find([path])
        yield from read_file(path, config, warn)


def read_file(path: str, config: Config, on_warning: WarningCallback) -> Iterator[Article]:
    """The articles of one file, chosen by its suffix (``.gz`` read transparently)."""
    suffix = strip_gz(path).rsplit(".", 1)[-1].lower() if "." in strip_gz(path) else ""
    try:
        if suffix == "jsonl":
            yield from _read_jsonl(path, config, on_warning)
        elif suffix == "json":
            yield from _read_json(path, config, on_warning)
        elif suffix in HTML_SUFFIXES:
            yield from read_page(path, read_limit(config))
        else:
            yield from _read_text(path, config, on_warning)
    except InputError as error:
        on_warning(error)
    except OSError as exc:  # the file changed or vanished while being read
        on_warning(InputError(path, f"cannot read: {exc.strerror or exc}"))


def read_limit(config: Config) -> int:
    """Bytes of text read from one file, or from one JSON line, at most."""
    return config.max_file_mb * MIB


def _read_text(path: str, config: Config, on_warning: WarningCallback) -> Iterator[Article]:
    text = decode_text(path, read_whole(path, read_limit(config)), on_warning)
    articles = split_dump(text, path, config)
    if not articles:
        raise InputError(path, "no text, skipped")
    yield from articles


def _read_json(path: str, config: Config, on_warning: WarningCallback) -> Iterator[Article]:
    text = decode_text(path, read_whole(path, read_limit(config)), on_warning)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(path, f"invalid JSON ({exc.msg}), skipped", line=exc.lineno) from None
    except (ValueError, RecursionError) as exc:
        raise InputError(path, f"invalid JSON ({exc}), skipped") from None
    if isinstance(data, dict) and isinstance(data.get("articles"), list):
        data = data["articles"]
    if not isinstance(data, list):
        raise InputError(path, 'expected a list of records or {"articles": [...]}', line=1)
    look = _ESCAPED_SURROGATE.search(text) is not None  # no escape, no lone surrogate
    lenient = _LenientLines(path, on_warning)
    for number, record in enumerate(data):
        if look:
            record = lenient.whole(record, None)
        article = make_record(record, path, number, 1, config, on_warning)
        if article is not None:
            yield article


def _read_jsonl(path: str, config: Config, on_warning: WarningCallback) -> Iterator[Article]:
    lines = iter_raw_lines(path, read_limit(config))
    records = yield from read_jsonl_lines(path, lines, 0, config, on_warning)
    if records == 0:
        raise InputError(path, "empty file, skipped")


def read_jsonl_lines(
    path: str,
    lines: Iterable[tuple[int, bytes | None]],
    first: int,
    config: Config,
    on_warning: WarningCallback,
) -> Generator[Article, None, int]:
    """The articles of numbered JSON Lines (``first`` records come before them); returns
    how many records (non-blank lines) there were. Invalid UTF-8 is reported once; a line
    over the limit (None) is reported and counts as a record; a leading BOM is dropped."""
    lenient = _LenientLines(path, on_warning)
    number = first
    for lineno, raw in lines:
        if raw is None:
            number += 1
            on_warning(too_large(path, read_limit(config), lineno))
            continue
        if lineno == 1:
            raw = raw.removeprefix(codecs.BOM_UTF8)
        if not raw or raw.isspace():  # blank (what ``raw.strip()`` tells, without a copy)
            continue
        number += 1
        record = _parsed(raw)
        if record is _UNPARSED:
            record = lenient.parse(raw, lineno)
            if record is _UNPARSED:
                continue
        article = make_record(record, path, number - 1, lineno, config, on_warning)
        if article is not None:
            yield article
    return number - first


#: What :func:`_parsed` gives a line it leaves to the json module.
_UNPARSED = object()


def _parsed(raw: bytes) -> Any:
    """The JSON value of a line, parsed by orjson (about 2.5 times faster), or
    ``_UNPARSED`` where orjson refuses it (invalid UTF-8, NaN, lone surrogates, errors).
    orjson's values are json's, but for integers past 64 bits (a float): only a record's
    strings are read."""
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return _UNPARSED


#: A lone UTF-16 surrogate: what a JSON escape such as "\ud800" gives, and no text can
#: hold (it has no UTF-8).
_SURROGATE = re.compile("[\ud800-\udfff]")
#: The JSON escape of a surrogate (U+D800 to U+DFFF), lone or in a pair.
_ESCAPED_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]")
_SURROGATES_REPLACED = "lone surrogate escapes (\\ud800-\\udfff), replaced with U+FFFD"
#: What a caller of the library is told of an article it handed in with one.
SURROGATES_IN_TEXT = "lone surrogates (U+D800 to U+DFFF) in its text, replaced with U+FFFD"


def _without_surrogates(record: Any) -> tuple[Any, bool]:
    """A record with the lone surrogates of its fields' text replaced, and whether it held
    any (the fields an article takes are a record's own strings)."""
    if not isinstance(record, dict):
        return record, False
    found = [k for k, v in record.items() if isinstance(v, str) and _SURROGATE.search(v)]
    if not found:
        return record, False
    return {**record, **{k: _SURROGATE.sub("\ufffd", record[k]) for k in found}}, True


def without_lone_surrogates(article: Article) -> Article | None:
    """``article`` with the lone surrogates of its text replaced with U+FFFD, or None when
    it holds none: an article handed in whole (the library) may hold what no file read
    here gives, and no text holding one can be encoded as UTF-8."""
    texts = [article.title, *article.body, article.source or "", article.age or ""]
    texts += [text for pair in article.extra for text in pair]
    if all(map(str.isascii, texts)) or not any(map(_SURROGATE.search, texts)):
        return None
    mend = functools.partial(_SURROGATE.sub, "\ufffd")
    return replace(
        article,
        title=mend(article.title),
        body=tuple(map(mend, article.body)),
        source=None if article.source is None else mend(article.source),
        age=None if article.age is None else mend(article.age),
        extra=tuple((mend(key), mend(value)) for key, value in article.extra),
    )


class _LenientLines:
    """A file's JSON as the json module reads it (lines orjson refused, whole files):
    invalid UTF-8 decoded with replacement and lone surrogates replaced (each reported
    once a file), malformed lines reported and skipped."""

    def __init__(self, path: str, on_warning: WarningCallback) -> None:
        self.path, self.on_warning = path, on_warning
        self.told: set[str] = set()

    def parse(self, raw: bytes, lineno: int) -> Any:
        """The line's JSON value, or ``_UNPARSED`` (reported) when it holds none."""
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            line = raw.decode("utf-8", errors="replace")
            self._once("invalid UTF-8, decoded with replacement", lineno)
        try:
            record = json.loads(line)
        except (ValueError, RecursionError) as exc:
            reason = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)
            self.on_warning(
                InputError(self.path, f"malformed JSON line ({reason}), skipped", lineno)
            )
            return _UNPARSED
        return self.whole(record, lineno)

    def whole(self, record: Any, lineno: int | None) -> Any:
        """``record`` with the lone surrogates of its text replaced (reported once)."""
        record, replaced = _without_surrogates(record)
        if replaced:
            self._once(_SURROGATES_REPLACED, lineno)
        return record

    def _once(self, reason: str, lineno: int | None) -> None:
        if reason not in self.told:
            self.told.add(reason)
            self.on_warning(InputError(self.path, reason, lineno))


def make_record(
    record: Any, path: str, number: int, line: int, config: Config, on_warning: WarningCallback
) -> Article | None:
    """One JSON record as an article, or None (with a warning) when it holds no text.

    A record with text but no title (a missing, empty or blank title field) is titled by
    its text's first line, as a plain file is, and that line leaves the body."""
    if not isinstance(record, dict):
        on_warning(InputError(path, "record is not a JSON object, skipped", line))
        return None
    title = _first_text(record, config.title_fields)
    text = _first_text(record, config.text_fields)
    if text is not None and config.records_html and is_html(text):
        own = (title, record.get("source"))
        return read_record_html(path, (number, line), text, own, on_warning)
    titled = title_from_text(text, config) if text is not None and title is None else None
    if text is None or (title is None and titled is None):
        on_warning(InputError(path, _no_text(title is None, config), line))
        return None
    if titled is not None:
        title, lines = titled
    else:
        lines = split_lines(text)
    source = record.get("source")
    return Article(
        path=path,
        index=number,
        line=line,
        end_line=line,
        title=" ".join((title or "").split()),
        body=assemble_paragraphs(lines),
        kind="record",
        source=source if isinstance(source, str) and source.strip() else None,
    )


def _no_text(untitled: bool, config: Config) -> str:
    """Why a record gave no article: no text, and maybe no title either."""
    texts = ", ".join(config.text_fields)
    if untitled:
        titles = ", ".join(config.title_fields)
        return f"record has neither title ({titles}) nor text ({texts}), skipped"
    return f"record has no text ({texts}: missing or blank), skipped"


def _first_text(record: dict[str, Any], fields: Sequence[str]) -> str | None:
    for name in fields:
        value = record.get(name)
        if isinstance(value, str) and value.strip():
            return value
    return None

"""Articles as they stand in their files: the record's own line, the text's own lines.

Reading an article normalises it (paragraphs unwrapped, records reduced to a title and a
text). What ``dedup collapse`` writes must instead be what the user had: a JSON Lines
record exactly as its line holds it, every field in its order, and a dump's or plain
file's article as its lines stand, hard wraps and all (an HTML page's article is the text
extracted from it: its markup is no article). :class:`Originals` reads the files
again for that, one file at a time, in the order the articles come in.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from dedup.article import Article
from dedup.config import Config
from dedup.errors import InputError, ignore
from dedup.read.decode import decode_text, iter_raw_lines, read_whole, strip_gz
from dedup.read.files import read_limit
from dedup.read.html import HTML_SUFFIXES
from dedup.read.split import split_lines


@dataclass(frozen=True)
class RecordLine:
    """A JSON record as its file holds it: the line of a JSON Lines file, or (for a record
    of a ``.json`` list, which has no line of its own) the record written compactly."""

    text: str
    record: dict[str, Any]


@dataclass(frozen=True)
class TextLines:
    """An article of a dump or plain file: its title line and body lines as they stand."""

    title: str
    body: tuple[str, ...]

    @property
    def text(self) -> str:
        return "\n".join(self.body)


Original = RecordLine | TextLines


class Originals:
    """The original of each article asked for. Articles are best asked for in file order:
    a file is read once while its articles follow each other."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self._path: str | None = None
        self._lines: list[str] = []
        self._records: dict[int, RecordLine] = {}
        self._page = False

    def of(self, article: Article) -> Original:
        """The original of ``article``; :class:`InputError` when its file changed so that
        the article is no longer where it was read."""
        if article.path != self._path:
            self._load(article.path)
        if self._page:  # a page's article is the text extracted from it, not its markup
            return TextLines(article.title, article.body)
        if article.kind == "record":
            found = self._records.get(article.index)
            if found is None:
                raise InputError(article.path, "changed while dedup read it", article.line)
            return found
        return self._text_lines(article)

    def _load(self, path: str) -> None:
        self._path, self._lines, self._records = path, [], {}
        suffix = strip_gz(path).rsplit(".", 1)[-1].lower()
        limit = read_limit(self.config)
        self._page = suffix in HTML_SUFFIXES
        if self._page:
            return
        if suffix == "jsonl":
            self._records = dict(_jsonl_records(iter_raw_lines(path, limit)))
        elif suffix == "json":
            self._records = dict(_json_records(decode_text(path, read_whole(path, limit), ignore)))
        else:
            self._lines = split_lines(decode_text(path, read_whole(path, limit), ignore))

    def _text_lines(self, article: Article) -> TextLines:
        span = self._lines[article.line - 1 : article.end_line]
        if len(span) != article.end_line - article.line + 1:
            raise InputError(article.path, "changed while dedup read it", article.line)
        for at, line in enumerate(span):
            if " ".join(line.split()) == article.title:
                return TextLines(line, tuple(span[at + 1 :]))
        return TextLines(article.title, tuple(span))


def _jsonl_records(lines: Iterable[tuple[int, bytes | None]]) -> Iterator[tuple[int, RecordLine]]:
    """Each object line of a JSON Lines file by record number, counted as the reader
    counts them (every non-blank line is a record, even one it skipped)."""
    number = 0
    for lineno, raw in lines:
        if raw is not None and lineno == 1:
            raw = raw.removeprefix(b"\xef\xbb\xbf")
        if raw is not None and not raw.strip():
            continue
        number += 1
        if raw is None:
            continue
        text = raw.decode("utf-8", errors="replace").rstrip("\r\n")
        try:
            record = json.loads(text)
        except (ValueError, RecursionError):
            continue
        if isinstance(record, dict):
            yield number - 1, RecordLine(text, record)


def _json_records(text: str) -> Iterator[tuple[int, RecordLine]]:
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return
    if isinstance(data, dict) and isinstance(data.get("articles"), list):
        data = data["articles"]
    for number, record in enumerate(data if isinstance(data, list) else []):
        if isinstance(record, dict):
            yield number, RecordLine(json.dumps(record, ensure_ascii=False), record)

"""Resolve a user's reference to one article: ``path``, ``path#index`` or ``path:line``."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from dedup.article import Article
from dedup.config import Config
from dedup.errors import InputError, ignore
from dedup.read.files import read_articles, read_file

_SUFFIX = re.compile(r"^(?P<path>.+?)(?P<sep>[#:])(?P<number>\d+)$")


@dataclass(frozen=True)
class Reference:
    """A parsed reference: the file and at most one of an article index or a line."""

    path: str
    index: int | None = None
    line: int | None = None


def parse_reference(text: str) -> Reference:
    """Split ``text`` into a file and an index or line; an existing file name wins."""
    if os.path.exists(text):
        return Reference(text)
    match = _SUFFIX.match(text)
    if match is None or not os.path.exists(match["path"]):
        raise InputError(text, "no such file (name an article as PATH, PATH#INDEX or PATH:LINE)")
    number = int(match["number"])
    if match["sep"] == "#":
        return Reference(match["path"], index=number)
    if number < 1:
        raise InputError(match["path"], "line numbers start at 1")
    return Reference(match["path"], line=number)


def locate_article(
    text: str,
    config: Config,
    *,
    on_warning: Callable[[InputError], None] | None = None,
) -> Article:
    """The article ``text`` names; a bare path names the file's first (main) article.

    Only warnings about that article reach ``on_warning``: those on its lines and those
    about the whole file, not those about the file's other articles. When no article is
    found, those on the line named, or every warning when an index was named: one of them
    may say why."""
    reference = parse_reference(text)
    if os.path.isdir(reference.path):
        raise InputError(reference.path, "is a folder; name one file")
    heard: list[InputError] = []
    articles = list(read_articles([reference.path], config, on_warning=heard.append))
    try:
        article = _pick(reference, articles)
    except InputError:
        if reference.line is not None:
            heard = _within(heard, reference.line, reference.line)
        _tell(heard, on_warning)
        raise
    _tell(_within(heard, article.line, article.end_line), on_warning)
    return article


def _within(warnings: list[InputError], first: int, last: int) -> list[InputError]:
    """The warnings about lines ``first`` to ``last``, and those about the whole file."""
    return [w for w in warnings if w.line is None or first <= w.line <= last]


def _tell(warnings: list[InputError], on_warning: Callable[[InputError], None] | None) -> None:
    if on_warning is not None:
        for warning in warnings:
            on_warning(warning)


def _pick(reference: Reference, articles: list[Article]) -> Article:
    if not articles:
        raise InputError(reference.path, "holds no article")
    if reference.line is not None:
        return _find_by_line(reference.path, articles, reference.line)
    index = reference.index or 0
    for article in articles:
        if article.index == index:
            return article
    known = ", ".join(f"#{a.index}" for a in articles[:10])
    raise InputError(reference.path, f"no article #{index}; the file holds {known}")


def _find_by_line(path: str, articles: list[Article], line: int) -> Article:
    for article in articles:
        if article.line <= line <= article.end_line:
            return article
    starts = ", ".join(str(a.line) for a in articles[:10])
    raise InputError(
        path, f"no article covers this line; articles start at lines {starts}", line=line
    )


def file_texts(
    config: Config, read: Callable[[str, Config, Any], Iterable[Article]] = read_file
) -> Callable[[Sequence[Article]], dict[str, str]]:
    """A loader of articles' texts (by ref), read again from their files (with ``read``),
    each file once, as ``dedup explain`` reads them (files that changed or vanished give
    no text)."""

    def load(articles: Sequence[Article]) -> dict[str, str]:
        wanted: dict[str, set[int]] = {}
        for article in articles:
            wanted.setdefault(article.path, set()).add(article.index)
        texts: dict[str, str] = {}
        for path, indexes in wanted.items():
            for found in read(path, config, ignore):
                if found.index in indexes:
                    texts[found.ref] = found.text
        return texts

    return load

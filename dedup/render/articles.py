"""Renderers for ``dedup split``: a registry from format name to a function that streams.

Each renderer writes articles to a text stream as they come (the table excepted: a
table needs its rows before it can size its columns). rich is imported only by the
table renderer, so the other formats work without loading it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TextIO

from dedup.article import Article
from dedup.render import RenderOptions, clean_cell, escape_name, to_json

#: Columns of the TSV format, in order. Stable: scripts cut on them.
COLUMNS: tuple[str, ...] = (
    "path",
    "index",
    "line",
    "end_line",
    "kind",
    "source",
    "age",
    "words",
    "title",
)

_HEADINGS = {"index": "#", "end_line": "end"}
_NUMERIC = frozenset({"index", "line", "end_line", "words"})

Renderer = Callable[[Iterable[Article], TextIO, RenderOptions], None]


def article_row(article: Article) -> tuple[str, ...]:
    """One article as the values of :data:`COLUMNS`, the path escaped as a name."""
    return (
        escape_name(article.path),
        str(article.index),
        str(article.line),
        str(article.end_line),
        article.kind,
        article.source or "",
        article.age or "",
        str(article.word_count),
        article.title,
    )


def render_tsv(articles: Iterable[Article], stream: TextIO, options: RenderOptions) -> None:
    """Tab-separated, one article per line; a header line only when asked for."""
    if options.header:
        stream.write("\t".join(COLUMNS) + "\n")
    for article in articles:
        stream.write("\t".join(clean_cell(cell) for cell in article_row(article)) + "\n")


def render_jsonl(articles: Iterable[Article], stream: TextIO, options: RenderOptions) -> None:
    """One JSON object per article per line, with its body (:meth:`Article.to_dict`)."""
    for article in articles:
        stream.write(to_json(article.to_dict(), stream) + "\n")


def render_table(articles: Iterable[Article], stream: TextIO, options: RenderOptions) -> None:
    """A rich table, one row per article; colour only on a terminal without ``NO_COLOR``.

    Path and title are cut (with an ellipsis) to fit the width; other columns stay whole.
    """
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console(file=stream, highlight=False, emoji=False)
    rows = [tuple(clean_cell(cell) for cell in article_row(article)) for article in articles]
    headings = [_HEADINGS.get(name, name) for name in COLUMNS]
    widths = fit_widths(
        [max([len(h), *(len(row[i]) for row in rows)]) for i, h in enumerate(headings)],
        console.width,
    )
    table = Table(box=None, header_style="bold", pad_edge=False, collapse_padding=True)
    for name, heading, width in zip(COLUMNS, headings, widths, strict=True):
        table.add_column(
            heading,
            justify="right" if name in _NUMERIC else "left",
            no_wrap=True,
            overflow="ellipsis",
            width=width,
        )
    for row in rows:
        table.add_row(*(Text(cell) for cell in row))
    console.print(table)


def fit_widths(natural: list[int], total: int) -> list[int]:
    """Column widths within ``total``: path and title give way, path at most 2/5 of the room."""
    path, title = COLUMNS.index("path"), COLUMNS.index("title")
    fixed = sum(w for i, w in enumerate(natural) if i not in (path, title)) + len(natural) - 1
    widths = list(natural)
    for name in ("source", "age"):  # on a narrow terminal these give way too, down to 8
        i = COLUMNS.index(name)
        give = min(max(widths[i] - 8, 0), max(28 - (total - fixed), 0))
        widths[i] -= give
        fixed -= give
    room = max(total - fixed, 28)
    widths[path] = min(natural[path], max(12, room * 2 // 5, room - natural[title]))
    widths[title] = max(16, min(natural[title], room - widths[path]))
    return widths


#: Every format ``dedup split --format`` accepts.
RENDERERS: Mapping[str, Renderer] = {
    "table": render_table,
    "tsv": render_tsv,
    "jsonl": render_jsonl,
}

"""Renderers for ``dedup scan --stats``: the corpus's redundancy figures as TSV or JSON.

The rich table lives in the command line layer (this module never imports rich).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import TextIO

from dedup.redundancy import Redundancy
from dedup.render import clean_cell, escape_name, to_json

StatsRenderer = Callable[[Redundancy, TextIO], None]


def format_share(value: float) -> str:
    return f"{value:.4f}"


def stats_rows(figures: Redundancy) -> Iterator[tuple[str, ...]]:
    """Every figure as a row whose first cell says what the row holds (docs/formats.md)."""
    totals = ("articles", "groups", "copies", "words", "copy_words")
    for name in totals:
        yield ("total", name, str(getattr(figures, name)))
    yield ("share", "articles", format_share(figures.article_share))
    yield ("share", "words", format_share(figures.word_share))
    for rule, count in figures.rules:
        yield ("rule", rule, str(count))
    for tally in figures.sources:
        yield ("source", tally.source or "", str(tally.canonicals), str(tally.copies))
    for group in figures.top_groups:
        canonical = group.canonical
        yield (
            "group",
            str(group.id),
            str(group.size),
            escape_name(canonical.ref),
            canonical.title,
        )


def render_stats_tsv(figures: Redundancy, stream: TextIO) -> None:
    """One figure per tab-separated line (see :func:`stats_rows`)."""
    for row in stats_rows(figures):
        stream.write("\t".join(clean_cell(cell) for cell in row) + "\n")


def render_stats_json(figures: Redundancy, stream: TextIO) -> None:
    """One JSON document (see :meth:`dedup.redundancy.Redundancy.to_dict`)."""
    stream.write(to_json(figures.to_dict(), stream, indent=2) + "\n")


#: The machine-readable formats of the figures; ``table`` is added by the command line.
STATS_RENDERERS: Mapping[str, StatsRenderer] = {
    "tsv": render_stats_tsv,
    "json": render_stats_json,
}

"""``dedup scan --stats`` on a terminal: the redundancy figures as rich tables, and the
registry of every format the figures print in."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, TextIO

from dedup.cli.output import make_console, titled_table
from dedup.redundancy import Redundancy
from dedup.render import escape_name, escape_undecodable
from dedup.render.stats import STATS_RENDERERS, StatsRenderer

if TYPE_CHECKING:
    from rich.table import Table


def render_stats_table(figures: Redundancy, stream: TextIO) -> None:
    """The figures as four small tables: the corpus, rules, sources, largest groups."""
    console = make_console(stream)
    for table in stats_tables(figures):
        console.print(table)


def _table(title: str, first: str, *counts: str) -> Table:
    """A table whose first column names a row and whose other columns hold counts."""
    table = titled_table(title)
    table.add_column(first, overflow="fold")
    for name in counts:
        table.add_column(name, justify="right", no_wrap=True)
    return table


def stats_tables(figures: Redundancy) -> list[Table]:
    """The corpus's totals and shares, copies per rule and per source, largest groups."""
    from rich.text import Text

    corpus = _table("corpus", "", "count", "redundant")
    corpus.add_row("articles", f"{figures.articles:,}", "")
    corpus.add_row("groups", f"{figures.groups:,}", "")
    corpus.add_row("copies", f"{figures.copies:,}", f"{figures.article_share:.2%} of articles")
    corpus.add_row("words", f"{figures.words:,}", "")
    corpus.add_row("copy words", f"{figures.copy_words:,}", f"{figures.word_share:.2%} of words")
    rules = _table("copies by rule", "rule", "copies")
    for rule, count in figures.rules:
        rules.add_row(rule, f"{count:,}")
    sources = _table("by source", "source", "canonical", "copies")
    for tally in figures.sources:
        name = escape_undecodable(tally.source) if tally.source is not None else "(no source)"
        sources.add_row(Text(name), f"{tally.canonicals:,}", f"{tally.copies:,}")
    top = _table(f"largest groups (top {len(figures.top_groups)})", "group", "size")
    top.add_column("canonical", no_wrap=True)
    top.add_column("title", overflow="fold", min_width=16)
    for group in figures.top_groups:
        canonical = group.canonical
        top.add_row(
            str(group.id),
            str(group.size),
            Text(escape_name(canonical.location)),
            Text(escape_undecodable(canonical.title)),
        )
    return [corpus, rules, sources, top]


#: Every format ``dedup scan --stats`` prints in: the machine formats plus the rich tables.
STATS_FORMATS: Mapping[str, StatsRenderer] = {"table": render_stats_table, **STATS_RENDERERS}

"""``dedup split``: show how files are cut into articles, one article per line."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from typing import Any

import click

from dedup.article import Article
from dedup.cli.common import EXIT_OK, Warnings, build_config, handle_errors, stdout_is_terminal
from dedup.cli.options import config_options, format_option, paths_argument
from dedup.cli.output import describe_read, echo_skipped, plural, results_stream
from dedup.config import Config
from dedup.read.files import check_paths_exist, read_articles
from dedup.reading import Tally
from dedup.render import RenderOptions
from dedup.render.articles import RENDERERS


def read_counted(
    paths: Sequence[str], config: Config, warnings: Warnings, tally: Tally, counted: list[int]
) -> Iterator[Article]:
    """Every article under ``paths``; ``tally`` counts files and skips, ``counted[0]``
    the articles."""
    for article in read_articles(paths, config, on_warning=warnings, tally=tally):
        counted[0] += 1
        yield article


@click.command("split", short_help="Show how files are cut into articles.")
@paths_argument
@format_option(RENDERERS)
@click.option("--header", is_flag=True, help="Start TSV output with a line of column names.")
@click.option("--quiet", "-q", is_flag=True, help="Print articles only: no warnings, no summary.")
@config_options
@handle_errors
def split(
    paths: tuple[str, ...], output_format: str | None, header: bool, quiet: bool, **settings: Any
) -> None:
    """Show how PATH... (files, folders, - for paths on stdin) is cut into articles.

    One line per article: a table on a terminal, tab-separated values on a pipe with
    the columns path, index, line, end_line, kind, source, age, words, title.
    --format jsonl prints every article in full, body included.

    \b
    Examples:
      dedup split examples/
      dedup split dump.txt | cut -f3,4,9
      find corpus -name '*.txt' | dedup split -
      dedup split corpus/ --format jsonl | jq -r .title
    """
    config = build_config(**settings)
    check_paths_exist(paths)
    warnings, tally, counted = Warnings(quiet=quiet), Tally(), [0]
    fmt = output_format or ("table" if stdout_is_terminal() else "tsv")
    articles = read_counted(paths, config, warnings, tally, counted)
    RENDERERS[fmt](articles, results_stream(), RenderOptions(header=header))
    sys.stdout.flush()
    warnings.finish()
    if not quiet:
        reading = tally.reading(counted[0])
        click.echo(
            f"dedup: {describe_read(reading)}, {plural(warnings.count, 'warning')}", err=True
        )
        echo_skipped(reading)
    sys.exit(EXIT_OK)

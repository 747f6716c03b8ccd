"""``dedup report``: the review report, one self-contained HTML page of every group."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from dedup.atomic import atomic_file, check_file_target
from dedup.cli.common import EXIT_OK, Run, build_config
from dedup.cli.options import detection_command, paths_argument, taken
from dedup.cli.output import plural, results_stream
from dedup.config import Config
from dedup.read.files import check_paths_exist
from dedup.read.locate import file_texts
from dedup.read.walk import expand_stdin
from dedup.render.html import CONTEXT, DIFF_GROUPS, DIFFS_PER_GROUP, PageOptions
from dedup.render.html import write_page as write_html
from dedup.result import Result
from dedup.targets import Inputs, refuse_touching_inputs


@click.command("report", short_help="Write a review page (HTML) of every group of copies.")
@paths_argument
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path, dir_okay=False),
    required=True,
    help="Write the page to this file (- for stdout).",
)
@click.option("--force", is_flag=True, help="Replace an existing output file.")
@click.option(
    "--diff-groups",
    type=click.IntRange(min=0),
    metavar="N",
    default=DIFF_GROUPS,
    show_default=True,
    help=f"Show text differences for this many of the largest groups (at most "
    f"{DIFFS_PER_GROUP} copies each); the rest list members and scores only.",
)
@click.option(
    "--context",
    type=click.IntRange(min=0),
    metavar="N",
    default=CONTEXT,
    show_default=True,
    help="Words of shared text kept around each difference; 0 shows the whole texts.",
)
@click.option("--quiet", "-q", is_flag=True, help="No summary, no warnings.")
@detection_command
def report(paths: tuple[str, ...], **options: Any) -> None:
    """Find every group of copies across PATH... and write a review page: one HTML file
    that needs no network, with a summary (figures, histograms of group sizes and
    similarities), then each group, largest first: its canonical article, its copies
    with rule and scores, and the aligned differences of each copy with the canonical
    (what dedup explain shows), folded until opened.

    The page is written atomically, an existing file is replaced only with --force,
    and never over, into or around an input; -o - writes it to stdout. Exits 0 when
    the page is written, 2 on bad input.

    \b
    Examples:
      dedup report corpus/ -o report.html
      dedup report corpus/ -o report.html --force --diff-groups 500 --context 0
    """
    from dedup.engine.run import scan_paths

    page, quiet = taken(Page, options), options.pop("quiet")
    config = build_config(**options)
    check_paths_exist(paths)
    paths = expand_stdin(paths)
    page.check(paths, config)
    run = Run(config, quiet=quiet)
    with run.progress() as bar, run.stores(paths) as found:
        result = scan_paths(paths, config, *found, progress=bar, on_warning=run.warn)
    page.write(result, config)
    run.summary(result)
    if not quiet and not page.to_stdout:
        groups = plural(len(result.groups), "group")
        click.echo(f"dedup: wrote a report of {groups} to {page.output}", err=True)
    sys.exit(EXIT_OK)


@dataclass(frozen=True)
class Page:
    """The page asked for: where it goes (-o, --force) and what it shows."""

    output: Path
    force: bool
    diff_groups: int
    context: int

    @property
    def to_stdout(self) -> bool:
        return str(self.output) == "-"

    def check(self, paths: tuple[str, ...], config: Config) -> None:
        """Refuse a page file that would touch an input, or replace one without --force."""
        if not self.to_stdout:
            refuse_touching_inputs(self.output, Inputs.of(paths, config))
            check_file_target(self.output, force=self.force)

    def write(self, result: Result, config: Config) -> None:
        """Write the page of ``result``: atomically to its file, or to stdout."""
        texts = file_texts(config)
        options = PageOptions(context=self.context, diff_groups=self.diff_groups, texts=texts)
        if self.to_stdout:
            write_html(result, results_stream(), options)
        else:
            with atomic_file(self.output, force=self.force) as handle:
                write_html(result, handle, options)

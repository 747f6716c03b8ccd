"""``dedup scan``: find every group of copies across the given paths and report it."""

from __future__ import annotations

import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import click

from dedup.cli.common import (
    EXIT_FOUND,
    EXIT_OK,
    Warnings,
    build_config,
    config_options,
    detection_options,
    handle_errors,
    open_stores,
    reached,
)
from dedup.cli.output import (
    FORMATS,
    choose_format,
    echo_summary,
    progress_bar,
    results_stream,
    write_names,
)
from dedup.cli.stats_view import STATS_FORMATS
from dedup.config import ENGINES, Config
from dedup.engine.run import scan_paths
from dedup.progress import ProgressCallback
from dedup.read.files import check_paths_exist
from dedup.read.locate import file_texts
from dedup.redundancy import measure_redundancy
from dedup.render import RenderOptions, TextLoader
from dedup.render.groups import copy_files, copy_refs
from dedup.result import Result
from dedup.targets import Inputs, refuse_touching_inputs

ONLY_CHOICES = ("copies", "copy-files")


@click.command("scan", short_help="Find every group of copies across files and folders.")
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@click.option(
    "--format",
    "-f",
    "output_format",
    type=click.Choice(sorted(FORMATS)),
    help="Output format [default: table on a terminal, tsv on a pipe].",
)
@click.option(
    "--only",
    type=click.Choice(ONLY_CHOICES),
    help="Print only non-canonical copies, one per line: 'copies' as PATH#INDEX refs, "
    "'copy-files' as files in which every article is a copy (safe to delete whole).",
)
@click.option("--null", "-0", is_flag=True, help="With --only, end each entry with NUL.")
@click.option(
    "--header/--no-header",
    default=None,
    help="Print a header line [default: no header for tsv, a header for csv].",
)
@click.option(
    "--stats",
    is_flag=True,
    help="Print figures instead of the groups: articles, groups, copies, the redundant "
    "share of the corpus, copies per rule and per source, the 10 largest groups "
    "(--format table, tsv or json).",
)
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when copies are found.")
@click.option("--quiet", "-q", is_flag=True, help="Print results only: no summary, no warnings.")
@click.option(
    "--engine",
    type=click.Choice(ENGINES),
    help="Run on this machine's processes, or on a Dask cluster (same output; needs "
    "pip install 'dedup[dask]') [default: local].",
)
@click.option(
    "--scheduler",
    metavar="ADDRESS",
    help="With --engine dask: the scheduler to connect to, e.g. tcp://HOST:8786 "
    "[default: start a local cluster].",
)
@click.option(
    "--workers",
    type=click.IntRange(1, 1024),
    metavar="N",
    help="With --engine dask and no --scheduler: workers of the local cluster "
    "[default: --jobs, one per CPU].",
)
@click.option(
    "--work-dir",
    type=click.Path(file_okay=False),
    help="With --engine dask: keep each stage's output here, so a run stopped midway "
    "resumes where it stopped [default: a temporary folder].",
)
@detection_options
@config_options
@handle_errors
def scan(
    paths: tuple[str, ...],
    output_format: str | None,
    only: str | None,
    null: bool,
    header: bool | None,
    stats: bool,
    exit_zero: bool,
    quiet: bool,
    scheduler: str | None,
    workers: int | None,
    work_dir: str | None,
    config_file: Path | None,
    **settings: Any,
) -> None:
    """Find every group of copies across PATH... (files, folders, - for paths on stdin).

    On a terminal prints a table per group; on a pipe prints tab-separated lines, one
    per copy: copy location, canonical location, similarity, containment, rule, group,
    copy ref, canonical ref, copy title, canonical title.

    --stats prints figures of the corpus's redundancy instead, in the same place and
    format (a table on a terminal, tsv on a pipe, or --format json).

    Exits 0 when no copies are found, 1 when some are (as linters do), 2 on bad input.

    \b
    Examples:
      dedup scan examples/
      dedup scan corpus/ | cut -f1,2
      dedup scan corpus/ --format jsonl | jq .canonical.title
      dedup scan corpus/ --only copy-files -0 | xargs -0 git rm
      dedup scan corpus/ --stats
      dedup scan 'dumps/*.jsonl.gz' --engine dask --workers 8
    """
    check_output_options(output_format, only, null, header, stats)
    config = build_config(config_file, **settings)
    check_paths_exist(paths if config.engine != "dask" else local_paths(paths))
    started = time.perf_counter()
    counts: Counter[str] = Counter()
    warn = Warnings(quiet=quiet)
    cluster = DaskChoice(scheduler, workers, work_dir)
    cluster.check(config)
    with progress_bar(quiet=quiet) as bar:
        result = find_copies(paths, config, cluster, bar, warn, counts, quiet=quiet)
    code = EXIT_FOUND if result.copies and not exit_zero else EXIT_OK
    reached(code)
    if stats:
        write_stats(result, output_format)
    else:
        texts = file_texts(config) if config.engine != "dask" else url_texts(config)
        write_report(result, counts, output_format, only, null, header, texts=texts)
    warn.finish()
    echo_summary(result, time.perf_counter() - started, quiet=quiet)
    sys.exit(code)


def local_paths(paths: tuple[str, ...]) -> list[str]:
    """The paths that must exist as named: with ``--engine dask``, globs and URLs need not."""
    from dedup.dask.inputs import plain_paths

    return plain_paths(paths)


def url_texts(config: Config) -> TextLoader:
    """The html page's text loader of a Dask run, whose articles may name URLs."""
    from dedup.dask.inputs import texts_of

    return texts_of(config)


class DaskChoice:
    """The options of ``--engine dask``: where its cluster is, and its work folder."""

    def __init__(self, scheduler: str | None, workers: int | None, work_dir: str | None) -> None:
        self.scheduler, self.workers, self.work_dir = scheduler, workers, work_dir

    def check(self, config: Config) -> None:
        """Refuse Dask options without ``--engine dask``, and ``--scheduler`` with
        ``--workers`` (a cluster of one's own has workers of its own)."""
        given = [
            ("--scheduler", self.scheduler is not None),
            ("--workers", self.workers is not None),
            ("--work-dir", self.work_dir is not None),
        ]
        for name, was_given in given:
            if was_given and config.engine != "dask":
                raise click.UsageError(f"{name} goes with --engine dask")
        if self.scheduler is not None and self.workers is not None:
            raise click.UsageError("--workers starts a local cluster; it takes no --scheduler")


def find_copies(
    paths: tuple[str, ...],
    config: Config,
    cluster: DaskChoice,
    bar: ProgressCallback | None,
    warn: Warnings,
    counts: Counter[str],
    *,
    quiet: bool,
) -> Result:
    """The scan's result, from the engine ``config`` names."""
    if config.engine != "dask":
        with open_stores(config, paths, quiet=quiet) as found:
            return scan_paths(paths, config, *found, progress=bar, on_warning=warn, per_file=counts)
    from dedup.dask import require_dask

    require_dask()
    from dedup.dask.cluster import DaskOptions
    from dedup.dask.engine import scan_dask

    if cluster.work_dir is not None:
        refuse_touching_inputs(Path(cluster.work_dir), Inputs.of(paths, config), folder=True)

    options = DaskOptions(
        cluster.scheduler, cluster.workers or config.effective_jobs, cluster.work_dir
    )

    def note(message: str) -> None:
        if not quiet:
            click.echo(f"dedup: note: {message}", err=True)

    return scan_dask(
        paths, config, options, progress=bar, on_warning=warn, on_note=note, per_file=counts
    )


def check_output_options(
    output_format: str | None, only: str | None, null: bool, header: bool | None, stats: bool
) -> None:
    """Refuse options that the chosen output would ignore, before anything is read."""
    if null and only is None:
        raise click.UsageError("-0/--null ends each entry that --only prints; give --only too")
    chosen = (
        ("--format", output_format is not None),
        ("--header/--no-header", header is not None),
        ("--stats", stats),
    )
    for name, given in chosen:
        if only is not None and given:
            raise click.UsageError(f"--only prints one entry per line; it takes no {name}")
    if stats and header is not None:
        raise click.UsageError("--stats prints figures; it takes no --header/--no-header")
    if stats and output_format is not None and output_format not in STATS_FORMATS:
        known = ", ".join(sorted(STATS_FORMATS))
        raise click.UsageError(f"--stats prints --format {known}, not {output_format}")


def write_stats(result: Result, output_format: str | None) -> None:
    """Write the redundancy figures of ``result`` in the chosen form to stdout."""
    stream = results_stream()
    STATS_FORMATS[choose_format(output_format, stream)](measure_redundancy(result), stream)
    stream.flush()


def write_report(
    result: Result,
    articles_per_file: Counter[str],
    output_format: str | None,
    only: str | None,
    null: bool,
    header: bool | None,
    texts: TextLoader | None = None,
) -> None:
    """Write the report in the chosen form to stdout (``texts`` for the html page)."""
    stream = results_stream()
    if only is not None:
        entries = copy_refs(result) if only == "copies" else copy_files(result, articles_per_file)
        write_names(entries, stream, null=null)
    else:
        fmt = choose_format(output_format, stream)
        FORMATS[fmt](result, stream, RenderOptions(header=header, texts=texts))
    stream.flush()

"""``dedup scan``: find every group of copies across the given paths and report it."""

from __future__ import annotations

import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from dedup.cli.common import Run, build_config, exit_code
from dedup.cli.options import detection_command, format_option, paths_argument, taken
from dedup.cli.output import FORMATS, choose_format, results_stream, write_names
from dedup.cli.stats_view import STATS_FORMATS
from dedup.config import ENGINES, Config
from dedup.progress import ProgressCallback
from dedup.read.ahead import WalkAhead
from dedup.read.locate import file_texts
from dedup.read.walk import check_paths_exist
from dedup.redundancy import measure_redundancy
from dedup.render import RenderOptions, TextLoader
from dedup.render.groups import copy_files, copy_refs
from dedup.result import Result
from dedup.targets import Inputs, refuse_touching_inputs

ONLY_CHOICES = ("copies", "copy-files")


@click.command("scan", short_help="Find every group of copies across files and folders.")
@paths_argument
@format_option(FORMATS)
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
@detection_command
def scan(paths: tuple[str, ...], **options: Any) -> None:
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
    output, cluster = taken(ScanOutput, options), taken(DaskChoice, options)
    quiet, exit_zero = options.pop("quiet"), options.pop("exit_zero")
    output.check()
    config = build_config(**options)
    check_paths_exist(paths if config.engine != "dask" else local_paths(paths))
    cluster.check(config)
    run, counts = Run(config, quiet=quiet), Counter[str]()
    with run.progress() as bar:
        result = find_copies(paths, run, cluster, bar, counts)
    code = exit_code(bool(result.copies) and not exit_zero)
    output.write(result, counts, config)
    run.summary(result)
    sys.exit(code)


def local_paths(paths: tuple[str, ...]) -> list[str]:
    """The paths that must exist as named: with ``--engine dask``, globs and URLs need not."""
    from dedup.dask.inputs import plain_paths

    return plain_paths(paths)


def url_texts(config: Config) -> TextLoader:
    """The html page's text loader of a Dask run, whose articles may name URLs."""
    from dedup.dask.inputs import texts_of

    return texts_of(config)


@dataclass(frozen=True)
class DaskChoice:
    """The options of ``--engine dask``: where its cluster is, and its work folder."""

    scheduler: str | None
    workers: int | None
    work_dir: str | None

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
    run: Run,
    cluster: DaskChoice,
    bar: ProgressCallback | None,
    counts: Counter[str],
) -> Result:
    """The scan's result, from the engine the run's settings name."""
    config, warn = run.config, run.warn
    if config.engine != "dask":
        return scan_here(paths, run, bar, counts)
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
        if not run.quiet:
            click.echo(f"dedup: note: {message}", err=True)

    return scan_dask(
        paths, config, options, progress=bar, on_warning=warn, on_note=note, per_file=counts
    )


def scan_here(
    paths: tuple[str, ...], run: Run, bar: ProgressCallback | None, counts: Counter[str]
) -> Result:
    """The scan's result from the engine in this process: the paths are walked in a
    child process while the engine is imported (:class:`dedup.read.ahead.WalkAhead`)."""
    with WalkAhead(paths, run.config) as early:
        from dedup.engine.run import scan_paths

        with run.stores(paths) as (cache, store):
            return scan_paths(
                paths,
                run.config,
                cache,
                store,
                progress=bar,
                on_warning=run.warn,
                per_file=counts,
                walked=early.result,
            )


@dataclass(frozen=True)
class ScanOutput:
    """What scan prints, and how: its --format, --only, --null, --header and --stats."""

    output_format: str | None
    only: str | None
    null: bool
    header: bool | None
    stats: bool

    def check(self) -> None:
        """Refuse options that the chosen output would ignore, before anything is read."""
        if self.null and self.only is None:
            raise click.UsageError("-0/--null ends each entry that --only prints; give --only too")
        chosen = (
            ("--format", self.output_format is not None),
            ("--header/--no-header", self.header is not None),
            ("--stats", self.stats),
        )
        for name, given in chosen:
            if self.only is not None and given:
                raise click.UsageError(f"--only prints one entry per line; it takes no {name}")
        if self.stats and self.header is not None:
            raise click.UsageError("--stats prints figures; it takes no --header/--no-header")
        if self.stats and self.output_format not in (None, *STATS_FORMATS):
            known = ", ".join(sorted(STATS_FORMATS))
            raise click.UsageError(f"--stats prints --format {known}, not {self.output_format}")

    def write(self, result: Result, articles_per_file: Counter[str], config: Config) -> None:
        """Write the figures, the copies' names or the report to stdout."""
        stream = results_stream()
        if self.stats:
            fmt = choose_format(self.output_format, stream)
            STATS_FORMATS[fmt](measure_redundancy(result), stream)
        elif self.only == "copies":
            write_names(copy_refs(result), stream, null=self.null)
        elif self.only is not None:
            write_names(copy_files(result, articles_per_file), stream, null=self.null)
        else:
            texts = file_texts(config) if config.engine != "dask" else url_texts(config)
            options = RenderOptions(header=self.header, texts=texts)
            FORMATS[choose_format(self.output_format, stream)](result, stream, options)
        stream.flush()

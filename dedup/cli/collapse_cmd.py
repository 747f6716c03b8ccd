"""``dedup collapse``: write the corpus with every group of copies reduced to one article."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import click

from dedup.cli.common import (
    EXIT_OK,
    Warnings,
    build_config,
    config_options,
    detection_options,
    handle_errors,
    signature_cache,
)
from dedup.cli.output import echo_summary, plural, progress_bar, results_stream
from dedup.collapse import (
    Kept,
    check_target,
    collapse,
    file_name,
    format_row,
    to_record,
    write_directory,
    write_jsonl,
)
from dedup.config import Config
from dedup.engine.run import find_duplicates
from dedup.read.files import check_paths_exist, read_articles
from dedup.read.walk import expand_stdin
from dedup.reading import Tally
from dedup.render import to_json
from dedup.targets import Inputs, refuse_touching_inputs


@click.command("collapse", short_help="Write the deduplicated corpus, one record per kept article.")
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path),
    help="Write one JSON Lines record per kept article to this file (- for stdout).",
)
@click.option(
    "--output-dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Write one text file per kept article, and manifest.tsv, into this folder.",
)
@click.option("--force", is_flag=True, help="Replace an existing output.")
@click.option("--dry-run", "-n", is_flag=True, help="Print what would be written; write nothing.")
@click.option("--quiet", "-q", is_flag=True, help="No summary, no warnings.")
@detection_options
@config_options
@handle_errors
def collapse_command(
    paths: tuple[str, ...],
    output: Path | None,
    output_dir: Path | None,
    force: bool,
    dry_run: bool,
    quiet: bool,
    config_file: Path | None,
    **settings: Any,
) -> None:
    """Write the deduplicated corpus of PATH...: one record per canonical or unique
    article, each listing the copies it stands for.

    Writes are atomic (a temporary file beside the target, renamed into place), an
    existing output is only replaced with --force, and input files are never touched.
    Running dedup scan on the output finds no groups. Exits 0 on success.

    \b
    Examples:
      dedup collapse corpus/ --output deduped.jsonl
      dedup collapse corpus/ --output-dir deduped/ --force
      dedup collapse corpus/ --output deduped.jsonl --dry-run | jq .origin.ref
    """
    config = build_config(config_file, **settings)
    check_paths_exist(paths)
    paths = expand_stdin(paths)
    target = safe_target(paths, config, output, output_dir, force=force, dry_run=dry_run)
    started = time.perf_counter()
    with progress_bar(quiet=quiet) as bar, signature_cache(config, paths, quiet=quiet) as cache:
        warn, tally = Warnings(quiet=quiet), Tally()
        articles = list(read_articles(paths, config, on_warning=warn, tally=tally))
        result = find_duplicates(articles, config, progress=bar, cache=cache, on_warning=warn)
    kept = collapse(articles, result)
    count = emit(kept, output, output_dir, force=force, dry_run=dry_run)
    warn.finish()
    reading = tally.reading(len(articles))
    echo_summary(result, time.perf_counter() - started, quiet=quiet, reading=reading)
    if not quiet:
        verb = "would write" if dry_run else "wrote"
        click.echo(f"dedup: {verb} {plural(count, 'article')} to {target}", err=True)
    sys.exit(EXIT_OK)


def safe_target(
    paths: Sequence[str],
    config: Config,
    output: Path | None,
    output_dir: Path | None,
    *,
    force: bool,
    dry_run: bool,
) -> Path:
    """The one output asked for, once it is known to touch no input and to replace nothing
    without ``--force``."""
    if (output is None) == (output_dir is None):
        raise click.UsageError("give exactly one of --output FILE or --output-dir DIR")
    target = output if output is not None else output_dir
    assert target is not None
    if str(target) != "-":
        refuse_touching_inputs(target, Inputs.of(paths, config), folder=output_dir is not None)
    if str(target) != "-" and not dry_run:
        check_target(target, force=force, folder=output_dir is not None)
    return target


def emit(
    kept: Iterable[Kept],
    output: Path | None,
    output_dir: Path | None,
    *,
    force: bool,
    dry_run: bool,
) -> int:
    """Write (or, on a dry run, print) the kept articles; return how many."""
    if output is not None and (dry_run or str(output) == "-"):
        return print_records(kept)
    if output is not None:
        return write_jsonl(kept, output, force=force)
    assert output_dir is not None
    if dry_run:
        return print_files(kept, output_dir)
    return write_directory(kept, output_dir, force=force)


def print_records(kept: Iterable[Kept]) -> int:
    stream = results_stream()
    count = 0
    for item in kept:
        stream.write(to_json(to_record(item), stream) + "\n")
        count += 1
    return count


def print_files(kept: Iterable[Kept], folder: Path) -> int:
    """One line per file a real run would write: path, kept ref, copies, title."""
    count = 0
    for count, item in enumerate(kept, start=1):
        copies = len(item.group.copies) if item.group else 0
        name = folder / file_name(count, item)
        results_stream().write(
            format_row((str(name), item.article.ref, str(copies), item.article.title))
        )
    return count

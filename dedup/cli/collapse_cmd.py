"""``dedup collapse``: write the corpus with every group of copies reduced to one article."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from dedup.article import Article
from dedup.atomic import atomic_file
from dedup.cli.common import EXIT_OK, Run, build_config, signature_cache
from dedup.cli.options import detection_command, paths_argument, taken
from dedup.cli.output import plural, results_stream
from dedup.collapse import (
    Kept,
    check_target,
    collapse,
    file_name,
    format_row,
    member_records,
    to_json_line,
    with_originals,
    write_directory,
    write_jsonl,
)
from dedup.config import Config
from dedup.keep import KeepRule, date_fields
from dedup.read.files import check_paths_exist, read_articles
from dedup.read.verbatim import Original
from dedup.read.walk import expand_stdin
from dedup.reading import Reading, Tally
from dedup.removal import Command, removal_script
from dedup.result import Result
from dedup.targets import Inputs, refuse_touching_inputs


def parse_keep(
    ctx: click.Context, param: click.Parameter, values: tuple[str, ...]
) -> list[KeepRule]:
    try:
        return [KeepRule.parse(value) for value in values]
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


@click.command(
    "collapse", short_help="Write the deduplicated corpus: each kept article as it stands."
)
@paths_argument
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path),
    help="Write one JSON Lines line per kept article to this file (- for stdout).",
)
@click.option(
    "--output-dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Write one file per kept article, and manifest.tsv, into this folder.",
)
@click.option(
    "--script",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Instead of a new corpus, write a shell script removing the files whose every "
    "article is a copy, to review and run (- for stdout).",
)
@click.option(
    "--script-command",
    type=click.Choice(["rm", "git-rm"]),
    default="rm",
    show_default=True,
    help="What the --script runs on each file.",
)
@click.option(
    "--keep",
    "keep",
    multiple=True,
    callback=parse_keep,
    metavar="RULE",
    help="Which member of a group stays: canonical (the default), path:GLOB, oldest:FIELD "
    "or newest:FIELD (a date field of JSON records). Repeat to break ties in order.",
)
@click.option(
    "--annotate/--no-annotate",
    default=True,
    show_default=True,
    help='Add a "dedup" field (group, role, copies) to each line --output writes.',
)
@click.option("--force", is_flag=True, help="Replace an existing output.")
@click.option("--dry-run", "-n", is_flag=True, help="Print what would be written; write nothing.")
@click.option("--quiet", "-q", is_flag=True, help="No summary, no warnings.")
@detection_command
def collapse_command(paths: tuple[str, ...], **options: Any) -> None:
    """Write the deduplicated corpus of PATH...: every article that is not a copy, as it
    stands in its file. A JSON record is written verbatim (every field, in its order),
    with a "dedup" field added after its last field that names its group and the copies
    it stands for (--no-annotate leaves it out); an article of a dump or plain file is
    written with its title and text lines as the file has them.

    In each group the canonical article stays, or the member the --keep rules prefer.
    With --script, nothing is collapsed: dedup writes a shell script that removes the
    files holding only copies, for you to read and run.

    Writes are atomic (a temporary file beside the target, renamed into place), an
    existing output is only replaced with --force, and input files are never touched.
    Running dedup scan on the output finds no groups. Exits 0 on success.

    \b
    Examples:
      dedup collapse corpus/ --output deduped.jsonl
      dedup collapse corpus/ --output-dir deduped/ --force
      dedup collapse corpus/ -o deduped.jsonl --keep 'path:wire/*' --keep oldest:date
      dedup collapse corpus/ --script remove.sh --script-command git-rm
      dedup collapse corpus/ --output - --dry-run | jq .dedup.ref
    """
    outputs, keep, quiet = taken(Outputs, options), options.pop("keep"), options.pop("quiet")
    config = build_config(**options)
    check_paths_exist(paths)
    paths = expand_stdin(paths)
    target = outputs.target(paths, config)
    run = Run(config, quiet=quiet)
    articles, result, reading = read_and_find(paths, run)
    done = outputs.write(articles, kept_articles(articles, result, keep, config), target, config)
    run.summary(result, reading=reading)
    if not quiet:
        click.echo(f"dedup: {'would write' if outputs.dry_run else 'wrote'} {done}", err=True)
    sys.exit(EXIT_OK)


def read_and_find(paths: Sequence[str], run: Run) -> tuple[list[Article], Result, Reading]:
    """The articles under ``paths``, their groups of copies, and what was read."""
    from dedup.engine.run import find_duplicates

    config, warn, tally = run.config, run.warn, Tally()
    with run.progress() as bar, signature_cache(config, paths, quiet=run.quiet) as cache:
        articles = list(read_articles(paths, config, on_warning=warn, tally=tally))
        result = find_duplicates(articles, config, progress=bar, cache=cache, on_warning=warn)
    return articles, result, tally.reading(len(articles))


def kept_articles(
    articles: Sequence[Article], result: Result, keep: Sequence[KeepRule], config: Config
) -> Iterator[Kept]:
    """The articles that stay, the ``--keep`` rules choosing in each group (their date
    rules read the JSON records of the grouped articles)."""
    records = member_records(articles, result, config) if date_fields(keep) else {}
    return collapse(articles, result, keep, lambda a: records.get((a.path, a.index)))


@dataclass(frozen=True)
class Outputs:
    """The output asked for (exactly one of --output, --output-dir and --script), and how
    to write it."""

    output: Path | None
    output_dir: Path | None
    script: Path | None
    script_command: Command
    annotate: bool
    force: bool
    dry_run: bool

    def target(self, paths: Sequence[str], config: Config) -> Path:
        """The one output asked for, once it is known to touch no input and to replace
        nothing without ``--force``."""
        named = [t for t in (self.output, self.output_dir, self.script) if t is not None]
        if len(named) != 1:
            raise click.UsageError(
                "give exactly one of --output FILE, --output-dir DIR or --script FILE"
            )
        (target,) = named
        folder = self.output_dir is not None
        if str(target) != "-":
            refuse_touching_inputs(target, Inputs.of(paths, config), folder=folder)
        if str(target) != "-" and not self.dry_run:
            check_target(target, force=self.force, folder=folder)
        return target

    def write(
        self, articles: Sequence[Article], kept: Iterable[Kept], target: Path, config: Config
    ) -> str:
        """Write (or, on a dry run, print) the output; say what it holds."""
        if self.script is not None:
            return self.write_script(articles, kept, self.script)
        count = self.write_articles(with_originals(kept, config))
        return f"{plural(count, 'article')} to {target}"

    def write_articles(self, items: Iterable[tuple[Kept, Original]]) -> int:
        """Write (or, on a dry run, print) the kept articles; return how many."""
        output, output_dir, annotate = self.output, self.output_dir, self.annotate
        if output is not None and (self.dry_run or str(output) == "-"):
            return print_lines(to_json_line(k, o, annotate=annotate) for k, o in items)
        if output is not None:
            return write_jsonl(items, output, force=self.force, annotate=annotate)
        assert output_dir is not None
        if self.dry_run:
            return print_files(items, output_dir)
        return write_directory(items, output_dir, force=self.force)

    def write_script(self, articles: Sequence[Article], kept: Iterable[Kept], path: Path) -> str:
        """Write (or print) the removal script; say what it covers."""
        script = removal_script(articles, kept, self.script_command, os.getcwd())
        if self.dry_run or str(path) == "-":
            print_lines([script.text])
        else:
            with atomic_file(path, force=self.force) as handle:
                handle.write(script.text)
        done = f"{path}, a script removing {plural(script.removed, 'file')}"
        if script.kept_files:
            files = plural(script.kept_files, "file")
            verb = "is" if script.kept_files == 1 else "are"
            done += (
                f"; {files} holding copies beside kept articles {verb} listed in it, not removed"
            )
        return done


def print_lines(lines: Iterable[str]) -> int:
    stream = results_stream()
    count = 0
    for line in lines:
        stream.write(line)
        count += 1
    return count


def print_files(items: Iterable[tuple[Kept, Original]], folder: Path) -> int:
    """One line per file a real run would write: path, kept ref, copies, title."""
    count = 0
    for count, (kept, original) in enumerate(items, start=1):
        name = folder / file_name(count, kept, original)
        results_stream().write(
            format_row((str(name), kept.article.ref, str(len(kept.dropped())), kept.article.title))
        )
    return count

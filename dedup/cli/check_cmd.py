"""``dedup check``: do these files copy each other or anything already in the corpus?

Made for pre-commit, which passes any subset of the staged files, in several batches:
every batch is compared with the whole corpus. Nothing is written inside the repository.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator, Sequence
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
from dedup.cli.output import progress_bar
from dedup.config import Config
from dedup.engine.check import check_files
from dedup.read.files import check_paths_exist
from dedup.read.walk import matches_any
from dedup.render import escape_name, escape_undecodable
from dedup.result import Match


@click.command("check", short_help="Pre-commit: report given files that copy the corpus.")
@click.argument("files", nargs=-1, metavar="FILE...")
@click.option(
    "--corpus-root",
    type=click.Path(file_okay=False, exists=True),
    help="Folder holding the corpus [default: the git repository, else the current folder].",
)
@click.option("--quiet", "-q", is_flag=True, help="Print findings only: no warnings.")
@detection_options
@config_options
@handle_errors
def check(
    files: tuple[str, ...],
    corpus_root: str | None,
    quiet: bool,
    config_file: Path | None,
    **settings: Any,
) -> None:
    """Report articles in FILE... that duplicate each other or anything in the corpus,
    as path:line: "<title>" duplicates path:line (similarity 0.97).

    Files that the include/exclude globs leave out are skipped, so the pre-commit hook
    can pass every staged text file. Exits 1 when a duplicate is found, else 0.

    \b
    Examples:
      dedup check new/story.txt
      git diff --cached --name-only | xargs dedup check
    """
    config = build_config(config_file, corpus_root=corpus_root, **settings)
    check_paths_exist(files)
    warn = Warnings(quiet=quiet)
    wanted = list(select_files(files, config))
    if not wanted:
        sys.exit(EXIT_OK)
    root = display_path(find_corpus_root(config))
    with (
        progress_bar(quiet=quiet) as bar,
        open_stores(config, (*files, root), quiet=quiet) as found,
    ):
        matches = check_files(wanted, config, *found, root=root, on_warning=warn, progress=bar)
    warn.finish()
    code = EXIT_FOUND if matches else EXIT_OK
    reached(code)
    for match in sorted(matches, key=sort_key):
        click.echo(format_match(match))
    sys.exit(code)


def select_files(files: Sequence[str], config: Config) -> Iterator[str]:
    """The given files that the include/exclude globs let in."""
    for path in files:
        parts = Path(path).parts
        if not matches_any(Path(path).name, config.include):
            continue
        if not any(matches_any(part, config.all_exclude) for part in parts):
            yield path


def find_corpus_root(config: Config) -> Path:
    """``corpus_root`` from configuration, else the git work tree, else the current folder."""
    if config.corpus_root:
        root = Path(config.corpus_root)
        if not root.is_dir():
            raise click.UsageError(f"corpus root {config.corpus_root!r} is not a folder")
        return root
    try:
        found = subprocess.run(
            ["git", "rev-parse", "--show-toplevel"],
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return Path.cwd()
    return Path(found.stdout.strip())


def display_path(root: Path) -> str:
    """``root`` relative to the current folder when that is shorter, so output stays short."""
    relative = os.path.relpath(root)
    return relative if len(relative) < len(str(root)) else str(root)


def sort_key(match: Match) -> tuple[str, int, str, int]:
    return (match.article.path, match.article.line, match.original.path, match.original.line)


def format_match(match: Match) -> str:
    """path:line: "<title>" duplicates path:line (similarity 0.97); a trimmed or padded
    copy found by containment also shows how much of it the other text holds. Locations
    are escaped as names (see :func:`dedup.render.escape_name`), so a match is one line."""
    title = escape_undecodable(" ".join(match.article.title.split()))
    scores = f"similarity {match.score.similarity:.2f}"
    if match.score.rule == "containment":
        scores += f", containment {match.score.containment:.2f}"
    article, original = escape_name(match.article.location), escape_name(match.original.location)
    return f'{article}: "{title}" duplicates {original} ({scores})'

"""``dedup check``: do these files copy each other or anything already in the corpus?

Made for pre-commit, which passes any subset of the staged files, in several batches:
every batch is compared with the whole corpus. Only the articles a change adds can fail
(see :func:`dedup.engine.check.new_articles`), and pairs a baseline file lists are
accepted (:mod:`dedup.engine.baseline`). Nothing is written inside the repository but a
baseline the user asks for.

A hook waits for every check, so the corpus is walked in a child process forked as soon
as the settings are known (:class:`dedup.read.ahead.WalkAhead`), while this one imports
the engine; the renderers are imported where they are used, after the fork.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from dedup.cli.common import EXIT_OK, Run, build_config, exit_code
from dedup.cli.options import detection_command
from dedup.config import Config
from dedup.engine.baseline import Baseline, accepted_and_not, read_baseline, write_baseline
from dedup.errors import DedupError
from dedup.read.ahead import WalkAhead
from dedup.read.committed import is_revision, repository_top
from dedup.read.walk import check_paths_exist, matches_any
from dedup.reading import Tally

if TYPE_CHECKING:
    from dedup.result import Match


@click.command("check", short_help="Pre-commit: report given files that copy the corpus.")
@click.argument("files", nargs=-1, metavar="FILE...")
@click.option(
    "--corpus-root",
    type=click.Path(file_okay=False, exists=True),
    help="Folder holding the corpus [default: the git repository, else the current folder].",
)
@click.option(
    "--base",
    metavar="REV",
    help="An article that REV's version of its file already held is not new and cannot "
    "fail the check [default: HEAD; under pre-commit run --from-ref, that ref].",
)
@click.option(
    "--all",
    "all_articles",
    is_flag=True,
    help="Check every article of FILE..., also those the last commit already held.",
)
@click.option(
    "--baseline",
    type=click.Path(dir_okay=False),
    help="Do not report the pairs this file accepts (written by --write-baseline).",
)
@click.option(
    "--write-baseline",
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="Write every finding to FILE as accepted, and exit 0; FILE must not exist yet.",
)
@click.option(
    "--update-baseline",
    is_flag=True,
    help="Add every finding to the baseline file (--baseline or the baseline setting), and exit 0.",
)
@click.option("--quiet", "-q", is_flag=True, help="Print findings only: no warnings.")
@detection_command
def check(files: tuple[str, ...], **options: Any) -> None:
    """Report articles in FILE... that duplicate each other or anything in the corpus,
    as path:line: "<title>" duplicates path:line (similarity 0.97); each pair once.

    Only what a change adds can fail: an article whose file held the same text
    (after normalisation) at the last commit is compared as part of the corpus, not
    checked (--all checks it; dedup scan shows every old duplicate). Pairs listed in
    the baseline file are accepted and not reported.

    Files that the include/exclude globs leave out are skipped, so the pre-commit hook
    can pass every staged file. Exits 1 when a duplicate is found, else 0.

    \b
    Examples:
      dedup check new/story.txt
      git diff --cached --name-only | xargs dedup check
      dedup check --all --write-baseline .dedup-baseline.json $(git ls-files)
    """
    quiet, everything, base = options.pop("quiet"), options.pop("all_articles"), options.pop("base")
    write, update = options.pop("write_baseline"), options.pop("update_baseline")
    config = build_config(**options)
    plan = BaselinePlan.of(config, write, update)
    check_paths_exist(files)
    run = Run(config, quiet=quiet)
    wanted = [f for f in select_files(files, config) if not plan.holds(f)]
    revision = None if everything else base_revision(base)
    tally = Tally()
    matches = find_matches(files, wanted, run, revision, plan, tally) if wanted else []
    run.warn.finish()
    code = plan.finish(matches, quiet=quiet)
    if wanted and not quiet:  # after the findings: a closed pipe ends the run before it
        from dedup.cli.output import describe_read, echo_skipped

        reading = tally.reading(tally.articles)
        click.echo(f"dedup: {describe_read(reading)} in {run.seconds():.1f}s", err=True)
        echo_skipped(reading)
    sys.exit(code)


def find_matches(
    files: Sequence[str],
    wanted: Sequence[str],
    run: Run,
    revision: str | None,
    plan: BaselinePlan,
    tally: Tally,
) -> list[Match]:
    """What the ``wanted`` files (of those given, ``files``) copy in the corpus or in each
    other, in articles that are new since ``revision`` (all when None)."""
    config = run.config
    root = display_path(find_corpus_root(config))
    with WalkAhead([root], config, tidy=True) as corpus_walk:  # forked before the engine loads
        from dedup.engine.check import check_files

        with run.progress() as bar, run.stores((*files, root)) as found:
            return check_files(
                wanted,
                config,
                *found,
                root=root,
                base=revision,
                leave_out=plan.files,
                on_warning=run.warn,
                progress=bar,
                tally=tally,
                walked=corpus_walk.result,
            )


def base_revision(base: str | None) -> str:
    """``--base``, else the ref ``pre-commit run --from-ref`` names, else ``HEAD``; one
    named (not the default ``HEAD``, which a repository without commits lacks) must exist."""
    named = base or os.environ.get("PRE_COMMIT_FROM_REF")
    if named is None:
        return "HEAD"
    if not is_revision(named):
        where = "--base" if base else "PRE_COMMIT_FROM_REF"
        raise click.UsageError(f"{where}: {named!r} names no commit of this repository")
    return named


def select_files(files: Sequence[str], config: Config) -> Iterator[str]:
    """The given files that the include/exclude globs let in."""
    for path in files:
        parts = Path(path).parts
        if not matches_any(Path(path).name, config.include):
            continue
        if not any(matches_any(part, config.all_exclude) for part in parts):
            yield path


@dataclass(frozen=True)
class BaselinePlan:
    """What a run does with baselines: the pairs it accepts (read from ``source``), and
    where it writes the findings as accepted (``target``, replaced only if ``replace``)."""

    source: Path | None = None
    accepted: Baseline = field(default_factory=Baseline)
    target: Path | None = None
    replace: bool = False

    @classmethod
    def of(cls, config: Config, write: str | None, update: bool) -> BaselinePlan:
        """Read the baseline the settings name; check that a baseline to write may be written."""
        source = Path(config.baseline) if config.baseline else None
        if write is not None and update:
            raise click.UsageError("use --write-baseline FILE or --update-baseline, not both")
        if update:
            if source is None:
                raise click.UsageError(
                    "--update-baseline needs a baseline file: --baseline FILE or the "
                    "baseline setting"
                )
            accepted = read_baseline(source) if os.path.lexists(source) else Baseline()
            return cls(source, accepted, source, replace=True)
        if write is not None:
            if os.path.lexists(write):
                raise DedupError(
                    f"{write}: already exists; use --update-baseline to add to it, "
                    "or remove it first"
                )
            return cls(source, Baseline(), Path(write))
        return cls(source, read_baseline(source) if source else Baseline())

    @property
    def files(self) -> tuple[str, ...]:
        """The baseline files, which are never read as articles."""
        return tuple(str(p) for p in (self.source, self.target) if p is not None)

    def holds(self, path: str) -> bool:
        return os.path.realpath(path) in {os.path.realpath(f) for f in self.files}

    def finish(self, matches: Sequence[Match], *, quiet: bool) -> int:
        """Write the baseline, or print the findings it does not accept; the exit code."""
        from dedup.cli.output import plural

        if self.target is not None:
            written = (self.accepted if self.replace else Baseline()).adding(matches)
            write_baseline(written, self.target, replace=self.replace)
            added = len(written.entries) - (len(self.accepted.entries) if self.replace else 0)
            if not quiet:
                total = plural(len(written.entries), "accepted pair")
                click.echo(f"dedup: wrote {total} to {self.target} ({added} new)", err=True)
            return EXIT_OK
        accepted, shown = accepted_and_not(matches, self.accepted)
        code = exit_code(bool(shown))
        for match in sorted(shown, key=sort_key):
            click.echo(format_match(match))
        if accepted and not quiet:
            known = plural(len(accepted), "pair")
            click.echo(f"dedup: {known} accepted by {self.source} not shown", err=True)
        return code


def find_corpus_root(config: Config) -> Path:
    """``corpus_root`` from configuration, else the git work tree, else the current folder."""
    if config.corpus_root:
        root = Path(config.corpus_root)
        if not root.is_dir():
            raise click.UsageError(f"corpus root {config.corpus_root!r} is not a folder")
        return root
    top = repository_top(".")
    return Path(top) if top is not None else Path.cwd()


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
    from dedup.render import escape_name, escape_undecodable

    title = escape_undecodable(" ".join(match.article.title.split()))
    scores = f"similarity {match.score.similarity:.2f}"
    if match.score.rule == "containment":
        scores += f", containment {match.score.containment:.2f}"
    article, original = escape_name(match.article.location), escape_name(match.original.location)
    return f'{article}: "{title}" duplicates {original} ({scores})'

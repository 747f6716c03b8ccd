"""Output helpers the commands share: format choice, colour, progress bar, summary, table."""

from __future__ import annotations

import codecs
import contextlib
import os
import sys
import time
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, TextIO

import click

from dedup.progress import ProgressCallback
from dedup.reading import UNITS, Reading
from dedup.render import RenderOptions, escape_bytes, escape_name, escape_undecodable
from dedup.render.groups import RENDERERS, Renderer
from dedup.result import Group, Member, Result

if TYPE_CHECKING:  # rich loads when a table or a progress bar is drawn (pipes need neither)
    from rich.console import Console
    from rich.progress import Progress, TaskID
    from rich.table import Table


def wants_color(stream: TextIO) -> bool:
    """Colour only on a terminal, never when ``NO_COLOR`` is set or ``TERM=dumb``."""
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def make_console(stream: TextIO) -> Console:
    """A rich console on ``stream`` that honours ``NO_COLOR`` and pipes."""
    from rich.console import Console

    color = wants_color(stream)
    return Console(
        file=stream,
        no_color=not color,
        color_system="auto" if color else None,
        highlight=False,
        emoji=False,
        force_terminal=color or None,
    )


def _escape_unencodable(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeEncodeError):
        raise error
    return escape_bytes(error.object[error.start : error.end]), error.end


#: The stdout error handler: what the encoding cannot hold is written as ``\\xNN`` escapes
#: of its UTF-8 bytes, the escapes file names use (docs/formats.md).
UNENCODABLE = "dedup.escape"
codecs.register_error(UNENCODABLE, _escape_unencodable)


def results_stream() -> TextIO:
    """stdout, set to write what its encoding cannot hold (``é`` on an ASCII stdout) as
    ``\\xNN`` escapes of its UTF-8 bytes instead of failing."""
    reconfigure = getattr(sys.stdout, "reconfigure", None)
    if reconfigure is not None:
        reconfigure(errors=UNENCODABLE)
    return sys.stdout


def write_names(names: Iterable[str], stream: TextIO, *, null: bool) -> None:
    """One name per line, escaped (see :func:`dedup.render.escape_name`); with ``null``,
    each ended by NUL and written as the file system's own bytes, as ``find -print0`` does."""
    binary = getattr(stream, "buffer", None) if null else None
    if binary is None:
        for name in names:
            stream.write(escape_name(name) + ("\0" if null else "\n"))
        return
    stream.flush()
    for name in names:
        binary.write(os.fsencode(name) + b"\0")
    binary.flush()


def choose_format(requested: str | None, stream: TextIO) -> str:
    """The format asked for, else a table on a terminal and TSV on a pipe."""
    if requested:
        return requested
    isatty = getattr(stream, "isatty", None)
    return "table" if isatty and isatty() else "tsv"


def render_table(result: Result, stream: TextIO, options: RenderOptions) -> None:
    """A rich table per group, printed as each group comes: canonical first, then copies."""
    console = make_console(stream)
    for group in result.groups:
        console.print(group_table(group))


def titled_table(title: str) -> Table:
    """A table with a title above it and a rule under its header: every table dedup draws."""
    from rich import box
    from rich.table import Table

    return Table(
        title=title, title_justify="left", box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False
    )


def group_table(group: Group) -> Table:
    """One group: the canonical article (bold), then each copy with its scores."""
    from rich.text import Text

    table = titled_table(f"group {group.id} · {group.size} articles")
    table.add_column("location", no_wrap=True)
    table.add_column("source", overflow="ellipsis", no_wrap=True, max_width=16)
    table.add_column("sim", justify="right", no_wrap=True)
    table.add_column("cont", justify="right", no_wrap=True)
    table.add_column("match", no_wrap=True)
    table.add_column("title", overflow="fold", min_width=16)
    canonical = group.canonical
    table.add_row(
        Text(escape_name(canonical.location)),
        Text(escape_undecodable(canonical.source or "")),
        "",
        "",
        "canonical",
        Text(escape_undecodable(canonical.title)),
        style="bold",
    )
    for member in group.copies:
        copy, score = member.article, member.score
        table.add_row(
            Text(escape_name(copy.location)),
            Text(escape_undecodable(copy.source or "")),
            f"{score.similarity:.2f}",
            f"{score.containment:.2f}",
            Text(describe_match(member)),
            Text(escape_undecodable(copy.title)),
        )
    return table


def describe_match(member: Member) -> str:
    """How a member joined, for people: the rule, or the relation and whom it came through."""
    if member.via is not None:
        return f"version via {escape_name(member.via.location)}"
    return member.rule or ""


#: Every ``dedup scan --format``: the core's machine formats plus the rich table.
FORMATS: Mapping[str, Renderer] = {"table": render_table, **RENDERERS}


#: Seconds a run must last before its progress bar appears.
PROGRESS_DELAY = 0.5


@contextlib.contextmanager
def progress_bar(*, quiet: bool) -> Iterator[ProgressCallback | None]:
    """A progress callback drawing on stderr, or None when quiet or stderr is not a terminal."""
    if quiet or not sys.stderr.isatty():
        yield None
        return
    bar = _progress()
    tasks: dict[str, TaskID] = {}
    started = time.monotonic()

    def report(stage: str, done: int, total: int | None) -> None:
        # Short runs finish before the bar would be worth drawing.
        if not bar.live.is_started and time.monotonic() - started >= PROGRESS_DELAY:
            bar.start()
        if stage not in tasks:
            tasks[stage] = bar.add_task(stage, total=total)
        bar.update(tasks[stage], completed=done, total=total)

    try:
        yield report
    finally:
        bar.stop()


def _progress() -> Progress:
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    console = Console(file=sys.stderr, no_color=not wants_color(sys.stderr))
    columns = (
        SpinnerColumn(),
        TextColumn("{task.description:<10}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    return Progress(*columns, console=console, transient=True)


def plural(count: int, word: str, words: str | None = None) -> str:
    """``1 group``, ``2 groups``, ``3 copies``: a count with its noun."""
    return f"{count:,} {word if count == 1 else words or word + 's'}"


def echo_summary(
    result: Result, seconds: float, *, quiet: bool, reading: Reading | None = None
) -> None:
    """On stderr: articles and files read, groups, copies, time; then, when something was
    skipped, what and why (``reading``, else the result's own)."""
    if quiet:
        return
    reading = reading or result.stats.reading
    click.echo(
        f"dedup: {describe_read(reading)}, {plural(len(result.groups), 'group')}, "
        f"{plural(result.copies, 'copy', 'copies')} in {seconds:.1f}s",
        err=True,
    )
    echo_skipped(reading)


def describe_read(reading: Reading) -> str:
    """``34 articles read from 13 files``."""
    return f"{plural(reading.articles, 'article')} read from {plural(reading.files, 'file')}"


def echo_skipped(reading: Reading) -> None:
    """One line on stderr saying what was skipped and why, when anything was."""
    if reading.any_skipped:
        click.echo(f"dedup: {describe_skipped(reading)}", err=True)


def describe_skipped(reading: Reading) -> str:
    """``skipped 3 files (2 left out by --include, 1 empty) and 4 records (4 no text)``."""
    parts = []
    for unit in UNITS:
        reasons = reading.skipped.get(unit, {})
        if reasons:
            ordered = sorted(reasons.items(), key=lambda item: (-item[1], item[0]))
            why = ", ".join(f"{count:,} {reason}" for reason, count in ordered)
            parts.append(f"{plural(reading.count(unit), unit)} ({why})")
    listed = ", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else parts[0]
    return f"skipped {listed}"

"""``dedup cache info|clear``: look at or empty the persistent signature cache."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from dedup.cli.common import EXIT_OK, build_config, echo_warning, handle_errors
from dedup.cli.options import config_file_option, stacked
from dedup.errors import DedupError

if TYPE_CHECKING:  # the stores load numpy and sqlite3: imported where a command runs
    from dedup.store.signatures import CacheInfo


class UsageRefused(DedupError):
    """A destructive command was not confirmed."""


def _render_table(info: CacheInfo) -> str:
    lines = [
        f"path  {info.path}",
        f"size  {format_size(info.size_bytes)}",
        f"rows  {info.rows}",
    ]
    if info.rows_by_params:
        width = max(len(name) for name in info.rows_by_params)
        lines.append("rows by parameters:")
        lines += [f"  {name:<{width}}  {n}" for name, n in info.rows_by_params.items()]
    return "\n".join(lines)


def _render_json(info: CacheInfo) -> str:
    return json.dumps(info.to_dict(), indent=2)


#: ``--format`` name → renderer of a ``CacheInfo``.
RENDERERS: dict[str, Callable[[CacheInfo], str]] = {"table": _render_table, "json": _render_json}


def format_size(size: int) -> str:
    """Bytes in a readable unit, e.g. ``76.3 MB``."""
    if size < 1000:
        return f"{size} bytes"
    value = size / 1000
    for unit in ("KB", "MB"):
        if value < 1000:
            return f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} GB"


#: Where the cache is: ``--config`` and ``--cache-path``.
location_options = stacked(
    config_file_option,
    click.option(
        "--cache-path",
        type=click.Path(dir_okay=False),
        help="The cache file. Default: signatures.sqlite in the user's cache directory.",
    ),
)


@click.group("cache")
def cache_group() -> None:
    """Inspect or empty the signature cache.

    dedup keeps the MinHash signature of every article it has read, keyed by the
    article's normalised text and the settings that shape a signature, so a re-scan
    of an unchanged corpus reads signatures instead of computing them.
    """


@cache_group.command("info")
@location_options
@click.option(
    "--format",
    "output_format",
    type=click.Choice(sorted(RENDERERS)),
    default="table",
    show_default=True,
    help="How to print the figures.",
)
@handle_errors
def info_command(config_file: Path | None, cache_path: str | None, output_format: str) -> None:
    """Show the cache's location, size on disk and signature counts."""
    from dedup.store.signatures import CacheInfo, SignatureCache

    path = SignatureCache.location(build_config(config_file, cache_path=cache_path))
    if path.exists():
        with SignatureCache(path, on_warning=echo_warning) as cache:
            info = cache.info()
    else:
        info = CacheInfo(path, 0, 0, {})
    click.echo(RENDERERS[output_format](info))
    sys.exit(EXIT_OK)


@cache_group.command("clear", short_help="Remove every signature and the scan index.")
@location_options
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@handle_errors
def clear_command(config_file: Path | None, cache_path: str | None, yes: bool) -> None:
    """Remove every stored signature, and the scan index that dedup scan and check keep.

    Asks first, and removes only on y or yes. Without a terminal to ask on, it
    refuses (exit 2) unless given --yes.
    """
    from dedup.store.scan import store_location
    from dedup.store.signatures import SignatureCache

    config = build_config(config_file, cache_path=cache_path)
    path, scan_index = SignatureCache.location(config), store_location(config)
    if not path.exists() and not scan_index.exists():
        click.echo(f"dedup: no cache at {path}; nothing removed", err=True)
        sys.exit(EXIT_OK)
    if not yes and not confirmed(f"Remove every signature in {path} and the scan index?"):
        click.echo("dedup: nothing removed", err=True)
        sys.exit(EXIT_OK)
    if path.exists():
        with SignatureCache(path, on_warning=echo_warning) as cache:
            removed = cache.clear()
        click.echo(f"dedup: removed {removed} signatures from {path}", err=True)
    if scan_index.exists():
        for part in (scan_index, *(Path(f"{scan_index}{s}") for s in ("-wal", "-shm"))):
            part.unlink(missing_ok=True)
        click.echo(f"dedup: removed the scan index {scan_index}", err=True)
    sys.exit(EXIT_OK)


def confirmed(question: str) -> bool:
    """The user's answer to ``question`` on the terminal: only ``y`` or ``yes`` agree.

    Without a terminal there is nobody to ask: that is an error, not a yes.
    """
    if not stdin_is_terminal():
        raise UsageRefused(
            "cache clear removes every stored signature and index; "
            "no terminal to ask on, so pass --yes to confirm"
        )
    click.echo(f"{question} [y/N] ", err=True, nl=False)
    answer = sys.stdin.readline()
    return answer.strip().casefold() in ("y", "yes")


def stdin_is_terminal() -> bool:
    return sys.stdin.isatty()

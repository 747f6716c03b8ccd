"""The options commands share, the decorators that add them, and how a command's options
become the frozen objects its body works with."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from dedup.cli.common import handle_errors
from dedup.config import GROUPINGS, Config

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

DEFAULTS = Config()

F = TypeVar("F", bound=Callable[..., Any])
D = TypeVar("D", bound="DataclassInstance")


def stacked(*decorators: Callable[[Any], Any]) -> Callable[[F], F]:
    """One decorator that applies ``decorators`` as if written one above the other."""

    def apply(func: F) -> F:
        for decorator in reversed(decorators):
            func = decorator(func)
        return func

    return apply


def taken(kind: type[D], options: dict[str, Any]) -> D:
    """A ``kind`` (a frozen dataclass of a command's choices) made of the options its
    fields name, taken out of ``options``: what is left are settings for the config."""
    chosen = {field.name: options.pop(field.name) for field in dataclasses.fields(kind)}
    made: D = kind(**chosen)
    return made


#: ``PATH...``: the files and folders a command reads (``-`` for paths on stdin).
paths_argument = click.argument("paths", nargs=-1, required=True, metavar="PATH...")


def format_option(formats: Iterable[str]) -> Callable[[F], F]:
    """``--format/-f``: one of ``formats``; the command picks a table or TSV when unset."""
    return click.option(
        "--format",
        "-f",
        "output_format",
        type=click.Choice(sorted(formats)),
        help="Output format [default: table on a terminal, tsv on a pipe].",
    )


#: ``--config``: the settings file, for every command that reads settings.
config_file_option = click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Read settings from this TOML file instead of the nearest "
    "dedup.toml / pyproject.toml [tool.dedup].",
)

#: Options that set reading configuration, shared by every command that reads articles.
config_options = stacked(
    config_file_option,
    click.option(
        "--include",
        multiple=True,
        metavar="GLOB",
        help="Only read files whose name matches GLOB (repeatable). "
        "Default: *.txt *.md *.jsonl *.json *.html *.htm and their .gz.",
    ),
    click.option(
        "--exclude",
        "extra_exclude",
        multiple=True,
        metavar="GLOB",
        help="Also skip files and folders whose name or path matches GLOB (repeatable); "
        "adds to the default exclusions (.git, node_modules, ...).",
    ),
    click.option(
        "--records-html/--no-records-html",
        "records_html",
        default=None,
        help="Read JSON record texts that are HTML as web pages, keeping only the "
        "article (as .html files are read) [default: no-records-html].",
    ),
)


#: Options that tune detection and running, shared by scan, check, collapse, explain and
#: report; each maps to the ``Config`` field of the same name, and unset options leave it
#: alone.
detection_options = stacked(
    click.option(
        "--similarity",
        "--threshold",
        "similarity",
        type=float,
        metavar="0..1",
        help="Minimum similarity of two whole texts to count as copies "
        f"[default: {DEFAULTS.similarity}].",
    ),
    click.option(
        "--containment",
        type=float,
        metavar="0..1",
        help="Minimum share of the shorter text's shingles found in the longer "
        f"[default: {DEFAULTS.containment}].",
    ),
    click.option(
        "--coverage",
        type=float,
        metavar="0..1",
        help="With --containment: minimum share of the shorter text's words found in "
        f"order in the longer [default: {DEFAULTS.coverage}].",
    ),
    click.option(
        "--min-words",
        type=int,
        metavar="N",
        help="Texts shorter than N words must be near-identical under the same title to "
        f"count as copies [default: {DEFAULTS.min_words}].",
    ),
    click.option(
        "--number-overlap",
        type=float,
        metavar="0..1",
        help="Minimum share of the shorter text's figures a copy keeps unchanged "
        f"[default: {DEFAULTS.number_overlap}].",
    ),
    click.option(
        "--boilerplate-min-docs",
        type=int,
        metavar="N",
        help="A paragraph found in N or more articles, mostly about different stories, is "
        f"boilerplate, left out of comparison [default: {DEFAULTS.boilerplate_min_docs}].",
    ),
    click.option(
        "--junk-pattern",
        "extra_junk_patterns",
        multiple=True,
        metavar="REGEX",
        help="Also leave out of comparison paragraphs or sentences matching REGEX "
        "(repeatable; matched against normalised, lower-case text).",
    ),
    click.option(
        "--lsh-threshold",
        type=float,
        metavar="0..0.9",
        help="LSH midpoint for whole-text candidates; lower proposes more pairs "
        f"[default: {DEFAULTS.lsh_threshold}].",
    ),
    click.option(
        "--grouping",
        type=click.Choice(GROUPINGS),
        help="story: one group per story, with every copy and version of it; copies: "
        f"only near-identical copies of the canonical [default: {DEFAULTS.grouping}].",
    ),
    click.option(
        "--chain-containment",
        type=float,
        metavar="0..1",
        help="With --grouping story: minimum share of its shingles a member joined through "
        f"another shares with the canonical [default: {DEFAULTS.chain_containment}].",
    ),
    click.option(
        "--shingle-size",
        type=int,
        metavar="N",
        help=f"Words per shingle [default: {DEFAULTS.shingle_size}].",
    ),
    click.option(
        "--num-perm",
        type=int,
        metavar="N",
        help=f"MinHash permutations [default: {DEFAULTS.num_perm}].",
    ),
    click.option(
        "--seed",
        type=int,
        metavar="N",
        help=f"MinHash seed [default: {DEFAULTS.seed}].",
    ),
    click.option(
        "--jobs",
        "-j",
        type=int,
        metavar="N",
        help="Worker processes; 0 means one per CPU [default: 0].",
    ),
    click.option(
        "--cache-path",
        type=click.Path(dir_okay=False),
        help="Where to keep the signature cache [default: the user cache folder].",
    ),
    click.option(
        "--cache/--no-cache",
        "cache",
        default=None,
        help="Reuse signatures of unchanged files between runs [default: cache].",
    ),
)

#: What every command that runs detection ends with: the detection and reading options,
#: then the error mapping of :func:`dedup.cli.common.handle_errors`.
detection_command = stacked(detection_options, config_options, handle_errors)

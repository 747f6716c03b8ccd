"""Renderers for ``dedup scan``: a registry from format name to a function that streams.

Every renderer writes to a text stream as it goes, one group or one line at a time, so
the first line of a huge report appears before the last group is formatted. The rich
table lives in the command line layer (this module never imports rich).
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator, Mapping
from typing import Any, TextIO

from dedup.render import RenderOptions, clean_cell, escape_name, one_line, to_json
from dedup.result import Group, Member, Result

#: Columns of the TSV and CSV formats, in order. Stable: scripts cut on them.
COLUMNS: tuple[str, ...] = (
    "copy_location",
    "canonical_location",
    "similarity",
    "containment",
    "rule",
    "group",
    "copy_ref",
    "canonical_ref",
    "copy_title",
    "canonical_title",
    "relation",
    "via_ref",
)

Renderer = Callable[[Result, TextIO, RenderOptions], None]


def format_score(value: float) -> str:
    """Scores as fixed four-decimal numbers, so ``sort -n`` and eyes agree."""
    return f"{value:.4f}"


def copy_row(group: Group, member: Member) -> tuple[str, ...]:
    """One copy as the values of :data:`COLUMNS`, locations and refs escaped as names."""
    copy, canonical = member.article, group.canonical
    return (
        escape_name(copy.location),
        escape_name(canonical.location),
        format_score(member.score.similarity),
        format_score(member.score.containment),
        member.rule or "",
        str(group.id),
        escape_name(copy.ref),
        escape_name(canonical.ref),
        copy.title,
        canonical.title,
        member.relation,
        escape_name(member.via.ref) if member.via is not None else "",
    )


def iter_rows(result: Result) -> Iterator[tuple[str, ...]]:
    """Every copy of every group as a row, groups in order, copies in group order."""
    for group in result.groups:
        for member in group.copies:
            yield copy_row(group, member)


def render_tsv(result: Result, stream: TextIO, options: RenderOptions) -> None:
    """Tab-separated, one copy per line; a header only when asked for."""
    if options.header:
        stream.write("\t".join(COLUMNS) + "\n")
    for row in iter_rows(result):
        stream.write("\t".join(clean_cell(cell) for cell in row) + "\n")


def render_csv(result: Result, stream: TextIO, options: RenderOptions) -> None:
    """RFC 4180 CSV, one copy per line (line breaks in titles become spaces, as in TSV);
    a header unless ``header`` is False."""
    writer = csv.writer(stream, lineterminator="\n")
    if options.header is not False:
        writer.writerow(COLUMNS)
    for row in iter_rows(result):
        writer.writerow(one_line(cell) for cell in row)


def render_jsonl(result: Result, stream: TextIO, options: RenderOptions) -> None:
    """One JSON object per group per line (see :meth:`dedup.result.Group.to_dict`)."""
    for group in result.groups:
        stream.write(_dumps(group.to_dict(), stream) + "\n")


def render_json(result: Result, stream: TextIO, options: RenderOptions) -> None:
    """One JSON document ``{"schema_version": 1, "parameters": …, "read": …, "skipped": …,
    "groups": […]}``, written a group at a time."""
    head = ",\n ".join(
        f"{_dumps(k, stream)}: {_dumps(v, stream)}" for k, v in result.head().items()
    )
    stream.write("{" + head + ',\n "groups": [')
    for position, group in enumerate(result.groups):
        stream.write(("," if position else "") + "\n  " + _dumps(group.to_dict(), stream))
    stream.write("\n ]}\n" if result.groups else "]}\n")


def _dumps(value: Any, stream: TextIO) -> str:
    return to_json(value, stream, default=_jsonable)


def _jsonable(value: Any) -> Any:
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    return str(value)


def render_html(result: Result, stream: TextIO, options: RenderOptions) -> None:
    """The review page (:mod:`dedup.render.html`, loaded only when a page is asked for)."""
    from dedup.render.html import render_html as render_page

    render_page(result, stream, options)


#: The machine-readable formats and the HTML review page. ``table`` is added by the
#: command line, which owns rich.
RENDERERS: Mapping[str, Renderer] = {
    "tsv": render_tsv,
    "csv": render_csv,
    "jsonl": render_jsonl,
    "json": render_json,
    "html": render_html,
}


def copy_refs(result: Result) -> Iterator[str]:
    """``path#index`` of every non-canonical copy, each once, in report order."""
    seen: set[str] = set()
    for group in result.groups:
        for member in group.copies:
            if member.article.ref not in seen:
                seen.add(member.article.ref)
                yield member.article.ref


def copy_files(result: Result, articles_per_file: Mapping[str, int]) -> Iterator[str]:
    """Files in which every article is a non-canonical copy, sorted: safe to delete whole."""
    copies: dict[str, set[int]] = {}
    for group in result.groups:
        for member in group.copies:
            copies.setdefault(member.article.path, set()).add(member.article.index)
    for path in sorted(copies):
        if len(copies[path]) >= articles_per_file.get(path, 0) > 0:
            yield path

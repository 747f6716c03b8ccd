"""The deduplicated corpus: each kept article as it stands in its file, written atomically.

A kept article is a group's canonical (or the member ``--keep`` rules prefer) or an
article with no copies. JSON records are written verbatim, every field in its order, with
a ``dedup`` field added after the last (unless switched off); articles of dumps and
plain files as their lines stand (see :mod:`dedup.read.verbatim`).

Input files are never touched, and every output is written atomically
(:mod:`dedup.atomic`): an interrupted run leaves the old output or the new one.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from dedup.article import Article
from dedup.atomic import atomic_directory, atomic_file, check_file_target, open_durable
from dedup.config import Config
from dedup.keep import KeepRule, RecordOf, choose
from dedup.read.verbatim import Original, Originals, RecordLine
from dedup.render import clean_cell, escape_name, printable_record
from dedup.result import Group, Member, Result
from dedup.targets import OutputError, refuse_foreign_folder

#: The file inside an ``--output-dir`` folder that says where each article came from.
MANIFEST_NAME = "manifest.tsv"
MANIFEST_COLUMNS = ("file", "role", "ref", "location", "title")
#: The field ``--output`` adds to each record it writes (unless ``--no-annotate``).
NOTE_FIELD = "dedup"
Key = tuple[str, int]


@dataclass(frozen=True)
class Kept:
    """An article that stays in the collapsed corpus and the group it stands for, if any."""

    article: Article
    group: Group | None

    @property
    def role(self) -> str:
        """``unique``, ``canonical``, or ``kept`` (a copy a ``--keep`` rule preferred)."""
        if self.group is None:
            return "unique"
        return "canonical" if _key(self.article) == _key(self.group.canonical) else "kept"

    def dropped(self) -> list[tuple[Article, Member]]:
        """The group's other members, each with the score that joined it: against the
        canonical, or for the canonical itself, the kept member's."""
        if self.group is None:
            return []
        mine = _key(self.article)
        copies = [(m.article, m) for m in self.group.copies if _key(m.article) != mine]
        own = [m for m in self.group.copies if _key(m.article) == mine]
        return [(self.group.canonical, own[0]), *copies] if own else copies


def collapse(
    articles: Iterable[Article],
    result: Result,
    rules: Sequence[KeepRule] = (),
    record_of: RecordOf | None = None,
) -> Iterator[Kept]:
    """The articles that are not copies, in input order, each with its group; in each
    group the member the ``rules`` choose stays (the canonical by default)."""
    chosen: dict[Key, Group] = {}
    dropped: set[Key] = set()
    for group in result.groups:
        members = [group.canonical, *(m.article for m in group.copies)]
        keep = _key(choose(members, rules, record_of or _no_record))
        chosen[keep] = group
        dropped.update(k for k in map(_key, members) if k != keep)
    for article in articles:
        key = _key(article)
        if key not in dropped:
            yield Kept(article, chosen.get(key))


def with_originals(kept: Iterable[Kept], config: Config) -> Iterator[tuple[Kept, Original]]:
    """Each kept article with its original, its file read again (once, in input order)."""
    originals = Originals(config)
    for item in kept:
        yield item, originals.of(item.article)


def member_records(
    articles: Iterable[Article], result: Result, config: Config
) -> dict[Key, dict[str, Any]]:
    """The JSON records of every grouped article that is a record (for ``--keep``'s date
    rules), read in input order."""
    grouped = {
        _key(a) for g in result.groups for a in (g.canonical, *(m.article for m in g.copies))
    }
    originals = Originals(config)
    records: dict[Key, dict[str, Any]] = {}
    for article in articles:
        if article.kind == "record" and _key(article) in grouped:
            original = originals.of(article)
            assert isinstance(original, RecordLine)
            records[_key(article)] = original.record
    return records


def _key(article: Article) -> Key:
    return (article.path, article.index)


def _no_record(article: Article) -> None:
    return None


def annotation(kept: Kept) -> dict[str, Any]:
    """The ``dedup`` field of a written record: where the article came from, its group
    and role, and the copies it stands for."""
    article, group = kept.article, kept.group
    return {
        "group": None if group is None else group.id,
        "role": kept.role,
        "ref": article.ref,
        "location": article.location,
        "kind": article.kind,
        "canonical": None if group is None else group.canonical.ref,
        "copies": [_copy_entry(copy, member) for copy, member in kept.dropped()],
    }


def _copy_entry(copy: Article, member: Member) -> dict[str, Any]:
    return {
        "ref": copy.ref,
        "location": copy.location,
        "source": copy.source,
        "title": copy.title,
        "similarity": round(member.score.similarity, 4),
        "containment": round(member.score.containment, 4),
        "rule": member.rule,
        "relation": member.relation,
        "via": None if member.via is None else member.via.ref,
    }


def to_json_line(kept: Kept, original: Original, *, annotate: bool = True) -> str:
    """The line written for a kept article: a record's own line (with a ``dedup`` field
    added before its closing brace unless ``annotate`` is off), or a dump's or plain
    file's article as a record of its title, text, source and age as they stand."""
    note = annotation(kept) if annotate else None
    if isinstance(original, RecordLine):
        return _with_note(original, None if note is None else printable_record(note)) + "\n"
    record: dict[str, Any] = {
        "title": original.title,
        "text": original.text,
        "source": kept.article.source,
        "age": kept.article.age,
    }
    if note is not None:
        record[NOTE_FIELD] = note
    return json.dumps(printable_record(record), ensure_ascii=False) + "\n"


def _with_note(original: RecordLine, note: dict[str, Any] | None) -> str:
    """The record's line with its ``dedup`` field spliced in after its last field, every
    byte of the record left as it was and the field spaced as the record is. A record
    that already has a ``dedup`` field (a collapsed corpus collapsed again) is written
    anew, that field replaced and the others in their order."""
    if note is None:
        return original.text
    if NOTE_FIELD in original.record:
        return json.dumps({**original.record, NOTE_FIELD: note}, ensure_ascii=False)
    body = original.text.rstrip()
    spaced = ', "' in body or '": ' in body or not original.record
    comma, colon = (", ", ": ") if spaced else (",", ":")
    value = json.dumps(note, ensure_ascii=False, separators=(comma, colon))
    field = f"{json.dumps(NOTE_FIELD)}{colon}{value}"
    return f"{body[:-1]}{comma if original.record else ''}{field}}}"


def to_text(original: Original) -> str:
    """A kept article as a file of its own: a record's line, or the title and text lines."""
    if isinstance(original, RecordLine):
        return original.text + "\n"
    return "\n".join((original.title, *original.body)) + "\n"


def file_name(number: int, kept: Kept, original: Original) -> str:
    """``00001-a-slug-of-the-title.txt``: numbered in input order, readable, unique; a
    record's file is a one-record JSON Lines file, ``.jsonl``."""
    folded = unicodedata.normalize("NFKD", kept.article.title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")[:60].rstrip("-")
    suffix = "jsonl" if isinstance(original, RecordLine) else "txt"
    return f"{number:05d}-{slug or 'article'}.{suffix}"


def manifest_rows(name: str, kept: Kept) -> Iterator[tuple[str, ...]]:
    """Rows of the manifest for one written file: the kept article, then its copies."""
    yield (name, kept.role, kept.article.ref, kept.article.location, kept.article.title)
    for copy, _ in kept.dropped():
        yield (name, "copy", copy.ref, copy.location, copy.title)


def format_row(cells: Sequence[str]) -> str:
    """A tab-separated line whose cells are names (escaped, see
    :func:`dedup.render.escape_name`) but the last, a title (line breaks become spaces)."""
    *names, title = cells
    return "\t".join((*(escape_name(name) for name in names), clean_cell(title))) + "\n"


def write_jsonl(
    items: Iterable[tuple[Kept, Original]], path: Path, *, force: bool = False, annotate: bool
) -> int:
    """Write one line per kept article to ``path`` atomically; return the count."""
    count = 0
    with atomic_file(path, force=force) as handle:
        for kept, original in items:
            handle.write(to_json_line(kept, original, annotate=annotate))
            count += 1
    return count


def write_directory(
    items: Iterable[tuple[Kept, Original]], path: Path, *, force: bool = False
) -> int:
    """Write one file per kept article and a manifest into ``path``; return the count."""
    count = 0
    check_target(path, force=force, folder=True)
    with atomic_directory(path) as folder, _open_manifest(folder) as manifest:
        for count, (kept, original) in enumerate(items, start=1):
            name = file_name(count, kept, original)
            with open_durable(folder / name) as handle:
                handle.write(to_text(original))
            for row in manifest_rows(name, kept):
                manifest.write(format_row(row))
    return count


def check_target(path: Path, *, force: bool, folder: bool = False) -> None:
    """Refuse an output that exists (unless ``force``) or whose folder is missing; a
    folder only when it is empty or a previous ``--output-dir``."""
    if not folder:
        check_file_target(path, force=force)
        return
    if not path.parent.is_dir():
        raise OutputError(f"{path}: folder {str(path.parent)!r} does not exist")
    if path.exists() and not path.is_dir():
        raise OutputError(f"{path}: exists and is not a folder")
    if path.exists() and not force and any(path.iterdir()):
        raise OutputError(f"{path}: already exists; use --force to replace it")
    refuse_foreign_folder(path, is_collapse_output)


def is_collapse_output(folder: Path) -> bool:
    """Whether ``folder`` holds what ``write_directory`` writes and nothing else: a manifest
    with its header, and only files the manifest lists."""
    try:
        with open(folder / MANIFEST_NAME, encoding="utf-8") as manifest:
            rows = [line.rstrip("\n").split("\t") for line in manifest]
        entries = {entry.name for entry in os.scandir(folder)}
    except (OSError, UnicodeDecodeError):
        return False
    if not rows or tuple(rows[0]) != MANIFEST_COLUMNS:
        return False
    listed = {row[0] for row in rows[1:]}
    return all(name == MANIFEST_NAME or name in listed for name in entries)


@contextlib.contextmanager
def _open_manifest(folder: Path) -> Iterator[TextIO]:
    with open_durable(folder / MANIFEST_NAME) as manifest:
        manifest.write(format_row(MANIFEST_COLUMNS))
        yield manifest

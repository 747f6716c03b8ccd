"""The deduplicated corpus: one record per canonical or unique article, written atomically.

Input files are never touched. Every write goes to a temporary file (or folder) beside
the target, is flushed to disk and then renamed over it, so an interrupted run leaves
either the old output or the new one, never half of one. A write that fails (a full disk,
an I/O error) removes the temporary file and is an :class:`OutputError` naming the target.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import tempfile
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from dedup.article import Article
from dedup.engine.spill import process_alive
from dedup.render import clean_cell, escape_name, printable_record
from dedup.result import Group, Result
from dedup.targets import OutputError, refuse_foreign_folder

#: The file inside an ``--output-dir`` folder that says where each article came from.
MANIFEST_NAME = "manifest.tsv"
MANIFEST_COLUMNS = ("file", "role", "ref", "location", "title")


@dataclass(frozen=True)
class Kept:
    """An article that stays in the collapsed corpus and the group it stands for, if any."""

    article: Article
    group: Group | None

    @property
    def role(self) -> str:
        return "unique" if self.group is None else "canonical"


def collapse(articles: Iterable[Article], result: Result) -> Iterator[Kept]:
    """The articles that are not copies, in input order, each with its group."""
    groups = {(g.canonical.path, g.canonical.index): g for g in result.groups}
    copies = {(m.article.path, m.article.index) for g in result.groups for m in g.copies}
    for article in articles:
        key = (article.path, article.index)
        if key not in copies:
            yield Kept(article, groups.get(key))


def to_record(kept: Kept) -> dict[str, Any]:
    """The JSON Lines record of a kept article; ``dedup scan`` reads it back as an article."""
    article = kept.article
    copies = kept.group.copies if kept.group else ()
    return {
        "title": article.title,
        "text": "\n".join(article.body),
        "source": article.source,
        "age": article.age,
        "origin": {"ref": article.ref, "location": article.location, "kind": article.kind},
        "copies": [
            {
                "ref": m.article.ref,
                "location": m.article.location,
                "source": m.article.source,
                "title": m.article.title,
                "similarity": round(m.score.similarity, 4),
                "containment": round(m.score.containment, 4),
                "rule": m.rule,
                "relation": m.relation,
                "via": None if m.via is None else m.via.ref,
            }
            for m in copies
        ],
    }


def to_json_line(kept: Kept) -> str:
    """A record as one line of valid UTF-8, refs and locations escaped as names."""
    return json.dumps(printable_record(to_record(kept)), ensure_ascii=False) + "\n"


def to_text(kept: Kept) -> str:
    """A kept article as a plain text file: the title, then one paragraph per line."""
    return "\n".join((kept.article.title, *kept.article.body)) + "\n"


def file_name(number: int, kept: Kept) -> str:
    """``00001-a-slug-of-the-title.txt``: numbered in input order, readable, unique."""
    folded = unicodedata.normalize("NFKD", kept.article.title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")[:60].rstrip("-")
    return f"{number:05d}-{slug or 'article'}.txt"


def manifest_rows(name: str, kept: Kept) -> Iterator[tuple[str, ...]]:
    """Rows of the manifest for one written file: the kept article, then its copies."""
    yield (name, kept.role, kept.article.ref, kept.article.location, kept.article.title)
    for member in kept.group.copies if kept.group else ():
        copy = member.article
        yield (name, "copy", copy.ref, copy.location, copy.title)


def format_row(cells: Sequence[str]) -> str:
    """A tab-separated line whose cells are names (escaped, see
    :func:`dedup.render.escape_name`) but the last, a title (line breaks become spaces)."""
    *names, title = cells
    return "\t".join((*(escape_name(name) for name in names), clean_cell(title))) + "\n"


def write_jsonl(kept: Iterable[Kept], path: Path, *, force: bool = False) -> int:
    """Write one record per kept article to ``path`` atomically; return the count."""
    count = 0
    with atomic_file(path, force=force) as handle:
        for item in kept:
            handle.write(to_json_line(item))
            count += 1
    return count


def write_directory(kept: Iterable[Kept], path: Path, *, force: bool = False) -> int:
    """Write one text file per kept article and a manifest into ``path``; return the count."""
    count = 0
    with atomic_directory(path, force=force) as folder, _open_manifest(folder) as manifest:
        for count, item in enumerate(kept, start=1):
            name = file_name(count, item)
            with _open_durable(folder / name) as handle:
                handle.write(to_text(item))
            for row in manifest_rows(name, item):
                manifest.write(format_row(row))
    return count


def check_target(path: Path, *, force: bool, folder: bool = False) -> None:
    """Refuse an output that exists (unless ``force``) or whose folder is missing."""
    if not path.parent.is_dir():
        raise OutputError(f"{path}: folder {str(path.parent)!r} does not exist")
    if path.is_dir() and not folder:
        raise OutputError(f"{path}: is a folder; use --output-dir to write a folder")
    if folder and path.exists() and not path.is_dir():
        raise OutputError(f"{path}: exists and is not a folder")
    if path.exists() and not force and not (folder and not any(path.iterdir())):
        raise OutputError(f"{path}: already exists; use --force to replace it")
    if folder:
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
def atomic_file(path: Path, *, force: bool = False) -> Iterator[TextIO]:
    """A text stream whose content replaces ``path`` only when the block completes."""
    check_target(path, force=force)
    sweep(path)
    try:
        descriptor, temporary = tempfile.mkstemp(
            dir=path.parent, prefix=_prefix(path), suffix=".tmp"
        )
    except OSError as exc:
        raise OutputError(f"{path}: cannot write: {exc.strerror}") from None
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="\n") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        if isinstance(exc, OSError) and _is_write_error(exc, temporary):
            raise OutputError(f"{path}: cannot write: {_reason(exc)}") from None
        raise


@contextlib.contextmanager
def atomic_directory(path: Path, *, force: bool = False) -> Iterator[Path]:
    """A fresh folder that replaces ``path`` only when the block completes."""
    check_target(path, force=force, folder=True)
    sweep(path)
    try:
        temporary = Path(tempfile.mkdtemp(dir=path.parent, prefix=_prefix(path), suffix=".tmp"))
    except OSError as exc:
        raise OutputError(f"{path}: cannot write: {exc.strerror}") from None
    try:
        yield temporary
        os.chmod(temporary, 0o777 & ~_umask())
        _swap_in(temporary, path)
    except BaseException as exc:
        shutil.rmtree(temporary, ignore_errors=True)
        if isinstance(exc, OSError) and _is_write_error(exc, str(temporary)):
            raise OutputError(f"{path}: cannot write: {_reason(exc)}") from None
        raise


def _prefix(path: Path) -> str:
    """How this run names its unfinished output beside ``path`` (hidden, with its pid)."""
    return f".{path.name}.{os.getpid()}."


def sweep(path: Path) -> None:
    """Remove the unfinished output that a killed run writing ``path`` left beside it."""
    pattern = re.compile(rf"\.{re.escape(path.name)}\.(\d+)\.[^/]+\.tmp")
    with contextlib.suppress(OSError):
        for entry in os.scandir(path.parent):
            found = pattern.fullmatch(entry.name)
            if found is None or process_alive(int(found[1])):
                continue
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path, ignore_errors=True)
            else:
                os.unlink(entry.path)


def _swap_in(temporary: Path, path: Path) -> None:
    if not path.exists():
        os.replace(temporary, path)
        return
    retired = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}.", suffix=".old"))
    os.replace(path, retired / "old")
    try:
        os.replace(temporary, path)
    except BaseException:
        os.replace(retired / "old", path)  # the previous output goes back where it was
        os.rmdir(retired)
        raise
    shutil.rmtree(retired, ignore_errors=True)


def _is_write_error(exc: OSError, temporary: str) -> bool:
    """Whether ``exc`` came from writing the temporary output (a write names no file)."""
    return exc.filename is None or os.fsdecode(exc.filename).startswith(temporary)


def _reason(exc: OSError) -> str:
    return exc.strerror or " ".join(str(exc).split())


@contextlib.contextmanager
def _open_manifest(folder: Path) -> Iterator[TextIO]:
    with _open_durable(folder / MANIFEST_NAME) as manifest:
        manifest.write(format_row(MANIFEST_COLUMNS))
        yield manifest


@contextlib.contextmanager
def _open_durable(path: Path) -> Iterator[TextIO]:
    with open(path, "w", encoding="utf-8", newline="\n") as handle:
        yield handle
        handle.flush()
        os.fsync(handle.fileno())


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current

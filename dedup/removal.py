"""``dedup collapse --script``: the copies' files as a removal script to review, as rmlint
writes one, instead of a new corpus.

dedup removes nothing itself. The script removes a file only when every article dedup read
in it is a copy of an article kept elsewhere; a file that holds a kept article beside
copies (a dump whose related block is a copy, a JSON Lines export with some copies) is
listed in a closing comment instead, since removing it would lose what it keeps.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from dedup.article import Article
from dedup.collapse import Kept
from dedup.render import escape_name

Command = Literal["rm", "git-rm"]
COMMANDS: dict[Command, str] = {"rm": "rm --", "git-rm": "git rm -q --"}


@dataclass(frozen=True)
class Script:
    """The script's text and what it covers."""

    text: str
    removed: int
    kept_files: int


def removal_script(
    articles: Sequence[Article], kept: Iterable[Kept], command: Command, folder: str
) -> Script:
    """The script removing every file of ``articles`` none of whose articles is ``kept``,
    each preceded by comments naming what its articles copy; run from ``folder``."""
    sources: dict[tuple[str, int], str] = {}
    for item in kept:
        for copy, member in item.dropped():
            sources[(copy.path, copy.index)] = (
                f"{copy.ref} copies {item.article.ref} ({member.rule}, "
                f"similarity {member.score.similarity:.2f})"
            )
    by_file: dict[str, list[Article]] = {}
    for article in articles:
        by_file.setdefault(article.path, []).append(article)
    lines = _head(folder)
    removed, partial = 0, []
    for path, members in by_file.items():
        notes = [sources.get((a.path, a.index)) for a in members]
        copies = [note for note in notes if note is not None]
        if not copies:
            continue
        if len(copies) < len(members):
            partial.append(f"#   {escape_name(path)}: {len(copies)} of {len(members)} are copies")
        elif not _writable(path):
            partial.append(f"#   {escape_name(path)}: all copies, but its name is not UTF-8")
        else:
            lines += [*(f"# {escape_name(note)}" for note in copies)]
            lines += [f"{COMMANDS[command]} {shlex.quote(path)}", ""]
            removed += 1
    if partial:
        lines += [
            "# Not removed: these files hold articles that stay beside their copies (dedup",
            "# collapse --output writes the corpus without the copies), or need your hand.",
            *partial,
        ]
    return Script("\n".join([*lines, ""]), removed, len(partial))


def _head(folder: str) -> list[str]:
    return [
        "#!/bin/sh",
        "# Written by dedup collapse --script: removes each file whose every article is a",
        "# copy of an article kept elsewhere. Read it before you run it: sh SCRIPT",
        "set -eu",
        f"cd -- {shlex.quote(folder)}",
        "",
    ]


def _writable(path: str) -> bool:
    """Whether the path can be written in a UTF-8 script (a name of undecodable bytes
    cannot, and is left out rather than guessed at)."""
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True

"""Paragraphs from lines: one paragraph per line, unless the text is hard-wrapped.

Dumps hold one paragraph per line. Hard-wrapped text (paragraphs folded at a fixed
width, parted by blank lines or marked by indented first lines) is joined back.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import pairwise
from operator import and_

#: Hard-wrapped text is wrapped at a width between these (characters).
WRAP_WIDTHS = (30, 120)
_HYPHEN_BREAK = re.compile(r"[^\W\d_]-$")


def assemble_paragraphs(lines: Sequence[str], *, wrapped_text: bool = False) -> tuple[str, ...]:
    """Paragraphs from text lines ("" marks a break): one per line, hard wrapping joined.

    ``wrapped_text`` says the text around these lines is known to be hard-wrapped, so
    two wrapped lines alone form a paragraph too.
    """
    stripped = list(map(str.strip, lines))
    present = list(map(bool, stripped))
    if not any(map(and_, present, present[1:])):  # every line alone: a paragraph each
        return tuple(filter(None, stripped))
    blocks = _blocks(lines)
    several = wrapped_text or len(blocks) > 1
    paragraphs: list[str] = []
    for block in blocks:
        if len(block) == 1:  # a line alone: neither indents nor wrapping to look for
            paragraphs.append(block[0].lstrip())
            continue
        pieces = split_at_indents(block)
        if len(pieces) > 1:  # short lines whose indented first lines mark the paragraphs
            paragraphs.extend(join_wrapped(piece) for piece in pieces)
        elif looks_wrapped(block, several=several):
            paragraphs.append(join_wrapped(block))
        else:
            paragraphs.extend(line.strip() for line in block)
    return tuple(paragraphs)


def _blocks(lines: Sequence[str]) -> list[list[str]]:
    """Runs of non-blank lines (right-trimmed), parted by blank ones."""
    blocks: list[list[str]] = []
    block: list[str] = []
    for line in lines:
        if line and not line.isspace():
            block.append(line.rstrip())
        elif block:
            blocks.append(block)
            block = []
    if block:
        blocks.append(block)
    return blocks


def join_wrapped(lines: Sequence[str]) -> str:
    """Wrapped lines as one paragraph; a word broken after its hyphen is made whole."""
    parts: list[str] = []
    tail = ""  # the end of the text joined so far: all that the hyphen test reads
    for line in map(str.strip, lines):
        if parts:
            glue = "" if _HYPHEN_BREAK.search(tail) and line[:1].islower() else " "
            parts.append(glue)
            tail = (tail + glue + line)[-_TAIL:]
        elif line:
            tail = line[-_TAIL:]
        else:
            continue
        parts.append(line)
    return "".join(parts)


#: Characters at the end of a text that decide whether _HYPHEN_BREAK finds it (the
#: letter, the hyphen, and a line end that ``$`` may stand before).
_TAIL = 3


def split_at_indents(group: list[str]) -> list[list[str]]:
    """Short lines cut before each indented line (a paragraph's first line, Reuters style)."""
    indented = [i for i, line in enumerate(group) if i and line[:1].isspace()]
    if not indented or max(len(line.strip()) for line in group) > WRAP_WIDTHS[1]:
        return [group]
    if len(indented) == len(group) - 1 and group[0][:1].isspace():
        return [group]
    bounds = [0, *indented, len(group)]
    return [group[a:b] for a, b in pairwise(bounds)]


def looks_wrapped(group: Sequence[str], *, several: bool) -> bool:
    """True when a run of lines reads as one paragraph wrapped greedily at a fixed width."""
    if len(group) < 2 or (len(group) == 2 and not several):
        return False
    lines = [line.strip() for line in group]
    width = max(len(line) for line in lines)
    if not WRAP_WIDTHS[0] <= width <= WRAP_WIDTHS[1]:
        return False
    return all(
        len(line) + 1 + len(following.split()[0]) > width for line, following in pairwise(lines)
    )

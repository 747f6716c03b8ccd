"""Junk patterns (promos, captions, "Sign in to access your portfolio"...) matched
against the units of normalised text, with the work split for speed.

Most units of most articles hold no junk, so a run rules patterns out before it tries
them: a pattern is searched only in text that holds every literal it needs
(:func:`dedup.literals.required_literals`), and once over all of an article's units at
a time (one per line) before unit by unit.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from dedup.literals import required_literals


@dataclass(frozen=True)
class JunkMatcher:
    """Junk patterns, split for speed: ``^``-anchored ones are tried only at a unit's start
    (one combined ``match``); the others are searched one by one, so each keeps re's fast
    literal-prefix scan, and only in text that holds the literals each needs (``needs``,
    one tuple per floating pattern). Patterns see normalised (lower-case) text.

    ``lined`` holds each floating pattern compiled to search many units at once, one per
    line (``^`` and ``$`` then match at every unit's start and end), or None for a
    pattern whose lookarounds or string anchors could tell the lines apart from units."""

    anchored: re.Pattern[str] | None
    floating: tuple[re.Pattern[str], ...]
    needs: tuple[tuple[str, ...], ...]
    lined: tuple[re.Pattern[str] | None, ...]

    def floating_in(self, text: str) -> tuple[re.Pattern[str], ...]:
        """The floating patterns that may match a unit of ``text`` (units one per line):
        every pattern that matches one, and perhaps others."""
        found: list[re.Pattern[str]] = []
        for pattern, needed, lined in zip(self.floating, self.needs, self.lined, strict=True):
            for literal in needed:
                if literal not in text:
                    break
            else:
                if lined is None or lined.search(text):
                    found.append(pattern)
        return tuple(found)

    def hits(self, unit: str, floating: tuple[re.Pattern[str], ...] | None = None) -> bool:
        """Whether a normalised unit holds junk; ``floating`` narrows the patterns to try."""
        if self.anchored is not None and self.anchored.match(unit):
            return True
        return any(f.search(unit) for f in (self.floating if floating is None else floating))

    def flags(self, units: Sequence[str], floating: tuple[re.Pattern[str], ...]) -> list[bool]:
        """``[self.hits(u, floating) for u in units]``, in fewer calls."""
        if self.anchored is None:
            found = [False] * len(units)
        else:
            match = self.anchored.match
            found = [match(unit) is not None for unit in units]
        if floating:
            found = [
                j or any(f.search(u) for f in floating) for u, j in zip(units, found, strict=True)
            ]
        return found


@lru_cache(maxsize=16)
def junk_matcher(patterns: tuple[str, ...]) -> JunkMatcher:
    anchored = [p for p in patterns if p.startswith("^")]
    floating = tuple(re.compile(p) for p in patterns if not p.startswith("^"))
    combined = re.compile("|".join(f"(?:{p})" for p in anchored)) if anchored else None
    lined = tuple(_lined(p) for p in floating)
    return JunkMatcher(combined, floating, tuple(map(required_literals, floating)), lined)


#: What can make a pattern match a unit on its own and not the same unit as a line of many:
#: a negative lookaround or a string anchor sees the line end, and ``(?-m:`` turns off
#: the line mode.
_UNIT_BOUND = ("(?!", "(?<!", "\\A", "\\Z", "(?-")


def _lined(pattern: re.Pattern[str]) -> re.Pattern[str] | None:
    """``pattern`` compiled to find, in units joined by newlines, every unit it matches
    (None when that cannot be promised)."""
    if any(bound in pattern.pattern for bound in _UNIT_BOUND):
        return None
    return re.compile(pattern.pattern, pattern.flags | re.MULTILINE)

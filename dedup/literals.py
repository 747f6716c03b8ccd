"""The strings every match of a regular expression holds, found from its source: text
that lacks them needs no search. Python's ``re`` scans fast for a pattern that starts
with a literal, and slowly for an alternation of many words (each is tried at every
position), so a run checks the literals first with ``in``.
"""

from __future__ import annotations

import re
from functools import lru_cache

#: Characters with a meaning in a pattern (outside a class); any other stands for itself.
_REGEX_SPECIAL = frozenset(".^$*+?{}[]\\|()")
#: What can be a quantifier in braces (or else is a literal; either way, skipped).
_BRACES = re.compile(r"\{[\d,]*\}")
#: An escape and all it spans: a code point (``\x41``, ``\u00e9``, ``\N{...}``), an octal
#: code or a group's number (``\12``), or one character.
_ESCAPE = re.compile(
    r"\\(?:x[0-9a-fA-F]{0,2}|u[0-9a-fA-F]{0,4}|U[0-9a-fA-F]{0,8}|N\{[^}]*\}|\d+|.)", re.S
)


def required_literals(pattern: re.Pattern[str]) -> tuple[str, ...]:
    """Strings every match of ``pattern`` holds: its runs of plain characters (escaped
    punctuation such as ``\\(`` included) outside any group or class, none of them
    quantified. Conservative: none for a top-level alternation, a comment or a case-blind
    or verbose pattern. Single characters come first, then longer strings first: they
    rule text out fastest."""
    source = pattern.pattern
    if pattern.flags & (re.IGNORECASE | re.VERBOSE) or "(?#" in source:
        return ()
    runs: list[str] = []
    run: list[str] = []
    depth = i = 0
    while i < len(source):
        char = source[i]
        escaped = char == "\\" and _escapes_literal(source[i + 1 : i + 2])
        after = source[i + 2 : i + 3] if escaped else source[i + 1 : i + 2]
        plain = depth == 0 and (escaped or char not in _REGEX_SPECIAL)
        if plain and after not in ("?", "*", "+", "{"):
            run.append(source[i + 1] if escaped else char)
        else:
            runs.append("".join(run))
            run = []
        if char == "|" and depth == 0:
            return ()
        depth += (char == "(") - (char == ")")
        i = _skip(source, i)
    runs.append("".join(run))
    return tuple(sorted(set(filter(None, runs)), key=lambda r: (len(r) > 1, -len(r), r)))


def _escapes_literal(char: str) -> bool:
    """Whether a backslash before ``char`` stands for ``char`` itself (punctuation, a
    space or a non-ASCII character; an ASCII letter or digit makes a class or a group)."""
    return bool(char) and not (char.isascii() and char.isalnum())


def _skip(source: str, i: int) -> int:
    """The index past the pattern item at ``i``: a class, a quantifier's braces, an
    escape or one character."""
    char = source[i]
    braces = _BRACES.match(source, i)
    if braces:
        return braces.end()
    if char == "\\":
        escape = _ESCAPE.match(source, i)
        return escape.end() if escape else i + 1
    if char != "[":
        return i + 1
    i += 1
    i += source[i : i + 1] == "^"
    i += source[i : i + 1] == "]"  # a "]" first in a class stands for itself
    while i < len(source) and source[i] != "]":
        i += 2 if source[i] == "\\" else 1
    return i + 1


@lru_cache(maxsize=64)
def branch_keys(pattern: re.Pattern[str]) -> tuple[str, ...] | None:
    """One string per top-level alternative of ``pattern`` (its longest required
    literal, see :func:`required_literals`) such that every match of the pattern holds
    one of them; None when some alternative requires none. Case-blind patterns count:
    their keys are as the source writes them, to be looked for in lower-cased text."""
    if pattern.flags & re.VERBOSE:
        return None
    keys: list[str] = []
    for branch in _branches(pattern.pattern):
        literals = required_literals(re.compile(branch))
        if not literals or not all(map(_plain_lower, literals)):
            return None
        keys.append(max(literals, key=len))
    return tuple(dict.fromkeys(keys))


def _plain_lower(literal: str) -> bool:
    """Whether a case-blind search finds ``literal`` in ASCII text only where the text in
    lower case holds it: it has no upper-case letter, and no non-ASCII letter (``re``
    matches some of those, such as the long s, with ASCII letters)."""
    return literal == literal.lower() and not any(
        char.isalpha() and not char.isascii() for char in literal
    )


def _branches(source: str) -> list[str]:
    """The top-level alternatives of a pattern's source."""
    branches: list[str] = []
    depth = start = i = 0
    while i < len(source):
        char = source[i]
        if char == "|" and depth == 0:
            branches.append(source[start:i])
            start = i + 1
        depth += (char == "(") - (char == ")")
        i = _skip(source, i)
    branches.append(source[start:])
    return branches


def search_hinted(pattern: re.Pattern[str], text: str) -> bool:
    """``pattern.search(text) is not None``, with ASCII text that holds none of the
    pattern's :func:`branch_keys` (lower-cased) ruled out without a search."""
    keys = branch_keys(pattern)
    if keys is not None and text.isascii():
        low = text.lower()
        if not any(key in low for key in keys):
            return False
    return pattern.search(text) is not None

"""Text normalisation for comparison: copies should look alike, different news should not.

Folds what syndication changes (Unicode forms, case, quote and dash styles, whitespace,
line wrapping, mojibake) and keeps what tells articles apart (words, names, numbers).
Original text is never changed; these functions return new strings for comparison only.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence

import numpy as np

#: Bump whenever normalisation output changes: cached signatures depend on it.
NORMALIZER_VERSION = 2

_QUOTE_STYLE: dict[str, str] = {
    **dict.fromkeys("‘’‚‛′ʼʹ`´", "'"),
    **dict.fromkeys("“”„‟″«»", '"'),
    **dict.fromkeys("‐‑‒–—―−⁃", "-"),
    "\u00a0": " ",
    "\u200b": "",
    "\ufeff": "",
}
_MOJIBAKE_HINT = re.compile(r"[ÃÂâ][\u0080-\u00bf\u2018-\u203a\u20ac\u0152\u0153\u0160\u0161]")
_NUMBER = re.compile(r"\d+(?:[.,/:]\d+)*")
_BREAK = re.compile(r"[.!?][\"')\]”’]?\s+")
_INITIALS = re.compile(r"(?:\w\.){2,}")
_OPENERS = "\"'“‘(["
_ABBREVIATIONS = frozenset({"mr.", "mrs.", "ms.", "dr.", "st.", "no.", "gov.", "sen.", "rep."})
_MAX_REPAIRS = 4
NUMBER_WORDS = {
    word: str(value)
    for value, word in enumerate(
        re.split(
            " ",
            "zero one two three four five six seven eight nine ten eleven twelve thirteen "
            "fourteen fifteen sixteen seventeen eighteen nineteen twenty",
        )
    )
}
_NUMBER_WORD = re.compile(r"\b(" + "|".join(NUMBER_WORDS) + r")\b")
_WORD = re.compile(r"\w+")


def repair(text: str) -> str:
    """Fix mojibake (UTF-8 read as cp1252 and the like), only where it is likely present."""
    if not text.isascii() and _MOJIBAKE_HINT.search(text):
        import ftfy  # loaded when first needed: 80 ms that a warm run need not spend

        return ftfy.fix_text(text, normalization="NFC")
    return text


def normalize(text: str) -> str:
    """The comparison form of ``text``: NFKC, case-folded, one quote and dash style, single spaces.

    Idempotent: ``normalize(normalize(t)) == normalize(t)``. Folding can expose mojibake
    that a repair then fixes, so the two alternate until the text stops changing.
    """
    if text.isascii():  # no mojibake: one fold is final
        return fold(text)
    folded = fold(repair(text))
    for _ in range(_MAX_REPAIRS):
        repaired = fold(repair(folded))
        if repaired == folded:
            break
        folded = repaired
    return folded


def fold(text: str) -> str:
    """:func:`normalize` without the mojibake repair, for text already repaired."""
    if text.isascii():
        return " ".join(text.lower().split())
    return " ".join(_fold_chars(text).split())


def _fold_chars(text: str) -> str:
    """:func:`fold` of non-ASCII text, whitespace left as it is."""
    text = _unify_quotes(unicodedata.normalize("NFKC", text)).casefold()
    return _unify_quotes(unicodedata.normalize("NFKC", text))


def _unify_quotes(text: str) -> str:
    """``text.translate`` by :data:`_QUOTE_STYLE` (no replacement is a key), many times
    faster on non-ASCII text."""
    for char, replacement in _QUOTE_STYLE.items():
        if char in text:
            text = text.replace(char, replacement)
    return text


def fold_paragraphs(paragraphs: Sequence[str]) -> list[str]:
    """``[fold(repair(p)) for p in paragraphs]``, in a few calls: the ASCII paragraphs
    are folded as one text, and so are the others (those holding a line end or a hint of
    mojibake, one by one). Many articles' paragraphs fold at once in about half the time
    they take article by article."""
    narrow = list(map(str.isascii, paragraphs))
    if all(narrow):
        return _fold_ascii(paragraphs)
    if not any(narrow):
        return _fold_wide(paragraphs)
    ascii_folded = iter(_fold_ascii([p for p, n in zip(paragraphs, narrow, strict=True) if n]))
    wide_folded = iter(_fold_wide([p for p, n in zip(paragraphs, narrow, strict=True) if not n]))
    return [next(ascii_folded) if n else next(wide_folded) for n in narrow]


def _fold_ascii(paragraphs: Sequence[str]) -> list[str]:
    """:func:`fold` of ASCII paragraphs (which never need a repair)."""
    if not paragraphs:
        return []
    lines = _lines_of("\n".join(paragraphs).lower(), len(paragraphs))
    if lines is None:  # a paragraph held a "\n": those are folded one by one
        return _apart(paragraphs, _has_line_end, fold, _fold_ascii)
    return lines


def _fold_wide(paragraphs: Sequence[str]) -> list[str]:
    """``fold(repair(p))`` of non-ASCII paragraphs: joined by "\n" (which every step maps
    on its own and never makes), they fold as one text, but for those that hold a "\n"
    or may need a repair, folded one by one."""
    if not paragraphs:
        return []
    joined = "\n".join(paragraphs)
    if _MOJIBAKE_HINT.search(joined) or joined.count("\n") >= len(paragraphs):
        return _apart(paragraphs, _needs_repair_or_splits, _fold_repaired, _fold_wide)
    lines = _lines_of(_fold_chars(joined), len(paragraphs))
    return [fold(p) for p in paragraphs] if lines is None else lines


def _has_line_end(paragraph: str) -> bool:
    return "\n" in paragraph


def _needs_repair_or_splits(paragraph: str) -> bool:
    # A hint never spans paragraphs: its second character is never a "\n".
    return "\n" in paragraph or _MOJIBAKE_HINT.search(paragraph) is not None


def _fold_repaired(paragraph: str) -> str:
    return fold(repair(paragraph))


def _apart(
    paragraphs: Sequence[str],
    alone: Callable[[str], bool],
    one: Callable[[str], str],
    rest: Callable[[Sequence[str]], list[str]],
) -> list[str]:
    """``one(p)`` of the paragraphs ``alone`` picks, ``rest`` of the others together."""
    picked = list(map(alone, paragraphs))
    others = iter(rest([p for p, a in zip(paragraphs, picked, strict=True) if not a]))
    return [one(p) if a else next(others) for p, a in zip(paragraphs, picked, strict=True)]


def _lines_of(text: str, count: int) -> list[str] | None:
    """The lines of folded paragraphs joined by "\n", each with its whitespace folded; None
    when they are not ``count`` lines (a paragraph held a "\n")."""
    lines = text.split("\n")
    if len(lines) != count:
        return None
    return lines if _single_spaced(text, lines) else _respaced(text, lines)


def _respaced(text: str, lines: list[str]) -> list[str]:
    """``[" ".join(line.split()) for line in lines]`` (the lines of ``text``), working
    only on the lines that may need it."""
    if not text.isascii():
        return [line if _spaced_line(line) else " ".join(line.split()) for line in lines]
    codes = np.frombuffer(text.encode(), dtype=np.uint8)
    spaced = codes <= 32  # " ", "\n", other whitespace and control characters
    pairs = np.flatnonzero(spaced[1:] & spaced[:-1])
    ends = [i for i in (0, len(codes) - 1) if spaced[i]]
    controls = np.flatnonzero((codes < 32) & (codes != 10))
    marks = np.concatenate((pairs, pairs + 1, controls, np.array(ends, dtype=np.intp)))
    # The line of each mark: how many line ends come before it (a "\n" marked marks the
    # line it ends too, which then is folded to what it already is).
    breaks = np.flatnonzero(codes == 10)
    respaced = list(lines)
    for k in np.unique(np.searchsorted(breaks, marks)).tolist():
        respaced[k] = " ".join(lines[k].split())
    return respaced


def _spaced_line(line: str) -> bool:
    """Whether a line is surely words parted by single spaces (see :func:`_single_spaced`)."""
    return "  " not in line and line[:1] != " " and line[-1:] != " " and line.isprintable()


def _single_spaced(text: str, lines: list[str]) -> bool:
    """Whether every one of ``lines`` (the lines of ``text``) is surely words parted by
    single spaces: no double space, no whitespace at either end, no other whitespace."""
    if text.isascii():
        codes = np.frombuffer(text.encode(), dtype=np.uint8)
        spaced = codes <= 32  # " ", "\n", other whitespace and control characters
        if len(codes) and (spaced[0] or spaced[-1] or (spaced[1:] & spaced[:-1]).any()):
            return False
        return int(np.count_nonzero(codes < 32)) == len(lines) - 1  # the "\n"s alone
    if "  " in text or not all(map(str.__eq__, lines, map(str.strip, lines))):
        return False
    return all(map(str.isprintable, lines))  # no whitespace but " " is printable


def split_sentences(paragraph: str) -> list[str]:
    """Sentences of one (original, not normalised) paragraph; never loses a word."""
    text = paragraph.strip()
    parts: list[str] = []
    start = 0
    for match in _BREAK.finditer(text):
        after = match.end()
        following = text[after : after + 2].lstrip(_OPENERS)[:1]
        if not (following.isupper() or following.isdigit()):
            continue
        word_start = text.rfind(" ", 0, match.start()) + 1
        word = text[word_start : match.start() + 1].lower()
        if word in _ABBREVIATIONS or _INITIALS.fullmatch(word):
            continue
        parts.append(text[start:after].rstrip())
        start = after
    if start < len(text):
        parts.append(text[start:])
    return parts


def numbers(text: str) -> frozenset[str]:
    """The numbers a normalised text mentions, in digits or words up to twenty:
    amounts, dates, counts and scores carry a story's identity."""
    found = {m.replace(",", "") for m in _NUMBER.findall(text)}
    found.update(NUMBER_WORDS[w] for w in _NUMBER_WORD.findall(text))
    return frozenset(found)


def words(text: str) -> list[str]:
    """Word tokens of a normalised text."""
    return _WORD.findall(text)


def word_count(text: str) -> int:
    return len(_WORD.findall(text))

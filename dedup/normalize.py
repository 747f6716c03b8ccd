"""Text normalisation for comparison: copies should look alike, different news should not.

Folds what syndication changes (Unicode forms, case, quote and dash styles, whitespace,
line wrapping, mojibake) and keeps what tells articles apart (words, names, numbers).
Original text is never changed; these functions return new strings for comparison only.
"""

from __future__ import annotations

import re
import unicodedata

import ftfy

#: Bump whenever normalisation output changes: cached signatures depend on it.
NORMALIZER_VERSION = 2

_QUOTES = str.maketrans(
    {
        **dict.fromkeys("‘’‚‛′ʼʹ`´", "'"),
        **dict.fromkeys("“”„‟″«»", '"'),
        **dict.fromkeys("‐‑‒–—―−⁃", "-"),
        "\u00a0": " ",
        "\u200b": "",
        "\ufeff": "",
    }
)
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
    if _MOJIBAKE_HINT.search(text):
        return ftfy.fix_text(text, normalization="NFC")
    return text


def normalize(text: str) -> str:
    """The comparison form of ``text``: NFKC, case-folded, one quote and dash style, single spaces.

    Idempotent: ``normalize(normalize(t)) == normalize(t)``. Folding can expose mojibake
    that a repair then fixes, so the two alternate until the text stops changing.
    """
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
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES).casefold()
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    return " ".join(text.split())


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

"""The article inside the whole visible text of a saved web page.

A jusText-style classifier on plain text paragraphs (no HTML): each paragraph is first
classed bad, short, near-good or good by its length, its stopword density, its shape
(a fragment without terminal punctuation, menu items, pipes and bullets) and chrome
phrases (copyright, cookies, sharing, sign-in); short and near-good paragraphs are then
settled by the classes of their neighbours, as jusText does; finally only the weightiest
contiguous run of good paragraphs (the article block, short gaps allowed, readers' comments
weighing less) is kept.

Clean articles are left alone: unless substantial chrome lies outside the article block
(:func:`looks_like_page`), every paragraph counts as article text. Stopword lists are short
and our own (English, French, German, Spanish, Italian, Dutch); in other languages the
shape of the paragraphs alone tells prose from chrome.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from dedup.literals import search_hinted
from dedup.read.words import MENU, STOPWORDS

Kind = Literal["good", "near", "short", "bad"]

#: Paragraphs shorter than this (characters) are short; longer than LENGTH_HIGH, good
#: (jusText's 70 and 200: news paragraphs are shorter than web page blocks).
LENGTH_LOW = 70
LENGTH_HIGH = 120
#: Stopword density: below STOPWORDS_LOW prose is bad, from STOPWORDS_HIGH it may be good.
STOPWORDS_LOW = 0.12
STOPWORDS_HIGH = 0.22
#: A language is known when its stopwords make up this share of all the text's words.
LANGUAGE_MIN_SHARE = 0.12
#: This many fragments in a row, each shorter than LIST_MAX_LENGTH, are a menu or a list
#: of links, whatever surrounds them.
LIST_RUN = 3
LIST_MAX_LENGTH = 200
#: Near-good paragraphs in a row with this many characters together, one of them at least
#: LENGTH_LOW long, are good (a wire story's short paragraphs, not a row of promos).
PROSE_RUN = 2 * LENGTH_LOW
#: A text is a page when this many paragraphs outside its article block are chrome and
#: this many of those carry chrome phrases or menu words.
PAGE_MIN_CHROME = 6
PAGE_MIN_PHRASES = 3
#: The paragraphs before a reply button that belong to the comment (its text and byline)
#: weigh this many times less in the choice of the article block.
REPLY_REACH = 2
COMMENT_DISCOUNT = 4
#: A fragment of at most this many words with a menu word is a menu item.
MENU_WORDS = 3
#: What a bad paragraph costs the article block it would sit in (characters of text),
#: more when it carries a chrome phrase: in-article lists and captions are bridged.
BAD_PENALTY = 40
CHROME_PENALTY = 90
#: Chrome phrases are looked for only in paragraphs shorter than this (characters).
CHROME_MAX_LENGTH = 300


_WORD = re.compile(r"\w+")
_CLOSERS = "\"'”’»)]*"
_TERMINAL = frozenset(".!?…;。！？؟।")
_SEPARATOR = re.compile(r"\s[|•·»›/]\s")
#: Chrome in any short paragraph, prose-shaped or not.
_CHROME = re.compile(
    r"©|\(c\)\s*(?:19|20)\d\d|\ball rights reserved|\bcopyright\s+(?:19|20)\d\d"
    r"|\bwe use cookies|\bcookie (?:policy|settings|preferences|notice)|\baccept (?:all )?cookies"
    r"|\buses? cookies\b|\bcookies and similar\b|\byour privacy\b|\bprivacy (?:policy|notice)"
    r"|\b(?:we and )?our partners (?:store|use|process)\b|\bstore and(?:/or)? access information"
    r"|\bthe top stories in your inbox|\bstraight to your inbox|\bsign up for the\b"
    r"|\bsubscribe (?:now|today|to our)|\bsign up (?:to|for) (?:our|the)\b.{0,40}\bnewsletter"
    r"|\bour newsletter|\bnewsletter sign|\bskip to (?:main )?content|\bstory continues below"
    r"|\bdownload (?:the|our) app|\bshare this (?:article|story|page)|\breport (?:abuse|comment)"
    r"|\bjoin the (?:conversation|discussion)|\bcomments? (?:are|have been) closed"
    r"|\bno comments\b|\bbe the first to comment",
    re.IGNORECASE,
)
#: A comment's buttons.
_REPLY = re.compile(
    r"\W*(?:reply|report|respond|antworten|melden|répondre|signaler|responder|rispondi|reageer)"
    r"\W*(?:\(\d+\))?\W*$|\d+\s+(?:replies|likes|upvotes)\W*$",
    re.IGNORECASE,
)
#: Chrome in a short fragment (no terminal punctuation, under LENGTH_LOW characters).
_CHROME_FRAGMENT = re.compile(
    r"\bprivacy\b|\bterms (?:of|and)\b|\bsign (?:in|up|out)\b|\blog ?(?:in|out)\b|\bregister\b"
    r"|\bsubscribe\b|\bnewsletters?\b|\badvertisement\b|\bsponsored\b|\bshare\b|\bfollow us\b"
    r"|\bmost (?:read|popular|viewed|shared)\b|\bmore (?:stories|from|news|on)\b|\brelated\b"
    r"|\byou (?:may|might) also\b|\brecommended\b|\btrending\b|\bread (?:more|next)\b|\bcomments?\b"
    r"|\bload more\b|\bshow more\b|\bback to top\b|\bclick here\b|\bcontact us\b|\babout us\b"
    r"|\b\d+ (?:minutes?|hours?|days?|weeks?|mins?|hrs?) ago\b|\b(?:an?|one) (?:hour|minute) ago\b"
    r"|\breply\b|\blikes?\b|\bcookies?\b|\bhome\b|\bmenu\b|\bsearch\b"
    r"|\banzeige\b|\bwerbung\b|\bteilen\b|\banmelden\b|\bpublicit[ée]\b|\bpartager\b"
    r"|\bconnexion\b|\bpublicidad\b|\bcompartir\b|\bpubblicit[àa]\b|\bcondividi\b"
    r"|\badvertentie\b|\bdelen\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Paragraph:
    """What the classifier reads off one paragraph."""

    chars: int
    words: int
    density: float | None  # stopword share of words, None when the language is unknown
    fragment: bool  # no terminal punctuation
    chrome: bool  # carries a chrome phrase or a menu shape
    reply: bool  # a comment's reply or report button


def article_paragraphs(paragraphs: Sequence[str]) -> list[bool]:
    """For each paragraph of a plain text (title line excluded), whether it is article text."""
    page, keep = analyse(paragraphs)
    return keep if page else [True] * len(paragraphs)


def looks_like_page(paragraphs: Sequence[str]) -> bool:
    """Whether a plain text looks like a whole saved page (much chrome) rather than a clean
    article."""
    return analyse(paragraphs)[0]


def analyse(paragraphs: Sequence[str]) -> tuple[bool, list[bool]]:
    """Whether the text is a page, and which of its paragraphs the article block keeps."""
    described = describe(paragraphs)
    kinds = classify(described)
    settled = revise(kinds)
    if "good" not in settled:  # an article of short paragraphs only: its prose is all there is
        settled = [
            "good" if kind == "near" else new for kind, new in zip(kinds, settled, strict=True)
        ]
    start, stop = main_block(weigh(described, settled))
    keep = [
        start <= i < stop and (settled[i] == "good" or kinds[i] == "near")
        for i in range(len(paragraphs))
    ]
    return _is_page(described, kinds, range(start, stop)), keep


def _is_page(described: Sequence[Paragraph], kinds: Sequence[Kind], block: range) -> bool:
    """Whether substantial chrome lies outside the article block: PAGE_MIN_CHROME paragraphs
    or more, PAGE_MIN_PHRASES of them with chrome phrases or menu words.

    Subheadings, captions, lists and "Read more" lines inside an article, or a list after
    it, do not make a page.
    """
    outside = [
        p
        for i, (p, kind) in enumerate(zip(described, kinds, strict=True))
        if i not in block and (kind == "bad" or (kind == "short" and p.fragment))
    ]
    phrases = sum(p.chrome for p in outside)
    return len(outside) >= PAGE_MIN_CHROME and phrases >= PAGE_MIN_PHRASES


def weigh(described: Sequence[Paragraph], settled: Sequence[Kind]) -> list[int]:
    """Each paragraph's weight for the article block: a good one weighs its characters (a
    fourth of them in a reader's comment, prose with a reply button after it); a bad one
    costs, chrome phrases the most."""
    weights = [
        p.chars if kind == "good" else -CHROME_PENALTY if p.chrome else -BAD_PENALTY
        for p, kind in zip(described, settled, strict=True)
    ]
    for i, p in enumerate(described):
        for j in range(max(0, i - REPLY_REACH), i) if p.reply else ():
            weights[j] = min(weights[j], weights[j] // COMMENT_DISCOUNT)
    return weights


def describe(paragraphs: Sequence[str]) -> list[Paragraph]:
    """The features of each paragraph, stopwords taken from the text's own language."""
    tokens = [_WORD.findall(text.lower()) for text in paragraphs]
    stoplist = pick_stoplist(tokens)
    return [
        _describe(text.strip(), words, stoplist)
        for text, words in zip(paragraphs, tokens, strict=True)
    ]


def pick_stoplist(tokens: Sequence[Sequence[str]]) -> frozenset[str] | None:
    """The stopword list that covers most of the words, or None when none covers enough."""
    total = sum(map(len, tokens))
    if not total:
        return None
    best = max(STOPWORDS.values(), key=lambda stop: sum(_hits(words, stop) for words in tokens))
    share = sum(_hits(words, best) for words in tokens) / total
    return best if share >= LANGUAGE_MIN_SHARE else None


def _hits(words: Sequence[str], stoplist: frozenset[str]) -> int:
    return sum(word in stoplist for word in words)


def _describe(text: str, words: Sequence[str], stoplist: frozenset[str] | None) -> Paragraph:
    fragment = is_fragment(text)
    density = None if stoplist is None or not words else _hits(words, stoplist) / len(words)
    label = fragment and len(text) < LENGTH_LOW and search_hinted(_CHROME_FRAGMENT, text)
    chrome = len(text) < CHROME_MAX_LENGTH and (
        search_hinted(_CHROME, text) or label or (fragment and is_menu(text, words))
    )
    reply = len(text) < LENGTH_LOW and bool(_REPLY.match(text))
    return Paragraph(len(text), len(words), density, fragment, chrome or reply, reply)


def is_fragment(text: str) -> bool:
    """Whether a paragraph lacks sentence punctuation at its end (a label, link or headline)."""
    end = text.rstrip().rstrip(_CLOSERS)
    return not end or end[-1] not in _TERMINAL


def is_menu(text: str, words: Sequence[str]) -> bool:
    """Whether a fragment reads as menu items: parted by pipes, slashes or bullets, or a
    few words naming a site's section (lower-cased ``words``)."""
    if len(_SEPARATOR.findall(text)) >= 2:
        return True
    return len(words) <= MENU_WORDS and any(word in MENU for word in words)


def classify(described: Sequence[Paragraph]) -> list[Kind]:
    """Each paragraph's class, with runs of fragments (menus, link lists) bad and runs of
    near-good prose (short wire paragraphs) good."""
    kinds = [_classify(p) for p in described]
    run = 0
    for i, p in enumerate([*described, None]):
        if p is not None and p.fragment and p.chars < LIST_MAX_LENGTH:
            run += 1
            continue
        if run >= LIST_RUN:
            kinds[i - run : i] = ["bad"] * run
        run = 0
    _promote_prose_runs(kinds, [p.chars for p in described])
    return kinds


def _promote_prose_runs(kinds: list[Kind], chars: Sequence[int]) -> None:
    """Near-good paragraphs in a row (at least two, PROSE_RUN characters together, one of
    LENGTH_LOW) are good."""
    start, size, longest = 0, 0, 0
    for i, kind in enumerate([*kinds, "bad"]):
        if kind == "near":
            start, size, longest = (start, size, longest) if size else (i, 0, 0)
            size, longest = size + chars[i], max(longest, chars[i])
            continue
        if size >= PROSE_RUN and longest >= LENGTH_LOW and i - start >= 2:
            kinds[start:i] = ["good"] * (i - start)
        size = 0


def _classify(p: Paragraph) -> Kind:
    if not p.chars or p.chrome:
        return "bad"
    if p.fragment:
        if p.chars < LENGTH_LOW:
            return "short"
        return "near" if p.density is not None and p.density >= STOPWORDS_HIGH else "bad"
    if p.density is None:  # unknown language: the shape alone tells prose
        return "good" if p.chars >= LENGTH_HIGH else "near" if p.words >= 4 else "short"
    if p.density < STOPWORDS_LOW:
        return "short" if p.chars < LENGTH_LOW else "bad"
    if p.chars < LENGTH_LOW:
        return "near" if p.words >= 4 else "short"
    return "good" if p.chars >= LENGTH_HIGH and p.density >= STOPWORDS_HIGH else "near"


def revise(kinds: Sequence[Kind]) -> list[Kind]:
    """Short, then near-good paragraphs settled by their neighbours' classes (jusText's context)."""
    settled = list(kinds)
    prev_strict, next_strict = _neighbours(settled, {"short", "near"})
    prev_loose, next_loose = _neighbours(settled, {"short"})
    for i, kind in enumerate(kinds):
        if kind != "short":
            continue
        before, after = prev_strict[i], next_strict[i]
        if before == after:
            settled[i] = before
        elif (before == "bad" and prev_loose[i] == "near") or (
            after == "bad" and next_loose[i] == "near"
        ):
            settled[i] = "good"
        else:
            settled[i] = "bad"
    prev_strict, next_strict = _neighbours(settled, {"near"})
    for i, kind in enumerate(kinds):
        if kind == "near":
            bad = prev_strict[i] == next_strict[i] == "bad"
            settled[i] = "bad" if bad else "good"
    return settled


def _neighbours(kinds: Sequence[Kind], skip: set[Kind]) -> tuple[list[Kind], list[Kind]]:
    """For each paragraph, the class of the nearest one before and after it not in ``skip``.

    The text's edges count as bad.
    """
    before: list[Kind] = []
    last: Kind = "bad"
    for kind in kinds:
        before.append(last)
        if kind not in skip:
            last = kind
    after: list[Kind] = []
    last = "bad"
    for kind in reversed(kinds):
        after.append(last)
        if kind not in skip:
            last = kind
    return before, after[::-1]


def main_block(weights: Sequence[int]) -> tuple[int, int]:
    """The bounds of the run of paragraphs with the largest total weight (Kadane)."""
    best, best_bounds = 0, (0, 0)
    total, start = 0, 0
    for i, weight in enumerate(weights):
        if total <= 0:
            total, start = 0, i
        total += weight
        if total > best:
            best, best_bounds = total, (start, i + 1)
    return best_bounds


#: A text needs this many paragraphs, and this many short ones, before it is analysed as
#: a page at all: clean articles skip the classifier, which keeps reading fast.
PAGE_MIN_PARAGRAPHS = 8
SHORT_PARAGRAPH = 100
#: How far above the article block the headline is looked for (bylines, dates, share
#: buttons stand between them), and how many words a headline has.
HEADLINE_REACH = 12
HEADLINE_WORDS = range(3, 31)
_BYLINE = re.compile(r"^(by|von|par|por|di|door)\s", re.IGNORECASE)
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
DATE_WORDS = 6
#: A chrome phrase ("comment", "share") in a line this long may be the headline's word.
CHROME_HEADLINE_WORDS = 5


def reduce_page(title: str, paragraphs: Sequence[str]) -> tuple[str, list[str]] | None:
    """A whole saved page's headline and article paragraphs, or None for a text that is
    not a page. ``title`` is the text's first line, which on a page is usually chrome."""
    if len(paragraphs) < PAGE_MIN_PARAGRAPHS:
        return None
    if sum(len(p) < SHORT_PARAGRAPH for p in paragraphs) < PAGE_MIN_CHROME:
        return None
    lines = [title, *paragraphs]
    page, keep = analyse(lines)
    if not page or True not in keep:
        return None
    first = keep.index(True)
    headline = find_headline(lines[max(0, first - HEADLINE_REACH) : first]) or title
    return headline, [line for line, kept in zip(lines, keep, strict=True) if kept]


def find_headline(above: Sequence[str]) -> str | None:
    """The headline among the lines just above an article: the nearest title-sized line
    that is not a byline, a date or chrome."""
    for line in reversed(above):
        words = line.split()
        if len(words) not in HEADLINE_WORDS or _BYLINE.match(line) or not is_fragment(line):
            continue
        if len(words) <= DATE_WORDS and _YEAR.search(line):  # "Sunday 9 March 2025"
            continue
        if words[0][0].isdigit():  # "1. Headline" of a most-read list, a time
            continue
        if len(words) > CHROME_HEADLINE_WORDS or not describe([line])[0].chrome:
            return line.strip()
    return None

"""A syndicated news corpus: wire stories updated through the day and reprinted by sites.

``build_corpus(pools, counts, rng)`` turns source articles into labelled pages:

- a wire story gets 1-5 versions, each a write-through of the one before (paragraphs
  added, a new top paragraph, figures updated, a name corrected, a paragraph cut);
- 2 to 150 sites reprint it (a capped lognormal draw): each takes one version, may keep
  only its first paragraphs, rewrites the headline, adds a local paragraph or a photo
  caption, or copies another reprint's text verbatim;
- hard negatives, each a story of its own: another outlet's article quoting one sentence
  (``same_event``), a follow-up reusing one background paragraph (``background``), a
  notice with the same body template for another company (``templated``), and a
  recurring report from another day (``recurring``); all below ``JACCARD_CAP`` against
  every page of their story;
- fillers: unrelated articles, one page each.

The text it adds (local paragraphs, captions) is invented here. No I/O.
"""

from __future__ import annotations

import dataclasses
import math
import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from accuracy import _baseline_shingles
from copy_transforms import Paragraphs, transform_headline
from corpus_gen import Block, SourceArticle
from negatives import insert_paragraph, quoted_sentence
from syndication_sites import SITES, Site, caption_for, local_paragraph

#: Most a hard negative may share with any page of its story (word 5-gram Jaccard).
JACCARD_CAP = 0.25
#: The longest reprint run a story gets.
MAX_REPRINTS = 150
NEGATIVE_TYPES: tuple[str, ...] = ("same_event", "background", "templated", "recurring")

#: Generator knobs, calibrated so within-story Jaccard lands near the measured quantiles.
VERSION_BASE = 3.0  # a story reprinted n times has about log(n, VERSION_BASE) versions
P_VERBATIM = 0.5  # a reprint copies an earlier reprint's text
P_NEW_TOP = 0.6  # a write-through puts a new paragraph on top
LATEST_WEIGHT = 4.0  # how much likelier a reprint takes the latest version than each other
P_TRIM = 0.22  # a reprint keeps only its first paragraphs
TRIM_KEEP = (0.1, 0.6)  # the share of paragraphs a trimmed reprint keeps
FIRST_TAKE = (0.25, 0.55)  # the share of the story's paragraphs its first version carries
P_LOCAL = 0.25  # a local paragraph is added
P_CAPTION = 0.3  # a photo caption line is added
REPRINT_MU, REPRINT_SIGMA = 1.3, 1.4  # lognormal reprint counts, plus 2

_NUMBER = re.compile(r"(?<![\w.,])\d+(?:\.\d+)?(?![\w])")
_NAME = re.compile(r"(?<=[a-z,] )[A-Z][a-z]{4,}\b")


@dataclass(frozen=True)
class Page:
    """One article as a site prints it; ``story`` is its label."""

    id: str
    story: str
    role: str
    block: Block
    site: str
    version: int = 0
    negative_of: str = ""

    @property
    def text(self) -> str:
        """Headline and paragraphs, the text the Jaccard figures are measured on."""
        return "\n".join((self.block.title, *self.block.paragraphs))


@dataclass
class Pools:
    """Source articles by use; each is used at most once."""

    news: list[SourceArticle]
    donors: list[SourceArticle]
    others: list[SourceArticle]
    templated: list[list[SourceArticle]]
    recurring: list[list[SourceArticle]]


@dataclass
class Corpus:
    """Every page, and the story each page belongs to."""

    pages: list[Page] = field(default_factory=list)

    def stories(self) -> dict[str, list[Page]]:
        by_story: dict[str, list[Page]] = {}
        for page in self.pages:
            by_story.setdefault(page.story, []).append(page)
        return by_story


def shingles(text: str) -> set[bytes]:
    """Word 5-gram shingles of ``text`` (words are ``\\w+`` lower-cased)."""
    return _baseline_shingles(text)


def jaccard(a: set[bytes], b: set[bytes]) -> float:
    return len(a & b) / len(a | b) if a | b else 1.0


def _bump(number: str, rng: random.Random) -> str:
    if "." in number:
        whole, decimals = number.split(".")
        return (
            f"{whole}.{(int(decimals) + rng.randint(1, 9)) % 10 ** len(decimals):0{len(decimals)}d}"
        )
    value = int(number)
    if 1900 <= value <= 2030:
        return number
    return str(value + rng.randint(1, max(2, value // 2)))


def update_figures(title: str, body: Sequence[str], rng: random.Random) -> tuple[str, Paragraphs]:
    """One or two figures changed everywhere they appear ("killed 12" -> "killed 19")."""
    found = sorted({m.group() for p in body for m in _NUMBER.finditer(p)})
    changes = {n: _bump(n, rng) for n in rng.sample(found, min(len(found), rng.randint(1, 2)))}
    if not changes:
        return title, tuple(body)

    def swap(text: str) -> str:
        return _NUMBER.sub(lambda m: changes.get(m.group(), m.group()), text)

    return swap(title), tuple(swap(p) for p in body)


def _respell(name: str) -> str:
    for i in range(1, len(name) - 1):
        if name[i] == name[i + 1]:
            return name[:i] + name[i + 1 :]
    middle = len(name) // 2
    return name[:middle] + name[middle] + name[middle:]


def correct_name(title: str, body: Sequence[str], rng: random.Random) -> tuple[str, Paragraphs]:
    """A name (a capitalised word inside a sentence) spelt differently everywhere."""
    names = sorted({m.group() for p in body for m in _NAME.finditer(p)})
    if not names:
        return title, tuple(body)
    name = rng.choice(names)
    pattern = re.compile(rf"\b{name}\b")
    fixed = _respell(name)
    return pattern.sub(fixed, title), tuple(pattern.sub(fixed, p) for p in body)


def write_through(
    title: str, body: Sequence[str], rest: list[str], donor: str, rng: random.Random
) -> tuple[str, Paragraphs]:
    """The next version of a wire story: more paragraphs, maybe a new top, new figures."""
    paragraphs = list(body)
    for _ in range(min(len(rest), rng.randint(1, 3))):
        paragraphs.insert(rng.randint(max(1, len(paragraphs) - 2), len(paragraphs)), rest.pop(0))
    if donor and rng.random() < P_NEW_TOP:
        paragraphs.insert(0, donor)
    if len(paragraphs) > 4 and rng.random() < 0.3:
        del paragraphs[rng.randrange(2, len(paragraphs))]
    if rng.random() < 0.6:
        title, paragraphs_t = update_figures(title, paragraphs, rng)
        paragraphs = list(paragraphs_t)
    if rng.random() < 0.3:
        title, paragraphs_t = correct_name(title, paragraphs, rng)
        paragraphs = list(paragraphs_t)
    return title, tuple(paragraphs)


def version_count(reprints: int, rng: random.Random) -> int:
    """1-5 versions, more for stories many sites reprint (big stories move all day)."""
    return max(1, min(5, round(math.log(reprints, VERSION_BASE)) + rng.choice((-1, 0, 0, 1))))


def make_versions(
    base: SourceArticle, donors: list[SourceArticle], count: int, rng: random.Random
) -> list[tuple[str, Paragraphs]]:
    """``count`` versions of ``base``; the first take carries its first paragraphs only."""
    paragraphs = list(base.paragraphs)
    if count == 1:
        return [(base.title, tuple(paragraphs))]
    first = max(2, math.ceil(len(paragraphs) * rng.uniform(*FIRST_TAKE)))
    versions = [(base.title, tuple(paragraphs[:first]))]
    rest = paragraphs[first:]
    for _ in range(count - 1):
        donor = _donor_paragraph(donors, base.category, rng)
        versions.append(write_through(*versions[-1], rest, donor, rng))
    return versions


def _donor_paragraph(donors: list[SourceArticle], category: str, rng: random.Random) -> str:
    same = [i for i, d in enumerate(donors[:50]) if d.category == category]
    if not donors:
        return ""
    donor = donors.pop(same[0] if same else 0)
    return rng.choice(
        [p for p in donor.paragraphs if len(p.split()) >= 15] or [donor.paragraphs[0]]
    )


def reprint_count(rng: random.Random) -> int:
    """A long-tailed number of reprints: 2 plus a lognormal draw, at most ``MAX_REPRINTS``."""
    return min(MAX_REPRINTS, 2 + int(rng.lognormvariate(REPRINT_MU, REPRINT_SIGMA)))


def reprint(
    versions: Sequence[tuple[str, Paragraphs]], site: Site, rng: random.Random, *, brief: bool
) -> Block:
    """One site's reprint of one version: maybe trimmed, a new headline, local additions."""
    weights = [1.0] * (len(versions) - 1) + [LATEST_WEIGHT]
    title, body = versions[rng.choices(range(len(versions)), weights=weights)[0]]
    if not brief and len(body) >= 3 and rng.random() < P_TRIM:
        body = body[: max(1, round(len(body) * rng.uniform(*TRIM_KEEP)))]
    strength = rng.choice(("light", "medium") if brief else ("light", "medium", "heavy"))
    if rng.random() < 0.85:
        title, body = transform_headline(title, body, rng, strength)
    body = list(body)
    if not brief and rng.random() < P_CAPTION:
        body.insert(1, caption_for(" ".join(body), site, rng))
    if not brief and rng.random() < P_LOCAL:
        body.insert(rng.randint(1, len(body)), local_paragraph(title, site, rng))
    return Block(title, tuple(body), site.name)


def _pick_site(taken: set[str], rng: random.Random) -> Site:
    weights = [1.0 / (rank + 2) for rank in range(len(SITES))]
    for _ in range(4):
        site = rng.choices(SITES, weights=weights)[0]
        if site.name not in taken:
            break
    taken.add(site.name)
    return site


def reprint_story(
    story: str,
    versions: Sequence[tuple[str, Paragraphs]],
    count: int,
    rng: random.Random,
    *,
    brief: bool = False,
) -> list[Page]:
    """``count`` reprints of one story on different sites (where sites suffice)."""
    pages: list[Page] = []
    taken: set[str] = set()
    for number in range(count):
        site = _pick_site(taken, rng)
        if pages and rng.random() < P_VERBATIM:
            source = rng.choice(pages)
            block = dataclasses.replace(source.block, source=site.name)
            role, version = "verbatim", source.version
        else:
            block = reprint(versions, site, rng, brief=brief)
            role, version = "reprint", 0
        pages.append(Page(f"{story}/p{number:03d}", story, role, block, site.name, version))
    return pages


def max_cross(pages: Iterable[Page], other: str) -> float:
    """The highest Jaccard between ``other`` and any page's text."""
    theirs = shingles(other)
    return max((jaccard(shingles(p.text), theirs) for p in pages), default=0.0)


def _as_text(article: SourceArticle) -> str:
    return "\n".join((article.title, *article.paragraphs))


def _negative(story: str, label: str, article: SourceArticle, rng: random.Random) -> Page:
    site = rng.choice(SITES)
    block = Block(article.title, article.paragraphs, site.name)
    return Page(f"{story}/{label}", f"{story}/{label}", label, block, site.name, 0, story)


def same_event(
    pages: Sequence[Page], base: SourceArticle, others: Sequence[SourceArticle], rng: random.Random
) -> SourceArticle | None:
    """Another outlet's article on the event (one of ``others``), quoting one sentence."""
    sentence = quoted_sentence(base, rng)
    for other in others:
        made = insert_paragraph(other, sentence, rng.randint(1, len(other.paragraphs)), "quote")
        if max_cross(pages, _as_text(made)) <= JACCARD_CAP:
            return made
    return None


def background(
    pages: Sequence[Page], body: Sequence[str], others: Sequence[SourceArticle], rng: random.Random
) -> SourceArticle | None:
    """A follow-up a day later (one of ``others``) reusing one background paragraph."""
    paragraphs = [p for p in body[2:] if len(p.split()) >= 20]
    rng.shuffle(paragraphs)
    for paragraph in paragraphs[:3]:
        for other in others:
            made = insert_paragraph(other, paragraph, 2, "background")
            if max_cross(pages, _as_text(made)) <= JACCARD_CAP:
                return made
    return None


def closest_under_cap(
    pages: Sequence[Page], article: SourceArticle, candidates: Sequence[SourceArticle]
) -> SourceArticle | None:
    """The candidate most like ``article`` that stays under the cap against every page."""
    mine = shingles(_as_text(article))
    scored = sorted((-jaccard(mine, shingles(_as_text(c))), c.id, c) for c in candidates)
    for score, _, candidate in scored:
        if -score <= JACCARD_CAP and max_cross(pages, _as_text(candidate)) <= JACCARD_CAP:
            return candidate
    return None


#: How many stories, negatives and fillers each ``--size`` makes.
SIZES: dict[str, dict[str, int]] = {
    "small": {
        "news": 115,
        "templated": 15,
        "recurring": 15,
        "same_event": 15,
        "background": 15,
        "fillers": 150,
    },
    "full": {
        "news": 520,
        "templated": 60,
        "recurring": 45,
        "same_event": 60,
        "background": 60,
        "fillers": 900,
    },
}


def _same_category(pool: Sequence[SourceArticle], category: str) -> list[SourceArticle]:
    return [a for a in pool if a.category == category and len(a.paragraphs) >= 3][:4]


def _add_news(corpus: Corpus, pools: Pools, counts: dict[str, int], rng: random.Random) -> None:
    for number in range(counts["news"]):
        base = pools.news.pop()
        story = f"s{number:04d}"
        reprints = reprint_count(rng)
        versions = make_versions(base, pools.donors, version_count(reprints, rng), rng)
        pages = reprint_story(story, versions, reprints, rng)
        corpus.pages += pages
        made, label = None, ""
        candidates = _same_category(pools.others, base.category)
        if number < counts["same_event"]:
            made, label = same_event(pages, base, candidates, rng), "same_event"
        elif number < counts["same_event"] + counts["background"]:
            made, label = background(pages, versions[-1][1], candidates, rng), "background"
        if made is not None:
            pools.others = [a for a in pools.others if a.id != made.id.split("/")[0]]
            corpus.pages.append(_negative(story, label, made, rng))


def _add_briefs(
    corpus: Corpus,
    label: str,
    series: Sequence[Sequence[SourceArticle]],
    count: int,
    rng: random.Random,
) -> None:
    """``count`` short wire items reprinted a few times, each with a look-alike that is
    other news (same template or same recurring title) under the cap.

    Each series is an item followed by its candidate look-alikes; items with none under
    the cap are passed over, and no item is used twice.
    """
    used: set[str] = set()
    made_count = 0
    for number, (article, *candidates) in enumerate(series):
        if made_count >= count or article.id in used:
            continue
        story = f"{label[0]}{number:04d}"
        versions = [(article.title, article.paragraphs)]
        pages = reprint_story(story, versions, rng.randint(2, 6), rng, brief=True)
        made = closest_under_cap(pages, article, [c for c in candidates if c.id not in used])
        if made is not None:
            used.update((article.id, made.id))
            corpus.pages += [*pages, _negative(story, label, made, rng)]
            made_count += 1


def build_corpus(pools: Pools, counts: dict[str, int], rng: random.Random) -> Corpus:
    """Stories with their reprints and hard negatives, then fillers (pools are consumed)."""
    corpus = Corpus()
    _add_news(corpus, pools, counts, rng)
    _add_briefs(corpus, "templated", pools.templated, counts["templated"], rng)
    _add_briefs(corpus, "recurring", pools.recurring, counts["recurring"], rng)
    for number, article in enumerate(pools.others[: counts["fillers"]]):
        site = rng.choice(SITES)
        block = Block(article.title, article.paragraphs, site.name)
        corpus.pages.append(Page(f"f{number:04d}", f"f{number:04d}", "filler", block, site.name))
    return corpus

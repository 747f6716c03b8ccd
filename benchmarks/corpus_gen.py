"""Build benchmark corpora from real article text: load, transform, write as dumps.

Shared by ``accuracy.py`` (labelled copies and hard negatives) and ``speed.py``
(big corpora with planted copies). The public surface is small:

- ``load_source_articles(shared_dir)``: real articles from ``../shared/corpora``
  (BBC News and Reuters-21578) as ``SourceArticle`` records, without the articles
  the corpora's READMEs measured as natural near-duplicates.
- ``transform_<name>(title, paragraphs, rng, strength) -> (title, paragraphs)``:
  one copy transformation at strength ``"light"``, ``"medium"`` or ``"heavy"``;
  ``TRANSFORMS`` maps each name to its function (defined in ``copy_transforms.py``).
- ``Block``, ``render_dump``, ``render_plain``, ``render_jsonl`` and ``write_dump``:
  text in the shape of the aggregator dumps described in ``../shared/FORMAT.md``.
"""

from __future__ import annotations

import csv
import gzip
import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from copy_transforms import STRENGTHS, TRANSFORMS, Strength, Transform

__all__ = [
    "CHROME",
    "SITE_PAGES",
    "STRENGTHS",
    "TRANSFORMS",
    "Block",
    "SourceArticle",
    "Strength",
    "Transform",
    "load_bbc",
    "load_reuters",
    "load_source_articles",
    "read_measured_pairs",
    "render_dump",
    "render_jsonl",
    "render_page",
    "render_plain",
    "write_dump",
]

#: The aggregator chrome between a dump's main article and its related blocks.
CHROME: tuple[str, ...] = (
    "Hashtags",
    "",
    "Try Our AI Features",
    "Explore what Newsdeck AI can do for you:",
    "Comments",
    "No comments yet...",
    "Related Articles",
)

_REUTERS_PARAGRAPH = re.compile(r"\n\s{2,}")


@dataclass(frozen=True)
class SourceArticle:
    """One real article: ``id`` is ``bbc:<category>/<NNN>`` or ``reuters:<NEWID>``."""

    id: str
    title: str
    paragraphs: tuple[str, ...]
    category: str
    date: str = ""
    dateline: str = ""

    @property
    def corpus(self) -> str:
        return self.id.split(":", 1)[0]

    @property
    def word_count(self) -> int:
        return sum(len(p.split()) for p in self.paragraphs)


@dataclass(frozen=True)
class Block:
    """An article as placed in a file: headline, paragraphs, and for related blocks a source."""

    title: str
    paragraphs: tuple[str, ...]
    source: str = ""
    age: str = ""


def _read_jsonl_gz(path: Path) -> Iterator[dict[str, object]]:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def _clean(text: str) -> str:
    return " ".join(text.split())


def load_bbc(shared_dir: Path) -> list[SourceArticle]:
    """Every BBC News article, paragraphs split on blank lines."""
    articles = []
    for record in _read_jsonl_gz(shared_dir / "corpora" / "bbc_news" / "articles.jsonl.gz"):
        paragraphs = tuple(_clean(p) for p in str(record["text"]).split("\n\n") if p.strip())
        articles.append(
            SourceArticle(
                id=f"bbc:{record['id']}",
                title=_clean(str(record["title"])),
                paragraphs=paragraphs,
                category=str(record["category"]),
            )
        )
    return articles


def load_reuters(shared_dir: Path) -> list[SourceArticle]:
    """Reuters-21578 stories with a body; hard-wrapped lines joined into paragraphs."""
    articles = []
    for record in _read_jsonl_gz(shared_dir / "corpora" / "reuters21578" / "articles.jsonl.gz"):
        text = str(record.get("text") or "")
        if not text.strip() or not str(record.get("title") or "").strip():
            continue
        paragraphs = tuple(_clean(p) for p in _REUTERS_PARAGRAPH.split(text) if p.strip())
        topics = record.get("topics") or []
        articles.append(
            SourceArticle(
                id=f"reuters:{record['id']}",
                title=_clean(str(record["title"])),
                paragraphs=paragraphs,
                category=str(topics[0]) if isinstance(topics, list) and topics else "",
                date=str(record.get("date") or ""),
                dateline=_clean(str(record.get("dateline") or "")),
            )
        )
    return articles


def read_measured_pairs(shared_dir: Path, corpus: str) -> list[tuple[str, str, float, bool]]:
    """The corpus README's measured pairs: ``(id_a, id_b, jaccard, exact)`` with prefixed ids."""
    folder, name = {
        "bbc": ("bbc_news", "measured_pairs_j5_ge_0.2.tsv"),
        "reuters": ("reuters21578", "measured_pairs_j5_ge_0.3.tsv"),
    }[corpus]
    pairs = []
    with (shared_dir / "corpora" / folder / name).open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            pairs.append(
                (
                    f"{corpus}:{row['id_a']}",
                    f"{corpus}:{row['id_b']}",
                    float(row["jaccard_word5"]),
                    row["exact_normalized_match"] == "1",
                )
            )
    return pairs


def load_source_articles(shared_dir: Path, *, min_words: int = 60) -> list[SourceArticle]:
    """BBC and Reuters articles of ``min_words`` or more with no measured near-duplicate.

    Reuters stories whose title recurs (templated items such as "FED ADDS RESERVES")
    are left out too; ``accuracy.py`` uses them on purpose as hard negatives.
    """
    paired = {
        ident
        for corpus in ("bbc", "reuters")
        for a, b, _, _ in read_measured_pairs(shared_dir, corpus)
        for ident in (a, b)
    }
    reuters = load_reuters(shared_dir)
    title_counts: dict[str, int] = {}
    for article in reuters:
        title_counts[article.title] = title_counts.get(article.title, 0) + 1
    return [
        article
        for article in (*load_bbc(shared_dir), *reuters)
        if article.id not in paired
        and article.word_count >= min_words
        and title_counts.get(article.title, 1) == 1
    ]


def render_dump(main: Block, related: Sequence[Block], *, leading_blank: bool = False) -> str:
    """A dump: the main article one paragraph per line, chrome, then related blocks.

    Related bodies go on one line, as the aggregator saves them; a paragraph that
    holds line breaks (a re-wrapped copy) keeps them.
    """
    lines = [""] if leading_blank else []
    lines += [main.title, *main.paragraphs, *CHROME, ""]
    for block in related:
        lines += ["", block.source, block.age, f"- {block.source}", block.title]
        lines += [" ".join(block.paragraphs), ""]
    return "\n".join(lines) + "\n"


def render_plain(block: Block) -> str:
    """A plain article file: the headline, a blank line, paragraphs separated by blank lines."""
    return "\n\n".join((block.title, *block.paragraphs)) + "\n"


#: Saved pages of four invented sites: the navigation above and the footer below every story.
#: Real saved pages carry a few hundred words of this; so do these.
SITE_PAGES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "Northgate Post": (
        (
            "Northgate Post",
            "Home News Politics Business Money Property Sport Football Cricket Culture Books "
            "Film Music Opinion Letters Weather Traffic Puzzles Crosswords Obituaries Jobs",
            "Today's paper | E-edition | Newsletters | Podcasts | Events | Shop",
        ),
        (
            "Most read this week",
            "1. Council approves new cycle lanes along the harbour road after long debate",
            "2. Bakery on Market Street closes after ninety years of trading in the town",
            "3. School inspectors praise primary pupils for reading progress this year",
            "4. Hospital car park charges to rise from April, trust confirms in letter",
            "5. Weekend forecast: sunshine for most but showers moving in from the west",
            "Get the Northgate Post morning briefing in your inbox every weekday. Sign up now "
            "and never miss the stories that matter to you and your neighbours.",
            "About us Contact Careers Advertise with us Privacy policy Cookie settings "
            "Terms and conditions Complaints Corrections Syndication Accessibility",
            "Northgate Post is published by Northgate Media Group, 14 Quay Street. "
            "All content copyright Northgate Media Group unless otherwise stated.",
        ),
    ),
    "Bay City Herald": (
        (
            "Skip to content",
            "Bay City Herald | Local | State | Nation | World | Business | Sports | High School "
            "Sports | Entertainment | Food | Opinion | Obituaries | Classifieds | e-Edition",
            "Subscribe now: your first month for one dollar. Already a subscriber? Log in.",
        ),
        (
            "Trending in Bay City",
            "Water main break floods two blocks downtown; repairs expected to last days",
            "Ferry schedule changes for the summer season announced by port authority",
            "High school robotics team heads to national finals for the first time",
            "New taco truck draws lines around the block at the waterfront market",
            "Support local journalism: subscribe to the Herald for less than a coffee a week. "
            "Your subscription pays for reporters covering city hall, schools and sports.",
            "Have a news tip? Email the newsroom or call our tip line any time, day or night.",
            "Terms of use | Privacy | Accessibility | Manage subscription | Help | Contact us "
            "| Careers | Advertise | Site map | Do not sell my personal information",
        ),
    ),
    "Riverside Daily": (
        (
            "Menu Search Sign in Subscribe",
            "Riverside Daily - News for the valley since 1921",
            "News Valley Towns Farming Business Sport Rugby Arts What's On Homes Motors "
            "Announcements Weddings Letters Puzzles",
        ),
        (
            "Related coverage",
            "Valley farmers count the cost of a wet spring as planting falls behind",
            "Rugby club unveils plans for a new clubhouse and all-weather pitch",
            "What's on this weekend: markets, music and a vintage tractor rally",
            "Comments are closed for this story. Read our community guidelines before "
            "posting, and report any comment you think breaks them.",
            "Copyright Riverside Daily. All rights reserved. Do not redistribute. "
            "Riverside Daily is a member of the independent press standards body.",
        ),
    ),
    "Evening Sentinel": (
        (
            "Evening Sentinel",
            "Latest | Crime | Courts | Schools | Traffic | Sport | Podcasts | Jobs | Homes "
            "| Motors | Dating | Puzzles | Family notices | Contact",
        ),
        (
            "More from the Sentinel",
            "Police appeal for witnesses after a crash on the ring road on Friday night",
            "Town centre shops report a busy start to the summer sales season",
            "Man jailed for a string of burglaries across the north of the city",
            "Download the Evening Sentinel app for breaking news alerts, live traffic and "
            "travel updates, and the daily e-edition of the paper.",
            "Listen to our daily news podcast, out every weekday at 5pm on all platforms.",
            "Sentinel Newspapers Ltd. Registered in England. All rights reserved. "
            "Cookie policy | Privacy notice | Terms | Editorial code | Complaints",
        ),
    ),
}


def render_page(block: Block, site: str) -> str:
    """A whole saved web page: the site's navigation, the story, the site's footer."""
    header, footer = SITE_PAGES[site]
    return "\n\n".join((block.title, *header, *block.paragraphs, *footer)) + "\n"


def render_jsonl(blocks: Sequence[Block]) -> str:
    """A JSON Lines export, one ``{"title", "text"}`` record per block."""
    records = (
        json.dumps({"title": b.title, "text": "\n\n".join(b.paragraphs)}, ensure_ascii=False)
        for b in blocks
    )
    return "".join(f"{record}\n" for record in records)


def write_dump(
    path: Path, main: Block, related: Sequence[Block], *, compress: bool = False
) -> Path:
    """Write a dump (gzip-compressed when ``compress``; ``.gz`` is added to the name)."""
    text = render_dump(main, related)
    path.parent.mkdir(parents=True, exist_ok=True)
    if compress:
        path = path.with_name(path.name + ".gz")
        path.write_bytes(gzip.compress(text.encode("utf-8"), mtime=0))
    else:
        path.write_text(text, encoding="utf-8")
    return path

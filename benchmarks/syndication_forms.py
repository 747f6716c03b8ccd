"""Write a syndication corpus three ways and label every article written.

- ``clean``: one plain file per page, the headline then one paragraph per line;
- ``page``: the visible text of each site's page, the article inside the site's chrome;
- ``dumps``: aggregator dumps (``../shared/FORMAT.md``): pages as main articles and as
  related blocks, some pages shown again as related blocks of other dumps.

Labels key articles as dedup reports them, ``path#index`` relative to the form's folder.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from corpus_gen import Block, write_dump
from labelled import AGES, AGES_OLD
from syndication_corpus import Corpus, Page
from syndication_sites import SITE_BY_NAME, SITES, render_page

FORMS: tuple[str, ...] = ("clean", "page", "dumps")
#: Share of pages that open a dump; the others become related blocks.
MAIN_SHARE = 0.4
#: Share of pages shown again as related blocks in 2-5 more dumps.
REPEAT_SHARE = 0.06


@dataclass
class Labels:
    """Each written article's page and story, by ``path#index``."""

    page_of: dict[str, str] = field(default_factory=dict)
    story_of: dict[str, str] = field(default_factory=dict)

    def add(self, key: str, page: Page) -> None:
        self.page_of[key] = page.id
        self.story_of[key] = page.story

    def groups(self) -> list[list[str]]:
        """The keys of each story, stories in order of their ids."""
        by_story: dict[str, list[str]] = {}
        for key in sorted(self.story_of):
            by_story.setdefault(self.story_of[key], []).append(key)
        return [by_story[story] for story in sorted(by_story)]


def _plain_text(block: Block) -> str:
    return "\n".join((block.title, *block.paragraphs)) + "\n"


def _names(count: int, rng: random.Random) -> list[str]:
    return [f"{number:05d}_{rng.getrandbits(40):010x}.txt" for number in range(count)]


def write_clean(pages: Sequence[Page], folder: Path, rng: random.Random) -> Labels:
    """One plain file per page."""
    labels = Labels()
    folder.mkdir(parents=True, exist_ok=True)
    for page, name in zip(pages, _names(len(pages), rng), strict=True):
        (folder / name).write_text(_plain_text(page.block), encoding="utf-8")
        labels.add(f"{name}#0", page)
    return labels


def _site_headlines(corpus: Corpus, rng: random.Random) -> dict[str, list[tuple[str, str]]]:
    """Each site's pool of (story, headline) for its "most read" and related lists."""
    firsts = sorted({p.story: p.block.title for p in corpus.pages}.items())
    return {site.name: rng.sample(firsts, min(14, len(firsts))) for site in SITES}


def write_pages(corpus: Corpus, pages: Sequence[Page], folder: Path, rng: random.Random) -> Labels:
    """One saved page per page: the article inside its site's chrome."""
    labels = Labels()
    folder.mkdir(parents=True, exist_ok=True)
    pools = _site_headlines(corpus, rng)
    for page, name in zip(pages, _names(len(pages), rng), strict=True):
        site = SITE_BY_NAME[page.site]
        others = [h for story, h in pools[page.site] if story != page.story]
        headlines = rng.sample(others, min(8, len(others)))
        (folder / name).write_text(render_page(page.block, site, headlines, rng), encoding="utf-8")
        labels.add(f"{name}#0", page)
    return labels


def _age(rng: random.Random) -> str:
    return rng.choice(AGES) if rng.random() < 0.8 else rng.choice(AGES_OLD)


def _layout(pages: Sequence[Page], rng: random.Random) -> list[tuple[Page, list[Page]]]:
    """Dumps as (main page, related pages); repeated pages appear in several dumps."""
    mains = list(pages[: max(1, math.ceil(MAIN_SHARE * len(pages)))])
    related = list(pages[len(mains) :])
    slots: list[list[Page]] = [[] for _ in mains]
    for number, page in enumerate(related):
        slots[number % len(slots)].append(page)
    repeated = rng.sample(list(pages), int(REPEAT_SHARE * len(pages)))
    for page in repeated:
        for dump in rng.sample(range(len(slots)), min(len(slots), rng.randint(2, 5))):
            if mains[dump].id != page.id and page not in slots[dump]:
                slots[dump].append(page)
    for slot in slots:
        rng.shuffle(slot)
    return list(zip(mains, slots, strict=True))


def write_dumps(pages: Sequence[Page], folder: Path, rng: random.Random) -> Labels:
    """Aggregator dumps, about 10% gzip-compressed."""
    labels = Labels()
    for number, (main, related) in enumerate(_layout(pages, rng)):
        path = folder / f"{number:04d}_{rng.getrandbits(64):016x}.txt"
        blocks = [replace(p.block, source=p.site, age=_age(rng)) for p in related]
        written = write_dump(path, main.block, blocks, compress=rng.random() < 0.1)
        name = written.relative_to(folder).as_posix()
        labels.add(f"{name}#0", main)
        for index, page in enumerate(related, start=1):
            labels.add(f"{name}#{index}", page)
    return labels


def write_forms(corpus: Corpus, root: Path, seed: int) -> dict[str, Labels]:
    """Write all three forms under ``root/<form>`` and return each form's labels."""
    rng = random.Random(seed + 1)
    pages = list(corpus.pages)
    rng.shuffle(pages)
    labels = {
        "clean": write_clean(pages, root / "clean", rng),
        "page": write_pages(corpus, pages, root / "page", rng),
        "dumps": write_dumps(pages, root / "dumps", rng),
    }
    write_labels(labels, {p.id: p for p in pages}, root / "labels.tsv")
    return labels


def write_labels(labels: dict[str, Labels], pages: dict[str, Page], path: Path) -> None:
    """A TSV of every labelled article: form, key, page, story, role, story it must avoid."""
    rows = ["form\tkey\tpage\tstory\trole\tnegative_of"]
    for form, form_labels in labels.items():
        for key in sorted(form_labels.page_of):
            page = pages[form_labels.page_of[key]]
            rows.append(f"{form}\t{key}\t{page.id}\t{page.story}\t{page.role}\t{page.negative_of}")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")

"""Big benchmark corpora built from real news text, with planted copies.

Text comes from ``../shared/corpora`` (BBC News and Reuters-21578, read at run time;
nothing of them is stored in the repository). Two kinds of article:

- ``prose`` (:func:`build_prose`): distinct prose from a word chain (each word drawn after
  the two before it, as in the real sentences), 500-650 words in paragraphs of two to
  four sentences: no sentence recurs across articles, as in a corpus of distinct stories;
- ``sentences`` (:func:`build_corpus`): random real sentences, 650-850 words, so no
  paragraph repeats across articles while the wording stays real newswire prose.

About 5% of the slots are copies of an article written shortly before: exact, with a junk
line appended, or with the last paragraph trimmed.
"""

from __future__ import annotations

import collections
import gzip
import itertools
import json
import random
import re
from collections.abc import Callable
from pathlib import Path

SHARED = Path(__file__).resolve().parents[2] / "shared" / "corpora"
SOURCES = ("bbc_news", "reuters21578")
COPY_SHARE = 0.05
RECENT = 2000
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'])")
#: Invented trailing junk for the junk-appended copies.
JUNK = (
    "Share this story with your friends and colleagues.",
    "Sign up for our morning briefing to get the day's top stories in your inbox.",
    "Reporting by our wire desk; editing by the night team.",
    "Click here to read more stories like this one.",
)


def shared_corpora() -> Path | None:
    """The shared corpora folder, or None when it (or one of its files) is absent."""
    if all((SHARED / name / "articles.jsonl.gz").is_file() for name in SOURCES):
        return SHARED
    return None


def load_sentences(folder: Path) -> list[str]:
    """Every sentence of 6 to 60 words in the shared corpora, whitespace collapsed."""
    sentences: list[str] = []
    for name in SOURCES:
        with gzip.open(folder / name / "articles.jsonl.gz", "rt", encoding="utf-8") as stream:
            for line in stream:
                text = " ".join(str(json.loads(line).get("text") or "").split())
                for sentence in SENTENCE_END.split(text):
                    if 6 <= len(sentence.split()) <= 60:
                        sentences.append(sentence)
    return sentences


def make_article(pool: list[str], rng: random.Random) -> tuple[str, list[str]]:
    """A title and 650-850 words of paragraphs drawn from ``pool``."""
    target = rng.randint(650, 850)
    paragraphs: list[str] = []
    words = 0
    while words < target:
        paragraph = " ".join(rng.choices(pool, k=rng.randint(2, 4)))
        paragraphs.append(paragraph)
        words += paragraph.count(" ") + 1
    title = " ".join(paragraphs[0].split()[:9]).rstrip(".,;:")
    return title, paragraphs


def make_copy(
    original: tuple[str, list[str]], kind: int, rng: random.Random
) -> tuple[str, list[str]]:
    """An exact copy (0), a copy with a junk line appended (1), or trimmed by a paragraph (2)."""
    title, paragraphs = original
    if kind == 1:
        return title, [*paragraphs, rng.choice(JUNK)]
    if kind == 2 and len(paragraphs) > 2:
        return title, paragraphs[:-1]
    return title, list(paragraphs)


def build_corpus(shared: Path | None, path: Path, size: int, seed: int) -> tuple[Path, int]:
    """Write ``size`` articles of random real sentences to ``path`` as JSONL (reused if
    already there), 5% of them planted copies; the path and the number planted."""
    if shared is None and not path.with_suffix(".planted").is_file():
        raise FileNotFoundError(f"{SHARED}: shared corpora not found")
    pool: list[str] = []

    def make(rng: random.Random) -> tuple[str, list[str]]:
        if not pool:
            pool.extend(load_sentences(SHARED if shared is None else shared))
        return make_article(pool, rng)

    return write_planted(path, size, seed, make)


#: Marks the start and the end of a sentence in the word chain.
EDGE = ""


def train_chain(sentences: list[str]) -> dict[tuple[str, str], list[str]]:
    """The words that follow each pair of words in ``sentences`` (as often as they do)."""
    chain: dict[tuple[str, str], list[str]] = collections.defaultdict(list)
    for sentence in sentences:
        words = [EDGE, EDGE, *sentence.split(), EDGE]
        for a, b, c in zip(words, words[1:], words[2:], strict=False):
            chain[(a, b)].append(c)
    return dict(chain)


def chain_sentence(chain: dict[tuple[str, str], list[str]], rng: random.Random) -> str:
    """One sentence walked along ``chain`` (at most 60 words)."""
    a, b = EDGE, EDGE
    words: list[str] = []
    while len(words) < 60:
        a, b = b, rng.choice(chain[(a, b)])
        if b == EDGE:
            break
        words.append(b)
    return " ".join(words)


def make_prose(
    chain: dict[tuple[str, str], list[str]], rng: random.Random
) -> tuple[str, list[str]]:
    """A title and 500-650 words of word-chain prose in paragraphs of two to four sentences."""
    target = rng.randint(500, 650)
    paragraphs: list[str] = []
    words = 0
    while words < target:
        paragraph = " ".join(chain_sentence(chain, rng) for _ in range(rng.randint(2, 4)))
        paragraphs.append(paragraph)
        words += paragraph.count(" ") + 1
    title = " ".join(paragraphs[0].split()[:9]).rstrip(".,;:")
    return title, paragraphs


def build_prose(shared: Path | None, path: Path, size: int, seed: int) -> tuple[Path, int]:
    """Write ``size`` word-chain articles to ``path`` as JSONL (reused if already there),
    5% of them planted copies; the path and the number planted."""
    if shared is None and not path.with_suffix(".planted").is_file():
        raise FileNotFoundError(f"{SHARED}: shared corpora not found")
    chain: dict[tuple[str, str], list[str]] = {}

    def make(rng: random.Random) -> tuple[str, list[str]]:
        if not chain:
            chain.update(train_chain(load_sentences(SHARED if shared is None else shared)))
        return make_prose(chain, rng)

    return write_planted(path, size, seed, make)


def write_planted(
    path: Path,
    size: int,
    seed: int,
    make: Callable[[random.Random], tuple[str, list[str]]],
) -> tuple[Path, int]:
    """Write ``size`` articles made by ``make`` to ``path`` as JSONL, 5% of the slots copies
    of a recent one (reused when already there); the path and the number planted."""
    marker = path.with_suffix(".planted")
    if path.is_file() and marker.is_file():
        return path, int(marker.read_text())
    rng = random.Random(seed)
    recent: collections.deque[tuple[str, list[str]]] = collections.deque(maxlen=RECENT)
    planted = 0
    with path.open("w", encoding="utf-8") as out:
        for _ in range(size):
            if recent and rng.random() < COPY_SHARE:
                title, paragraphs = make_copy(rng.choice(recent), planted % 3, rng)
                planted += 1
            else:
                title, paragraphs = make(rng)
                recent.append((title, paragraphs))
            record = {"title": title, "text": "\n\n".join(paragraphs)}
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    marker.write_text(str(planted))
    return path, planted


def write_head(corpus: Path, path: Path, count: int) -> Path:
    """The first ``count`` lines of ``corpus`` as their own file (for subsampled anchors)."""
    if not path.is_file():
        with corpus.open(encoding="utf-8") as source, path.open("w", encoding="utf-8") as out:
            out.writelines(itertools.islice(source, count))
    return path

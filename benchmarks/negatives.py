"""Hard negatives for the accuracy benchmark: pairs that look alike but are not copies.

Each builder returns ``(a, b)`` pairs of ``SourceArticle`` (``b`` possibly edited)
that a detector must keep apart:

- ``pair_same_event``: two different BBC stories on one topic, one sentence of the
  first spliced into the second (two outlets quoting the same statement);
- ``pair_background``: a story that reuses one short background paragraph of another;
- ``pair_followups``: real BBC follow-up stories measured at word 5-gram Jaccard 0.3-0.7
  with different headlines;
- ``pair_templated``: Reuters notices with identical bodies but different companies
  in the title;
- ``pair_recurring``: a recurring Reuters story (same title) on different days, with
  new figures.
"""

from __future__ import annotations

import dataclasses
import random
import re
from collections import defaultdict
from collections.abc import Sequence
from itertools import combinations
from pathlib import Path

import numpy as np
from corpus_gen import SourceArticle, read_measured_pairs

ArticlePair = tuple[SourceArticle, SourceArticle]

_WORD = re.compile(r"[a-z]{4,}")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'])")


def _shingles(article: SourceArticle, size: int = 5) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", " ".join(article.paragraphs).lower())
    return {tuple(words[i : i + size]) for i in range(max(1, len(words) - size + 1))}


def jaccard(a: SourceArticle, b: SourceArticle) -> float:
    """Word 5-gram Jaccard similarity of two bodies (the corpora READMEs' measure)."""
    sa, sb = _shingles(a), _shingles(b)
    return len(sa & sb) / len(sa | sb) if sa | sb else 1.0


def _topic_pairs(articles: Sequence[SourceArticle]) -> list[tuple[int, int]]:
    """Index pairs ordered by how much vocabulary two articles share (cosine of word sets)."""
    docs = [set(_WORD.findall(" ".join(a.paragraphs).lower())) for a in articles]
    freq: dict[str, int] = defaultdict(int)
    for words in docs:
        for word in words:
            freq[word] += 1
    vocab = {w: i for i, w in enumerate(sorted(w for w, n in freq.items() if 2 <= n <= 20))}
    matrix = np.zeros((len(docs), max(1, len(vocab))), dtype=np.float32)
    for row, words in enumerate(docs):
        matrix[row, [vocab[w] for w in words if w in vocab]] = 1.0
    norms = np.sqrt(matrix.sum(axis=1)) + 1e-9
    cosine = (matrix @ matrix.T) / np.outer(norms, norms)
    np.fill_diagonal(cosine, 0.0)
    upper = np.triu_indices(len(docs), k=1)
    order = np.argsort(-cosine[upper], kind="stable")
    return [(int(upper[0][k]), int(upper[1][k])) for k in order[: 50 * len(docs)]]


def _take_disjoint(
    articles: Sequence[SourceArticle], candidates: Sequence[tuple[int, int]], count: int
) -> list[ArticlePair]:
    used: set[int] = set()
    pairs: list[ArticlePair] = []
    for i, j in candidates:
        if len(pairs) >= count:
            break
        if i in used or j in used:
            continue
        used.update((i, j))
        pairs.append((articles[i], articles[j]))
    return pairs


def quoted_sentence(article: SourceArticle, rng: random.Random) -> str:
    """A sentence of 10+ words after the lead, a quoted one when there is one."""
    sentences = [s for p in article.paragraphs[1:] for s in _SENTENCE_END.split(p)]
    long_enough = [s for s in sentences if len(s.split()) >= 10]
    quoted = [s for s in long_enough if '"' in s]
    return rng.choice(quoted or long_enough or list(article.paragraphs))


def insert_paragraph(article: SourceArticle, paragraph: str, at: int, suffix: str) -> SourceArticle:
    """``article`` with ``paragraph`` inserted at position ``at``; its id gets ``/suffix``."""
    body = list(article.paragraphs)
    body.insert(min(at, len(body)), paragraph)
    return dataclasses.replace(article, id=f"{article.id}/{suffix}", paragraphs=tuple(body))


def pair_same_event(
    pool: Sequence[SourceArticle], rng: random.Random, count: int
) -> list[ArticlePair]:
    """Same-topic pairs from one category, a quoted sentence of ``a`` spliced into ``b``."""
    by_category: dict[str, list[SourceArticle]] = defaultdict(list)
    for article in pool:
        by_category[article.category].append(article)
    pairs: list[ArticlePair] = []
    categories = sorted(by_category)
    for number, category in enumerate(categories):
        share = (count - len(pairs)) // (len(categories) - number)
        members = by_category[category]
        pairs += _take_disjoint(members, _topic_pairs(members), share)
    return [
        (
            a,
            insert_paragraph(
                b, quoted_sentence(a, rng), rng.randint(1, len(b.paragraphs)), "quote"
            ),
        )
        for a, b in pairs
    ]


def pair_background(
    pool: Sequence[SourceArticle], rng: random.Random, count: int
) -> list[ArticlePair]:
    """Same-category pairs where ``b`` reuses one background paragraph of ``a``.

    The paragraph has 20 or more words and at most a quarter of either article's words.
    """
    by_category: dict[str, list[SourceArticle]] = defaultdict(list)
    for article in pool:
        by_category[article.category].append(article)
    candidates: list[tuple[SourceArticle, SourceArticle]] = []
    for category in sorted(by_category):
        members = by_category[category]
        rng.shuffle(members)
        candidates += zip(members[0::2], members[1::2], strict=False)
    rng.shuffle(candidates)
    pairs: list[ArticlePair] = []
    for a, b in candidates:
        if len(pairs) >= count:
            break
        limit = 0.25 * min(a.word_count, b.word_count)
        background = [p for p in a.paragraphs[1:] if 20 <= len(p.split()) <= limit]
        if background and len(b.paragraphs) >= 3:
            pairs.append((a, insert_paragraph(b, rng.choice(background), 2, "background")))
    return pairs


def _title_overlap(a: SourceArticle, b: SourceArticle) -> float:
    wa, wb = set(re.findall(r"\w+", a.title.lower())), set(re.findall(r"\w+", b.title.lower()))
    return len(wa & wb) / len(wa | wb) if wa | wb else 1.0


def pair_followups(shared_dir: Path, by_id: dict[str, SourceArticle]) -> list[ArticlePair]:
    """Real BBC follow-ups: measured Jaccard 0.3-0.7 and clearly different headlines.

    Pairs whose headlines share half their words are left out: those are updated
    versions of one story, neither clearly a copy nor clearly a different story.
    """
    pairs = []
    for a, b, score, exact in read_measured_pairs(shared_dir, "bbc"):
        if exact or not 0.3 <= score <= 0.7 or a not in by_id or b not in by_id:
            continue
        if _title_overlap(by_id[a], by_id[b]) < 0.5:
            pairs.append((by_id[a], by_id[b]))
    return pairs


_NOTICE_TITLE = re.compile(r"\b(DIV|DIVIDEND|QUARTERLY|QTLY|PAYOUT)\b")


def is_notice(article: SourceArticle) -> bool:
    """A short Reuters dividend notice: "Qtly div five cts vs five cts prior ..."."""
    return (
        article.word_count < 30
        and _NOTICE_TITLE.search(article.title) is not None
        and article.paragraphs[0].lower().startswith("qtly div")
    )


def pair_templated(
    shared_dir: Path, reuters: Sequence[SourceArticle], rng: random.Random, count: int
) -> list[ArticlePair]:
    """Dividend notices with one body and different companies named only in the title.

    First the real pairs (measured exact bodies, titles sharing under 30% of words),
    then made ones: notice ``b``'s title over notice ``a``'s body.
    """
    by_id = {a.id: a for a in reuters}
    used: set[str] = set()
    pairs: list[ArticlePair] = []
    for a, b, _, exact in sorted(read_measured_pairs(shared_dir, "reuters")):
        if not exact or a not in by_id or b not in by_id or a in used or b in used:
            continue
        if by_id[a].word_count < 30 and _title_overlap(by_id[a], by_id[b]) < 0.3:
            used.update((a, b))
            pairs.append((by_id[a], by_id[b]))
    notices = [a for a in reuters if is_notice(a) and a.id not in used]
    rng.shuffle(notices)
    for first, second in zip(notices[0::2], notices[1::2], strict=False):
        if len(pairs) >= count:
            break
        made = dataclasses.replace(second, id=f"{second.id}/template", paragraphs=first.paragraphs)
        pairs.append((first, made))
    return pairs[:count]


def _number_overlap(a: SourceArticle, b: SourceArticle) -> float:
    na, nb = (set(_NUMBER.findall(" ".join(x.paragraphs))) for x in (a, b))
    return len(na & nb) / len(na | nb) if na | nb else 1.0


def pair_recurring(reuters: Sequence[SourceArticle], count: int) -> list[ArticlePair]:
    """Same-title Reuters stories from different days with new figures.

    Bodies below word 5-gram Jaccard 0.9 whose sets of numbers share under 70%.

    At most two pairs per title, so many recurring series are represented.
    """
    by_title: dict[str, list[SourceArticle]] = defaultdict(list)
    for article in reuters:
        by_title[article.title].append(article)
    pairs: list[ArticlePair] = []
    for title in sorted(by_title, key=lambda t: (-len(by_title[t]), t)):
        used: set[str] = set()
        for a, b in combinations(by_title[title], 2):
            if len(pairs) >= count:
                return pairs
            if len(used) >= 4 or a.id in used or b.id in used or a.date[:11] == b.date[:11]:
                continue
            if jaccard(a, b) < 0.9 and _number_overlap(a, b) < 0.7:
                used.update((a.id, b.id))
                pairs.append((a, b))
    return pairs

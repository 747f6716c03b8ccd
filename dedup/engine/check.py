"""``dedup check``: do these files copy each other or anything already in the corpus?

The same run as ``scan`` (:func:`dedup.engine.run.run`) over the corpus under a root and
the given files, through the same store: files the store holds unchanged are not read
again. Only pairs that involve an article of the given files (the *focus*) are verified
and grouped, so a check never reports what the corpus already held. A given article that
copies something is reported with its original: the canonical article of its group, or,
when that is itself, the member of its group it matched best, corpus articles first; a
pair of given articles is reported once.

Given a git revision (``base``), only what a change adds is checked: an article whose
text the file already held at that revision stays in the corpus but out of the focus
(:func:`new_articles`), so an old duplicate inside a file never fails a commit that only
appends to it (``dedup scan`` still shows it).
"""

from __future__ import annotations

import contextlib
import os
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import replace

import numpy as np

from dedup.article import Article
from dedup.config import Config
from dedup.engine.corpus import Corpus
from dedup.engine.deferred import deferring
from dedup.engine.fingerprint import SignatureStore
from dedup.engine.load import load_corpus
from dedup.engine.run import Laps, run, spill_warning
from dedup.engine.spill import Spill, spilled
from dedup.errors import InputError, ignore
from dedup.progress import ProgressCallback, no_progress
from dedup.read.ahead import Walked, walk_paths
from dedup.read.committed import committed_copy, committed_state
from dedup.read.files import read_file
from dedup.read.walk import Found
from dedup.reading import Tally
from dedup.result import Group, Match, Member, Result
from dedup.store.scan import ScanStore
from dedup.text.prepare import split_units

WarningCallback = Callable[[InputError], None]
Key = tuple[str, int]


def check_files(
    paths: Sequence[str],
    config: Config,
    cache: SignatureStore | None = None,
    store: ScanStore | None = None,
    *,
    root: str,
    base: str | None = None,
    leave_out: Sequence[str] = (),
    on_warning: WarningCallback | None = None,
    progress: ProgressCallback | None = None,
    tally: Tally | None = None,
    walked: Callable[[], Walked] | None = None,
) -> list[Match]:
    """Which articles of ``paths`` copy each other or an article of the corpus under
    ``root`` (the given files themselves left out of the corpus), sorted by location.

    With ``base`` (a git revision, such as ``HEAD``), only the articles a change adds are
    checked: see :func:`new_articles`. Files in ``leave_out`` are not part of the corpus.
    ``tally`` counts what was read and skipped; ``walked`` is ``root``'s walk begun ahead."""
    tally = tally if tally is not None else Tally()
    held = contextlib.nullcontext(store) if store is not None else ScanStore.in_memory(config)
    warn, report = on_warning or ignore, progress or no_progress

    @deferring()
    def attempt(spill: Spill) -> list[Match]:
        tally.restart()
        corpus = load_corpus(events, config, scan_store, spill, tally.counting(warn), report)
        tally.articles = len(corpus)
        focus = focus_of(corpus, named, base)
        if not focus:
            return []
        result = run(corpus, scan_store, cache, report, Laps(), focus=frozenset(focus))
        wanted = {(corpus.article(i).path, int(corpus.columns.index[i])) for i in focus}
        return with_digests(matches_of(result, wanted), corpus)

    with held as scan_store:
        scan_store.read_ahead(("snapshot", "bands"))  # read while the folders are walked
        events, named = check_events(paths, config, root, leave_out, tally, walked)
        return spilled(attempt, spill_warning(warn))


def check_events(
    paths: Sequence[str],
    config: Config,
    root: str,
    leave_out: Sequence[str],
    tally: Tally,
    walked: Callable[[], Walked] | None = None,
) -> tuple[list[Found | InputError], int]:
    """What a check reads, in order: the given files (and their walk's warnings), then
    the corpus under ``root`` without them and without ``leave_out``; and how many of the
    files found are given ones (they come first). ``walked`` gives the walk of ``root``
    when one was begun ahead (:class:`dedup.read.ahead.WalkAhead`)."""
    corpus_walk = walked() if walked is not None else walk_paths([root], config, tidy=True)
    given = walk_paths(paths, config).told(tally.left_out)
    named = {e.real for e in given if isinstance(e, Found)}
    skipped = named | {os.path.realpath(path) for path in leave_out}
    corpus = corpus_walk.told(tally.left_out)
    events = [*given, *(e for e in corpus if not (type(e) is Found and e.real in skipped))]
    tally.find([e.path for e in events if type(e) is Found])
    return events, len(named)


def focus_of(corpus: Corpus, named: int, base: str | None) -> list[int]:
    """The articles to check: those of the first ``named`` files (the given ones), and
    with ``base`` only those a change adds (:func:`new_articles`)."""
    focus = np.flatnonzero(corpus.columns.file_of < named).tolist()
    return focus if base is None else new_articles(corpus, focus, base)


def new_articles(corpus: Corpus, focus: Sequence[int], base: str) -> list[int]:
    """The articles of ``focus`` that ``base``'s version of their file did not hold.

    An article is judged by its comparison text's digest (its text after normalisation and
    junk removal, as the exact rule sees it), counted: when the committed file held a text
    n times, the first n articles with that text (in file order) are not new, any further
    one is. A file git does not hold at ``base`` (untracked, or no repository) is all new;
    one it holds unchanged is all old (neither has a committed copy read).
    """
    columns = corpus.columns
    chosen = sorted(focus, key=lambda i: (int(columns.file_of[i]), int(columns.index[i])))
    files = sorted({int(columns.file_of[i]) for i in chosen})
    same, absent = committed_state([corpus.found[f].path for f in files], base)
    held: dict[int, Counter[bytes]] = {}
    new: list[int] = []
    for i in chosen:
        file = int(columns.file_of[i])
        path = corpus.found[file].path
        if path in same:
            continue
        if file not in held:  # a file the revision does not hold has no copy to read
            held[file] = (
                Counter() if path in absent else committed_digests(path, base, corpus.config)
            )
        digest = columns.digests[i]
        if held[file][digest] > 0:
            held[file][digest] -= 1
        else:
            new.append(i)
    return new


def committed_digests(path: str, base: str, config: Config) -> Counter[bytes]:
    """How many times each comparison-text digest occurs in ``base``'s version of ``path``
    (none when there is no such version, or it cannot be read)."""
    with committed_copy(path, base) as copy:
        if copy is None:
            return Counter()
        try:
            articles = list(read_file(copy, config, ignore))
        except InputError:
            return Counter()
        return Counter(split_units(article, config).prepared.digest for article in articles)


def with_digests(matches: Sequence[Match], corpus: Corpus) -> list[Match]:
    """``matches`` with the digests of their two articles' comparison texts, as hex (for
    baselines)."""
    named = {a.path for m in matches for a in (m.article, m.original)}
    numbers: dict[str, list[int]] = {}
    for number, found in enumerate(corpus.found):
        if found.path in named:
            numbers.setdefault(found.path, []).append(number)
    columns = corpus.columns

    def digest_of(article: Article) -> str:
        files = numbers[article.path]
        rows = np.isin(columns.file_of, files) & (columns.index == article.index)
        return columns.digests[int(np.flatnonzero(rows)[0])].hex()

    return [replace(m, digests=(digest_of(m.article), digest_of(m.original))) for m in matches]


def matches_of(result: Result, wanted: set[Key]) -> list[Match]:
    """One match per pair of articles that ``result`` groups, for each ``wanted`` article
    (path, index) grouped with others: a copy names the article it joined through, a
    wanted canonical the member it stands for. A pair is reported once, as its copy's
    match, even when both of its articles are wanted (A->B and B->A are one finding)."""
    matches: list[Match] = []
    seen: set[frozenset[Key]] = set()
    for group in result.groups:
        found = [
            Match(m.article, m.via or group.canonical, m.link or m.score)
            for m in group.copies
            if _key(m.article) in wanted
        ]
        if _key(group.canonical) in wanted:
            member = _best_other(group, wanted)
            found.append(Match(group.canonical, member.article, member.score))
        for match in found:
            pair = frozenset((_key(match.article), _key(match.original)))
            if pair not in seen:
                seen.add(pair)
                matches.append(match)
    return sorted(matches, key=lambda m: (m.article.path, m.article.index))


def _best_other(group: Group, wanted: set[Key]) -> Member:
    """The member standing for a checked canonical: the first not being checked (else the
    first of all), preferring those that verify against the canonical directly."""
    others = [m for m in group.copies if _key(m.article) not in wanted] or list(group.copies)
    direct = [m for m in others if m.via is None]
    return (direct or others)[0]


def _key(article: Article) -> Key:
    return (article.path, article.index)

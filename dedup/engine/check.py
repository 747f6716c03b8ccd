"""``dedup check``: do these files copy each other or anything already in the corpus?

The same run as ``scan`` (:func:`dedup.engine.run.run`) over the corpus under a root and
the given files, through the same store: files the store holds unchanged are not read
again. Only pairs that involve an article of the given files (the *focus*) are verified
and grouped, so a check never reports what the corpus already held. A given article that
copies something is reported with its original: the canonical article of its group, or,
when that is itself, the member of its group it matched best, corpus articles first.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Sequence

import numpy as np

from dedup.article import Article
from dedup.config import Config
from dedup.engine.corpus import Found
from dedup.engine.fingerprint import SignatureStore
from dedup.engine.load import load_corpus, walk
from dedup.engine.run import Laps, run, spill_warning
from dedup.engine.spill import Spill, spilled
from dedup.errors import InputError, ignore
from dedup.progress import ProgressCallback, no_progress
from dedup.result import Group, Match, Member, Result
from dedup.store.scan import ScanStore

WarningCallback = Callable[[InputError], None]
Key = tuple[str, int]


def check_files(
    paths: Sequence[str],
    config: Config,
    cache: SignatureStore | None = None,
    store: ScanStore | None = None,
    *,
    root: str,
    on_warning: WarningCallback | None = None,
    progress: ProgressCallback | None = None,
) -> list[Match]:
    """Which articles of ``paths`` copy each other or an article of the corpus under
    ``root`` (the given files themselves left out of the corpus), sorted by location."""
    given = walk(paths, config, None)
    named = {e.real for e in given if isinstance(e, Found)}
    corpus_files = [_shown(e) for e in walk([root], config, None)]
    events = [*given, *(e for e in corpus_files if not _named(e, named))]
    held = contextlib.nullcontext(store) if store is not None else ScanStore.in_memory(config)
    warn, report = on_warning or ignore, progress or no_progress

    def attempt(spill: Spill) -> list[Match]:
        corpus = load_corpus(events, config, scan_store, spill, warn, report)
        focus = np.flatnonzero(corpus.columns.file_of < len(named)).tolist()
        if not focus:
            return []
        result = run(corpus, scan_store, cache, report, Laps(), focus=frozenset(focus))
        wanted = {(corpus.article(i).path, int(corpus.columns.index[i])) for i in focus}
        return matches_of(result, wanted)

    with held as scan_store:
        return spilled(attempt, spill_warning(warn))


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


def _shown(event: Found | InputError) -> Found | InputError:
    """A corpus file named as the walk of the root gives it, tidied (``./a`` is ``a``)."""
    if isinstance(event, Found):
        return Found(os.path.normpath(event.path), event.real, event.size, event.mtime_ns)
    return event


def _named(event: Found | InputError, named: set[str]) -> bool:
    return isinstance(event, Found) and event.real in named

"""The prepare stage's corpus-wide part: learning boilerplate (units that recur across
distinct stories) and cutting it out of the comparison texts.

A text's cut is remembered one text at a time, and a run's cuts all together under one
key, so a warm run of a corpus whose boilerplate has not changed reads one row.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator, Mapping, Sequence
from functools import partial
from typing import overload

import numpy as np
import numpy.typing as npt

from dedup.config import Config
from dedup.engine.columns import Columns
from dedup.engine.corpus import Corpus, digest
from dedup.engine.deferred import defer
from dedup.engine.jobs import map_chunks
from dedup.engine.records import DIGEST_BYTES
from dedup.progress import no_progress
from dedup.store.scan import ScanStore
from dedup.text.prepare import Prepared, boilerplate_of

I64 = npt.NDArray[np.int64]
Mask = npt.NDArray[np.bool_]
#: A text's digest, words and dropped units once boilerplate is cut out.
Cut = tuple[bytes, int, int]


def learn_boilerplate(corpus: Corpus, store: ScanStore) -> frozenset[int]:
    """Boilerplate learned from every article's unit hashes; what was learned from the very
    same files (same stat, same reading) is taken from the store."""
    key = digest(corpus.files_read())
    found = store.get("boilerplate", [key]).get(key)
    if found is not None:
        return frozenset(int(h) for h in json.loads(found))
    columns = corpus.columns
    counts = np.diff(columns.starts).astype(np.int64)
    min_docs = corpus.config.boilerplate_min_docs
    learned = boilerplate_of(columns.hashes, counts, columns.context, min_docs)
    store.put_memo("boilerplate", key, json.dumps(sorted(learned)))
    return learned


class Cuts(Mapping[int, Prepared]):
    """The texts a cut changed, by article: their digests, words and dropped units in
    columns (a warm run of a million articles makes no object per text)."""

    def __init__(self, at: Sequence[int], digests: list[bytes], words: I64, dropped: I64) -> None:
        self.at = np.asarray(at, dtype=np.int64)
        self.rows = dict(zip(self.at.tolist(), range(len(self.at)), strict=True))
        self.digests, self.words, self.dropped = digests, words, dropped

    @classmethod
    def of(cls, cuts: dict[int, Cut]) -> Cuts:
        words = np.fromiter((w for _, w, _ in cuts.values()), dtype=np.int64, count=len(cuts))
        dropped = np.fromiter((d for _, _, d in cuts.values()), dtype=np.int64, count=len(cuts))
        return cls(list(cuts), [d for d, _, _ in cuts.values()], words, dropped)

    def __getitem__(self, i: int) -> Prepared:
        row = self.rows[i]
        return Prepared("", int(self.words[row]), self.digests[row], int(self.dropped[row]))

    def __iter__(self) -> Iterator[int]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def to_json(self) -> str:
        """The cuts as one JSON value, for :meth:`from_json`. A text left without a body
        has an empty digest: those are listed by row, the others packed end to end."""
        empty = [row for row, text_digest in enumerate(self.digests) if not text_digest]
        packed = b"".join(self.digests)
        if len(packed) != DIGEST_BYTES * (len(self.digests) - len(empty)):
            raise ValueError("a digest of an unexpected size")
        counts = {"words": self.words.tolist(), "dropped": self.dropped.tolist()}
        return json.dumps({"digests": packed.hex(), "empty": empty, **counts})

    @classmethod
    def from_json(cls, at: Sequence[int], value: str) -> Cuts:
        """The cuts :meth:`to_json` wrote of the articles ``at``; ``ValueError`` if not."""
        fields = json.loads(value)
        packed = bytes.fromhex(fields["digests"])
        words = np.asarray(fields["words"], dtype=np.int64)
        dropped = np.asarray(fields["dropped"], dtype=np.int64)
        empty = set(fields["empty"])
        whole = len(at) - len(empty)
        if not len(words) == len(dropped) == len(at) or len(packed) != DIGEST_BYTES * whole:
            raise ValueError("stored cuts do not fit the articles")
        digests: list[bytes] = []
        start = 0
        for row in range(len(at)):
            if row in empty:
                digests.append(b"")
            else:
                digests.append(packed[start : start + DIGEST_BYTES])
                start += DIGEST_BYTES
        return cls(at, digests, words, dropped)


class CutTexts(Sequence[Prepared]):
    """What each article's comparison text is once boilerplate is cut out (its digest,
    words and dropped units, not the text): made from the columns when asked for, except
    for the texts the cut changed."""

    def __init__(self, columns: Columns, cut: Cuts) -> None:
        self.columns = columns
        self.cut = cut

    def __len__(self) -> int:
        return len(self.columns)

    @overload
    def __getitem__(self, i: int) -> Prepared: ...

    @overload
    def __getitem__(self, i: slice) -> list[Prepared]: ...

    def __getitem__(self, i: int | slice) -> Prepared | list[Prepared]:
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        return self.cut[i] if i in self.cut.rows else self.columns.light(i)

    def total_words(self) -> int:
        """Words of every comparison text together (page junk and boilerplate left out)."""
        cut = self.cut
        total = int(self.columns.words.sum()) + int(cut.words.sum())
        return total - int(self.columns.words[cut.at].sum()) if len(cut) else total

    def digests(self) -> list[bytes]:
        """Every article's digest, in order."""
        found = list(self.columns.digests)
        for i, text_digest in zip(self.cut.at.tolist(), self.cut.digests, strict=True):
            found[i] = text_digest
        return found


def cut_texts(corpus: Corpus, store: ScanStore) -> CutTexts:
    """Each article's comparison text as far as later stages need it before its text: the
    digest, words and dropped units once boilerplate is cut out (texts read where known).

    What a run cut is remembered whole, under a key of everything the cuts depend on (the
    texts' digests, units and which units are boilerplate), and one text at a time."""
    columns = corpus.columns
    if not corpus.boilerplate or not len(columns):
        return CutTexts(columns, Cuts.of({}))
    mask = corpus.boilerplate_units()
    owner = np.repeat(np.arange(len(columns)), np.diff(columns.starts))
    chosen = np.flatnonzero(corpus.holding())
    batch = _batch_key(columns, chosen, mask, owner)
    found = store.get("cut_batches", [batch]).get(batch)
    if found is not None:  # the same cuts as a run the store remembers: one row for all
        with contextlib.suppress(ValueError, TypeError, KeyError):
            return CutTexts(columns, Cuts.from_json(chosen.tolist(), found))
    cuts = Cuts.of(_cut_each(corpus, store, chosen.tolist(), mask))
    with contextlib.suppress(ValueError):  # not remembered whole: cut again next time
        store.put_memo("cut_batches", batch, cuts.to_json())
    return CutTexts(columns, cuts)


def _batch_key(columns: Columns, chosen: npt.NDArray[np.intp], mask: Mask, owner: I64) -> bytes:
    """One key of all the texts a run cuts: their digests, unit hashes and cut units."""
    holds = np.zeros(len(columns), dtype=bool)
    holds[chosen] = True
    units = holds[owner]
    sizes = np.diff(columns.starts)[chosen].astype(np.int64)
    parts = [b"".join(columns.digests[i] for i in chosen.tolist()), sizes.tobytes()]
    return digest(b"".join((*parts, columns.hashes[units].tobytes(), mask[units].tobytes())))


def _cut_each(corpus: Corpus, store: ScanStore, chosen: list[int], mask: Mask) -> dict[int, Cut]:
    """The cut of each text at ``chosen``: stored ones taken where the text is not at hand,
    the others made. Those made are stored once workers are busy: nothing in this run
    waits for them (86,872 rows of a 100k scan kept the workers waiting about 1.1 s)."""
    columns = corpus.columns
    away = [i for i in chosen if not corpus.has_text(i)]
    keys = dict(zip(away, _cut_keys(columns, mask, away), strict=True))
    stored = store.get("cut_texts", list(keys.values()))
    found = {i: stored[key] for i, key in keys.items() if key in stored}
    todo = [i for i in chosen if i not in found]
    corpus.need(todo)
    made = _cut_all(corpus, todo)
    defer(partial(_store_cuts, store, columns, mask, made))
    cuts: dict[int, Cut] = {}
    for i in chosen:
        if i in found:
            text_digest, words, dropped = json.loads(found[i])
            cuts[i] = (bytes.fromhex(text_digest), words, dropped)
        else:
            cuts[i] = made[i]
    return cuts


def _cut_keys(columns: Columns, mask: Mask, texts: Sequence[int]) -> list[bytes]:
    """What each text's cut depends on: its digest, its units and which of them are cut
    (sliced from the bytes of the whole columns: a numpy slice per text costs more)."""
    if not texts:
        return []
    hashes, cut, starts = columns.hashes.tobytes(), mask.tobytes(), columns.starts.tolist()
    width = columns.hashes.itemsize
    return [
        digest(
            columns.digests[i]
            + hashes[width * starts[i] : width * starts[i + 1]]
            + cut[starts[i] : starts[i + 1]]
        )
        for i in texts
    ]


def _store_cuts(store: ScanStore, columns: Columns, mask: Mask, made: dict[int, Cut]) -> None:
    keys = _cut_keys(columns, mask, list(made))
    # What json.dumps([digest.hex(), words, dropped]) writes, in a tenth of its time.
    values = [f'["{cut[0].hex()}", {cut[1]}, {cut[2]}]' for cut in made.values()]
    store.put("cut_texts", zip(keys, values, strict=True))


def _cut_all(corpus: Corpus, todo: Sequence[int]) -> dict[int, Cut]:
    """The digest, words and dropped units of each text at ``todo`` with the boilerplate
    cut out: on all jobs for the texts spilled, in this process for the others (texts of
    files read again here, which workers do not hold)."""
    spilled = [i for i in todo if corpus.columns.place(i) is not None]
    work = partial(_cut_chunk, corpus)
    cuts = map_chunks(work, spilled, corpus.config, "prepare", no_progress)
    made = dict(zip(spilled, cuts, strict=True))
    return {i: made[i] if i in made else _cut_one(corpus, i) for i in todo}


def _cut_chunk(corpus: Corpus, chosen: Sequence[int], config: Config) -> list[Cut]:
    return [_cut_one(corpus, i) for i in chosen]


def _cut_one(corpus: Corpus, i: int) -> Cut:
    p = corpus.full(i)
    return p.digest, p.words, p.dropped

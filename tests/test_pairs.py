"""The verify stage: screening candidate pairs on spilled shingle sets gives the quick
verdicts exactly."""

from __future__ import annotations

import dataclasses
import itertools
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_ingest import config_for, write_export

from dedup.engine.load import load_corpus
from dedup.engine.pairs import StoredScorer, distinct_shingles, verify_screened
from dedup.engine.spill import Spill
from dedup.engine.verify import Side, score_pair
from dedup.progress import no_progress
from dedup.read.ahead import walk_paths
from dedup.store.scan import ScanStore
from dedup.text.normalize import normalize
from dedup.text.shingles import shingle
from dedup.tuning import Tuning


@pytest.mark.parametrize("jobs", [1, 2])
def test_screened_verdicts_are_the_quick_verdicts(tmp_path: Path, jobs: int) -> None:
    export = tmp_path / "export.jsonl"
    write_export(export)
    # Small chunks, so that two jobs do run in two worker processes.
    tuning = Tuning(set_chunk=10, parallel_min=100, pair_parallel_min=100, pair_chunk=40)
    config = dataclasses.replace(config_for(tmp_path, jobs), tuning=tuning)
    with ScanStore(None, "test") as store, Spill(str(tmp_path)) as spill:
        events = walk_paths([str(export)], config).events
        corpus = load_corpus(events, config, store, spill, lambda error: None, no_progress)
        pairs = list(itertools.combinations(range(len(corpus)), 2))
        want = [
            score_pair(
                Side.of(corpus.full(a), config), Side.of(corpus.full(b), config), config, quick=True
            ).is_copy
            for a, b in pairs
        ]
        assert sum(want) >= 5, "the export holds copies"
        found = verify_screened(corpus, pairs, no_progress)
        assert [v.copy for v in found] == want
        # A copy comes with its full score, the one grouping would work out again.
        for (a, b), verdict in zip(pairs, found, strict=True):
            assert verdict.score is not None or not verdict.copy
            if verdict.score is not None:
                left, right = Side.of(corpus.full(a), config), Side.of(corpus.full(b), config)
                assert verdict.score == score_pair(left, right, config)


LINES = st.lists(st.sampled_from(["a", "bb", "the", "ünï", "2,000", "x", "-", "."])).map(
    lambda words: normalize(" ".join(words))
)


@given(
    st.lists(LINES | st.tuples(LINES, LINES).map("\n".join), max_size=12),
    st.integers(1, 6),
)
@settings(max_examples=200, deadline=None)
def test_shingle_sets_made_together_are_each_texts_own(texts: list[str], size: int) -> None:
    """Verification screens pairs on each text's distinct shingles, made for many texts at
    once: they are the ones shingle() gives each text alone (empty and short texts too)."""
    found = distinct_shingles(texts, size)
    assert len(found) == len(texts)
    for text, unique in zip(texts, found, strict=True):
        assert np.array_equal(unique, shingle(text, size).unique())


def test_identical_texts_are_scored_without_reading_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    export = tmp_path / "export.jsonl"
    write_export(export)
    config = config_for(tmp_path, 1)
    with ScanStore(None, "test") as store, Spill(str(tmp_path)) as spill:
        events = walk_paths([str(export)], config).events
        corpus = load_corpus(events, config, store, spill, lambda error: None, no_progress)
        prepared = [corpus.full(i) for i in range(len(corpus))]
        pairs = [
            (a, b)
            for a, b in itertools.combinations(range(len(corpus)), 2)
            if prepared[a].digest and prepared[a].digest == prepared[b].digest
        ]
        assert pairs, "the export holds identical texts"
        want = [
            score_pair(Side.of(prepared[a], config), Side.of(prepared[b], config), config)
            for a, b in pairs
        ]

        def no_reading(i: int) -> None:
            raise AssertionError(f"text {i} read")

        monkeypatch.setattr(corpus, "full", no_reading)
        scorer = StoredScorer(corpus, prepared, store)
        scorer.prefetch(pairs[: len(pairs) // 2])
        assert [scorer(a, b) for a, b in pairs] == want
        assert {score.rule for score in want} == {"exact"}

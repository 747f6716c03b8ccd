"""Screening candidate pairs on spilled shingle sets gives the quick verdicts exactly."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from test_ingest import config_for, write_export

from dedup.engine import jobs as parallel
from dedup.engine import screen
from dedup.engine.corpus import load_corpus, walk
from dedup.engine.screen import verify_screened
from dedup.engine.spill import Spill
from dedup.engine.verify import Side, score_pair
from dedup.progress import no_progress
from dedup.store.scan import ScanStore


@pytest.mark.parametrize("jobs", [1, 2])
def test_screened_verdicts_are_the_quick_verdicts(
    tmp_path: Path, jobs: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Small chunks, so that two jobs do run in two worker processes.
    monkeypatch.setattr(screen, "SET_CHUNK", 10)
    monkeypatch.setattr(parallel, "PARALLEL_MIN_ARTICLES", 100)
    export = tmp_path / "export.jsonl"
    write_export(export)
    config = config_for(tmp_path, jobs)
    with ScanStore(None, "test") as store, Spill(str(tmp_path)) as spill:
        events = walk([str(export)], config, None)
        corpus = load_corpus(events, config, store, spill, lambda error: None, no_progress)
        pairs = list(itertools.combinations(range(len(corpus)), 2))
        want = [
            score_pair(
                Side.of(corpus.full(a), config), Side.of(corpus.full(b), config), config, quick=True
            ).is_copy
            for a, b in pairs
        ]
        assert sum(want) >= 5, "the export holds copies"
        assert verify_screened(corpus, pairs, no_progress) == want

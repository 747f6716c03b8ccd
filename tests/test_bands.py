"""The scan index keeps the LSH band keys of a run's texts: a later run over a corpus that
grew fingerprints only the texts it has not seen, and finds what a cold run finds."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from newsgen import story
from test_rescan import PAST, config_for, expected, scan, write_pages

from dedup.engine import candidates
from dedup.engine.signature import BandTable


@pytest.fixture
def signed(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many texts each run fingerprints (signatures made or taken from the cache)."""
    counts: list[int] = []
    real = candidates.fingerprint

    def counting(keys: Sequence[bytes], *args: object, **kwargs: object) -> int:
        counts.append(len(keys))
        return real(keys, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(candidates, "fingerprint", counting)
    return counts


def test_band_keys_read_back_exactly() -> None:
    table = BandTable(3, 128, 0.4)
    rng = np.random.default_rng(1)
    rows = rng.integers(0, 2**32, size=(3, 3 * 128), dtype=np.uint64).astype(np.uint32)
    table.fill(np.arange(3), rows)
    back = BandTable.from_bytes(table.to_bytes(), 128, 0.4)
    assert back.valid.tolist() == table.valid.tolist()
    assert [k.tolist() for k in back.keys] == [k.tolist() for k in table.keys]
    assert back.pairs().tolist() == table.pairs().tolist()
    with pytest.raises(ValueError):
        BandTable.from_bytes(table.to_bytes()[:-1], 128, 0.4)
    with pytest.raises(ValueError):
        BandTable.from_bytes(table.to_bytes(), 64, 0.4)


def test_a_grown_corpus_fingerprints_only_its_new_texts(tmp_path: Path, signed: list[int]) -> None:
    corpus = write_pages(tmp_path)
    scan([str(corpus)], config_for(tmp_path))
    (first,) = signed
    title, body = story(91, paragraphs=6)
    new = corpus / "new.jsonl"
    trimmed = {"title": title, "text": "\n\n".join(body[:-1])}
    new.write_text(
        json.dumps({"title": title, "text": "\n\n".join(body)}) + "\n" + json.dumps(trimmed) + "\n"
    )
    os.utime(new, (PAST + 5, PAST + 5))
    # A signature cache of its own: the band keys can only come from the scan index.
    config = config_for(tmp_path, cache_path=str(tmp_path / "cache" / "other.sqlite"))
    result = scan([str(corpus)], config)
    assert signed == [first, 2]  # the new story and its trimmed copy
    assert result.stats.cache_hits == first
    assert [g.to_dict() for g in result.groups] == expected([str(corpus)], config)
    assert any(g.canonical.path == str(new) for g in result.groups)

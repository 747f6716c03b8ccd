"""``scan_paths``: the result of the in-memory pipeline, reading only the files it must."""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner
from fixture_corpus import isolate, write_corpus
from newsgen import story

from dedup.cli import cli
from dedup.config import Config, load_config
from dedup.engine import corpus as scancorpus
from dedup.engine import grouping, ingest, pairs
from dedup.engine.run import find_duplicates, scan_paths
from dedup.errors import InputError
from dedup.read.files import read_articles
from dedup.result import Result
from dedup.store.scan import STORE_NAME, ScanStore
from dedup.store.signatures import SignatureCache
from dedup.store.tables import MEMOS_KEPT

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
#: Modification times this far back are not "racy": a stored file is trusted unread.
PAST = 1_600_000_000

NAV = [
    "Home Valley Towns Farming Business Sport Rugby Arts What's On Homes Motors Weather",
    "Subscribe to the Glenholm Echo for unlimited access to local news, puzzles, the "
    "e-edition and our weekend magazine, delivered to your inbox every Sunday morning",
    "Most read: parking charges scrapped; new footbridge opens; hockey club wins the "
    "county shield; choir returns to the old chapel; dairy marks ninety years in town",
]


def backdate(root: Path) -> None:
    """Give every file under ``root`` an old modification time."""
    for path in root.rglob("*"):
        if path.is_file():
            os.utime(path, (PAST, PAST))


def write_pages(root: Path) -> Path:
    """Saved pages of six stories sharing site navigation, plus a mirror of one page."""
    site = root / "corpus"
    (site / "site").mkdir(parents=True)
    (site / "mirror").mkdir()
    for seed in range(60, 66):
        write_page(site / "site" / f"{seed}.jsonl", seed)
    write_page(site / "mirror" / "62.jsonl", 62, source="Glenholm Echo")
    for seed in range(70, 73):
        title, body = story(seed, paragraphs=6)
        record = {"title": title, "text": "\n\n".join(body), "source": "Wire"}
        copy = {**record, "text": "\n\n".join([*body, NAV[1]]), "source": "Portal"}
        lines = [json.dumps(record), json.dumps(copy)]
        (site / f"wire-{seed}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    backdate(site)
    return site


def write_page(path: Path, seed: int, source: str | None = None) -> None:
    title, body = story(seed, paragraphs=1, sentences=2)
    body = [re.sub(r"\d+", "many", p) for p in body]
    record = {"title": title, "text": "\n\n".join([NAV[0], *body, *NAV[1:]])}
    if source:
        record["source"] = source
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")


def config_for(root: Path, **settings: object) -> Config:
    return load_config({"cache_path": str(root / "cache" / "sigs.sqlite"), **settings})


def expected(paths: list[str], config: Config) -> list[dict[str, object]]:
    return [g.to_dict() for g in find_duplicates(read_articles(paths, config), config).groups]


def scan(paths: list[str], config: Config, **kwargs: object) -> Result:
    with SignatureCache.from_config(config) as cache, ScanStore.from_config(config) as store:
        assert cache is not None
        return scan_paths(paths, config, cache=cache, store=store, **kwargs)  # type: ignore[arg-type]


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> Iterator[Counter[str]]:
    """How often each file is read by the scan."""
    counts: Counter[str] = Counter()
    real = scancorpus.read_file

    def counting(path: str, *args: object, **kwargs: object) -> object:
        counts[Path(path).name] += 1
        return real(path, *args, **kwargs)  # type: ignore[arg-type]

    # Files are read by the reading workers (ingest) and, for texts, again by scancorpus.
    monkeypatch.setattr(scancorpus, "read_file", counting)
    monkeypatch.setattr(ingest, "read_file", counting)
    yield counts


@pytest.fixture
def examples(tmp_path: Path) -> Path:
    copy = tmp_path / "examples"
    shutil.copytree(EXAMPLES, copy)
    backdate(copy)
    return copy


def test_examples_give_the_in_memory_result_cold_and_warm(
    examples: Path, tmp_path: Path, reads: Counter[str]
) -> None:
    config = config_for(tmp_path)
    want = expected([str(examples)], config)
    assert want, "the examples hold copies"
    cold = scan([str(examples)], config)
    assert [g.to_dict() for g in cold.groups] == want
    assert all(m.article.body == () for g in cold.groups for m in g.copies)
    first_reads = sum(reads.values())
    warm = scan([str(examples)], config)
    assert [g.to_dict() for g in warm.groups] == want
    assert sum(reads.values()) == first_reads, "an unchanged corpus is not read again"
    assert warm.stats.articles == cold.stats.articles
    assert warm.parameters == cold.parameters


def test_learned_boilerplate_gives_the_in_memory_result_without_reading(
    tmp_path: Path, reads: Counter[str]
) -> None:
    corpus = write_pages(tmp_path)
    config = config_for(tmp_path)
    want = expected([str(corpus)], config)
    canonicals = [g["canonical"]["path"] for g in want]  # type: ignore[index]
    assert str(corpus / "mirror" / "62.jsonl") in canonicals
    cold = scan([str(corpus)], config)
    assert cold.stats.boilerplate_lines == len(NAV)
    in_memory = find_duplicates(read_articles([str(corpus)], config), config)
    assert replace(cold.stats, seconds={}) == replace(in_memory.stats, seconds={})
    assert [g.to_dict() for g in cold.groups] == want
    reads.clear()
    warm = scan([str(corpus)], config)
    assert [g.to_dict() for g in warm.groups] == want
    assert not reads


def test_a_warm_run_takes_every_cut_text_from_one_stored_row(
    tmp_path: Path, reads: Counter[str]
) -> None:
    """The texts that learned boilerplate cuts are remembered for the whole run as well as
    one by one: with the single rows gone, a warm run still reads nothing."""
    corpus = write_pages(tmp_path)
    config = config_for(tmp_path)
    cold = scan([str(corpus)], config)
    store = tmp_path / "cache" / STORE_NAME
    with sqlite3.connect(store) as conn:
        assert conn.execute("SELECT count(*) FROM cut_batches").fetchone() == (1,)
        conn.execute("DELETE FROM cut_texts")
    conn.close()
    reads.clear()
    warm = scan([str(corpus)], config)
    assert [g.to_dict() for g in warm.groups] == [g.to_dict() for g in cold.groups]
    assert not reads


def test_a_changed_file_is_read_again_and_no_other(tmp_path: Path, reads: Counter[str]) -> None:
    corpus = write_pages(tmp_path)
    config = config_for(tmp_path)
    scan([str(corpus)], config)
    changed = corpus / "wire-71.jsonl"
    title, body = story(99, paragraphs=5)
    record = {"title": title, "text": "\n\n".join(body), "source": "Wire"}
    changed.write_text(json.dumps(record) + "\n", encoding="utf-8")
    os.utime(changed, (PAST + 10, PAST + 10))
    reads.clear()
    result = scan([str(corpus)], config)
    assert dict(reads) == {"wire-71.jsonl": 1}
    assert [g.to_dict() for g in result.groups] == expected([str(corpus)], config)


def test_other_settings_are_never_mixed_in(tmp_path: Path, reads: Counter[str]) -> None:
    corpus = write_pages(tmp_path)
    scan([str(corpus)], config_for(tmp_path))
    stricter = config_for(tmp_path, similarity=0.99, containment=0.99, shingle_size=4)
    reads.clear()
    result = scan([str(corpus)], stricter)
    assert sum(reads.values()) == len(list(corpus.rglob("*.jsonl")))
    assert [g.to_dict() for g in result.groups] == expected([str(corpus)], stricter)


def test_a_warm_run_takes_every_verdict_from_one_stored_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run's verdicts are remembered all together as well as pair by pair: with the
    single rows gone, a warm run verifies no pair and groups as the cold one did."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for seed in range(80, 86):  # each story, a trimmed copy and one sharing its opening
        title, body = story(seed, paragraphs=6)
        other = story(seed + 100, paragraphs=6)[1]
        records = [(title, body), (title, body[:-1]), (title, [body[0], *other[1:]])]
        lines = [json.dumps({"title": t, "text": "\n\n".join(b)}) for t, b in records]
        (corpus / f"{seed}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    backdate(corpus)
    config = config_for(tmp_path)
    cold = scan([str(corpus)], config)
    assert cold.groups, "the trimmed copies are found"
    with sqlite3.connect(tmp_path / "cache" / STORE_NAME) as conn:
        assert conn.execute("SELECT count(*) FROM verdict_batches").fetchone() == (1,)
        assert conn.execute("SELECT count(*) FROM verdicts").fetchone()[0] > 0
        conn.execute("DELETE FROM verdicts")
    conn.close()
    verified: list[object] = []
    real_verify = pairs.verify_screened

    def count_verify(corpus: object, chosen: list[object], *args: object) -> object:
        verified.extend(chosen)
        return real_verify(corpus, chosen, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(pairs, "verify_screened", count_verify)
    warm = scan([str(corpus)], config)
    assert verified == []
    assert [g.to_dict() for g in warm.groups] == [g.to_dict() for g in cold.groups]


def test_a_warm_scan_scores_no_pair_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    corpus = write_pages(tmp_path)
    config = config_for(tmp_path)
    scored: list[int] = []
    real_score, real_verify = pairs.score_pair, pairs.verify_screened

    def count_score(*args: object, **kwargs: object) -> object:
        scored.append(1)
        return real_score(*args, **kwargs)  # type: ignore[arg-type]

    def count_verify(corpus: object, pairs: list[object], *args: object) -> object:
        # The pairs the scan verifies (its own verdicts come from the real function).
        scored.extend([1] * len(pairs))
        return real_verify(corpus, pairs, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(pairs, "score_pair", count_score)
    monkeypatch.setattr(pairs, "verify_screened", count_verify)
    cold = scan([str(corpus)], config)
    assert scored, "a cold scan scores its candidate pairs"
    scored.clear()
    warm = scan([str(corpus)], config)
    assert scored == []
    assert [g.to_dict() for g in warm.groups] == [g.to_dict() for g in cold.groups]


def test_a_corrupt_store_is_rebuilt_with_a_warning(tmp_path: Path) -> None:
    corpus = write_pages(tmp_path)
    config = config_for(tmp_path)
    scan([str(corpus)], config)
    store_file = tmp_path / "cache" / STORE_NAME
    assert store_file.exists()
    store_file.write_bytes(b"this is not a database" * 100)
    for side in (Path(f"{store_file}-wal"), Path(f"{store_file}-shm")):
        side.unlink(missing_ok=True)
    warnings: list[str] = []
    with (
        SignatureCache.from_config(config) as cache,
        ScanStore.from_config(config, on_warning=warnings.append) as store,
    ):
        result = scan_paths([str(corpus)], config, cache=cache, store=store)
    assert len(warnings) == 1 and "unreadable" in warnings[0] and STORE_NAME in warnings[0]
    assert [g.to_dict() for g in result.groups] == expected([str(corpus)], config)


def test_warnings_are_repeated_on_a_warm_scan_in_reading_order(tmp_path: Path) -> None:
    corpus = write_pages(tmp_path)
    bad = corpus / "broken.jsonl"
    bad.write_text('{"title": "A", "text": "b"}\nnot json\n', encoding="utf-8")
    backdate(corpus)
    config = config_for(tmp_path)
    want: list[str] = []
    list(read_articles([str(corpus)], config, on_warning=lambda e: want.append(str(e))))
    assert want
    for _ in range(2):
        got: list[InputError] = []
        scan([str(corpus)], config, on_warning=got.append)
        assert [str(e) for e in got] == want


@pytest.mark.parametrize(
    "options",
    [
        ["--format", "tsv"],
        ["--format", "csv"],
        ["--format", "json"],
        ["--format", "jsonl"],
        ["--format", "table"],
        ["--only", "copies"],
        ["--only", "copy-files"],
    ],
)
def test_scan_prints_the_same_bytes_with_the_store_as_without(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, options: list[str]
) -> None:
    isolate(monkeypatch, tmp_path)
    corpus = write_corpus(tmp_path)
    (corpus / "bad.jsonl").write_text("not json\n", encoding="utf-8")
    backdate(corpus)

    def run(*extra: str) -> tuple[int, str, str]:
        result = CliRunner().invoke(cli, ["scan", "corpus", *options, *extra])
        return result.exit_code, result.stdout, re.sub(r"in \d+\.\ds", "", result.stderr)

    without = run("--no-cache")
    assert without[0] == 1 and without[1] and "bad.jsonl" in without[2]
    assert run() == without  # cold: the store is filled
    assert (tmp_path / ".user-cache" / "dedup" / STORE_NAME).exists()
    assert run() == without  # warm: from the store


def test_only_the_latest_corpus_memos_are_kept() -> None:
    with ScanStore(None, "settings") as store:
        keys = [bytes([n]) for n in range(MEMOS_KEPT + 2)]
        for key in keys:
            store.put_memo("candidates", key, "[]")
        store.put("verdicts", [(b"pair", "true")])
        store.put_memo("boilerplate", b"files", "[]")
        assert sorted(store.get("candidates", keys)) == keys[2:]
        assert store.get("verdicts", [b"pair"]) == {b"pair": "true"}
        assert store.get("boilerplate", [b"files"]) == {b"files": "[]"}


def test_an_edited_stored_verdict_or_score_is_never_used(examples: Path, tmp_path: Path) -> None:
    """Every work row carries a checksum: a verdict flipped or a score edited by hand (or
    by a disk fault) is ignored and worked out again, so no copy is lost."""
    config = config_for(tmp_path)
    cold = scan([str(examples)], config)
    assert cold.groups
    with sqlite3.connect(tmp_path / "cache" / STORE_NAME) as conn:
        assert conn.execute("UPDATE verdicts SET value = CAST('false' AS BLOB)").rowcount
        assert conn.execute("UPDATE scores SET value = CAST('[0.1]' AS BLOB)").rowcount
        conn.execute("DELETE FROM candidates")
    warm = scan([str(examples)], config)
    assert [g.to_dict() for g in warm.groups] == [g.to_dict() for g in cold.groups]


def test_cache_clear_removes_the_scan_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    isolate(monkeypatch, tmp_path)
    corpus = write_corpus(tmp_path)
    cache = tmp_path / "c" / "sigs.sqlite"
    assert CliRunner().invoke(cli, ["scan", str(corpus), "--cache-path", str(cache)]).exit_code == 1
    assert (cache.parent / STORE_NAME).exists()
    cleared = CliRunner().invoke(cli, ["cache", "clear", "--yes", "--cache-path", str(cache)])
    assert cleared.exit_code == 0
    assert f"removed the scan index {cache.parent / STORE_NAME}" in cleared.stderr
    assert not (cache.parent / STORE_NAME).exists()


def test_story_groups_joined_through_versions_give_the_in_memory_result(tmp_path: Path) -> None:
    """Members joined through another member (``via``) come out the same from the store,
    cold and warm: the link scores are read back or computed alike."""
    title, body = story(70, paragraphs=9)
    _, news = story(71, paragraphs=3)
    _, other = story(72, paragraphs=9)
    records = [
        {"title": title, "text": "\n\n".join(body[:6]), "source": "Associated Press"},
        {"title": title, "text": "\n\n".join(body[:9]), "source": "Milbrook Gazette"},
        {"title": title, "text": "\n\n".join([*news, *body[3:9]]), "source": "Harrowgate Post"},
        {"title": title, "text": "\n\n".join([*news, *body[4:9]]), "source": "Yahoo"},
        {"title": "Another story", "text": "\n\n".join(other), "source": "Reuters"},
    ]
    corpus = tmp_path / "wire.jsonl"
    corpus.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    backdate(tmp_path)
    config = config_for(tmp_path)
    want = expected([str(corpus)], config)
    assert len(want) == 1 and len(want[0]["copies"]) == 3  # type: ignore[arg-type]
    assert [c["via"] for c in want[0]["copies"]].count(None) < 3  # type: ignore[index]
    for _ in range(2):  # cold, then warm
        assert [g.to_dict() for g in scan([str(corpus)], config).groups] == want


def test_a_warm_scan_takes_its_groups_from_the_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = write_pages(tmp_path)
    config = config_for(tmp_path)
    cold = scan([str(corpus)], config)
    assert cold.groups

    def refuse(*args: object) -> object:
        raise AssertionError("the groups of unchanged files are worked out again")

    monkeypatch.setattr(grouping, "cluster_corpus", refuse)
    warm = scan([str(corpus)], config)
    assert [g.to_dict() for g in warm.groups] == [g.to_dict() for g in cold.groups]


def test_new_grouping_rules_on_a_warm_scan_regroup(tmp_path: Path) -> None:
    """Grouping rules are not part of the store's settings: the stored groups of the same
    files are not taken when a rule that ranks or joins members has changed."""
    corpus = write_pages(tmp_path)
    cold = scan([str(corpus)], config_for(tmp_path))
    portal = config_for(tmp_path, preferred_sources=["Portal"])
    warm = scan([str(corpus)], portal)
    assert [g.to_dict() for g in warm.groups] == expected([str(corpus)], portal)
    sources = {g.canonical.source for g in warm.groups}
    assert "Portal" in sources and sources != {g.canonical.source for g in cold.groups}

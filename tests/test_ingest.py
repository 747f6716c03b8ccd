"""Reading on all jobs: byte ranges of a large JSON Lines file, spilled texts, light columns.

Whatever way the input is cut into parts, a scan must give what reading every file whole
in one process gives: the same articles (index, line), the same warnings in the same
order, the same groups.
"""

from __future__ import annotations

import codecs
import dataclasses
import gzip
import io
import itertools
import json
import os
import pickle
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from newsgen import story

from dedup.article import Article
from dedup.config import Config, load_config
from dedup.engine import corpus as corpus_module
from dedup.engine import ingest
from dedup.engine.records import Record, decode_fields, encode_fields
from dedup.engine.run import find_duplicates, scan_paths
from dedup.engine.spill import Spill
from dedup.errors import InputError
from dedup.read.files import read_articles
from dedup.store.scan import ScanStore
from dedup.store.signatures import SignatureCache
from dedup.text.prepare import split_units, units_from_lengths
from dedup.tuning import Tuning


def write_export(path: Path) -> None:
    """A JSON Lines export with copies, blank and bad lines, and invalid UTF-8 twice."""
    lines: list[bytes] = []
    for seed in range(40):
        title, body = story(seed, paragraphs=4)
        record = {"title": title, "text": "\n\n".join(body), "source": f"Outlet {seed % 5}"}
        lines.append(json.dumps(record).encode())
        if seed % 6 == 0:  # a copy with a junk line appended, a few records later
            copy = {**record, "text": record["text"] + "\n\nSign in to access your portfolio"}
            lines.append(json.dumps(copy).encode())
        if seed % 9 == 4:
            lines += [b"", b"   \t", b"{not json", b'{"title": "no text here"}']
        if seed % 13 == 7:
            lines.append(json.dumps({"title": "Caf\u00e9", "text": "odd"}).encode() + b"\xff")
    path.write_bytes(b"\n".join(lines) + b"\n")


def config_for(root: Path, jobs: int, tuning: Tuning | None = None) -> Config:
    config = load_config({"cache_path": str(root / "cache" / "sigs.sqlite"), "jobs": jobs})
    return config if tuning is None else dataclasses.replace(config, tuning=tuning)


def scan(paths: list[str], config: Config, warnings: list[InputError]) -> list[object]:
    with SignatureCache.from_config(config) as cache, ScanStore.from_config(config) as store:
        result = scan_paths(paths, config, cache=cache, store=store, on_warning=warnings.append)
    return [g.to_dict() for g in result.groups]


@pytest.mark.parametrize("jobs", [1, 2])
def test_byte_ranges_give_what_one_whole_read_gives(tmp_path: Path, jobs: int) -> None:
    export = tmp_path / "corpus" / "export.jsonl"
    export.parent.mkdir()
    write_export(export)
    config = config_for(tmp_path, jobs, Tuning(part_bytes=3000, range_bytes=6000))
    parts = ingest.plan_parts([(0, str(export), export.stat().st_size)], config.tuning)
    assert len(parts) > 5, "the export is read in many byte ranges"
    want_warnings: list[InputError] = []
    articles = list(read_articles([str(export)], config, on_warning=want_warnings.append))
    want = [g.to_dict() for g in find_duplicates(articles, config).groups]
    assert want, "the export holds copies"
    warnings: list[InputError] = []
    assert scan([str(export)], config, warnings) == want
    assert [(w.path, w.reason, w.line) for w in warnings] == [
        (w.path, w.reason, w.line) for w in want_warnings
    ]


def test_ranges_are_line_aligned_and_count_what_comes_before(tmp_path: Path) -> None:
    export = tmp_path / "export.jsonl"
    write_export(export)
    data = export.read_bytes()
    tuning = Tuning(part_bytes=2500, range_bytes=5000)
    pieces = [p for part in ingest.plan_parts([(3, str(export), len(data))], tuning) for p in part]
    assert pieces[0].start == 0 and pieces[-1].stop == len(data)
    for before, after in itertools.pairwise(pieces):
        assert before.stop == after.start and data[after.start - 1 : after.start] == b"\n"
        lines = data[: after.start].split(b"\n")[:-1]
        assert after.line == len(lines)
        assert after.first == sum(1 for line in lines if line.strip())
    assert {p.file for p in pieces} == {3}


@given(
    lines=st.lists(st.sampled_from([b"{}", b"", b" ", b"\t\r", b" {}", b"\x0b", b"x" * 40])),
    bom=st.booleans(),
    end=st.booleans(),
    part_bytes=st.integers(len(codecs.BOM_UTF8) + 1, 64),
)
def test_cuts_count_lines_and_records_as_reading_them_one_by_one(
    lines: list[bytes], bom: bool, end: bool, part_bytes: int
) -> None:
    data = (codecs.BOM_UTF8 if bom else b"") + b"\n".join(lines) + (b"\n" if end else b"")
    cuts = list(ingest.cut_lines(io.BytesIO(data), part_bytes))
    read = list(io.BytesIO(data.removeprefix(codecs.BOM_UTF8)))  # lines, as readline cuts them
    assert sum(size for size, _, _ in cuts) == len(data)
    assert sum(count for _, count, _ in cuts) == len(read)
    assert sum(records for _, _, records in cuts) == sum(1 for line in read if line.strip())
    stops = list(itertools.accumulate(size for size, _, _ in cuts))
    assert all(data[stop - 1 : stop] == b"\n" for stop in stops[:-1])


def test_small_and_compressed_files_are_read_whole(tmp_path: Path) -> None:
    small = tmp_path / "small.jsonl"
    small.write_text('{"title": "a", "text": "b"}\n')
    packed = tmp_path / "big.jsonl.gz"
    size = Tuning().range_bytes
    packed.write_bytes(b"\x1f\x8b" + b"x" * (size + 10))
    parts = ingest.plan_parts([(0, str(small), 30), (1, str(packed), size + 12)], Tuning())
    assert [[(p.file, p.stop) for p in part] for part in parts] == [[(0, -1), (1, -1)]]


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_gzipped_export_is_read_in_byte_ranges_of_its_gunzipped_copy(
    tmp_path: Path, jobs: int
) -> None:
    plain = tmp_path / "plain.jsonl"
    write_export(plain)
    export = tmp_path / "corpus" / "export.jsonl.gz"
    export.parent.mkdir()
    export.write_bytes(gzip.compress(plain.read_bytes()))
    packed = export.read_bytes()
    config = config_for(tmp_path, jobs, Tuning(part_bytes=3000, range_bytes=6000))
    unpacked = tmp_path / "unpacked"
    unpacked.mkdir()
    parts = ingest.plan_parts(
        [(0, str(export), len(packed))], config.tuning, unpack_to=str(unpacked)
    )
    pieces = [piece for part in parts for piece in part]
    assert len(pieces) > 5 and {p.path for p in pieces} == {str(export)}
    (copy,) = {p.source for p in pieces}
    assert Path(copy).parent == unpacked and Path(copy).read_bytes() == plain.read_bytes()
    want_warnings: list[InputError] = []
    articles = list(read_articles([str(export)], config, on_warning=want_warnings.append))
    want = [g.to_dict() for g in find_duplicates(articles, config).groups]
    warnings: list[InputError] = []
    assert scan([str(export)], config, warnings) == want
    assert [(w.path, w.reason, w.line) for w in warnings] == [
        (w.path, w.reason, w.line) for w in want_warnings
    ]
    assert export.read_bytes() == packed, "the input is left as it was"


def unsound_gzips(root: Path) -> dict[str, bytes]:
    """Gzipped JSON Lines files that must be read in one stream, as before."""
    stories = [story(seed, paragraphs=3) for seed in range(80)]
    records = [json.dumps({"title": title, "text": "\n\n".join(body)}) for title, body in stories]
    lines = "".join(record + "\n" for record in records).encode()
    return {
        "cut short.jsonl.gz": gzip.compress(lines)[:-300],
        "not gzip.jsonl.gz": lines,
        "binary.jsonl.gz": gzip.compress(b"\0" * 10 + lines),
        "packed tight.jsonl.gz": gzip.compress(b"\n" * 2_000_000 + lines),
    }


def test_a_gzipped_file_that_cannot_be_gunzipped_soundly_is_read_whole(tmp_path: Path) -> None:
    folder = tmp_path / "unpacked"
    folder.mkdir()
    tuning = Tuning(part_bytes=3000, range_bytes=6000)
    for name, data in unsound_gzips(tmp_path).items():
        path = tmp_path / name
        path.write_bytes(data)
        least = ingest.GUNZIP_RANGES * tuning.range_bytes
        assert ingest._gunzippable(str(path), len(data), least), name
        parts = ingest.plan_parts([(0, str(path), len(data))], tuning, unpack_to=str(folder))
        assert [[(p.stop, p.source) for p in part] for part in parts] == [[(-1, "")]], name
        assert list(folder.iterdir()) == [], f"no copy of {name} is left behind"
        config = config_for(tmp_path, 1, tuning)
        want: list[InputError] = []
        articles = list(read_articles([str(path)], config, on_warning=want.append))
        warnings: list[InputError] = []
        found = scan([str(path)], config, warnings)
        assert found == [g.to_dict() for g in find_duplicates(articles, config).groups]
        assert [(w.reason, w.line) for w in warnings] == [(w.reason, w.line) for w in want]


def test_spilled_texts_and_fields_read_back_exactly(tmp_path: Path) -> None:
    title, body = story(5, paragraphs=6)
    article = next(read_articles([write_one(tmp_path, title, body)], Config()))
    units = split_units(article, Config())
    with Spill(str(tmp_path)) as spill:
        writer = spill.writer(spill.next_part())
        place = writer.write(units)
        span = writer.write_bytes(b"fields")
        writer.close()
        copy = pickle.loads(pickle.dumps(spill))  # what a worker that is not forked gets
        text, lengths = copy.read(place)
        assert copy.read_bytes(span) == b"fields"
        back = units_from_lengths(
            text, lengths.tolist(), units.prepared, units.hashes, units.context
        )
        assert back == units
        copy.close()
        folder = Path(spill.folder)
    assert not folder.exists(), "the spill folder is removed"


def write_one(root: Path, title: str, body: list[str]) -> str:
    path = root / "one.jsonl"
    path.write_text(json.dumps({"title": title, "text": "\n\n".join(body)}) + "\n")
    return str(path)


def scan_in_chunks(tmp_path: Path) -> tuple[Path, Config, list[object]]:
    """An export read in byte ranges and stored in chunks of 7 articles: cold scan groups."""
    export = tmp_path / "corpus" / "export.jsonl"
    export.parent.mkdir()
    write_export(export)
    os.utime(export, (1_600_000_000, 1_600_000_000))
    config = config_for(tmp_path, 1, Tuning(part_bytes=3000, range_bytes=6000, row_articles=7))
    return export, config, scan([str(export)], config, [])


def test_a_large_file_is_stored_in_chunks_and_read_back_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    export, config, cold = scan_in_chunks(tmp_path)
    with ScanStore.from_config(config) as store:
        chunks = store._conn.execute("SELECT count(*) FROM files").fetchone()[0]
    assert chunks > 3, "the row is written in chunks"
    reads: list[str] = []
    monkeypatch.setattr(ingest, "_read_piece", lambda piece, *a: reads.append(piece.path))
    warnings: list[InputError] = []
    assert scan([str(export)], config, warnings) == cold
    assert reads == [], "a warm scan reads nothing"
    assert [w.reason for w in warnings] == [w.reason for w in scan_warnings(export, config)]


def test_a_damaged_chunk_makes_the_file_read_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    export, config, cold = scan_in_chunks(tmp_path)
    with ScanStore.from_config(config) as store, store._conn:
        store._conn.execute("UPDATE files SET light = x'00' WHERE chunk = 2")
        store._conn.execute("DELETE FROM snapshot")  # so the file's row is what is read
    real = ingest._read_piece
    reads: list[str] = []

    def counting(piece: ingest.Piece, *args: object) -> object:
        reads.append(piece.path)
        return real(piece, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(ingest, "_read_piece", counting)
    assert scan([str(export)], config, []) == cold
    assert reads, "the file is read again"


@pytest.mark.parametrize("damage", [None, "DELETE FROM snapshot_fields"])
def test_a_large_file_is_read_again_whole_for_texts_and_lost_fields(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, damage: str | None
) -> None:
    export, config, _ = scan_in_chunks(tmp_path)
    if damage is not None:
        with ScanStore.from_config(config) as store, store._conn:
            store._conn.execute(damage)
    title, body = story(33, paragraphs=4)  # a near copy of a record of a late byte range
    near = tmp_path / "near.jsonl"
    near.write_text(json.dumps({"title": title, "text": "\n\n".join(body[:3])}) + "\n")
    fresh = dataclasses.replace(config, cache_path=str(tmp_path / "fresh" / "sigs.sqlite"))
    want = scan([str(export), str(near)], fresh, [])
    assert any(str(near) in json.dumps(group) for group in want), "the near copy is found"
    splits: list[int] = []
    real = corpus_module.split_parallel

    def counting(articles: list[Article], *args: object) -> object:
        splits.append(len(articles))
        return real(articles, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(corpus_module, "split_parallel", counting)
    for _ in range(2):  # the articles of every byte range are found in the file read whole
        assert scan([str(export), str(near)], config, []) == want
    assert len(splits) == 1, "the stored export is split again once, for texts and fields"


def scan_warnings(path: Path, config: Config) -> list[InputError]:
    found: list[InputError] = []
    list(read_articles([str(path)], config, on_warning=found.append))
    return found


OPENINGS = st.lists(
    st.sampled_from(["word ", " ", "  ", "(", ")", "(AP) — ", "(Reuters) - ", "x" * 70, "\t"]),
    max_size=12,
).map("".join) | st.builds(  # a dateline whose dash stands past the first 200 characters
    lambda lead, agency, gap, rest: f"{'x' * lead}{agency}{' ' * gap}— {'y' * rest}",
    st.integers(0, 90),
    st.sampled_from(["(AP)", "(Reuters)", "(", "AP)"]),
    st.integers(0, 160),
    st.integers(0, 250),
)


@given(st.lists(OPENINGS, min_size=1, max_size=3))
@settings(max_examples=300, deadline=None)
def test_the_openings_kept_name_the_dateline_the_whole_article_names(body: list[str]) -> None:
    """A scan keeps the first 200 characters of an article's openings, unless that would
    change the origin its dateline names ("X (AP) —"), which the canonical rules read."""
    from dedup.article import Article
    from dedup.engine.canonical import dateline_in

    article = Article("a.txt", 0, 1, 1, "Title", tuple(body), "record")
    record = ingest.light_record(article, split_units(article, Config()))
    assert dateline_in(record.heads) == dateline_in(article.body)
    assert all(len(h) <= ingest.HEAD for h in record.heads) or record.heads == article.body[:2]


_FIELD_TEXT = st.text(alphabet=st.sampled_from('ab é"\\\n\t\u2028\U0001f600\x00'), max_size=8)


@settings(max_examples=200, deadline=None)
@given(
    _FIELD_TEXT,
    st.none() | _FIELD_TEXT,
    st.lists(st.tuples(_FIELD_TEXT, _FIELD_TEXT), max_size=2),
    st.lists(_FIELD_TEXT, max_size=2),
)
def test_a_records_fields_are_written_as_json_and_read_back_whole(
    title: str, source: str | None, extra: list[tuple[str, str]], heads: list[str]
) -> None:
    article = Article("a.jsonl", 3, 4, 4, title, (), "record", source, None, tuple(extra))
    record = Record(article, tuple(heads), b"", 0, 0, np.zeros(0, dtype=np.uint64), 0)
    fields = [3, 4, 4, title, "record", source, None, [list(pair) for pair in extra], heads]
    assert json.loads(encode_fields(record)) == fields
    assert decode_fields(encode_fields(record), "a.jsonl", heads=True) == dataclasses.replace(
        article, body=tuple(heads), extra=tuple((k, v) for k, v in extra)
    )

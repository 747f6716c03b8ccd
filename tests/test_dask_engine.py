"""``dedup scan --engine dask``: the local engine's output, byte for byte, from a cluster.

The quick tests hold the pieces the Dask engine splits across partitions to the local
engine's rules (band buckets, boilerplate) and check the CLI's errors; the slow ones run
scans on a two-worker local cluster (loopback only) and compare every format.
"""

from __future__ import annotations

import io
import json
import random
import re
import shutil
import subprocess
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from fixture_corpus import isolate, run_cli
from newsgen import story

from dedup.cli.output import FORMATS
from dedup.config import Config
from dedup.engine.run import scan_paths
from dedup.engine.signature import BandTable
from dedup.render import RenderOptions
from dedup.result import Result
from dedup.text.prepare import boilerplate_of

pytest.importorskip("distributed")
pa = pytest.importorskip("pyarrow")

from dedup.dask import reading, tables, tasks  # noqa: E402
from dedup.dask.cluster import DaskOptions  # noqa: E402
from dedup.dask.engine import _Run, scan_dask  # noqa: E402
from dedup.dask.shuffle import bucket_of, gather, scatter, shard_of, write_table  # noqa: E402

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
MISSING = "dedup: error: --engine dask needs the optional extra: pip install 'dedup[dask]'\n"


@pytest.fixture(scope="session")
def scheduler() -> Iterator[str]:
    """The address of a two-worker local cluster, shared by the whole session."""
    from distributed import LocalCluster

    with warnings.catch_warnings():  # "port 8787 is in use": its HTTP server moves on
        warnings.simplefilter("ignore", UserWarning)
        cluster = LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        )
    with cluster:
        yield str(cluster.scheduler_address)


def without_time(stderr: str) -> str:
    return re.sub(r" in [\d.]+s$", "", stderr, flags=re.MULTILINE)


def rendered(result: Result) -> dict[str, str]:
    """``result`` in every format."""
    found = {}
    for name, render in FORMATS.items():
        out = io.StringIO()
        render(result, out, RenderOptions())
        found[name] = out.getvalue()
    return found


# The quick tests: no cluster.


def test_candidates_split_over_buckets_are_the_band_tables_pairs(tmp_path: Path) -> None:
    """Band keys sent to buckets give the pairs BandTable gives over the whole corpus,
    an oversized bucket (paired by its window) included."""
    rng = np.random.default_rng(7)
    count = 500
    table = BandTable(count, 64, 0.5)
    for part, keys in enumerate(table.keys):
        keys[:] = rng.integers(0, 40, size=keys.shape).astype(np.uint64)  # buckets of ~12
        keys[:150, 0] = np.uint64(999)  # one bucket of 150: over the cap of 64
        table.valid[:, part] = rng.random(count) > 0.1
    layout = tables.Layout(count, 3, 4)
    bands = tmp_path / "bands"
    ids = np.arange(count, dtype=np.int64)
    for shard in range(layout.shards):  # as sign_shard writes them, one shard at a time
        mine = ids[shard_of(ids, layout.shards, count) == shard]
        rows = [
            (np.full(len(v), part * 1000 + band), keys[v, band], v)
            for part, keys in enumerate(table.keys)
            for v in [mine[table.valid[mine, part]]]
            for band in range(keys.shape[1])
        ]
        code, key, who = (np.concatenate(x) for x in zip(*rows, strict=True))
        found = pa.table([code, key.astype(np.uint64), who], schema=tables.BANDS)
        scatter(found, bucket_of(key.astype(np.uint64), layout.buckets), bands, shard)
    out = tmp_path / "candidates"
    skews = [tasks.candidates_bucket(bands, b, layout, out) for b in range(layout.buckets)]
    pairs = [gather(out, s, tables.PAIRS) for s in range(layout.shards)]
    got = np.unique(
        np.concatenate([np.stack([p.column("a"), p.column("b")], axis=1) for p in pairs]), axis=0
    )
    assert got.tolist() == table.pairs().tolist()
    assert sum(over for over, _ in skews) >= 3  # the planted bucket, in each part
    assert max(largest for _, largest in skews) >= 135


def test_boilerplate_reduced_over_buckets_is_boilerplate_of(tmp_path: Path) -> None:
    """Unit hashes counted per part and reduced per bucket give boilerplate_of's set."""
    rng = random.Random(3)
    chrome = [10**6 + k for k in range(5)]
    articles = []
    for n in range(300):
        units = [rng.randrange(1, 400) for _ in range(rng.randint(1, 6))]
        if n % 3 == 0:
            units.append(chrome[n % 5])
        articles.append(units)
    counts = np.asarray([len(a) for a in articles], dtype=np.int64)
    hashes = np.asarray([h for a in articles for h in a], dtype=np.uint64)
    contexts = np.asarray([a[0] for a in articles], dtype=np.uint64)
    expected = boilerplate_of(hashes, counts, contexts, 4)
    assert expected  # the planted chrome at least
    layout = tables.Layout(len(articles), 1, 3)
    stories = tmp_path / "stories"
    for part, (first, last) in enumerate([(0, 120), (120, 121), (121, 300)]):
        chunk = articles[first:last]
        column = pa.array([[np.uint64(h) for h in a] for a in chunk], pa.large_list(pa.uint64()))
        context = pa.array(contexts[first:last], pa.uint64())
        write_table(pa.table({"hashes": column, "context": context}), tmp_path / f"{part}.pq")
        reading.story_part(tmp_path / f"{part}.pq", layout, stories, part)
    found = {h for b in range(3) for h in reading.boilerplate_bucket(stories, b, 4)}
    assert found == set(expected)


def test_missing_extra_is_one_line_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    isolate(monkeypatch, tmp_path)
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if not installed
    code, out, err = run_cli("scan", str(EXAMPLES), "--engine", "dask")
    assert (code, out, err) == (2, "", MISSING)


def test_dask_options_need_the_dask_engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    isolate(monkeypatch, tmp_path)
    code, out, err = run_cli("scan", str(EXAMPLES), "--workers", "2")
    assert (code, out) == (2, "")
    assert err.endswith("Error: --workers goes with --engine dask\n")
    code, out, err = run_cli(
        "scan", str(EXAMPLES), "--engine", "dask", "--workers", "2", "--scheduler", "tcp://x:1"
    )
    assert (code, out) == (2, "")
    assert err.endswith("Error: --workers starts a local cluster; it takes no --scheduler\n")


def test_work_dir_is_never_inside_an_input_nor_a_foreign_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    isolate(monkeypatch, tmp_path)
    shutil.copytree(EXAMPLES, tmp_path / "examples")
    code, out, err = run_cli("scan", "examples", "--engine", "dask", "--work-dir", "examples/w")
    assert (code, out) == (2, "")
    assert err.startswith("dedup: error: examples/w: lies inside the input folder ")
    (tmp_path / "mine" / "read").mkdir(parents=True)
    code, out, err = run_cli("scan", "examples", "--engine", "dask", "--work-dir", "mine")
    assert (code, out) == (2, "")
    assert err == (
        "dedup: error: mine: is not a dedup work folder (it holds no manifest.json); "
        "name a new or empty folder\n"
    )
    assert (tmp_path / "mine" / "read").is_dir()


def test_an_s3_url_without_s3fs_names_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    isolate(monkeypatch, tmp_path)
    monkeypatch.setitem(sys.modules, "s3fs", None)  # as if not installed
    code, out, err = run_cli("scan", "s3://bucket/dumps/*.jsonl.gz", "--engine", "dask")
    assert (code, out) == (2, "")
    assert err == (
        "dedup: error: s3://bucket/dumps/*.jsonl.gz: reading s3:// needs the optional s3fs: "
        "pip install s3fs\n"
    )


def test_a_glob_matching_nothing_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    isolate(monkeypatch, tmp_path)
    code, out, err = run_cli("scan", "dumps/*.jsonl", "--engine", "dask")
    assert (code, out, err) == (
        2,
        "",
        "dedup: error: dumps/*.jsonl: no file matches this pattern\n",
    )


def test_a_scheduler_needs_a_work_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    isolate(monkeypatch, tmp_path)
    code, out, err = run_cli("scan", str(EXAMPLES), "--engine", "dask", "--scheduler", "tcp://x:1")
    assert (code, out) == (2, "")
    assert err == (
        "dedup: error: --scheduler needs --work-dir: a folder the client and every worker reach\n"
    )


def test_the_cli_loads_dask_only_for_the_dask_engine() -> None:
    code = (
        "import sys; from click.testing import CliRunner; from dedup.cli import cli; "
        "CliRunner().invoke(cli, ['--version']); "
        "print(sorted(m for m in ('dask', 'distributed', 'pyarrow', 'dedup.dask') "
        "if m in sys.modules))"
    )
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert found.stdout.strip() == "[]"


# The slow tests: a two-worker local cluster.


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["tsv", "csv", "jsonl", "json", "table", "html"])
def test_examples_give_the_local_output_in_every_format(
    fmt: str, scheduler: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    isolate(monkeypatch, tmp_path)
    shutil.copytree(EXAMPLES, tmp_path / "examples")
    local = run_cli("scan", "examples", "--format", fmt)
    work = ["--work-dir", "work", "--scheduler", scheduler]
    dask = run_cli("scan", "examples", "--format", fmt, "--engine", "dask", *work)
    assert local[0] == dask[0] == 1
    assert dask[1] == local[1] and local[1]
    assert dask[2].startswith("dedup: 35 articles read from 14 files, 6 groups, 10 copies in ")


@pytest.mark.slow
def test_globs_and_file_urls_give_the_local_output(
    scheduler: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A glob gives what the files it matches give; a file:// URL of a folder gives what
    the folder gives, every path named by its URL."""
    isolate(monkeypatch, tmp_path)
    shutil.copytree(EXAMPLES, tmp_path / "examples")
    dask = ["--format", "jsonl", "--engine", "dask", "--scheduler", scheduler]
    files = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.glob("examples/*/*.txt"))
    local = run_cli("scan", *files, "--format", "jsonl")
    assert run_cli("scan", "examples/*/*.txt", *dask, "--work-dir", "w1")[:2] == local[:2]
    url = (tmp_path / "examples").as_uri()
    local = run_cli("scan", str(tmp_path / "examples"), "--format", "jsonl")
    code, out, _ = run_cli("scan", url, *dask, "--work-dir", "w2")
    assert (code, out.replace(url, str(tmp_path / "examples"))) == local[:2]
    assert url in out


@pytest.mark.slow
def test_inputs_without_articles_give_the_local_output(
    scheduler: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    isolate(monkeypatch, tmp_path)
    (tmp_path / "none").mkdir()
    (tmp_path / "blank").mkdir()
    (tmp_path / "blank" / "a.txt").write_text("", encoding="utf-8")
    (tmp_path / "blank" / "b.jsonl").write_text("\n\n", encoding="utf-8")
    for folder in ("none", "blank"):
        local = run_cli("scan", folder, "--format", "json")
        dask = run_cli(
            "scan",
            folder,
            "--format",
            "json",
            "--engine",
            "dask",
            "--scheduler",
            scheduler,
            "--work-dir",
            f"work-{folder}",
        )
        assert dask[:2] == local[:2] and local[0] == 0
        assert without_time(dask[2]) == without_time(local[2])


@pytest.mark.slow
def test_seeds_give_the_local_output(
    seed_paths: list[Path], scheduler: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    isolate(monkeypatch, tmp_path)
    folder = str(seed_paths[0].parent)
    local = run_cli("scan", folder, "--format", "jsonl")
    dask = run_cli(
        "scan",
        folder,
        "--format",
        "jsonl",
        "--engine",
        "dask",
        "--scheduler",
        scheduler,
        "--work-dir",
        "work",
    )
    assert dask[:2] == local[:2] and local[1]
    assert without_time(dask[2]) == without_time(local[2])


def write_generated(root: Path, stories: int = 2400) -> Path:
    """Invented news in several JSON Lines files and a text file: copies planted (exact,
    trimmed, with a junk line, and one story in 90 versions, more than a band bucket's
    cap), a boilerplate line in many stories, blank and malformed records."""
    rng = random.Random(11)
    folder = root / "generated"
    folder.mkdir()
    records: list[dict[str, str]] = []
    chrome = "Subscribe to the Harbour Gazette for the morning briefing on your region."
    for n in range(stories):
        title, body = story(n, paragraphs=rng.randint(2, 6))
        if n % 4 == 0:
            body = [*body, chrome]
        records.append({"title": title, "text": "\n\n".join(body), "source": f"Outlet {n % 7}"})
        if n % 25 == 0:  # a later copy: exact, trimmed or with a junk line
            kind = (n // 25) % 3
            copy = body if kind == 0 else body[:-1] if kind == 1 else [*body, "Read more here."]
            records.append({"title": title, "text": "\n\n".join(copy), "source": "Wire"})
    title, body = story(99_999, paragraphs=8)
    for k in range(90):  # versions of one story: each differs in one figure
        records.append({"title": title, "text": "\n\n".join([*body[:-1], f"{body[-1]} {k}."])})
    rng.shuffle(records)
    lines = [json.dumps(r) for r in records]
    lines[5:5] = ["", "{not json", json.dumps({"title": "", "text": ""})]
    for part in range(4):
        chunk = lines[part::4]
        (folder / f"part-{part}.jsonl").write_text("\n".join(chunk) + "\n", encoding="utf-8")
    (folder / "notes.txt").write_text("\n\n".join(story(5)[1]) + "\n", encoding="utf-8")
    return folder


@pytest.mark.slow
def test_generated_corpus_gives_the_local_output_in_small_partitions(
    scheduler: str, tmp_path: Path
) -> None:
    """Thousands of articles cut into many parts, shards and buckets (byte ranges of
    the JSON Lines files too): the local result in every format, warnings and counts."""
    folder = str(write_generated(tmp_path))
    config = Config(cache=False)
    told: list[str] = []
    local_notes: list[str] = []
    local = scan_paths([folder], config, on_warning=lambda e: local_notes.append(str(e)))
    options = DaskOptions(
        scheduler, work_dir=str(tmp_path / "work"), part_bytes=200_000, shard_articles=500
    )
    dask_notes: list[str] = []
    dask = scan_dask(
        [folder],
        config,
        options,
        on_warning=lambda e: dask_notes.append(str(e)),
        on_note=told.append,
    )
    assert local.stats.articles > 2400 and local.copies > 100
    assert rendered(dask) == rendered(local)
    assert dask_notes == local_notes and local_notes
    assert dask.stats.reading == local.stats.reading
    counts = ("exact_pairs", "candidate_pairs", "verified_pairs", "boilerplate_lines", "words")
    assert [getattr(dask.stats, k) for k in counts] == [getattr(local.stats, k) for k in counts]
    assert len(told) == 1 and "band bucket" in told[0]


@pytest.mark.slow
def test_an_interrupted_run_resumes_from_its_last_finished_stage(
    scheduler: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(EXAMPLES, tmp_path / "examples")
    paths = [str(tmp_path / "examples")]
    config = Config(cache=False)
    options = DaskOptions(scheduler, work_dir=str(tmp_path / "work"))

    def stop(*args: object) -> None:
        raise KeyboardInterrupt

    with monkeypatch.context() as patch:
        patch.setattr(_Run, "verify", stop)
        with pytest.raises(KeyboardInterrupt):
            scan_dask(paths, config, options)
    manifest = json.loads((tmp_path / "work" / "manifest.json").read_text(encoding="utf-8"))
    assert list(manifest["stages"]) == [
        "read",
        "boilerplate",
        "cut",
        "exact",
        "sign",
        "candidates",
        "join",
    ]
    assert not (tmp_path / "work" / "verify").exists()

    def again(*args: object) -> None:
        raise AssertionError("a finished stage ran again")

    with monkeypatch.context() as patch:
        for stage in manifest["stages"]:
            patch.setattr(_Run, stage, again)
        resumed = scan_dask(paths, config, options)
    assert rendered(resumed) == rendered(scan_paths(paths, config))


@pytest.mark.slow
def test_a_changed_input_starts_the_run_afresh(scheduler: str, tmp_path: Path) -> None:
    shutil.copytree(EXAMPLES, tmp_path / "examples")
    paths = [str(tmp_path / "examples")]
    config = Config(cache=False)
    options = DaskOptions(scheduler, work_dir=str(tmp_path / "work"))
    first = scan_dask(paths, config, options)
    title, body = story(4242)
    copy = "\n".join([title, *body]) + "\n"
    for name in ("new.txt", "new-copy.txt"):
        (tmp_path / "examples" / "articles" / name).write_text(copy, encoding="utf-8")
    second = scan_dask(paths, config, options)
    assert len(second.groups) == len(first.groups) + 1
    assert rendered(second) == rendered(scan_paths(paths, config))


@pytest.mark.parametrize("seed", range(5))
def test_the_graph_gives_the_local_components_and_partners(seed: int) -> None:
    from dedup.dask.graph import Graph
    from dedup.engine.group import components
    from dedup.engine.grouping import adjacency

    rng = random.Random(seed)
    edges = [(a, rng.randrange(a + 1, 400)) for a in (rng.randrange(399) for _ in range(300))]
    edges += edges[:20]  # an edge given twice
    graph = Graph(*(np.asarray(x, dtype=np.int64) for x in zip(*edges, strict=True)))
    assert list(graph.components()) == components(400, edges)
    assert dict(graph) == adjacency(edges)
    assert graph.get(-1, ()) == () and graph.get(10**6, ()) == ()

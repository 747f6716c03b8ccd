"""A scan on a Dask cluster: the stages of :func:`dedup.engine.run.run` over partitions.

read (per part of the files) → boilerplate (a reduction by unit hash) → cut (per part)
→ exact (by digest) → sign (per shard of ids) → candidates (by band key) → join and
verify (by shard) → group (on the client). The client decides the article ids, in the
local engine's (path, index) order, from what reading gave, and puts the result
together; the workers do the rest. Every stage is a checkpoint (:mod:`.checkpoint`).
"""

from __future__ import annotations

import math
import os
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, TextIO

import numpy as np
import numpy.typing as npt
import pyarrow.parquet as pq

from dedup.config import Config
from dedup.dask import reading, tasks
from dedup.dask.checkpoint import WorkFolder, run_key
from dedup.dask.cluster import DaskOptions, connect, work_root
from dedup.dask.graph import Graph
from dedup.dask.group import Held, group_held
from dedup.dask.inputs import expand_inputs, is_url
from dedup.dask.shuffle import gather, shard_of
from dedup.dask.tables import TEXTS, Layout, ints
from dedup.engine.ingest import plan_parts
from dedup.engine.run import Laps, parameters, with_reading
from dedup.engine.signature import LARGE_BUCKET
from dedup.errors import DedupError, InputError, ignore
from dedup.progress import ProgressCallback, no_progress
from dedup.read.ahead import walk_paths
from dedup.read.walk import Found
from dedup.reading import INVALID_UTF8, Tally
from dedup.result import Result, Stats
from dedup.text.prepare import Prepared

I64 = npt.NDArray[np.int64]
WarningCallback = Callable[[InputError], None]
NoteCallback = Callable[[str], None]
#: What the local engine says of a file whose byte ranges hold blank lines only.
EMPTY = "empty file, skipped"


def scan_dask(
    paths: Sequence[str],
    config: Config,
    options: DaskOptions,
    *,
    progress: ProgressCallback | None = None,
    on_warning: WarningCallback | None = None,
    on_note: NoteCallback | None = None,
    per_file: Counter[str] | None = None,
    stdin: TextIO | None = None,
) -> Result:
    """Every group of copies in ``paths``, found on a Dask cluster: the result
    :func:`dedup.engine.run.scan_paths` gives on the same input and settings."""
    if options.scheduler is not None and options.work_dir is None:
        raise DedupError("--scheduler needs --work-dir: a folder the client and every worker reach")
    tally = Tally()
    local, remote = expand_inputs(paths, config)
    walked = walk_paths(local, config, stdin=stdin).told(tally.left_out) if local else []
    events = [*walked, *remote]
    found = [e for e in events if isinstance(e, Found)]
    tally.find(f.path for f in found)
    plan = {"part_bytes": options.part_bytes, "shard_articles": options.shard_articles}
    key = run_key([(f.path, f.size, f.mtime_ns) for f in found], config, plan)
    with work_root(options.work_dir) as root, connect(options) as client:
        work = WorkFolder(root, key)
        run = _Run(client, work, config, options, progress or no_progress)
        result, counts = run.scan(found)
    warn = tally.counting(on_warning or ignore)
    _replay(events, counts, warn)
    if run.skew[0] and on_note is not None:
        on_note(skew_note(*run.skew))
    if per_file is not None:
        per_file.clear()
        per_file.update({found[f].path: c for f, c, _ in counts if c})
    return with_reading(result, tally.reading(result.stats.articles))


def skew_note(over: int, largest: int) -> str:
    """What a run says of band buckets over the cap (the local engine treats them alike)."""
    return (
        f"{over:,} LSH band bucket{'s' if over > 1 else ''} held more than {LARGE_BUCKET} "
        f"articles (the largest {largest:,}): each article in one was paired with the next 8 "
        "in id order, as the local engine does"
    )


def _replay(events: Sequence[Found | InputError], counts: list[Any], warn: WarningCallback) -> None:
    """Warnings in the order the local engine gives them: the walk's, and each file's."""
    notes = {file: found for file, _, found in counts}
    number = 0
    for event in events:
        if isinstance(event, InputError):
            warn(event)
            continue
        for path, reason, line in notes.get(number, ()):
            warn(InputError(path, reason, line))
        number += 1


class _Run:
    """The stages of one run, each taken from the work folder when it is finished there."""

    def __init__(
        self,
        client: Any,
        work: WorkFolder,
        config: Config,
        options: DaskOptions,
        report: ProgressCallback,
    ) -> None:
        self.client, self.work, self.config = client, work, config
        self.options, self.report = options, report
        self.laps = Laps()
        self.skew = (0, 0)

    def stage(self, name: str, body: Callable[[Path], Any]) -> Any:
        """What stage ``name`` returned: taken from the work folder, or run now."""
        known = self.work.finished(name)
        if known is not None:
            return known
        with self.work.running(name) as folder:
            meta = body(folder)
        self.work.finish(name, meta)
        return meta

    def map(self, stage: str, work: Callable[..., Any], *lists: Sequence[Any]) -> list[Any]:
        """``work`` over the items of ``lists`` on the cluster, results in order."""
        from distributed import as_completed

        futures = self.client.map(work, *lists, pure=False)
        for done, _ in enumerate(as_completed(futures), 1):  # type: ignore[no-untyped-call]
            self.report(stage, done, len(futures))
        try:
            return list(self.client.gather(futures))
        except Exception as exc:  # a worker lost, or a task that failed there
            if isinstance(exc, DedupError):
                raise
            raise DedupError(f"the Dask {stage} stage failed: {type(exc).__name__}: {exc}") from exc

    def scan(self, found: Sequence[Found]) -> tuple[Result, list[Any]]:
        """The result (without its reading counts) and each file's number, articles and
        warnings."""
        config = self.config
        read = self.stage("read", lambda out: self.read(found, out))
        parts = [self.work.folder("read") / f"p{k:05d}.parquet" for k in range(read["parts"])]
        ids = self.ids(parts, [f.path for f in found])
        total = sum(len(x) for x in ids)
        shards = max(1, math.ceil(total / self.options.shard_articles))
        layout = Layout(total, shards, shards)
        learned = self.stage("boilerplate", lambda out: self.boilerplate(parts, layout, out))
        boilerplate = frozenset(learned["hashes"])
        words = self.stage("cut", lambda out: self.cut(parts, ids, boilerplate, layout, out))
        self.laps("prepare")
        exact = self.stage("exact", lambda out: self.exact(layout, out))
        self.stage("sign", lambda out: self.sign(layout, out))
        skew = self.stage("candidates", lambda out: self.candidates(layout, out))
        self.skew = (skew["over"], skew["largest"])
        pairs = self.stage("join", lambda out: self.join(layout, out))
        self.laps("candidates")
        verified = self.stage("verify", lambda out: self.verify(layout, out))
        self.laps("verify")
        graph = self.graph()
        groups = group_held(graph, self.fetch(graph.nodes, parts, ids, found, layout), config)
        self.laps("group")
        counts = (total, exact["edges"], pairs["pairs"], verified["verified"])
        stats = Stats(*counts, len(boilerplate), 0, self.laps.seconds, words=words["words"])
        return Result(tuple(groups), parameters(config), stats), read["files"]

    def read(self, found: Sequence[Found], out: Path) -> dict[str, Any]:
        part_bytes = self.options.part_bytes
        tuning = replace(self.config.tuning, part_bytes=part_bytes, range_bytes=2 * part_bytes)
        # Workers read by absolute path (their working folder is not the client's);
        # articles and warnings name each file as the user did.
        named = [(n, _absolute(f.path), f.size) for n, f in enumerate(found)]
        parts = plan_parts(named, tuning)
        paths = [out / f"p{k:05d}.parquet" for k in range(len(parts))]
        config = [self.config] * len(parts)
        done = self.map("read", reading.read_part, config, parts, paths)
        return {"parts": len(parts), "files": merge_reads([r for d in done for r in d], found)}

    def ids(self, parts: Sequence[Path], paths: Sequence[str]) -> list[I64]:
        """Each read part's article ids: their places in (path, index) order."""
        keys = self.map("order", reading.order_keys, parts)
        if not keys:  # no file to read
            return []
        files = np.concatenate([f for f, _ in keys]) if keys else np.zeros(0, np.int64)
        index = np.concatenate([i for _, i in keys]) if keys else np.zeros(0, np.int64)
        rank = np.zeros(len(paths), dtype=np.int64)
        rank[sorted(range(len(paths)), key=paths.__getitem__)] = np.arange(len(paths))
        order = np.lexsort((index, rank[files])) if len(files) else files
        ids = np.empty(len(order), dtype=np.int64)
        ids[order] = np.arange(len(order))
        cuts = np.cumsum([len(f) for f, _ in keys])[:-1]
        return list(np.split(ids, cuts))

    def boilerplate(self, parts: Sequence[Path], layout: Layout, out: Path) -> dict[str, Any]:
        n, stories = len(parts), out / "stories"
        self.map("boilerplate", reading.story_part, parts, [layout] * n, [stories] * n, range(n))
        b, min_docs = layout.buckets, self.config.boilerplate_min_docs
        found = self.map(
            "boilerplate", reading.boilerplate_bucket, [stories] * b, range(b), [min_docs] * b
        )
        return {"hashes": sorted(h for bucket in found for h in bucket)}

    def cut(
        self,
        parts: Sequence[Path],
        ids: Sequence[I64],
        boilerplate: frozenset[int],
        layout: Layout,
        out: Path,
    ) -> dict[str, Any]:
        n, folders = len(parts), (out / "texts", out / "digests")
        words = self.map(
            "prepare",
            reading.cut_part,
            parts,
            ids,
            [boilerplate] * n,
            [layout] * n,
            [folders] * n,
            range(n),
        )
        return {"words": int(sum(words))}

    def exact(self, layout: Layout, out: Path) -> dict[str, Any]:
        b = layout.buckets
        digests = self.work.folder("cut") / "digests"
        folders = (out / "edges", out / "others")
        found = self.map(
            "exact", tasks.exact_bucket, [digests] * b, range(b), [layout] * b, [folders] * b
        )
        return {"edges": int(sum(found))}

    def sign(self, layout: Layout, out: Path) -> dict[str, Any]:
        s = layout.shards
        folders = (self.work.folder("cut") / "texts", self.work.folder("exact") / "others", out)
        signed = self.map(
            "signatures", tasks.sign_shard, [self.config] * s, range(s), [folders] * s, [layout] * s
        )
        return {"signed": int(sum(signed))}

    def candidates(self, layout: Layout, out: Path) -> dict[str, Any]:
        b, bands = layout.buckets, self.work.folder("sign")
        found = self.map(
            "candidates", tasks.candidates_bucket, [bands] * b, range(b), [layout] * b, [out] * b
        )
        return {"over": sum(o for o, _ in found), "largest": max((m for _, m in found), default=0)}

    def join(self, layout: Layout, out: Path) -> dict[str, Any]:
        s = layout.shards
        folders = (self.work.folder("candidates"), self.work.folder("cut") / "texts", out)
        pairs = self.map("verify", tasks.join_shard, range(s), [folders] * s, [layout] * s)
        return {"pairs": int(sum(pairs))}

    def verify(self, layout: Layout, out: Path) -> dict[str, Any]:
        s = layout.shards
        folders = (self.work.folder("join"), self.work.folder("cut") / "texts")
        found = self.map(
            "verify", tasks.verify_shard, [self.config] * s, range(s), [folders] * s, [out] * s
        )
        return {"verified": int(sum(found))}

    def graph(self) -> Graph:
        """The exact edges and the verified pairs, read on the client."""
        ends: list[tuple[I64, I64]] = []
        for folder in (self.work.folder("exact") / "edges", self.work.folder("verify")):
            for path in sorted(folder.glob("*.parquet")):
                table = pq.read_table(path)
                ends.append((ints(table, "a"), ints(table, "b")))
        empty = np.zeros(0, dtype=np.int64)
        a = np.concatenate([x for x, _ in ends]) if ends else empty
        b = np.concatenate([y for _, y in ends]) if ends else empty
        return Graph(a, b)

    def fetch(
        self,
        wanted: I64,
        parts: Sequence[Path],
        ids: Sequence[I64],
        found: Sequence[Found],
        layout: Layout,
    ) -> dict[int, Held]:
        """The fields and comparison texts of the ``wanted`` articles."""
        texts: dict[int, Prepared] = {}
        shards = np.unique(shard_of(wanted, layout.shards, layout.articles)).tolist()
        for shard in shards:
            table = gather(self.work.folder("cut") / "texts", shard, TEXTS)
            for row in table.filter(pa_isin(table, wanted)).to_pylist():
                texts[row["id"]] = Prepared(
                    row["text"], row["words"], row["digest"], row["dropped"]
                )
        held: dict[int, Held] = {}
        for path, mine in zip(parts, ids, strict=True):
            rows = np.flatnonzero(np.isin(mine, wanted))
            if not len(rows):
                continue
            table = pq.read_table(path, columns=["file", "fields"]).take(rows)
            for i, file, fields in zip(
                mine[rows].tolist(), *table.to_pydict().values(), strict=True
            ):
                held[i] = Held(fields, found[file].path, texts[i])
        return held


def pa_isin(table: Any, wanted: I64) -> Any:
    import pyarrow as pa
    import pyarrow.compute as pc

    return pc.is_in(table.column("id"), value_set=pa.array(wanted))


def _absolute(path: str) -> str:
    return path if is_url(path) else os.path.abspath(path)


def merge_reads(reads: Sequence[reading.Read], found: Sequence[Found]) -> list[list[Any]]:
    """Each file's number, articles and warnings, from its pieces' as the local engine
    tells them: invalid UTF-8 once per file, a file of blank lines only as empty."""
    by_file: dict[int, list[reading.Read]] = {}
    for read in reads:
        by_file.setdefault(read.file, []).append(read)
    files: list[list[Any]] = []
    for file, pieces in by_file.items():
        notes: list[list[Any]] = []
        for path, reason, line in (note for piece in pieces for note in piece.notes):
            path = found[file].path if path == _absolute(found[file].path) else path
            utf8 = reason.startswith(INVALID_UTF8)
            if not (utf8 and any(n[1].startswith(INVALID_UTF8) for n in notes)):
                notes.append([path, reason, line])
        if all(piece.records == 0 for piece in pieces):  # byte ranges of blank lines only
            notes.append([found[file].path, EMPTY, None])
        files.append([file, sum(piece.count for piece in pieces), notes])
    return files

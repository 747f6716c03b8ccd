"""What the scan index holds: its tables, what each keeps, and the schema that makes them.

:mod:`dedup.store.scan` reads and writes them; docs/caches.md shows the schema.
"""

from __future__ import annotations

#: Whole-corpus memos (learned boilerplate, candidate pairs, cut texts, verdicts) kept per table and
#: settings.
MEMOS_KEPT = 8
#: The work tables, each keyed by digests of comparison texts: what a value holds.
WORK_TABLES = {
    "verdicts": "the quick verdict of a candidate pair (both digests): true or false",
    "scores": "the full pair score (JSON) of a canonical and a member (both digests)",
    "cut_texts": "digest, words, dropped units (JSON) of a text with boilerplate cut out",
    "boilerplate": "unit hashes learned as boilerplate (JSON), by every file's path and stat",
    "candidates": "candidate pairs (JSON) among representatives (a check's: its own), by digests",
    "cut_batches": "every cut text's digest, words and dropped units (JSON), by a digest of "
    "the texts' digests, units and cut units",
    "verdict_batches": "the verdicts of a run's candidate pairs (a 1 or 0 each), by their keys",
    "clusters": "the groups (JSON) of the files read, by their paths and stats, the "
    "verified pairs and the grouping rules",
}
#: Tables of one value per settings, for a whole corpus: what it holds.
WHOLE_TABLES = {
    "snapshot": "every file's stat and articles, as the last run that wrote it loaded them",
    "bands": "the LSH band keys of the representatives of the last run that made them",
}
#: Work tables holding whole-corpus memos: only the latest ``MEMOS_KEPT`` are kept.
MEMO_TABLES = frozenset({"boilerplate", "candidates", "cut_batches", "verdict_batches", "clusters"})

SCHEMA = (
    """
CREATE TABLE IF NOT EXISTS files (
    scope BLOB NOT NULL,
    path BLOB NOT NULL,
    chunk INTEGER NOT NULL,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    indexed_ns INTEGER NOT NULL,
    meta BLOB NOT NULL,
    light BLOB NOT NULL,
    fields BLOB NOT NULL,
    crc INTEGER NOT NULL,
    PRIMARY KEY (scope, path, chunk)
);
CREATE INDEX IF NOT EXISTS files_by_path ON files (path);
CREATE TABLE IF NOT EXISTS snapshot_fields (
    scope BLOB NOT NULL,
    chunk INTEGER NOT NULL,
    data BLOB NOT NULL,
    crc INTEGER NOT NULL,
    PRIMARY KEY (scope, chunk)
);
"""
    + "".join(
        f"CREATE TABLE IF NOT EXISTS {name} (scope BLOB NOT NULL PRIMARY KEY, data BLOB NOT NULL, "
        "crc INTEGER NOT NULL);\n"
        for name in WHOLE_TABLES
    )
    + "".join(
        f"CREATE TABLE IF NOT EXISTS {name} (scope BLOB NOT NULL, key BLOB NOT NULL, "
        "value BLOB NOT NULL, crc INTEGER NOT NULL, PRIMARY KEY (scope, key));\n"
        for name in WORK_TABLES
    )
)


#: Every table of the scan index.
TABLES = frozenset({"files", "snapshot_fields", *WHOLE_TABLES, *WORK_TABLES})

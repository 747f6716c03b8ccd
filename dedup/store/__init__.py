"""Persistence: SQLite files that let a re-run skip work (signatures, scanned files, scores)."""

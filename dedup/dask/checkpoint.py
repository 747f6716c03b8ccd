"""The work folder of a Dask run: one folder of Parquet files per finished stage, and a
manifest saying which stages are finished, for which inputs and settings.

A stage's folder is written under a temporary name and swapped into place when every
task of it has finished (:func:`dedup.atomic.atomic_directory`), then the manifest is
rewritten whole (:func:`dedup.atomic.atomic_file`). A run with the same work folder,
inputs (paths, sizes, modification times) and settings takes the finished stages as
they are and starts at the first unfinished one; any other run starts afresh.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import shutil
from collections.abc import Iterator, Sequence
from dataclasses import fields
from pathlib import Path
from typing import Any

from dedup import __version__
from dedup.atomic import atomic_directory, atomic_file
from dedup.config import Config
from dedup.engine.signature import signature_params
from dedup.errors import DedupError

#: The stages whose outputs are kept, in the order they run.
STAGES = ("read", "boilerplate", "cut", "exact", "sign", "candidates", "join", "verify")
#: The manifest's format; a manifest of any other is ignored (the run starts afresh).
FORMAT = 1
MANIFEST = "manifest.json"
#: Settings that change how a run goes, never what it finds.
_RUNNING = ("jobs", "cache", "cache_path", "tuning", "engine")


def run_key(inputs: Sequence[tuple[str, int, int]], config: Config, plan: dict[str, int]) -> str:
    """What a run's checkpoints hold depends on: its inputs (path, size, modification
    time), its settings, the way it cuts the corpus (``plan``), dedup's version and the
    versions of its hashes (in the signature settings)."""
    settings = {f.name: getattr(config, f.name) for f in fields(config) if f.name not in _RUNNING}
    document = {
        "inputs": list(inputs),
        "settings": settings,
        "plan": plan,
        "dedup": __version__,
        "hashes": signature_params(config),
    }
    text = json.dumps(document, sort_keys=True, default=str)
    return hashlib.blake2b(text.encode("utf-8", "surrogateescape"), digest_size=16).hexdigest()


def check_work_folder(root: Path) -> None:
    """Refuse a folder that holds something, but not a work folder's manifest: a run
    removes the stage folders it finds there."""
    if root.is_dir() and any(root.iterdir()) and not (root / MANIFEST).is_file():
        raise DedupError(
            f"{root}: is not a dedup work folder (it holds no {MANIFEST}); "
            "name a new or empty folder"
        )


class WorkFolder:
    """Finished stages and their small results (counts, warnings), kept in ``root``."""

    def __init__(self, root: Path, key: str) -> None:
        self.root = root
        try:
            root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DedupError(f"{root}: cannot create the work folder: {exc.strerror}") from None
        self.key = key
        self.stages: dict[str, Any] = {}
        known = self._read_manifest()
        if known.get("format") == FORMAT and known.get("key") == key:
            self.stages = {
                name: meta
                for name, meta in known.get("stages", {}).items()
                if name in STAGES and self.folder(name).is_dir()
            }
        else:
            self._drop(STAGES)
        self._write_manifest()

    def folder(self, stage: str) -> Path:
        return self.root / stage

    def finished(self, stage: str) -> Any | None:
        """What a finished stage returned, or None when it must run (again)."""
        return self.stages.get(stage)

    @contextlib.contextmanager
    def running(self, stage: str) -> Iterator[Path]:
        """A fresh folder for ``stage`` to write to; when the block ends well it becomes the
        stage's folder. Call :meth:`finish` after it."""
        later = STAGES[STAGES.index(stage) :]
        self._drop(later)
        self._write_manifest()
        with atomic_directory(self.folder(stage)) as temporary:
            yield temporary

    def finish(self, stage: str, meta: Any) -> None:
        """Record ``stage`` as finished, with what it returned."""
        self.stages[stage] = meta
        self._write_manifest()

    def _drop(self, stages: Sequence[str]) -> None:
        for name in stages:
            self.stages.pop(name, None)
            shutil.rmtree(self.folder(name), ignore_errors=True)

    def _read_manifest(self) -> dict[str, Any]:
        try:
            found = json.loads((self.root / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return found if isinstance(found, dict) else {}

    def _write_manifest(self) -> None:
        document = {"format": FORMAT, "key": self.key, "stages": self.stages}
        with atomic_file(self.root / MANIFEST, force=True) as out:
            json.dump(document, out, indent=1)
            out.write("\n")

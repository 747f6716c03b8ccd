"""The inputs of a Dask run: local paths as the local engine takes them, plus globs
(expanded here, as a shell would) and fsspec URLs (``s3://bucket/dumps/*.jsonl.gz``,
``gs://...``, ``file:///...``), listed on the client and read by the workers.

A URL names a file, a folder (every file under it that ``--include`` takes and
``--exclude`` does not) or a glob. A worker copies a file it reads from a URL to a
temporary file and reads that as the local engine reads files; articles and warnings
name the URL.
"""

from __future__ import annotations

import glob
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from dedup.article import Article
from dedup.config import Config
from dedup.errors import DedupError, InputError
from dedup.read.files import read_file
from dedup.read.locate import file_texts
from dedup.read.walk import STDIN_PATH, Found, matches_any

_GLOB = ("*", "?", "[")


def is_url(path: str) -> bool:
    return "://" in path


def is_pattern(path: str) -> bool:
    """A local path that is a glob still to expand (a file named so is taken as it is)."""
    return not is_url(path) and any(c in path for c in _GLOB) and not os.path.lexists(path)


def plain_paths(paths: Sequence[str]) -> list[str]:
    """The paths that are neither URLs nor globs: those that must exist as named."""
    return [p for p in paths if not is_url(p) and not is_pattern(p)]


def expand_inputs(paths: Sequence[str], config: Config) -> tuple[list[str], list[Found]]:
    """The local paths to walk (globs expanded, sorted) and the files the URLs name."""
    local: list[str] = []
    remote: list[Found] = []
    for path in paths:
        if is_url(path):
            remote.extend(url_files(path, config))
        elif is_pattern(path) and path != STDIN_PATH:
            matched = sorted(glob.glob(path, recursive=True))
            if not matched:
                raise InputError(path, "no file matches this pattern")
            local.extend(matched)
        else:
            local.append(path)
    return local, remote


def url_files(url: str, config: Config) -> list[Found]:
    """The files ``url`` names, with their size and modification time where known."""
    import fsspec

    try:
        fs, _, listed = fsspec.get_fs_token_paths(url)
        files: list[str] = []
        for path in listed:
            if fs.isdir(path):
                files += [p for p in sorted(fs.find(path)) if _taken(p[len(path) :], config)]
            else:
                files.append(path)
        found = [_found(fs, path) for path in files]
    except ImportError as exc:
        raise DedupError(f"{url}: {_needs(url, exc)}") from None
    except (OSError, ValueError) as exc:
        raise InputError(url, f"cannot read: {exc}") from None
    if not found:
        raise InputError(url, "no file matches this URL")
    return found


def _needs(url: str, exc: ImportError) -> str:
    """What reading ``url`` needs installed: fsspec names the package of each protocol."""
    from fsspec.registry import known_implementations

    protocol = url.split("://", 1)[0]
    known = known_implementations.get(protocol, {})
    package = str(known.get("class", "")).split(".", 1)[0]
    if not package:
        return f"no file system for {protocol}:// ({exc})"
    return f"reading {protocol}:// needs the optional {package}: pip install {package}"


def _taken(relative: str, config: Config) -> bool:
    """Whether a file under a URL folder is read, by the walk's globs."""
    parts = [p for p in relative.split("/") if p]
    if not parts or not matches_any(parts[-1], config.include):
        return False
    return not any(matches_any(part, config.all_exclude) for part in parts)


def _found(fs: Any, path: str) -> Found:
    info = fs.info(path)
    stamp = info.get("mtime", info.get("LastModified", info.get("updated")))
    if isinstance(stamp, datetime):
        stamp = stamp.timestamp()
    mtime_ns = int(float(stamp) * 1e9) if isinstance(stamp, (int, float)) else -1
    url = fs.unstrip_protocol(path)
    return Found(url, url, int(info.get("size") or 0), mtime_ns)


def read_url(url: str, config: Config, warn: Any) -> list[Article]:
    """The articles of the file at ``url``, read as the local engine reads a file of
    that name; they and their warnings name the URL."""
    import fsspec

    name = url.rstrip("/").rsplit("/", 1)[-1] or "input"
    with tempfile.TemporaryDirectory(prefix="dedup-url-") as folder:
        local = os.path.join(folder, name)
        try:
            with fsspec.open(url, "rb") as source, open(local, "wb") as copy:
                shutil.copyfileobj(source, copy)
        except (OSError, ImportError, ValueError) as exc:
            warn(InputError(url, f"cannot read: {exc}"))
            return []
        errors: list[InputError] = []
        articles = [replace(a, path=url) for a in read_file(local, config, errors.append)]
    for error in errors:
        warn(InputError(url if error.path == local else error.path, error.reason, error.line))
    return articles


def texts_of(config: Config) -> Callable[[Sequence[Article]], dict[str, str]]:
    """:func:`dedup.read.locate.file_texts` for a run whose articles may name URLs: their
    texts (by ref) read again, each file once (files that changed or vanished give none)."""
    return file_texts(config, _read_any)


def _read_any(path: str, config: Config, warn: Any) -> Iterable[Article]:
    return read_url(path, config, warn) if is_url(path) else read_file(path, config, warn)

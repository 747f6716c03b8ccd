"""The hook definition (``.pre-commit-hooks.yaml``): which staged files it hands to
``dedup check``. pre-commit matches ``files`` with ``re.search`` on the staged paths."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from dedup.config import DEFAULT_INCLUDE

ROOT = Path(__file__).resolve().parents[1]


def hook() -> dict[str, Any]:
    (found,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert isinstance(found, dict)
    return found


def passed(path: str) -> bool:
    return re.search(hook()["files"], path) is not None


#: Names dedup reads by default, and HTML pages (read through trafilatura).
READ = [glob.replace("*", "corpus/story") for glob in DEFAULT_INCLUDE] + [
    "corpus/page.html",
    "corpus/page.htm",
    "corpus/page.html.gz",
]


@pytest.mark.parametrize("path", READ)
def test_every_name_dedup_reads_is_handed_to_the_hook(path: str) -> None:
    assert passed(path)
    assert passed(path.upper())  # dedup's globs ignore case
    assert passed(Path(path).name)  # at the top of the repository too


def test_gzip_is_not_left_out_as_binary() -> None:
    assert passed("corpus/story.txt.gz")
    assert hook()["types"] == ["file"]  # not [text]: pre-commit calls gzip binary


def test_names_without_an_extension_are_handed_over_for_the_include_setting() -> None:
    assert passed("corpus/wire-0412")
    assert passed("NOTES")


@pytest.mark.parametrize(
    "path", ["setup.py", "corpus/photo.jpg", "corpus/archive.tar.gz", ".gitignore", "a.txt.bak"]
)
def test_files_dedup_never_reads_do_not_run_the_hook(path: str) -> None:
    assert not passed(path)

"""``dedup.atomic``: outputs appear whole or not at all, and never over a file unasked."""

from __future__ import annotations

from pathlib import Path

import pytest

from dedup.atomic import atomic_file
from dedup.targets import OutputError


def leftovers(folder: Path, keep: set[str]) -> set[str]:
    return {p.name for p in folder.iterdir()} - keep


def test_a_file_written_whole_appears_only_at_the_end(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    with atomic_file(target) as out:
        out.write("first line\n")
        assert not target.exists()
    assert target.read_text(encoding="utf-8") == "first line\n"
    assert leftovers(tmp_path, {"out.txt"}) == set()


def test_a_file_that_appears_while_writing_is_not_replaced(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    refused = pytest.raises(OutputError, match="already exists; use --force")
    with refused, atomic_file(target) as out:
        out.write("ours\n")
        target.write_text("someone else's\n", encoding="utf-8")
    assert target.read_text(encoding="utf-8") == "someone else's\n"
    assert leftovers(tmp_path, {"out.txt"}) == set()


def test_force_replaces_and_the_hint_names_what_to_do(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    target.write_text("old\n", encoding="utf-8")
    refused = pytest.raises(OutputError, match="already exists; remove it first")
    with refused, atomic_file(target, exists="remove it first"):
        pass
    with atomic_file(target, force=True) as out:
        out.write("new\n")
    assert target.read_text(encoding="utf-8") == "new\n"


def test_an_error_inside_the_block_leaves_nothing_behind(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    with pytest.raises(RuntimeError), atomic_file(target) as out:
        out.write("half")
        raise RuntimeError("stop")
    assert list(tmp_path.iterdir()) == []

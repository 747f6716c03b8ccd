"""Shared fixtures: the reference material beside the repository, and file writers.

``../shared`` (the real seeds and corpora) is optional: tests that need it skip cleanly
when it is absent. Everything else the tests read is invented and lives under
``tests/fixtures`` or is written into ``tmp_path``.
"""

from __future__ import annotations

import gzip
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

# The chrome every invented dump carries between its main article and related blocks: the
# benchmark's own, so that tests and benchmarks write dumps of one shape.
from corpus_gen import CHROME

SHARED = Path(__file__).resolve().parents[2] / "shared"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
DUMPS = FIXTURES / "dumps"
GOLDEN = Path(__file__).resolve().parent / "golden"
#: ``DEDUP_REGEN_GOLDEN=1 pytest`` rewrites the golden files instead of checking them.
REGENERATE = bool(os.environ.get("DEDUP_REGEN_GOLDEN"))

#: One related block: (source, age or None, headline, body or None).
Related = tuple[str, "str | None", str, "str | None"]


@pytest.fixture
def shared_dir() -> Path:
    """``../shared``; skips the test when it is not there."""
    if not SHARED.is_dir():
        pytest.skip("../shared is not available")
    return SHARED


@pytest.fixture
def seed_paths(shared_dir: Path) -> list[Path]:
    """The real seed dumps, sorted; skips the test when there are none."""
    seeds = sorted((shared_dir / "seeds").glob("*.txt"))
    if not seeds:
        pytest.skip("../shared/seeds holds no dumps")
    return seeds


def build_dump(
    title: str,
    paragraphs: Sequence[str],
    related: Sequence[Related] = (),
    *,
    chrome: Sequence[str] = CHROME,
) -> str:
    """The text of a dump in the aggregator's shape, from invented parts."""
    lines = [title, *paragraphs, *chrome, ""]
    for source, age, headline, body in related:
        lines += ["", source, *([age] if age else []), f"- {source}", headline]
        lines += [body] if body else []
        lines.append("")
    return "\n".join(lines)


WriteFile = Callable[..., Path]


@pytest.fixture
def write_file(tmp_path: Path) -> WriteFile:
    """A writer of test files under ``tmp_path``: ``write_file("a/b.txt", text)``.

    ``content`` may be str (written as UTF-8, with ``newline`` line ends and an optional
    BOM) or bytes (written as is); ``gz=True`` gzips it.
    """

    def write(
        name: str,
        content: str | bytes,
        *,
        newline: str = "\n",
        bom: bool = False,
        gz: bool = False,
    ) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            text = ("\ufeff" if bom else "") + content.replace("\n", newline)
            data = text.encode("utf-8")
        else:
            data = content
        path.write_bytes(gzip.compress(data, mtime=0) if gz else data)
        return path

    return write


def assert_golden(path: Path, text: str) -> None:
    """``text`` is what the golden file ``path`` holds (written first when regenerating)."""
    if REGENERATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")

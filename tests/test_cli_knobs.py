"""Detection settings on the command line: a flag changes the result, and a flag beats a
``DEDUP_*`` variable, which beats ``[tool.dedup]`` in pyproject.toml."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from fixture_corpus import isolate, run_cli

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"

#: Each detection setting with a flag, and three valid values: for pyproject, the
#: environment and the flag, in that order.
KNOBS: dict[str, tuple[str, str, str]] = {
    "min_words": ("10", "20", "30"),
    "number_overlap": ("0.5", "0.6", "0.7"),
    "boilerplate_min_docs": ("5", "6", "7"),
    "lsh_threshold": ("0.3", "0.5", "0.6"),
    "seed": ("3", "4", "5"),
    "chain_containment": ("0.2", "0.3", "0.4"),
}


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    isolate(monkeypatch, tmp_path)
    shutil.copytree(EXAMPLES, tmp_path / "examples")
    return tmp_path


run = run_cli


def scan(*args: str) -> dict[str, Any]:
    code, out, err = run("scan", *args, "--format", "json", "--no-cache")
    assert code in (0, 1), err
    found: dict[str, Any] = json.loads(out)
    return found


def copies(report: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [
        (m["path"] + f"#{m['index']}", g["canonical"]["path"], m["rule"])
        for g in report["groups"]
        for m in g["copies"]
    ]


def flag(key: str) -> str:
    return "--" + key.replace("_", "-")


@pytest.mark.parametrize("key", sorted(KNOBS))
def test_flag_beats_environment_beats_pyproject(
    home: Path, monkeypatch: pytest.MonkeyPatch, key: str
) -> None:
    in_file, in_env, on_line = KNOBS[key]
    (home / "dedup.toml").unlink()
    (home / "pyproject.toml").write_text(f"[tool.dedup]\n{key} = {in_file}\n", encoding="utf-8")
    assert str(scan("examples/")["parameters"][key]) == in_file
    monkeypatch.setenv(f"DEDUP_{key.upper()}", in_env)
    assert str(scan("examples/")["parameters"][key]) == in_env
    assert str(scan("examples/", flag(key), on_line)["parameters"][key]) == on_line


def test_min_words_on_the_command_line_changes_what_is_found() -> None:
    """A short copy needs to be near-identical under the same title: raising the bar past
    the examples' short related blocks drops copies the default keeps."""
    default = copies(scan("examples/"))
    strict = copies(scan("examples/", "--min-words", "400"))
    assert set(strict) < set(default)
    code, _, _ = run("scan", "examples/", "--min-words", "0")
    assert code == 2


def test_a_junk_pattern_on_the_command_line_makes_a_padded_copy_exact(home: Path) -> None:
    body = " ".join(
        f"The council approved plan number {i} for the new river crossing near the old mill."
        for i in range(1, 8)
    )
    folder = home / "crossing"
    folder.mkdir()
    (folder / "a.txt").write_text(f"River crossing approved\n\n{body}\n", encoding="utf-8")
    promo = "Follow the Gazette on every platform for more local news and updates."
    (folder / "b.txt").write_text(
        f"River crossing approved\n\n{body}\n\n{promo}\n", encoding="utf-8"
    )
    assert [rule for *_, rule in copies(scan("crossing"))] == ["resemblance"]
    found = scan("crossing", "--junk-pattern", "^follow the gazette")
    assert [rule for *_, rule in copies(found)] == ["exact"]


@pytest.mark.parametrize("command", ["scan", "check", "collapse", "explain"])
def test_every_command_that_detects_takes_the_flags(command: str) -> None:
    code, out, _ = run(command, "--help")
    assert code == 0
    missing = [f for f in (*map(flag, KNOBS), "--junk-pattern") if f not in out]
    assert missing == []

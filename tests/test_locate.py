"""Resolving ``path``, ``path#index`` and ``path:line`` to an article."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fixture_corpus import write_corpus

from dedup.config import Config
from dedup.errors import InputError
from dedup.read.locate import Reference, locate_article, parse_reference


@pytest.fixture(autouse=True)
def corpus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return write_corpus(tmp_path)


def test_parse_reference_prefers_an_existing_file_name(tmp_path: Path) -> None:
    odd = tmp_path / "odd#2.txt"
    odd.write_text("x\n")
    assert parse_reference("odd#2.txt") == Reference("odd#2.txt")
    assert parse_reference("corpus/one.txt#2") == Reference("corpus/one.txt", index=2)
    assert parse_reference("corpus/one.txt:17") == Reference("corpus/one.txt", line=17)


def test_each_form_finds_the_right_article() -> None:
    config = Config()
    assert locate_article("corpus/one.txt", config).index == 0
    assert locate_article("corpus/one.txt#2", config).title == "Teenager wins junior chess title"
    assert locate_article("corpus/one.txt:20", config).index == 2
    assert locate_article("corpus/one.txt:11", config).source == "Yahoo"


def test_a_json_lines_record_is_found_by_its_line(tmp_path: Path) -> None:
    lines = [json.dumps({"title": f"Story {n}", "text": "Words " * 40}) for n in range(3)]
    (tmp_path / "r.jsonl").write_text("\n".join(lines) + "\n")
    assert locate_article("r.jsonl:3", Config()).title == "Story 2"
    assert locate_article("r.jsonl#1", Config()).title == "Story 1"


def test_line_zero_is_refused() -> None:
    with pytest.raises(InputError, match="line numbers start at 1"):
        parse_reference("corpus/one.txt:0")

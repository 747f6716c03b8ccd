"""``dedup explain``: scores, the deciding rule and an aligned view of two articles."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from fixture_corpus import JUNK, isolate, write_corpus

from dedup.cli import cli


@pytest.fixture(autouse=True)
def corpus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    isolate(monkeypatch, tmp_path)
    return write_corpus(tmp_path)


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["explain", *args])
    return result.exit_code, result.stdout, result.stderr


def test_copies_show_scores_rule_and_the_appended_junk() -> None:
    code, out, err = run("corpus/two.txt#1", "corpus/one.txt#1")
    assert code == 1 and err == ""
    lines = out.splitlines()
    assert lines[0] == (
        'A  corpus/two.txt#1  corpus/two.txt:11-15  "Ferry runs aground off Halversund"'
        " (Associated Press)"
    )
    assert lines[1].startswith("B  corpus/one.txt#1  corpus/one.txt:11-15  ")
    assert lines[3].startswith("similarity   1.0000  (copies at >= 0.85)")
    assert any(line.startswith("verdict      copies (rule: exact): ") for line in lines)
    assert out.rstrip().endswith(f"later this week. {{+{JUNK}+}}")
    assert "\x1b[" not in out


def test_an_edited_copy_marks_removed_and_added_words() -> None:
    code, out, _ = run("corpus/one.txt:19", "corpus/three.jsonl")
    assert code == 1
    assert "verdict      copies (rule: resemblance)" in out
    assert "A [-fourteen-year-old-] {+14-year-old girl+} from Lisvale" in out
    assert "{+Organisers said more players had entered than ever before.+}" in out


def test_distinct_articles_are_not_copies_and_exit_0() -> None:
    code, out, _ = run("corpus/one.txt", "corpus/two.txt")
    assert code == 0
    assert "verdict      not copies: " in out
    assert 'A  corpus/one.txt#0  corpus/one.txt:1-2  "Merrowby votes' in out


def test_context_0_shows_the_whole_texts() -> None:
    short = run("corpus/two.txt#1", "corpus/one.txt#1")[1]
    full = run("corpus/two.txt#1", "corpus/one.txt#1", "--context", "0")[1]
    assert " … " in short and " … " not in full
    assert "HALVERSUND, Norway (AP)" in full


@pytest.mark.parametrize(
    ("reference", "message"),
    [
        ("corpus/one.txt#7", "corpus/one.txt: no article #7; the file holds #0, #1, #2"),
        (
            "corpus/one.txt:400",
            "corpus/one.txt:400: no article covers this line; articles start at lines 1, 11, 17",
        ),
        (
            "corpus/none.txt#1",
            "corpus/none.txt#1: no such file (name an article as PATH, PATH#INDEX or PATH:LINE)",
        ),
        ("corpus", "corpus: is a folder; name one file"),
    ],
)
def test_a_bad_reference_is_one_line_and_exit_2(reference: str, message: str) -> None:
    code, out, err = run(reference, "corpus/two.txt")
    assert (code, out) == (2, "")
    assert err == f"dedup: error: {message}\n"


def write_export(folder: Path) -> Path:
    """A JSON Lines export whose 2nd and 4th lines are bad: they warn when read."""
    body = "The harbour board voted on Tuesday to extend the pier by forty metres. " * 8
    records = [
        f'{{"title": "Pier to grow by forty metres", "text": "{body}"}}',
        '{"title": "A record without its text"}',
        f'{{"title": "Pier to grow by forty metres", "text": "{body} Reporting by the desk."}}',
        '{"title": "cut off',
        '{"title": "Night market returns", "text": "Stalls reopen on the quay."}',
    ]
    path = folder / "export.jsonl"
    path.write_text("\n".join(records) + "\n", encoding="utf-8")
    return path


def test_warnings_name_only_the_articles_explained(corpus: Path) -> None:
    """Two good records of a file with bad ones: the bad ones are not theirs to report."""
    export = write_export(corpus)
    code, out, err = run(f"{export}:1", f"{export}:3")
    assert (code, err) == (1, "")
    assert out.startswith(f"A  {export}#0  ")
    code, out, err = run(f"{export}:5", "corpus/one.txt")
    assert (code, err) == (0, "")


def test_a_line_that_holds_no_article_shows_the_warning_about_that_line(corpus: Path) -> None:
    export = write_export(corpus)
    code, out, err = run(f"{export}:2", f"{export}:1")
    assert (code, out) == (2, "")
    warning, error = err.splitlines()
    assert warning.startswith(f"dedup: warning: {export}:2: ")
    assert error == (
        f"dedup: error: {export}:2: no article covers this line; articles start at lines 1, 3, 5"
    )

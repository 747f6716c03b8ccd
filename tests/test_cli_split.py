"""``dedup split`` from the outside: exit codes, stdout and stderr, each asserted apart."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import DUMPS

from dedup.cli import cli
from dedup.render.articles import COLUMNS

WriteFile = Callable[..., Path]
STANDARD = str(DUMPS / "standard.txt")
PLAIN = str(DUMPS / "plain.txt")


def run(*args: str, stdin: str | None = None, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, ["split", *args], input=stdin, env=env)


def test_tsv_on_a_pipe_one_line_per_article() -> None:
    result = run(STANDARD, PLAIN)
    assert result.exit_code == 0
    rows = [line.split("\t") for line in result.stdout.splitlines()]
    assert rows == [
        [STANDARD, "0", "1", "6", "main", "", "", "134",
         "Harbour city opens its first night market in forty years"],
        [STANDARD, "1", "16", "20", "related", "Coastline Herald", "3 hours ago", "37",
         "Ferry operator adds winter crossings to outer islands"],
        [STANDARD, "2", "23", "27", "related", "Associated Press", "45 minutes ago", "39",
         "Rail strike called off after overnight talks"],
        [STANDARD, "3", "30", "34", "related", "Valley Courier", "yesterday", "30",
         "Glacier museum reopens after flood repairs"],
        [PLAIN, "0", "2", "4", "plain", "", "", "35", "Town council approves new cycle lanes"],
    ]  # fmt: skip
    assert result.stderr == "dedup: 5 articles read from 2 files, 0 warnings\n"  # summary only


def test_header_names_the_columns() -> None:
    result = run("--header", PLAIN)
    assert result.stdout.splitlines()[0] == "\t".join(COLUMNS)
    assert COLUMNS == (
        "path", "index", "line", "end_line", "kind", "source", "age", "words", "title"
    )  # fmt: skip


def test_tabs_and_newlines_inside_fields_become_spaces(write_file: WriteFile) -> None:
    path = write_file("x.jsonl", json.dumps({"title": "A\ttabbed\ttitle", "text": "B"}) + "\n")
    (line,) = run(str(path)).stdout.splitlines()
    assert line.split("\t")[-1] == "A tabbed title"
    assert len(line.split("\t")) == len(COLUMNS)


def test_jsonl_gives_full_records() -> None:
    result = run("--format", "jsonl", STANDARD)
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["index"] for r in records] == [0, 1, 2, 3]
    assert records[2]["source"] == "Associated Press"
    assert records[2]["body"][0].startswith("BRESLAND (AP) —")
    assert records[2]["extra"] == {"dateline": "Associated Press"}
    assert set(records[0]) >= {"path", "line", "end_line", "kind", "title", "body"}


def test_table_format(write_file: WriteFile) -> None:
    result = run("--format", "table", STANDARD, env={"COLUMNS": "160"})
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["path", "#", "line", "end", "kind", "source", "age", "words",
                                "title"]  # fmt: skip
    assert "Coastline Herald" in lines[2]
    assert "Glacier museum reopens after flood repairs" in lines[4]
    assert "\x1b[" not in result.stdout  # no colour when not on a terminal


def test_title_with_brackets_is_not_taken_for_markup(write_file: WriteFile) -> None:
    path = write_file("x.txt", "Vote [bold]counted[/bold] at last\nThe count ended.\n")
    result = run("-f", "table", str(path), env={"COLUMNS": "160"})
    assert "Vote [bold]counted[/bold] at last" in result.stdout


def test_warnings_go_to_stderr_and_reading_goes_on(write_file: WriteFile) -> None:
    empty = write_file("empty.txt", "")
    bad = write_file("bad.jsonl", '{"title": "ok", "text": "fine"}\n{oops\n')
    result = run(str(empty), str(bad), PLAIN)
    assert result.exit_code == 0
    assert [line.split("\t")[0] for line in result.stdout.splitlines()] == [str(bad), PLAIN]
    assert result.stderr.splitlines() == [
        f"dedup: warning: {empty}: empty file, skipped",
        f"dedup: warning: {bad}:2: malformed JSON line "
        "(Expecting property name enclosed in double quotes), skipped",
        "dedup: 2 articles read from 2 files, 2 warnings",
        "dedup: skipped 1 file (1 empty) and 1 record (1 malformed JSON)",
    ]


def test_summary_goes_to_stderr_after_the_warnings(write_file: WriteFile) -> None:
    empty = write_file("empty.txt", "")
    result = run(STANDARD, PLAIN, str(empty))
    assert result.stderr.splitlines()[-2:] == [
        "dedup: 5 articles read from 2 files, 1 warning",
        "dedup: skipped 1 file (1 empty)",
    ]
    assert len(result.stdout.splitlines()) == 5


def test_quiet_prints_data_only(write_file: WriteFile) -> None:
    empty = write_file("empty.txt", "")
    result = run("--quiet", str(empty), PLAIN)
    assert result.exit_code == 0
    assert result.stderr == ""
    assert len(result.stdout.splitlines()) == 1


def test_missing_path_is_a_usage_error_before_any_output() -> None:
    result = run(PLAIN, "no/such/file.txt")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == "dedup: error: no/such/file.txt: no such file or directory\n"


def test_no_path_is_a_usage_error() -> None:
    result = run()
    assert result.exit_code == 2
    assert "Missing argument" in result.stderr


def test_unknown_format_is_a_usage_error() -> None:
    result = run("--format", "xml", PLAIN)
    assert result.exit_code == 2
    assert result.stdout == ""


def test_paths_from_stdin(tmp_path: Path) -> None:
    result = run("-", stdin=f"{PLAIN}\n{STANDARD}\n")
    assert result.exit_code == 0
    assert [line.split("\t")[0] for line in result.stdout.splitlines()] == [PLAIN] + [STANDARD] * 4


def test_exclude_option(write_file: WriteFile, tmp_path: Path) -> None:
    write_file("c/keep.txt", "Kept\nText.\n")
    write_file("c/drafts/skip.txt", "Skipped\nText.\n")
    result = run("--exclude", "drafts", str(tmp_path / "c"))
    assert [line.split("\t")[-1] for line in result.stdout.splitlines()] == ["Kept"]


def test_help_documents_the_columns() -> None:
    result = CliRunner().invoke(cli, ["split", "--help"])
    assert result.exit_code == 0
    assert "path, index, line, end_line, kind, source, age, words, title" in " ".join(
        result.stdout.split()
    )


@pytest.mark.parametrize("fmt", ["tsv", "jsonl", "table"])
def test_every_format_handles_an_empty_result(write_file: WriteFile, fmt: str) -> None:
    empty = write_file("empty.txt", "")
    result = run("-f", fmt, "-q", str(empty))
    assert result.exit_code == 0
    assert result.stderr == ""
    assert "empty" not in result.stdout


def test_terminal_gets_a_table_and_a_summary(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("dedup.cli.split_cmd.stdout_is_terminal", lambda: True)
    result = run(STANDARD, env={"COLUMNS": "160"})
    assert result.exit_code == 0
    assert "\t" not in result.stdout
    assert result.stdout.split()[:3] == ["path", "#", "line"]
    assert result.stderr == "dedup: 4 articles read from 1 file, 0 warnings\n"

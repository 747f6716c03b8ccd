"""Renderers of ``dedup scan``: golden output per format, escaping, streaming."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator

import pytest
from conftest import GOLDEN, assert_golden
from hypothesis import given
from hypothesis import strategies as st

from dedup.article import Article
from dedup.cli.output import FORMATS, render_table
from dedup.reading import Reading, Unit
from dedup.render import _MAY_NEED_ESCAPES, RenderOptions, _may_need_escapes
from dedup.render.groups import (
    COLUMNS,
    RENDERERS,
    copy_files,
    copy_refs,
    render_tsv,
)
from dedup.result import Group, Member, PairScore, Result, Stats


def make_article(path: str, index: int, line: int, title: str, source: str | None) -> Article:
    return Article(
        path=path,
        index=index,
        line=line,
        end_line=line + 3,
        title=title,
        body=("An invented paragraph.", "Another one."),
        kind="related" if index else "main",
        source=source,
        age="2 hours ago" if index else None,
    )


def make_score(similarity: float, containment: float, rule: str | None) -> PairScore:
    return PairScore(
        similarity=similarity,
        containment_ab=containment,
        containment_ba=containment - 0.05,
        aligned=similarity,
        number_overlap=1.0,
        words_a=120,
        words_b=131,
        rule=rule,  # type: ignore[arg-type]
        reason=f"{rule} rule",
    )


def build_result() -> Result:
    """Two groups; titles hold a tab, quotes, a comma and non-ASCII letters."""
    harbour = make_article("dumps/a.txt", 2, 14, 'Harbour \tcrane topples, "no one hurt"', "AP")
    harbour_copy = make_article("dumps/b.txt", 1, 9, "Harbour crane topples", "Yahoo")
    harbour_copy2 = make_article("dumps/c.txt", 0, 1, "Harbour crane topples", "MSN")
    festival = make_article("dumps/b.txt", 3, 30, "Fête du pain returns", "Reuters")
    festival_copy = make_article("dumps/d.txt", 0, 1, "Fête du pain returns", None)
    groups = (
        Group(
            1,
            harbour,
            (
                Member(harbour_copy, make_score(0.97125, 0.99, "resemblance")),
                Member(harbour_copy2, make_score(1.0, 1.0, "exact")),
            ),
            "AP is a wire service",
        ),
        Group(
            2,
            festival,
            (Member(festival_copy, make_score(0.612, 0.93, "containment")),),
            "Reuters is a wire service",
        ),
    )
    skipped: dict[Unit, dict[str, int]] = {
        "file": {"left out by --include": 2, "empty": 1},
        "record": {"no text": 1},
    }
    reading = Reading(files=4, articles=9, skipped=skipped, invalid_utf8=1)
    return Result(groups, {"similarity": 0.85, "shingle_size": 5}, Stats(9, reading=reading))


def render(fmt: str, result: Result, header: bool | None = None) -> str:
    stream = io.StringIO()
    FORMATS[fmt](result, stream, RenderOptions(header=header))
    return stream.getvalue()


@pytest.fixture(autouse=True)
def fixed_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "120")
    monkeypatch.delenv("DEDUP_REGEN_GOLDEN", raising=False)


@pytest.mark.parametrize(
    ("fmt", "header", "golden"),
    [
        ("tsv", None, "groups.tsv"),
        ("tsv", True, "groups-header.tsv"),
        ("csv", None, "groups.csv"),
        ("jsonl", None, "groups.jsonl"),
        ("json", None, "groups.json"),
        ("table", None, "groups-table.txt"),
    ],
)
def test_each_format_matches_its_golden_file(fmt: str, header: bool | None, golden: str) -> None:
    assert_golden(GOLDEN / "render" / golden, render(fmt, build_result(), header))


def test_every_format_is_registered() -> None:
    assert sorted(FORMATS) == ["csv", "html", "json", "jsonl", "table", "tsv"]
    assert "table" not in RENDERERS


def test_tsv_has_one_line_per_copy_with_stable_columns() -> None:
    lines = render("tsv", build_result()).splitlines()
    assert len(lines) == 3
    cells = [line.split("\t") for line in lines]
    assert all(len(row) == len(COLUMNS) for row in cells)
    assert [row[0] for row in cells] == ["dumps/b.txt:9", "dumps/c.txt:1", "dumps/d.txt:1"]
    assert cells[0][1:6] == ["dumps/a.txt:14", "0.9712", "0.9900", "resemblance", "1"]
    assert cells[0][9] == 'Harbour  crane topples, "no one hurt"'  # the tab became a space


def test_csv_round_trips_through_the_csv_module() -> None:
    rows = list(csv.reader(io.StringIO(render("csv", build_result()))))
    assert tuple(rows[0]) == COLUMNS
    assert rows[1][9] == 'Harbour \tcrane topples, "no one hurt"'
    assert render("csv", build_result(), header=False).count("\n") == 3


def test_jsonl_is_one_group_per_line() -> None:
    result = build_result()
    lines = render("jsonl", result).splitlines()
    assert [json.loads(line) for line in lines] == [g.to_dict() for g in result.groups]
    first = json.loads(lines[0])
    assert set(first) >= {"group", "canonical", "copies"}
    assert {"path", "index", "line", "source", "title"} <= set(first["canonical"])
    assert {"similarity", "containment", "rule"} <= set(first["copies"][0])


def test_json_is_one_valid_document() -> None:
    result = build_result()
    assert json.loads(render("json", result)) == json.loads(json.dumps(result.to_dict()))


def test_empty_results_render_as_empty_or_valid_documents() -> None:
    empty = Result((), {"similarity": 0.85}, Stats())
    assert render("tsv", empty) == ""
    assert render("jsonl", empty) == ""
    assert json.loads(render("json", empty)) == {
        "schema_version": 1,
        "parameters": {"similarity": 0.85},
        "read": {"files": 0, "articles": 0, "invalid_utf8_files": 0},
        "skipped": {"files": {}, "folders": {}, "records": {}},
        "groups": [],
    }
    assert render("table", empty) == ""


def lazy_groups(result: Result, stream: io.StringIO, marker: str) -> Iterator[Group]:
    """The result's groups, checking before each later one that the first was written."""
    for position, group in enumerate(result.groups):
        if position:
            assert marker in stream.getvalue(), "the first group was not written before the next"
        yield group


@pytest.mark.parametrize(
    ("fmt", "marker"),
    [
        ("tsv", "dumps/b.txt:9"),
        ("csv", "dumps/b.txt:9"),
        ("jsonl", "dumps/b.txt"),
        ("json", "dumps/b.txt"),
        ("table", "dumps/b.txt:9"),
    ],
)
def test_renderers_write_each_group_before_reading_the_next(fmt: str, marker: str) -> None:
    result = build_result()
    stream = io.StringIO()
    streaming = Result(lazy_groups(result, stream, marker), result.parameters, result.stats)  # type: ignore[arg-type]
    FORMATS[fmt](streaming, stream, RenderOptions())
    assert "dumps/d.txt" in stream.getvalue()


def test_table_shows_canonical_copies_scores_and_locations() -> None:
    text = render("table", build_result())
    assert "group 1 · 3 articles" in text
    assert text.count("canonical") == 2
    assert "dumps/a.txt:14" in text and "0.97" in text and "resemblance" in text
    assert "\x1b[" not in text  # not a terminal: no escape codes


def test_table_has_no_colour_when_no_color_is_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    stream = Terminal()
    render_table(build_result(), stream, RenderOptions())
    assert "dumps/a.txt:14" in stream.getvalue()
    assert "\x1b[3" not in stream.getvalue()


def test_tsv_header_is_the_column_names() -> None:
    stream = io.StringIO()
    render_tsv(build_result(), stream, RenderOptions(header=True))
    assert stream.getvalue().splitlines()[0].split("\t") == list(COLUMNS)


def test_copy_refs_lists_each_non_canonical_copy_once() -> None:
    assert list(copy_refs(build_result())) == ["dumps/b.txt#1", "dumps/c.txt#0", "dumps/d.txt#0"]


def test_copy_files_lists_only_files_made_entirely_of_copies() -> None:
    counts = {"dumps/a.txt": 3, "dumps/b.txt": 4, "dumps/c.txt": 1, "dumps/d.txt": 1}
    assert list(copy_files(build_result(), counts)) == ["dumps/c.txt", "dumps/d.txt"]
    counts["dumps/c.txt"] = 2
    assert list(copy_files(build_result(), counts)) == ["dumps/d.txt"]


@given(st.text(alphabet=st.sampled_from('ab "\\\x7f\x80\x9f\u2028\u00e9\ud800{}:,'), max_size=40))
def test_json_lines_are_escaped_where_the_full_search_says_so(text: str) -> None:
    """The quick look for what may need escaping agrees with the pattern it stands for."""
    line = json.dumps(text, ensure_ascii=False)
    assert _may_need_escapes(line) == bool(_MAY_NEED_ESCAPES.search(line))

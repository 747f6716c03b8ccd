"""``dedup scan --stats``: the redundancy figures, checked against the scan's own JSON report
of the same corpus (the expected numbers are derived here, never written down per corpus)."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fixture_corpus import isolate

from dedup.cli import cli

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    isolate(monkeypatch, tmp_path)
    shutil.copytree(EXAMPLES, tmp_path / "examples")
    return tmp_path


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), prog_name="dedup")
    assert not isinstance(result.exception, Exception) or isinstance(
        result.exception, SystemExit
    ), result.exception
    return result.exit_code, result.stdout, result.stderr


def report(*paths: str) -> list[dict[str, Any]]:
    """The groups of ``dedup scan PATH... --format json``."""
    code, out, _ = run("scan", *paths, "--format", "json")
    assert code == 1
    groups: list[dict[str, Any]] = json.loads(out)["groups"]
    return groups


def figures(*paths: str) -> dict[str, Any]:
    code, out, err = run("scan", *paths, "--stats", "--format", "json")
    assert code == 1
    assert "copies" in err  # the summary line still goes to stderr
    found: dict[str, Any] = json.loads(out)
    return found


def articles_read(*paths: str) -> int:
    code, out, _ = run("split", *paths, "--format", "jsonl")
    assert code == 0
    return len(out.splitlines())


def test_the_figures_agree_with_the_scan_report_of_the_examples() -> None:
    groups = report("examples/")
    found = figures("examples/")
    copies = [member for group in groups for member in group["copies"]]
    assert found["articles"] == articles_read("examples/")
    assert found["groups"] == len(groups)
    assert found["copies"] == len(copies)
    assert found["copy_words"] == sum(member["words"][1] for member in copies)
    assert found["redundant"] == {
        "articles": round(len(copies) / found["articles"], 4),
        "words": round(found["copy_words"] / found["words"], 4),
    }
    rules = Counter(member["rule"] for member in copies)
    assert found["rules"] == {rule: rules[rule] for rule in found["rules"]}
    assert set(found["rules"]) == {"exact", "resemblance", "containment", "version"}
    canonicals = Counter(group["canonical"]["source"] for group in groups)
    sources = Counter(member["source"] for member in copies)
    assert {(s["source"], s["canonicals"], s["copies"]) for s in found["sources"]} == {
        (name, canonicals[name], sources[name]) for name in {*canonicals, *sources}
    }
    by_copies = [(s["copies"], s["canonicals"]) for s in found["sources"]]
    assert by_copies == sorted(by_copies, reverse=True)
    largest = sorted(groups, key=lambda g: (-len(g["copies"]), g["group"]))[:10]
    assert found["top_groups"] == [
        {
            "group": group["group"],
            "size": 1 + len(group["copies"]),
            "canonical": {
                "ref": f"{group['canonical']['path']}#{group['canonical']['index']}",
                "location": f"{group['canonical']['path']}:{group['canonical']['line']}",
                "source": group["canonical"]["source"],
                "title": group["canonical"]["title"],
            },
        }
        for group in largest
    ]


def test_every_word_counts_once_when_every_article_has_a_copy(home: Path) -> None:
    """A second copy of the examples puts every article in a group, so the corpus's words
    are the words of every group's members, as the scan report gives them."""
    shutil.copytree(home / "examples", home / "again")
    groups = report("examples/", "again/")
    found = figures("examples/", "again/")
    assert found["articles"] == sum(1 + len(group["copies"]) for group in groups)
    assert found["articles"] == 2 * articles_read("examples/")
    words = sum(group["copies"][0]["words"][0] for group in groups)
    words += sum(member["words"][1] for group in groups for member in group["copies"])
    assert found["words"] == words
    assert found["redundant"]["articles"] == round(found["copies"] / found["articles"], 4)


def test_tsv_on_a_pipe_holds_the_same_figures_one_per_line() -> None:
    found = figures("examples/")
    code, out, _ = run("scan", "examples/", "--stats")
    assert code == 1
    rows = [line.split("\t") for line in out.splitlines()]
    totals = {name: int(value) for kind, name, value in (r for r in rows if r[0] == "total")}
    assert totals == {k: found[k] for k in ("articles", "groups", "copies", "words", "copy_words")}
    shares = {r[1]: float(r[2]) for r in rows if r[0] == "share"}
    assert shares == found["redundant"]
    assert {r[1]: int(r[2]) for r in rows if r[0] == "rule"} == found["rules"]
    assert [r[1:] for r in rows if r[0] == "source"] == [
        [s["source"] or "", str(s["canonicals"]), str(s["copies"])] for s in found["sources"]
    ]
    assert [r[1:4] for r in rows if r[0] == "group"] == [
        [str(g["group"]), str(g["size"]), g["canonical"]["ref"]] for g in found["top_groups"]
    ]
    assert {r[0] for r in rows} == {"total", "share", "rule", "source", "group"}


def test_the_table_shows_the_shares_and_the_largest_group() -> None:
    found = figures("examples/")
    code, out, _ = run("scan", "examples/", "--stats", "--format", "table")
    assert code == 1
    assert f"{found['redundant']['articles']:.2%} of articles" in out
    assert f"{found['redundant']['words']:.2%} of words" in out
    assert found["top_groups"][0]["canonical"]["location"] in out
    for title in ("corpus", "copies by rule", "by source", "largest groups"):
        assert title in out


def test_stats_exit_zero_on_request_and_nothing_found_is_zero_groups(home: Path) -> None:
    code, out, _ = run("scan", "examples/", "--stats", "--exit-zero")
    assert code == 0 and out.startswith("total\tarticles\t")
    lone = home / "lone"
    lone.mkdir()
    (lone / "one.txt").write_text("A lone story\n\nNothing else says this.\n", encoding="utf-8")
    code, out, _ = run("scan", "lone", "--stats", "--format", "json")
    found = json.loads(out)
    assert code == 0
    assert (found["groups"], found["copies"], found["top_groups"]) == (0, 0, [])
    assert found["redundant"] == {"articles": 0.0, "words": 0.0}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("-0",), "Error: -0/--null ends each entry that --only prints; give --only too"),
        (("--null", "--format", "tsv"), "give --only too"),
        (
            ("--only", "copies", "-f", "json"),
            "Error: --only prints one entry per line; it takes no --format",
        ),
        (("--only", "copy-files", "--header"), "it takes no --header/--no-header"),
        (("--only", "copies", "--stats"), "it takes no --stats"),
        (
            ("--stats", "--no-header"),
            "Error: --stats prints figures; it takes no --header/--no-header",
        ),
        (("--stats", "-f", "csv"), "Error: --stats prints --format json, table, tsv, not csv"),
    ],
)
def test_options_the_output_would_ignore_are_usage_errors(
    args: tuple[str, ...], message: str
) -> None:
    code, out, err = run("scan", "examples/", *args)
    assert (code, out) == (2, "")
    assert err.startswith("Usage: dedup scan [OPTIONS] PATH...\n")
    assert message in err.splitlines()[-1]
    assert "articles read" not in err  # refused before anything was read


def test_every_figure_is_in_formats_md() -> None:
    text = (Path(__file__).resolve().parents[1] / "docs" / "formats.md").read_text("utf-8")
    found = figures("examples/")
    names = {*found, *(f"redundant.{k}" for k in found["redundant"])} - {"redundant"}
    names |= {*found["sources"][0], *found["top_groups"][0], *found["top_groups"][0]["canonical"]}
    assert {name for name in names if f"`{name}`" not in text} == set()
    _, out, _ = run("scan", "examples/", "--stats")
    kinds = {line.split("\t")[0] for line in out.splitlines()}
    assert {kind for kind in kinds if f"`{kind} " not in text} == set()

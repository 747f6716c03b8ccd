"""``dedup report`` on the invented corpus: the page written, refusals, ``scan -f html``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from fixture_corpus import isolate, write_corpus
from report_page import parse_page

from dedup.cli import cli


@pytest.fixture(autouse=True)
def corpus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    isolate(monkeypatch, tmp_path)
    return write_corpus(tmp_path)


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_report_writes_the_page_of_every_group(tmp_path: Path, corpus: Path) -> None:
    before = snapshot(corpus)
    code, out, err = run("report", "corpus", "-o", "report.html")
    assert (code, out) == (0, "")
    assert err.splitlines()[-1] == "dedup: wrote a report of 3 groups to report.html"
    page = parse_page((tmp_path / "report.html").read_text(encoding="utf-8"))
    groups = page.find_all("section", "group")
    _, listing, _ = run("scan", "corpus", "--format", "json", "-q")
    expected = json.loads(listing)["groups"]
    assert sorted(int(g.attrs["data-group"]) for g in groups) == [g["group"] for g in expected]
    copies = {c["path"] + "#" + str(c["index"]) for g in expected for c in g["copies"]}
    assert {r.attrs["data-ref"] for r in page.find_all("tr", "member")} == copies
    assert {d.attrs["data-ref"] for d in page.find_all("details", "diff")} == copies
    # The junk Yahoo appended to the ferry story shows as text only the copy holds.
    ferry = next(d for d in page.find_all("details", "diff") if "one.txt" in d.attrs["data-ref"])
    assert "Sign in to access your portfolio" in " ".join(i.text for i in ferry.find_all("ins"))
    assert snapshot(corpus) == before


def test_scan_format_html_prints_the_same_page(tmp_path: Path) -> None:
    assert run("report", "corpus", "-o", "report.html", "-q") == (0, "", "")
    code, out, err = run("scan", "corpus", "-f", "html", "-q")
    assert (code, err) == (1, "")
    assert out == (tmp_path / "report.html").read_text(encoding="utf-8")


def test_an_existing_file_is_replaced_only_with_force(tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    target.write_text("keep me", encoding="utf-8")
    code, out, err = run("report", "corpus", "-o", "report.html")
    assert (code, out) == (2, "")
    assert err == "dedup: error: report.html: already exists; use --force to replace it\n"
    assert target.read_text(encoding="utf-8") == "keep me"
    assert run("report", "corpus", "-o", "report.html", "--force", "-q") == (0, "", "")
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".report")] == []


@pytest.mark.parametrize(
    ("target", "reason"),
    [
        ("corpus/one.txt", "is an input"),
        ("corpus/report.html", "lies inside the input folder"),
    ],
)
def test_the_page_is_never_written_over_or_into_an_input(
    corpus: Path, target: str, reason: str
) -> None:
    before = snapshot(corpus)
    code, out, err = run("report", "corpus", "-o", target, "--force")
    assert (code, out) == (2, "")
    assert err.startswith(f"dedup: error: {target}: {reason}")
    assert err.count("\n") == 1
    assert snapshot(corpus) == before


def test_an_output_is_required_and_its_folder_must_exist() -> None:
    code, out, err = run("report", "corpus")
    assert (code, out) == (2, "")
    assert "Missing option '--output'" in err
    code, out, err = run("report", "corpus", "-o", "nowhere/report.html")
    assert (code, out) == (2, "")
    assert err == ("dedup: error: nowhere/report.html: folder 'nowhere' does not exist\n")


def test_diff_groups_and_context_choose_what_the_page_shows(tmp_path: Path) -> None:
    assert run("report", "corpus", "-o", "none.html", "--diff-groups", "0", "-q")[0] == 0
    page = parse_page((tmp_path / "none.html").read_text(encoding="utf-8"))
    assert page.find_all("details", "diff") == []
    assert "shown for the 0 largest of 3 groups" in page.find_all("p", "note")[0].text
    assert run("report", "corpus", "-o", "whole.html", "--context", "0", "-q")[0] == 0
    whole = (tmp_path / "whole.html").read_text(encoding="utf-8")
    # A sentence from the middle of the shared ferry text, which the default cuts to " …".
    middle = "Investigators will board the vessel on Monday"
    assert middle in whole
    assert run("report", "corpus", "-o", "cut.html", "-q")[0] == 0
    assert middle not in (tmp_path / "cut.html").read_text(encoding="utf-8")


def test_output_dash_writes_the_page_to_stdout(tmp_path: Path) -> None:
    assert run("report", "corpus", "-o", "report.html", "-q") == (0, "", "")
    code, out, err = run("report", "corpus", "-o", "-")
    assert (code, out) == (0, (tmp_path / "report.html").read_text(encoding="utf-8"))
    assert err.splitlines() == [err.splitlines()[0]]  # the summary line only
    assert err.startswith("dedup: ") and "groups" in err
    assert not (tmp_path / "-").exists()

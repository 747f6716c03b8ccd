"""HTML input: saved pages (``.html``, ``.htm``, gzipped) and, behind ``records_html``, HTML
in JSON records, read through trafilatura: only the article, found as a copy of the same
story in a dump or a plain file; a page without article text is a warning, never silent."""

from __future__ import annotations

import dataclasses
import gzip
import html
import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest
from conftest import build_dump
from fixture_corpus import isolate, run_cli

from dedup.article import Article
from dedup.config import Config, load_config
from dedup.engine.run import scan_paths
from dedup.errors import InputError
from dedup.read import html as htmlread
from dedup.read.files import read_articles
from dedup.tuning import Tuning

#: Modification times this far back are not "racy": a stored file is trusted unread.
PAST = 1_600_000_000

FERRY_TITLE = "Ferry service to Skerry Island resumes after pier rebuild"
FERRY = [
    "KIRKWALL HARBOUR — The ferry link between Kirkwall Harbour and Skerry Island resumed on "
    "Friday morning after an eleven-month closure, as the first sailing since the old timber "
    "pier was condemned carried 64 passengers and two delivery vans across the sound.",
    "The new pier, built of steel piles and precast concrete at a cost of 7.2 million pounds, "
    "is longer than the one it replaces and can take the larger vessel the council bought "
    "last spring, the MV Tern, which holds twice as many cars.",
    "Islanders had relied since April on a small chartered launch that could not carry "
    "vehicles, so that fuel, building supplies and livestock feed had to be landed by a "
    "landing craft twice a month when the weather allowed.",
    "“We have been living out of the freezer,” said Elspeth Garrow, who runs the island’s "
    "only shop. “Today I got fresh bread on the shelves for the first time since the clocks "
    "went back.”",
    "The council said the timetable would return to four sailings a day from Monday, with a "
    "fifth added on Fridays during the summer, and that fares would stay at last year’s "
    "levels until the end of October.",
    "Engineers will monitor the pier’s foundations through the first winter storms, the "
    "council added, and a formal opening is planned for May.",
]
ORCHARD_TITLE = "Volunteers replant village orchard lost to honey fungus"
ORCHARD = [
    "Forty volunteers spent Saturday replanting the community orchard at Little Ashby, where "
    "honey fungus killed all but three of the 58 apple and pear trees over the past five "
    "years.",
    "The parish council bought 60 young trees grafted onto resistant rootstocks, chosen with "
    "help from a fruit specialist at the county agricultural college, and dug out the old "
    "stumps in the autumn to stop the fungus spreading.",
    "Many of the new trees are old local varieties, among them the Ashby Russet, which the "
    "village school's pupils helped to propagate from cuttings taken from the last surviving "
    "tree behind the church.",
    "The first small crop is expected in three years. Until then the orchard's cider day in "
    "October will use fruit donated by farms nearby, organisers said.",
]
GAZETTE_CHROME = {
    "nav": ["Home", "News", "Sport", "Weather", "Subscribe"],
    "related": [
        "Council approves budget for new harbour crane",
        "Storm damage closes coastal road for third day",
        "Island school celebrates 150 years",
    ],
    "footer": "© 2025 Northshore Gazette. All rights reserved.",
}


def gazette_page(title: str, paragraphs: Sequence[str]) -> str:
    """A news site's page: navigation, the article, related links and a footer."""
    nav = "".join(f'<li><a href="/{n.lower()}">{n}</a></li>' for n in GAZETTE_CHROME["nav"])
    related = "".join(
        f'<li><a href="/r{i}">{html.escape(r)}</a></li>'
        for i, r in enumerate(GAZETTE_CHROME["related"])
    )
    body = "\n".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{html.escape(title)} | Northshore Gazette</title>
<meta property="og:site_name" content="Northshore Gazette">
<meta property="article:published_time" content="2025-03-14T08:30:00Z">
</head>
<body>
<header><nav><ul>{nav}</ul></nav></header>
<main>
<article>
<h1>{html.escape(title)}</h1>
<p class="byline">By Morag Lindqvist</p>
{body}
</article>
<aside class="related"><h2>Related stories</h2><ul>{related}</ul></aside>
</main>
<footer><p>{html.escape(GAZETTE_CHROME["footer"])}</p>
<p><a href="/privacy">Privacy policy</a> | <a href="/cookies">Cookie settings</a></p></footer>
</body>
</html>
"""


def portal_page(title: str, paragraphs: Sequence[str]) -> str:
    """Another site's page around the same article: divs, a sidebar, a cookie banner,
    comments, paragraphs written with character references."""
    body = "\n".join(
        "<div class='para'><p>"
        + html.escape(p).replace("’", "&rsquo;").replace("“", "&ldquo;").replace("”", "&rdquo;")
        + "</p></div>"
        for p in paragraphs
    )
    return f"""<html><head><title>{html.escape(title)} - Coastal Portal</title>
<meta property="og:site_name" content="Coastal Portal"></head>
<body>
<div id="cookie-banner">We use cookies to improve your experience. Accept all cookies</div>
<div class="menu"><a href="/">Front page</a> | <a href="/local">Local</a> |
<a href="/jobs">Jobs</a></div>
<div class="content">
<div class="story">
<h1 class="headline">{html.escape(title)}</h1>
{body}
</div>
<div class="sidebar"><h3>Trending</h3>
<a href="/t1">Five walks for a windy weekend</a><br><a href="/t2">Quiz night returns</a></div>
</div>
<div class="comments"><h3>Comments</h3><p>Great news for the island at last!</p></div>
<div class="footer">Coastal Portal Ltd, registered in Scotland. Terms and conditions.</div>
</body></html>
"""


EMPTY_PAGE = """<html><head><title>Page not found</title></head>
<body><header><nav><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li>
</ul></nav></header><footer><p><a href="/privacy">Privacy</a></p></footer></body></html>
"""


def read(
    paths: Sequence[Path], config: Config | None = None
) -> tuple[list[Article], list[InputError]]:
    warnings: list[InputError] = []
    found = read_articles([str(p) for p in paths], config or Config(), on_warning=warnings.append)
    return list(found), warnings


def line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def test_a_page_is_its_article_without_navigation_related_links_or_footer(
    tmp_path: Path,
) -> None:
    page = gazette_page(FERRY_TITLE, FERRY)
    path = tmp_path / "ferry.html"
    path.write_text(page, encoding="utf-8")
    [article], warnings = read([path])
    assert warnings == []
    assert (article.title, article.body) == (FERRY_TITLE, tuple(FERRY))
    assert (article.source, article.age, article.kind, article.index) == (
        "Northshore Gazette",
        "2025-03-14",
        "main",
        0,
    )
    assert article.line == line_of(page, "<h1>")
    assert article.end_line == line_of(page, "<p>Engineers will monitor")
    chrome = [*GAZETTE_CHROME["nav"], *GAZETTE_CHROME["related"], "Privacy", "Morag"]
    assert [word for word in chrome if word in article.text] == []


def test_an_article_ends_where_its_last_paragraph_last_appears(tmp_path: Path) -> None:
    paragraphs = [*FERRY, FERRY[1]]  # the closing paragraph repeats an earlier one
    page = gazette_page(FERRY_TITLE, paragraphs)
    path = tmp_path / "repeat.html"
    path.write_text(page, encoding="utf-8")
    [article], _ = read([path])
    assert article.body == tuple(paragraphs)
    assert article.end_line == line_of(page, "</article>") - 1


def test_gzipped_and_htm_pages_are_read_as_pages(tmp_path: Path) -> None:
    page = portal_page(FERRY_TITLE, FERRY)
    (tmp_path / "a.htm").write_text(page, encoding="utf-8")
    (tmp_path / "b.html.gz").write_bytes(gzip.compress(page.encode(), mtime=0))
    articles, warnings = read([tmp_path / "a.htm", tmp_path / "b.html.gz"])
    assert warnings == []
    assert [(a.title, a.body, a.source) for a in articles] == [
        (FERRY_TITLE, tuple(FERRY), "Coastal Portal")
    ] * 2
    assert "cookies" not in articles[0].text and "Great news" not in articles[0].text


@pytest.mark.parametrize(
    ("head", "title"),
    [
        ("<title>Mr. Garrow&#39;s shop restocks as ferry returns</title>", "Mr. Garrow's shop"),
        ("", FERRY[0][:40]),
    ],
)
def test_a_page_is_titled_by_its_title_element_else_its_first_paragraph(
    tmp_path: Path, head: str, title: str
) -> None:
    body = "".join(f"<p>{html.escape(p)}</p>" for p in FERRY)
    path = tmp_path / "bare.html"
    path.write_text(f"<html><head>{head}</head><body><div>{body}</div></body></html>", "utf-8")
    [article], warnings = read([path])
    assert warnings == []
    assert article.title.startswith(title)
    assert article.body == tuple(FERRY[1:] if not head else FERRY)


def test_a_folder_walk_reads_html_pages_by_default(tmp_path: Path) -> None:
    for name in ("a.html", "b.HTM", "c.html.gz", "d.htm.gz", "e.xhtml", "f.csv"):
        data = gazette_page(ORCHARD_TITLE, ORCHARD).encode()
        (tmp_path / name).write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
    articles, warnings = read([tmp_path])
    assert warnings == []
    assert [Path(a.path).name for a in articles] == ["a.html", "b.HTM", "c.html.gz", "d.htm.gz"]


def test_a_page_without_article_text_is_a_warning_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "404.html"
    path.write_text(EMPTY_PAGE, encoding="utf-8")
    articles, warnings = read([path])
    assert articles == []
    assert [str(w) for w in warnings] == [f"{path}: no article text found in the page, skipped"]


def test_a_failure_inside_the_extractor_is_a_warning_not_a_crash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import trafilatura

    def fail(*args: object, **kwargs: object) -> None:
        raise RuntimeError("parser\nbroke")

    monkeypatch.setattr(trafilatura, "bare_extraction", fail)
    path = tmp_path / "odd.html"
    path.write_text(gazette_page(FERRY_TITLE, FERRY), encoding="utf-8")
    records = tmp_path / "odd.jsonl"
    records.write_text(json.dumps({"text": gazette_page(FERRY_TITLE, FERRY)}) + "\n", "utf-8")
    config = Config(records_html=True)
    articles, warnings = read([path, records], config)
    assert articles == []
    assert [str(w) for w in warnings] == [
        f"{path}: cannot extract text from the HTML (RuntimeError: parser broke), skipped",
        f"{records}:1: record has no text: cannot extract text from its HTML "
        "(RuntimeError: parser broke), skipped",
    ]


def test_html_in_records_is_read_as_a_page_only_when_asked(tmp_path: Path) -> None:
    records = [
        {"title": "Own title", "text": portal_page(FERRY_TITLE, FERRY), "source": "Wire"},
        {"html": gazette_page(ORCHARD_TITLE, ORCHARD)},
        {"title": "Plain", "text": "A plain text where 1 < 2 and no tag is found at all."},
        {"title": "Nothing", "text": EMPTY_PAGE},
    ]
    path = tmp_path / "export.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    config = Config(text_fields=("text", "html"))
    raw, _ = read([path], config)
    assert any("<p>" in p for p in raw[0].body), "without the setting, HTML stays as it is"
    articles, warnings = read([path], dataclasses.replace(config, records_html=True))
    assert [(a.index, a.line, a.kind, a.title, a.source) for a in articles] == [
        (0, 1, "record", "Own title", "Wire"),
        (1, 2, "record", ORCHARD_TITLE, "Northshore Gazette"),
        (2, 3, "record", "Plain", None),
    ]
    assert articles[0].body == tuple(FERRY) and articles[1].body == tuple(ORCHARD)
    assert [str(w) for w in warnings] == [
        f"{path}:4: record has no text: no article text found in its HTML, skipped"
    ]


def test_records_html_is_set_by_flag_environment_and_config_file(tmp_path: Path) -> None:
    toml = tmp_path / "dedup.toml"
    toml.write_text("records_html = true\n", encoding="utf-8")
    assert load_config(config_file=toml, environ={}).records_html
    assert load_config(environ={"DEDUP_RECORDS_HTML": "yes"}, cwd=tmp_path).records_html
    flagged = load_config({"records_html": False}, config_file=toml, environ={})
    assert not flagged.records_html
    assert not load_config(environ={}, cwd=tmp_path / "..").records_html


@pytest.fixture
def corpus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A dump, a plain file and two saved pages: the ferry story in all but one page."""
    isolate(monkeypatch, tmp_path)
    root = tmp_path / "corpus"
    (root / "pages").mkdir(parents=True)
    related = [("Wire Desk", "2 hours ago", "Tram line extended", "The tram reaches the port.")]
    (root / "dump.txt").write_text(build_dump(FERRY_TITLE, FERRY, related), encoding="utf-8")
    (root / "plain.txt").write_text("\n".join([FERRY_TITLE, *FERRY[:5]]) + "\n", "utf-8")
    (root / "pages" / "ferry.html").write_text(portal_page(FERRY_TITLE, FERRY), "utf-8")
    (root / "pages" / "orchard.html").write_text(gazette_page(ORCHARD_TITLE, ORCHARD), "utf-8")
    return root


run = run_cli


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_scan_finds_the_page_as_a_copy_of_the_dump_and_the_plain_file(
    corpus: Path, jobs: str
) -> None:
    code, out, err = run("scan", "corpus", "-f", "tsv", "--jobs", jobs)
    assert code == 1
    rows = [line.split("\t") for line in out.splitlines()]
    page = portal_page(FERRY_TITLE, FERRY)
    members = {
        "corpus/dump.txt:1",
        "corpus/plain.txt:1",
        f"corpus/pages/ferry.html:{line_of(page, '<h1')}",
    }
    assert {row[1] for row in rows} | {row[0] for row in rows} == members
    assert len(rows) == 2 and len({row[5] for row in rows}) == 1
    assert err.startswith("dedup: 5 articles read from 4 files, 1 group, 2 copies in "), err
    assert "warning" not in err


def test_pages_read_on_two_workers_give_what_one_process_gives(corpus: Path) -> None:
    one = load_config({"jobs": 1, "cache": False})
    two = dataclasses.replace(one, jobs=2, tuning=Tuning(part_bytes=500))
    (corpus / "pages" / "404.html").write_text(EMPTY_PAGE, encoding="utf-8")
    results = []
    for config in (one, two):
        warnings: list[InputError] = []
        found = scan_paths(["corpus"], config, on_warning=warnings.append)
        results.append(([g.to_dict() for g in found.groups], [str(w) for w in warnings]))
    assert results[0] == results[1]
    assert len(results[0][0]) == 1
    assert results[0][1] == ["corpus/pages/404.html: no article text found in the page, skipped"]


def test_an_empty_page_is_reported_on_stderr_and_nothing_else(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    isolate(monkeypatch, tmp_path)
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "404.html").write_text(EMPTY_PAGE, encoding="utf-8")
    code, out, err = run("scan", "site", "-f", "tsv")
    assert (code, out) == (0, "")
    assert err.startswith(
        "dedup: warning: site/404.html: no article text found in the page, skipped\n"
    ), err


def test_the_scan_index_keeps_pages_until_they_change(
    corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for path in corpus.rglob("*"):
        os.utime(path, (PAST, PAST))
    first = run("scan", "corpus", "-f", "tsv", "--jobs", "1")
    assert first[0] == 1

    def refuse(data: object) -> None:
        raise AssertionError("a stored page was extracted again")

    with monkeypatch.context() as patched:
        patched.setattr(htmlread, "extract_page", refuse)
        assert run("scan", "corpus", "-f", "tsv", "--jobs", "1")[:2] == first[:2]
    page = corpus / "pages" / "ferry.html"
    page.write_text(portal_page("Quiz night returns to the harbour inn", ORCHARD), "utf-8")
    os.utime(page, (PAST + 60, PAST + 60))
    code, out, _ = run("scan", "corpus", "-f", "tsv", "--jobs", "1")
    pairs = sorted(
        sorted(Path(name).name for name in line.split("\t")[:2]) for line in out.splitlines()
    )
    assert code == 1
    ferry = f"ferry.html:{line_of(portal_page('', []), '<h1')}"
    orchard = f"orchard.html:{line_of(gazette_page('', []), '<h1>')}"
    assert pairs == [["dump.txt:1", "plain.txt:1"], [ferry, orchard]], (
        "the changed page is read again: now a copy of the orchard story"
    )


def test_a_scan_of_text_files_never_imports_trafilatura(tmp_path: Path) -> None:
    corpus = tmp_path / "a.txt"
    corpus.write_text("A title\n\nA body of a few words that say something.\n", encoding="utf-8")
    code = (
        "import sys; from click.testing import CliRunner; from dedup.cli import cli; "
        f"args = ['scan', {str(corpus)!r}, '--no-cache', '-q', '-f', 'tsv']; "
        "CliRunner().invoke(cli, args); print('trafilatura' in sys.modules)"
    )
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert found.stdout.strip() == "False"

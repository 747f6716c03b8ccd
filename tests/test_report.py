"""The review page (``dedup report``, ``scan -f html``): its groups, members, differences,
summary and escaping, on results built by hand."""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from report_page import Element, parse_page

from dedup.article import Article
from dedup.cli.output import FORMATS
from dedup.config import Config
from dedup.read.locate import file_texts
from dedup.render import RenderOptions
from dedup.render.html import (
    DIFFS_PER_GROUP,
    PageOptions,
    similarity_histogram,
    size_histogram,
    write_page,
)
from dedup.render.sidebyside import diff_rows, side_by_side
from dedup.result import Group, Member, PairScore, Result, Stats
from dedup.text.align import Span, align_texts

STORY = (
    "The harbour crane at Pellmouth toppled onto an empty quay on Tuesday night.",
    "Port officials said nobody was hurt and the cause was a failed brake.",
    "Ships will use the northern berths until the crane is removed next week.",
)


def article(path: str, title: str, body: Sequence[str] = STORY, **fields: object) -> Article:
    index = int(fields.pop("index", 0))  # type: ignore[call-overload]
    source = fields.pop("source", None)
    return Article(path, index, 1 + 10 * index, 4 + 10 * index, title, tuple(body), source=source)  # type: ignore[arg-type]


def score(similarity: float, rule: str | None = "resemblance") -> PairScore:
    return PairScore(similarity, 0.95, 0.9, similarity, 1.0, 40, 41, rule, f"{rule} rule")  # type: ignore[arg-type]


def member(copy: Article, similarity: float = 0.9, rule: str = "resemblance") -> Member:
    return Member(copy, score(similarity, rule))


def build_result() -> Result:
    """Three groups: crane (3 articles), and two pairs that tie on size."""
    crane = article("a/wire.txt", "Crane topples at Pellmouth", source="AP")
    edited = (STORY[0], STORY[1].replace("a failed brake", "wind"), STORY[2], "Subscribe now.")
    crane_copies = (
        member(article("b/site.txt", "Crane falls in Pellmouth", edited, source="Yahoo"), 0.9123),
        member(article("c/same.txt", "Crane topples at Pellmouth"), 1.0, "exact"),
    )
    bakery = ("A bakery in Oxley Green turned 150.", "Its oven is older than the town hall.")
    later = article("z/later.txt", "Bakery turns 150", bakery)
    early = article("m/early.txt", "Bakery turns 150", bakery, index=2)
    return Result(
        (
            Group(1, later, (member(article("z/other.txt", "Bakery at 150", bakery)),), "first"),
            Group(2, crane, crane_copies, "AP is a wire service"),
            Group(3, early, (member(article("n/copy.txt", "Bakery 150", bakery), 0.7),), "first"),
        ),
        {"similarity": 0.85},
        Stats(articles=12),
    )


def page_of(result: Result, **options: object) -> str:
    stream = io.StringIO()
    write_page(result, stream, PageOptions(**options))  # type: ignore[arg-type]
    return stream.getvalue()


def groups_of(page: str) -> list[Element]:
    return parse_page(page).find_all("section", "group")


def test_groups_come_largest_first_then_by_canonical_location() -> None:
    groups = groups_of(page_of(build_result()))
    assert [(g.attrs["data-group"], g.attrs["data-size"]) for g in groups] == [
        ("2", "3"),
        ("3", "2"),  # m/early.txt before z/later.txt
        ("1", "2"),
    ]


def test_each_group_shows_its_canonical_and_members_with_rule_and_scores() -> None:
    crane = groups_of(page_of(build_result()))[0]
    canonical = crane.find_all("div", "canonical")[0].text
    assert "Crane topples at Pellmouth" in canonical
    assert "a/wire.txt:1-4" in canonical and "AP" in canonical
    assert "AP is a wire service" in canonical
    rows = crane.find_all("tr", "member")
    assert [r.attrs["data-ref"] for r in rows] == ["b/site.txt#0", "c/same.txt#0"]
    cells = [c.text for c in rows[0].find_all("td")]
    assert cells[:5] == ["b/site.txt:1", "Yahoo", "Crane falls in Pellmouth", "copy", "resemblance"]
    assert cells[5:] == ["0.9123", "0.9500", ""]
    assert [c.text for c in rows[1].find_all("td")][3:6] == ["exact", "exact", "1.0000"]


def test_differences_are_aligned_side_by_side_with_what_each_side_alone_holds() -> None:
    crane = groups_of(page_of(build_result()))[0]
    diffs = crane.find_all("details", "diff")
    assert [d.attrs["data-ref"] for d in diffs] == ["b/site.txt#0", "c/same.txt#0"]
    edited = diffs[0]
    assert [d.text for d in edited.find_all("del")][-1] == "a failed brake."
    assert [i.text for i in edited.find_all("ins")][-2:] == ["wind.", "Subscribe now."]
    rows = edited.find_all("table", "sbs")[0].find_all("tbody")[0].find_all("tr")
    # The paragraph only the copy has sits in the right column, next to an empty left.
    last = rows[-1].find_all("td")
    assert "blank" in last[0].classes and last[1].text == "Subscribe now."
    assert "5 words only in the canonical, 5 only in the copy" in edited.text
    same = diffs[1]
    assert not same.find_all("table") and "same words in the same order" in same.text


def test_diff_rows_pair_paragraphs_where_both_texts_break() -> None:
    spans = (
        Span("equal", "Crane falls\nNobody"),
        Span("removed", " was"),
        Span("added", " got"),
        Span("equal", " hurt\n"),
        Span("added", "Subscribe now."),
    )
    rows = diff_rows(spans)
    assert [(r.left, r.right) for r in rows] == [
        ([("equal", "Crane falls")], [("equal", "Crane falls")]),
        (
            [("equal", "Nobody"), ("removed", " was"), ("equal", " hurt")],
            [("equal", "Nobody"), ("added", " got"), ("equal", " hurt")],
        ),
        ([], [("added", "Subscribe now.")]),
    ]
    assert [r.changed for r in rows] == [False, True, True]


def test_a_paragraph_only_one_text_holds_gets_a_row_of_its_own() -> None:
    spans = (
        Span("equal", "First paragraph.\n"),
        Span("removed", "Only in the canonical.\n"),
        Span("equal", "Last paragraph."),
    )
    rows = diff_rows(spans)
    assert [(r.left, r.right) for r in rows] == [
        ([("equal", "First paragraph.")], [("equal", "First paragraph.")]),
        ([("removed", "Only in the canonical.")], []),
        ([("equal", "Last paragraph.")], [("equal", "Last paragraph.")]),
    ]


TEXTS = st.lists(
    st.sampled_from(["crane", "quay", "<b>", "&amp;", "fell", "\n", " ", "é"]), max_size=30
)


@given(TEXTS, TEXTS)
def test_each_column_holds_every_word_of_its_text_in_order(a: list[str], b: list[str]) -> None:
    first, second = " ".join(a), " ".join(b)
    table = parse_page(side_by_side(align_texts(first, second), context=0))
    rows = [row.find_all("td") for row in table.find_all("tbody")[0].find_all("tr")]
    assert " ".join(row[0].text for row in rows).split() == first.split()
    assert " ".join(row[1].text for row in rows).split() == second.split()


def test_untrusted_titles_sources_texts_and_names_are_escaped() -> None:
    hostile = "<script>alert('title')</script> & <b>bold</b>"
    body = ("<script>alert('text')</script> A body with <img src=x onerror=alert(1)>.",)
    canonical = article("dir<x>/a&b.txt", hostile, body, source='"><script>alert(2)</script>')
    copy = article("dir<x>/c.txt", hostile + " too", body)
    result = Result((Group(1, canonical, (member(copy),), hostile),), {"k": "<v>"}, Stats())
    page = page_of(result)
    assert "<script" not in page.lower() and "<img" not in page.lower() and "<b>bold" not in page
    tree = parse_page(page)
    group = groups_of(page)[0]
    assert group.find_all("div", "title")[0].text == hostile
    assert "dir<x>/a&b.txt:1-4" in group.find_all("div", "canonical")[0].text
    assert hostile + " too" in group.find_all("tr", "member")[0].text
    assert "<script>alert('text')</script>" in group.find_all("table", "sbs")[0].text
    assert tree.find_all("title")[0].text.startswith("dedup report")


def test_the_page_is_self_contained_and_forbids_loading_anything() -> None:
    page = page_of(build_result())
    tree = parse_page(page)
    policy = [m for m in tree.find_all("meta") if m.attrs.get("http-equiv")]
    assert policy[0].attrs["content"].startswith("default-src 'none'")
    assert not any(tree.find_all(tag) for tag in ("script", "link", "img", "iframe"))
    assert "http://" not in page and "https://" not in page and "@import" not in page
    assert tree.find_all("style")[0].text.strip()  # the style is inlined


def test_summary_states_figures_and_both_histograms() -> None:
    summary = parse_page(page_of(build_result())).find_all("section")[0]
    figures = [f.text for f in summary.find_all("div", "figure")]
    assert figures == [
        "12articles read",
        "3groups of copies",
        "4copies",
        "33.3%of the articles are copies",
    ]
    sizes = summary.find_all("div", "chart")[0]
    assert [s.text for s in sizes.find_all("span", "label")] == ["2", "3"]
    assert [s.text for s in sizes.find_all("span", "count")] == ["2", "1"]
    similar = summary.find_all("div", "chart")[1]
    counts = dict(
        zip(
            [s.text for s in similar.find_all("span", "label")],
            [s.text for s in similar.find_all("span", "count")],
            strict=True,
        )
    )
    assert counts["0.70–0.75"] == "1" and counts["0.90–0.95"] == "2" and counts["0.95–1.00"] == "1"
    assert sum(int(c) for c in counts.values()) == 4


def test_size_bins_group_large_groups_and_stop_at_the_largest() -> None:
    assert size_histogram([]) == []
    assert size_histogram([2, 2, 4]) == [("2", 2), ("3", 0), ("4", 1)]
    bins = dict(size_histogram([2, 12, 19, 25, 140]))
    assert (bins["9"], bins["10–19"], bins["20–49"], bins["50–99"], bins["100+"]) == (0, 2, 1, 0, 1)


def test_similarity_bins_start_at_the_lowest_copy_and_end_at_one() -> None:
    members = [member(article("x.txt", "x"), s) for s in (1.0, 0.951, 0.2, 0.62)]
    bins = dict(similarity_histogram(members))
    assert list(bins) == ["< 0.50", *(f"0.{n}–0.{n + 5}" for n in range(50, 95, 5)), "0.95–1.00"]
    assert (bins["< 0.50"], bins["0.60–0.65"], bins["0.95–1.00"]) == (1, 1, 2)
    assert list(similarity_histogram([member(article("x.txt", "x"), 0.9)])) == [
        ("0.90–0.95", 1),
        ("0.95–1.00", 0),
    ]


def test_only_the_largest_groups_get_differences_and_the_page_says_so() -> None:
    page = page_of(build_result(), diff_groups=1)
    groups = groups_of(page)
    assert [len(g.find_all("details", "diff")) for g in groups] == [2, 0, 0]
    assert "largest groups only" in groups[1].text
    note = [p for p in parse_page(page).find_all("p", "note")]
    assert "shown for the 1 largest of 3 groups" in note[0].text
    assert not parse_page(page_of(build_result())).find_all("p", "note")


def test_a_huge_group_gets_differences_for_its_first_copies_only() -> None:
    canonical = article("a.txt", "Crane topples")
    copies = tuple(member(article(f"c{n:02d}.txt", "Crane topples")) for n in range(25))
    page = page_of(Result((Group(1, canonical, copies, "first"),), {}, Stats(articles=26)))
    group = groups_of(page)[0]
    assert len(group.find_all("tr", "member")) == 25
    assert len(group.find_all("details", "diff")) == DIFFS_PER_GROUP
    assert "5 more copies without differences shown" in group.text


def test_texts_not_found_are_said_not_invented() -> None:
    page = page_of(build_result(), texts=lambda articles: {})
    assert "a/wire.txt#0 was not found again" in groups_of(page)[0].text


def test_file_texts_reads_each_wanted_article_from_its_file(tmp_path: Path) -> None:
    path = tmp_path / "story.jsonl"
    path.write_text(
        '{"title": "First", "text": "One body."}\n{"title": "Second", "text": "Two body."}\n',
        encoding="utf-8",
    )
    wanted = [Article(str(path), 1, 2, 2, "Second", (), kind="record")]
    assert file_texts(Config())(wanted) == {f"{path}#1": "Second\nTwo body."}


def test_scan_format_html_is_the_same_page() -> None:
    result = build_result()
    stream = io.StringIO()
    FORMATS["html"](result, stream, RenderOptions())
    assert stream.getvalue() == page_of(result)


def test_an_empty_result_is_a_valid_page_without_groups() -> None:
    page = page_of(Result((), {}, Stats(articles=3)))
    assert groups_of(page) == []
    assert "0 groups" in parse_page(page).find_all("title")[0].text

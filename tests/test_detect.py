"""What counts as a copy, and what must stay apart, on invented articles."""

from __future__ import annotations

import re

from newsgen import article, story

from dedup.article import Article
from dedup.config import Config
from dedup.engine.run import compare, find_duplicates


def wire(seed: int = 1, paragraphs: int = 8) -> tuple[str, list[str]]:
    title, body = story(seed, paragraphs)
    return title, [f"PORT ELSPETH (AP) — {body[0]}", *body[1:]]


def test_exact_copy_with_page_junk_appended() -> None:
    title, body = wire()
    original = article("ap.txt", title, body, source="Associated Press")
    junked = article(
        "yahoo.txt",
        title,
        [*body[:-1], body[-1] + " The Associated Press Sign in to access your portfolio"],
        source="Yahoo",
    )
    score = compare(original, junked)
    assert score.rule == "exact"


def test_trimmed_copy_is_contained() -> None:
    title, body = wire(paragraphs=12)
    score = compare(article("a.txt", title, body), article("b.txt", title, body[:7]))
    assert score.rule in {"containment", "resemblance"}
    assert score.containment_ba > 0.95


def test_restyled_and_rewrapped_copy_resembles() -> None:
    title, body = wire()
    styled = [p.replace("—", "-").replace("'", "’") for p in body]
    wrapped = [line for p in styled for line in (p[: len(p) // 2], p[len(p) // 2 :])]
    score = compare(article("a.txt", title, body), article("b.txt", title.upper(), wrapped))
    assert score.rule in {"exact", "resemblance"}


def test_headline_rewritten_and_paragraph_dropped() -> None:
    title, body = wire(paragraphs=10)
    edited = body[:4] + body[5:]
    score = compare(article("a.txt", title, body), article("b.txt", "A new headline", edited))
    assert score.is_copy


def test_independent_reports_sharing_a_quote_stay_apart() -> None:
    quote = "'We have no reason to expect a miracle,' the harbour master told reporters."
    t1, b1 = story(21)
    t2, b2 = story(22)
    score = compare(article("a.txt", t1, [*b1, quote]), article("b.txt", t2, [quote, *b2]))
    assert not score.is_copy


def test_follow_up_reusing_a_background_paragraph_stays_apart() -> None:
    t1, b1 = story(31)
    t2, b2 = story(32)
    score = compare(article("a.txt", t1, b1), article("b.txt", t2, [*b2, b1[3]]))
    assert not score.is_copy


def test_templated_notices_with_different_companies_stay_apart() -> None:
    body = ["Qtly div five cts vs five cts prior. Pay July 15. Record June 30."]
    a = article("a.txt", "HARROWGATE MILLS CO SETS QUARTERLY", body)
    b = article("b.txt", "SALTMARSH BANK AND TRUST DIVIDEND", body)
    assert not compare(a, b).is_copy


def test_recurring_story_with_new_figures_stays_apart() -> None:
    text = (
        "The Federal Reserve entered the government securities market to supply {0} billion "
        "dlrs of temporary reserves indirectly via {1} billion dlrs of customer repurchase "
        "agreements, a spokesman said. Federal funds were trading at {2} pct when the Fed "
        "began its temporary and indirect supply of reserves to the banking system, dealers "
        "said, adding that the move was widely expected by the market this morning."
    )
    a = article("a.txt", "FED ADDS RESERVES VIA CUSTOMER REPURCHASES", [text.format(1.5, 2, 6.1)])
    b = article("b.txt", "FED ADDS RESERVES VIA CUSTOMER REPURCHASES", [text.format(2.5, 3, 5.9)])
    score = compare(a, b)
    assert score.similarity > 0.9
    assert not score.is_copy
    assert "numbers" in score.reason


def test_groups_do_not_chain() -> None:
    # b is a's first half plus c's first half; a~b and b~c hold, a and c differ. These
    # invented stories share stock phrases (17% of c's shingles are in a, far more than
    # unrelated real news shares), so the chain guard is set above that.
    ta, ba = story(41, paragraphs=10)
    tc, bc = story(42, paragraphs=10)
    a = article("a.txt", ta, ba)
    b = article("b.txt", ta, ba[:5] + bc[:5])
    c = article("c.txt", tc, bc)
    result = find_duplicates([a, b, c], Config(containment=0.45, chain_containment=0.2))
    for group in result.groups:
        members = {group.canonical.path, *(m.article.path for m in group.copies)}
        assert not {"a.txt", "c.txt"} <= members
        for member in group.copies:
            assert member.score.is_copy or (member.link and member.link.is_copy)


def test_every_copy_is_verified_against_its_canonical() -> None:
    title, body = wire(seed=5, paragraphs=10)
    articles = [
        article("ap.txt", title, body, source="Associated Press"),
        article("local.txt", title, body[:6], source="Milbrook Gazette"),
        article("yahoo.txt", title, [*body, "Sign in to access your portfolio"], source="Yahoo"),
    ]
    (group,) = find_duplicates(articles).groups
    assert group.canonical.path == "ap.txt"
    assert {m.article.path for m in group.copies} == {"local.txt", "yahoo.txt"}
    assert all(m.score.is_copy for m in group.copies)


NAV = [
    "Home News Valley Towns Farming Business Sport Rugby Arts What's On Homes Motors",
    "Subscribe to the Riverside Courier for unlimited access to local news, puzzles, the "
    "e-edition and our weekend magazine, delivered to your inbox every Saturday morning",
    "Most read: council tax rise approved; new bypass opens; rugby club wins the cup final; "
    "pub quiz returns to the old mill; bakery celebrates one hundred years on Market Street",
    "About us Contact Advertise Careers Terms Privacy Cookie settings Accessibility "
    "Corrections Complaints Newsletters Podcasts Events Shop Puzzles Obituaries Weather",
]


def page(seed: int, path: str) -> Article:
    """A saved page: site navigation around a short story that mentions no figures."""
    title, body = story(seed, paragraphs=1, sentences=2)
    body = [re.sub(r"\d+", "many", p) for p in body]
    return article(path, title, [NAV[0], *body, *NAV[1:]])


def test_site_navigation_learned_from_the_corpus_does_not_join_pages() -> None:
    pages = [page(seed, f"site/{seed}.html.txt") for seed in range(60, 66)]
    copy = page(62, "mirror/62.txt")
    result = find_duplicates([*pages, copy])
    assert [(g.canonical.path, [m.article.path for m in g.copies]) for g in result.groups] == [
        ("mirror/62.txt", ["site/62.html.txt"])
    ]
    assert result.stats.boilerplate_lines == len(NAV)
    # Without corpus-learned boilerplate, the navigation alone makes the pages look alike.
    assert (
        compare(pages[0], pages[1]).similarity
        > compare(
            article("a", pages[0].title, list(pages[0].body[1:3])),
            article("b", pages[1].title, list(pages[1].body[1:3])),
        ).similarity
    )


def test_number_formatting_is_not_a_changed_figure() -> None:
    title, body = wire(seed=7)
    first = [*body[:-1], "About 2,000 people were evacuated by 9:40 p.m. on Sunday."]
    second = [*body[:-1], "About 2000 people were evacuated by 2140 on Sunday."]
    score = compare(article("a.txt", title, first), article("b.txt", title, second))
    assert score.rule == "resemblance"
    assert score.number_overlap == 1.0


def test_a_long_story_with_one_updated_figure_is_a_version() -> None:
    title, body = wire(seed=8, paragraphs=4)
    body = [re.sub(r"\d+", "several", p) for p in body]  # the toll is the one figure
    early = [*body, "The death toll rose to 12 on Monday, officials said."]
    later = [*body, "The death toll rose to 19 on Monday, officials said."]
    score = compare(article("a.txt", title, early), article("b.txt", title, later))
    assert score.rule == "version"
    assert "1 figure(s) updated" in score.reason


def test_a_write_through_with_new_top_paragraphs_is_a_version() -> None:
    title, body = wire(seed=9, paragraphs=8)
    _, news = story(90, paragraphs=3)
    early = article("early.txt", title, body[:6])
    later = article("later.txt", "Updated: " + title, [*news, *body[:3], *body[5:]])
    score = compare(early, later)
    assert score.rule == "version"
    assert score.containment < 0.75 and score.similarity < 0.85  # no copy rule holds


def test_a_short_retransmission_with_a_corrected_headline_is_a_copy() -> None:
    body = ["Qtly div five cts vs five cts prior. Pay July 15. Record June 30."]
    typo = article("a.txt", "SVEECO INSTRUMENTS INC SETS QUARTERLY", body)
    fixed = article("b.txt", "VEECO INSTRUMENTS INC SETS QUARTERLY", body)
    assert compare(typo, fixed).is_copy


def test_one_group_per_story_joins_versions_through_each_other() -> None:
    """The first and last versions share little; each verifies with the one in between."""
    title, body = wire(seed=11, paragraphs=9)
    _, news = story(110, paragraphs=3)
    first = article("v1.txt", title, body[:6], source="Associated Press")
    middle = article("v2.txt", title, body[:9], source="Milbrook Gazette")
    last = article("v3.txt", title, [*news, *body[3:9]], source="Harrowgate Post")
    result = find_duplicates([first, middle, last])
    (group,) = result.groups
    assert group.size == 3
    joined = {m.article.path: m for m in group.copies}
    assert {m.relation for m in joined.values()} <= {"copy", "version"}
    for member in joined.values():
        via = member.via.path if member.via else group.canonical.path
        assert via in {"v1.txt", "v2.txt", "v3.txt"} and via != member.article.path
    strict = find_duplicates([first, middle, last], Config(grouping="copies"))
    assert all(m.relation != "version" or m.via is None for g in strict.groups for m in g.copies)
    assert all(m.score.is_copy for g in strict.groups for m in g.copies)


def test_paragraphs_that_copies_of_one_story_share_are_never_boilerplate() -> None:
    """Fifteen reprints of one wire story in five versions, each version with another longest
    paragraph: what they share is the story, and it stays in comparison."""
    title, body = wire(seed=12, paragraphs=6)
    _, extra = story(120, paragraphs=5, sentences=6)  # each version adds one long paragraph
    versions = [[*body, extra[k]] for k in range(5)]
    reprints = [
        article(f"site{n}.txt", title, versions[n % 5], source=f"Outlet {n}") for n in range(15)
    ]
    others = [article(f"other{n}.txt", *story(200 + n)) for n in range(6)]
    result = find_duplicates([*reprints, *others])
    assert result.stats.boilerplate_lines == 0
    (group,) = result.groups
    assert group.size == 15


def test_a_follow_up_under_another_headline_with_new_figures_stays_apart() -> None:
    """The same background under a new lede with other figures: an update when the headline
    stays, the next day's news when the headline says something else."""
    title, body = wire(seed=13, paragraphs=7)
    body = [re.sub(r"\d+", "several", p) for p in body]
    early = ["Talks opened with 40 delegates and 3 proposals on the table.", *body]
    later = ["Talks stalled after 12 delegates walked out over 5 new demands.", *body]
    same = compare(article("a.txt", title, early), article("b.txt", title, later))
    assert same.is_copy
    other = compare(
        article("a.txt", title, early), article("b.txt", "Stalemate as walkout hits talks", later)
    )
    assert not other.is_copy


def test_articles_handed_in_with_lone_surrogates_are_mended_and_named() -> None:
    # A lone surrogate (what a stray "\ud800" escape decodes to) has no UTF-8; the library
    # replaces it, as the readers do, and tells the caller which article held one.
    title, body = wire(seed=7)
    broken = [body[0].replace(" ", " \ud800 ", 1), *body[1:]]
    original = article("ap.txt", title, broken, source="Associated Press")
    copy = article("local.txt", title, broken[:6], source="Milbrook \udfff Gazette")
    other_title, other_body = story(8, paragraphs=8)
    warnings: list[str] = []

    result = find_duplicates(
        [original, copy, article("other.txt", other_title, other_body)],
        on_warning=lambda exc: warnings.append(str(exc)),
    )

    (group,) = result.groups
    assert [group.canonical.path, *(m.article.path for m in group.copies)] == [
        "ap.txt",
        "local.txt",
    ]
    assert "\ufffd" in group.canonical.body[0]
    assert group.copies[0].article.source == "Milbrook \ufffd Gazette"
    assert len(warnings) == 2
    assert all("replaced with U+FFFD" in w for w in warnings)
    assert [w.split(":")[0] for w in warnings] == ["ap.txt", "local.txt"]
    assert compare(original, copy).is_copy

"""pagetext keeps every paragraph of clean articles and only the article of whole pages.

Every text here is invented: places, people, outlets and sites do not exist.
Page lines are marked ``A|`` (article text: must be kept), ``C|`` (chrome: should be
dropped) or ``X|`` (either way, such as a photo caption inside the article).
"""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dedup.config import Config
from dedup.engine.run import find_duplicates
from dedup.read.files import read_articles
from dedup.read.pagetext import article_paragraphs, looks_like_page, reduce_page

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

WIRE = [
    "SALTMARSH, England (Newswire) - The harbour authority in Saltmarsh approved a plan on "
    "Tuesday to widen the coastal road, ending a two-year dispute with local fishermen.",
    "The vote passed 7-2.",
    "Officials said work would start in March and cost about 14 million pounds.",
    "Fishermen had argued that the wider road would cut off access to the old slipway, "
    "which they use to land their catch in winter.",
    '"We were not consulted," said Osric Fell, who chairs the local fishing cooperative.',
    "The ministry did not respond to a request for comment.",
    "Shares in Vandermeer Construction, which is expected to bid for the work, rose 3.1%.",
    "(Reporting by Ilsa Marrow; Editing by Tobin Vance)",
]

FEATURE = [
    "On a grey morning in Coldwater Reach, the ferry is late again. Passengers huddle under "
    "the corrugated roof of the waiting room, checking their phones and glancing at the "
    "water, where the old boat is still tied up at the far pier with its engine cover open "
    "and two mechanics leaning over it. Nobody seems surprised; this has happened before.",
    "The crossing has run for more than a century, and for most of that time it was the only "
    "way to reach the island without a long detour through the hills. Families planned their "
    "weeks around its timetable. Children went to school on it, and the doctor came over on "
    "it twice a week, carrying his bag up the ramp in all weathers.",
    "Now the county wants to replace it with a bridge. Supporters say the bridge would end "
    "the delays for good and bring new visitors to the island's few shops and guesthouses. "
    "Critics say it would change the place beyond recognition, and that the money would be "
    "better spent on a new boat.",
    "Juno Barrow has lived on the island for forty years and runs the small bakery near the "
    "landing. She has watched the arguments go back and forth at every public meeting, and she "
    'is tired of them. "Everyone has an opinion," she said. "Nobody has a plan that we can '
    'actually afford, and in the meantime the boat keeps breaking down."',
    "The county will publish its final report in the spring, after which the council is "
    "expected to vote. Until then, the ferry will keep running, when it can, and the "
    "passengers will keep waiting under the corrugated roof.",
]

FRENCH = [
    "Le conseil municipal de Port-Elspeth a adopté mardi soir un projet de rénovation du "
    "vieux marché couvert, après plus de trois heures de débat.",
    "Le projet prévoit de remplacer la toiture, de refaire les installations électriques et "
    "d'ouvrir une nouvelle entrée sur la place de la Gare. Les travaux doivent commencer à "
    "l'automne et durer environ dix-huit mois.",
    "Selon la mairie, le coût total s'élève à 4,2 millions d'euros, dont une partie sera "
    "financée par la région.",
    "Les commerçants, qui devront déménager pendant les travaux, restent inquiets. « Nous ne "
    "savons toujours pas où nous serons installés », a déclaré une fleuriste.",
    "Le maire a promis une réunion publique avant la fin du mois.",
]

GERMAN = [
    "Der Stadtrat von Milbrook hat am Dienstag beschlossen, die alte Mühle am Fluss zu "
    "verkaufen. Für den Verkauf stimmten 21 Mitglieder, dagegen 14.",
    "Die Mühle steht seit mehr als zehn Jahren leer. Ein Investor will das Gebäude zu "
    "Wohnungen umbauen und im Erdgeschoss ein Café eröffnen.",
    "Anwohner hatten sich in einer Petition für den Erhalt als Kulturzentrum eingesetzt. Sie "
    "sammelten nach eigenen Angaben mehr als 3000 Unterschriften.",
    "Die Stadt will mit dem Erlös die Sanierung der Grundschule bezahlen.",
    "Eine Sprecherin des Investors sagte, man sei mit dem Ergebnis zufrieden.",
]

POLISH = [
    "Rada miasta Harrowgate zatwierdziła w czwartek nowy plan budowy ścieżek rowerowych, "
    "które mają połączyć centrum z dworcem kolejowym i szpitalem.",
    "Koszt inwestycji oszacowano na około dwanaście milionów złotych. Prace mają potrwać dwa "
    "lata i rozpocząć się jeszcze tej jesieni.",
    "Mieszkańcy, z którymi rozmawialiśmy, przyjęli decyzję z ulgą.",
    "Przeciwnicy projektu twierdzą jednak, że miasto powinno najpierw naprawić istniejące "
    "drogi, zanim zacznie budować nowe.",
]

CAPTIONED = [
    "Residents of Milbrook queued for more than an hour on Saturday to see the restored "
    "clock tower, which reopened after three years of repairs.",
    "The volunteers who restored the clock tower, pictured on Friday. Photo: Perpetua Lind",
    "The tower's mechanism had stopped in a storm, and the town council had twice voted "
    "against paying for the repairs before a local charity raised the money itself.",
    "Read more: Milbrook council approves budget for flood defences",
    'Quill Ashdown, who led the appeal, said the reopening was "the best day the town has '
    'had in years". The charity now hopes to restore the bandstand in the park.',
    "Visitors can climb the tower on weekends until the end of October.",
]

LISTED = [
    "The county council met on Tuesday and spent most of the evening on next year's budget, "
    "which has grown by a fifth in two years.",
    "What the budget pays for",
    "• More money for the harbour wall",
    "• A new roof for the primary school",
    "• Cheaper parking in winter",
    "• Two more buses on the coast route",
    "Councillors from the opposition said the plan relied on a sale of land that had not yet "
    "been agreed, and asked for a second vote in the spring.",
    "What happens next",
    "The budget goes to a public consultation until the end of April.",
]

CLEAN = {
    "wire": WIRE,
    "feature": FEATURE,
    "french": FRENCH,
    "german": GERMAN,
    "polish": POLISH,
    "captioned": CAPTIONED,
    "listed": LISTED,
}

BROADSHEET = """\
C|Skip to main content
C|The Saltmarsh Courier
C|Home
C|News
C|World
C|Business
C|Sport
C|Opinion
C|Sign in
C|Subscribe
C|Business > Transport
C|By Ilsa Marrow
C|Published 3 hours ago
C|Share this article
C|Facebook
C|Twitter
C|Email
A|SALTMARSH - The harbour authority in Saltmarsh approved a plan on Tuesday to widen the \
coastal road, ending a two-year dispute with local fishermen over access to the old slipway.
A|The vote passed 7-2.
A|Officials said work would start in March and cost about 14 million pounds, most of it \
paid for by the national roads fund.
C|Advertisement
A|Fishermen had argued that the wider road would cut off access to the slipway, which they \
use to land their catch in winter, and said they would appeal.
A|"We were not consulted," said Osric Fell, who chairs the fishing cooperative.
A|The ministry did not respond to a request for comment.
C|Sign up for our daily newsletter to get the top stories in your inbox.
C|Enter your email address
C|Sign up
C|Most read
C|Council rejects plan for new night flights
C|Milbrook clock tower reopens after three years
C|Rail union announces strike ballot
C|Water board warns of summer shortages
C|Port Elspeth market to close for repairs
C|42 comments
C|Jane Harrow
C|2 hours ago
C|About time they sorted that road out.
C|Reply
C|Tom Fisher
C|1 hour ago
C|Nobody asked the fishermen, as usual.
C|Reply
C|About us
C|Contact us
C|Terms of use
C|Privacy policy
C|Cookie settings
C|© 2024 Saltmarsh Courier Media Ltd. All rights reserved.
"""

PORTAL = """\
C|We use cookies to improve your experience on our site and to show you relevant \
advertising. By continuing to browse, you agree to our use of cookies.
C|Accept all cookies
C|Manage settings
C|Coldwater Today | News | Sport | What's On | Jobs | Property | Contact
C|Search
C|Menu
C|News
C|Local News
X|The ferry crossing that nobody can agree on
C|Juno Barrow
C|Monday 4 March 2024, 7:15am
A|On a grey morning in Coldwater Reach, the ferry is late again. Passengers huddle under \
the corrugated roof of the waiting room, checking their phones and glancing at the water, \
where the old boat is still tied up at the far pier with its engine cover open.
A|The crossing has run for more than a century, and for most of that time it was the only \
way to reach the island without a long detour through the hills. Families planned their \
weeks around its timetable, and children went to school on it.
X|The ferry waiting at the far pier in Coldwater Reach
A|Now the county wants to replace it with a bridge. Supporters say the bridge would end the \
delays for good; critics say it would change the place beyond recognition, and that the \
money would be better spent on a new boat.
A|The county will publish its final report in the spring, after which the council is \
expected to vote.
C|Related stories
C|Bridge plan goes to public consultation
C|Ferry cancelled for third day running
C|Island bakery wins regional award
C|Tags
C|Transport • Coldwater Reach • County Council • Ferries
C|Download the Coldwater Today app
C|Follow us
C|Facebook
C|Instagram
C|Advertise with us | Contact us | Privacy notice | Terms and conditions
C|Copyright 2024 Coldwater Today. All rights reserved.
"""

MAGAZINE = """\
C|Sign in
C|Subscribe
C|Menu
C|The Milbrook Review
C|Culture
C|Books
C|Ideas
C|Long reads
C|Podcasts
A|Residents of Milbrook queued for more than an hour on Saturday to see the restored clock \
tower, which reopened after three years of repairs and a long fight over who should pay.
X|The volunteers who restored the clock tower, pictured on Friday
A|The tower's mechanism had stopped in a storm, and the town council had twice voted against \
paying for the repairs before a local charity raised the money itself, mostly in small \
donations from people who had grown up hearing the bell.
X|How the money was raised
A|Quill Ashdown, who led the appeal, said the reopening was "the best day the town has had \
in years". The charity now hopes to restore the bandstand in the park.
A|Is it worth it? Most people here seem to think so.
A|Visitors can climb the tower on weekends until the end of October.
C|Share
C|Copy link
C|WhatsApp
C|You might also like
C|Why do small towns love their clocks?
C|The last bell foundry in the county
C|A walk along the old canal
C|Comments (3)
C|Marta K
C|I grew up in Milbrook and I remember the bell ringing every hour when I walked home from \
school. It is wonderful to hear that it works again, and I hope the bandstand follows soon, \
because the park has looked sad for far too long.
C|Like
C|Reply
C|Pete_1984
C|Good on the volunteers. The council should be ashamed that it took a charity to do this, \
and I will be asking my councillor at the next meeting why the money was never found.
C|Like
C|Reply
C|Load more comments
C|Newsletters
C|Our weekly newsletter brings you the best of the Review every Friday.
C|About us | Contact | Careers | Privacy | Terms
C|© The Milbrook Review 2024
"""

TAGESZEITUNG = """\
C|Zum Inhalt springen
C|Startseite
C|Politik
C|Wirtschaft
C|Kultur
C|Sport
C|Anmelden
A|Der Stadtrat von Milbrook hat am Dienstag beschlossen, die alte Mühle am Fluss zu \
verkaufen. Für den Verkauf stimmten 21 Mitglieder, dagegen 14.
A|Die Mühle steht seit mehr als zehn Jahren leer. Ein Investor will das Gebäude zu \
Wohnungen umbauen und im Erdgeschoss ein Café eröffnen.
C|Anzeige
A|Anwohner hatten sich in einer Petition für den Erhalt als Kulturzentrum eingesetzt.
A|Die Stadt will mit dem Erlös die Sanierung der Grundschule bezahlen.
C|Artikel teilen
C|Facebook
C|Twitter
C|E-Mail
C|Meistgelesen
C|Neue Buslinie ab Juni
C|Hochwasser: Deiche werden erhöht
C|Bäckerei schließt nach 80 Jahren
C|Impressum | Datenschutz | Kontakt
C|© 2024 Milbrook Zeitung
"""

WIRE_SERVICE = """\
C|Skip to content
C|Newswire
C|World | Business | Markets | Sustainability | Legal | Technology
C|My News
C|Sign In
C|Register
C|Markets
C|2 minute read
C|March 5, 2024 10:42 AM UTC
C|Updated 3 hours ago
A|SALTMARSH, England, March 5 (Newswire) - The harbour authority in Saltmarsh approved a \
plan on Tuesday to widen the coastal road.
A|The vote passed 7-2.
A|Officials said work would start in March.
A|"We were not consulted," said Osric Fell.
X|(Reporting by Ilsa Marrow; Editing by Tobin Vance)
C|Our Standards: The Newswire Trust Principles.
C|Acquire Licensing Rights, opens new tab
C|Read Next
C|World
C|1. Council rejects plan for new night flights
C|2. Will the rail strike go ahead?
C|3. Water board warns of summer shortages
C|Site Index
C|Browse
C|World
C|Business
C|About Newswire
C|Careers
C|© 2024 Newswire. All rights reserved
"""

BLOG = """\
C|Menu
C|Search
C|The Vandermeer Post
A|Juno Barrow has lived on the island for forty years and runs the small bakery near the \
landing. She has watched the arguments go back and forth at every public meeting, and she is \
tired of them.
A|"Everyone has an opinion," she said.
C|Most popular
C|Is this the end of cheap ferry tickets?
C|Why the island's bakery is closing early this winter
C|What we know about the new bridge so far
C|Comments
C|Harbourfan
C|I have taken that ferry every week for twenty years and I have never once seen it leave \
on time, so I am not sure what all the fuss is about, frankly. Build the bridge and be done \
with it, I say, because the boat is falling apart.
C|Reply
C|Islander22
C|The bridge would ruin the island. The county has never cared about the people who \
actually live here and this is just the latest proof of it, if anyone still needed it after \
the school closure last year.
C|Reply
C|Privacy | Terms | Contact
C|© Vandermeer Post
"""

PAGES = {
    "broadsheet": BROADSHEET,
    "portal": PORTAL,
    "magazine": MAGAZINE,
    "tageszeitung": TAGESZEITUNG,
    "wire service": WIRE_SERVICE,
    "blog": BLOG,
}


def _parse(page: str) -> tuple[list[str], list[str]]:
    labels, texts = zip(*(line.split("|", 1) for line in page.splitlines()), strict=True)
    return list(labels), list(texts)


def _measure(page: str) -> tuple[float, float]:
    """Share of article paragraphs kept and share of chrome paragraphs dropped."""
    labels, texts = _parse(page)
    keep = article_paragraphs(texts)
    article = [kept for label, kept in zip(labels, keep, strict=True) if label == "A"]
    chrome = [not kept for label, kept in zip(labels, keep, strict=True) if label == "C"]
    return sum(article) / len(article), sum(chrome) / len(chrome)


def test_clean_articles_keep_every_paragraph() -> None:
    for name, paragraphs in CLEAN.items():
        assert not looks_like_page(paragraphs), name
        assert article_paragraphs(paragraphs) == [True] * len(paragraphs), name


def test_pages_are_pages() -> None:
    for name, page in PAGES.items():
        assert looks_like_page(_parse(page)[1]), name


def test_pages_keep_the_article_and_drop_chrome() -> None:
    for name, page in PAGES.items():
        kept, dropped = _measure(page)
        assert kept == 1.0, name
        assert dropped >= 0.9, (name, dropped)


def test_empty_and_tiny_texts() -> None:
    assert article_paragraphs([]) == []
    assert not looks_like_page([])
    assert article_paragraphs(["", " "]) == [True, True]


DUMP_CHROME = ["Hashtags", "Try Our AI Features", "Explore what Newsdeck AI can do for you:"]
DUMP_CHROME += ["Comments", "No comments yet...", "Related Articles"]
#: Chrome lines of every page but the long reader comments (prose, as good as an article's).
CHROME_LINES = DUMP_CHROME + [
    text
    for page in PAGES.values()
    for label, text in zip(*_parse(page), strict=True)
    if label == "C" and (len(text) < 150 or "cookies" in text)
]
PROSE = [p for p in WIRE + FEATURE + CAPTIONED if not p.startswith(("(", "Read", "The vol"))]
LONG_PROSE = [p for p in PROSE if len(p) >= 120]


@SETTINGS
@given(st.lists(st.text(max_size=80), max_size=40))
def test_any_text_gives_one_bool_per_paragraph(paragraphs: list[str]) -> None:
    keep = article_paragraphs(paragraphs)
    assert len(keep) == len(paragraphs)
    assert all(isinstance(kept, bool) for kept in keep)
    if not looks_like_page(paragraphs):
        assert all(keep)


@SETTINGS
@given(
    st.sampled_from(LONG_PROSE),
    st.lists(st.sampled_from(PROSE), max_size=10),
    st.integers(min_value=0, max_value=10),
    st.lists(st.sampled_from(CHROME_LINES), max_size=40),
    st.lists(st.sampled_from(CHROME_LINES), max_size=15),
)
def test_chrome_around_an_article_keeps_the_article(
    lead: str, body: list[str], at: int, after: list[str], before: list[str]
) -> None:
    article = [*body[:at], lead, *body[at:]]
    keep = article_paragraphs([*before, *article, *after])
    assert all(keep[len(before) : len(before) + len(article)])


def _with_headline(page: str, headline: str) -> list[str]:
    texts = _parse(page)[1]
    at = texts.index("By Ilsa Marrow")
    return [*texts[:at], headline, *texts[at:]]


def test_a_page_is_reduced_to_its_headline_and_article() -> None:
    headline = "Saltmarsh votes to widen coastal road"
    lines = _with_headline(BROADSHEET, headline)
    reduced = reduce_page(lines[0], lines[1:])
    assert reduced is not None
    title, paragraphs = reduced
    assert title == headline
    labels, texts = _parse(BROADSHEET)
    assert paragraphs == [t for label, t in zip(labels, texts, strict=True) if label == "A"]


def test_clean_articles_are_not_reduced() -> None:
    for name, paragraphs in CLEAN.items():
        assert reduce_page("A headline", paragraphs) is None, name


def test_a_saved_page_and_a_clean_copy_of_its_article_are_one_group(tmp_path: Path) -> None:
    """End to end: the page's menus, comments and footer do not keep the copies apart, and
    a page of the same site about another story stays apart from both."""
    lines = _with_headline(BROADSHEET, "Saltmarsh votes to widen coastal road")
    (tmp_path / "page.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    labels, texts = _parse(BROADSHEET)
    article = [t for label, t in zip(labels, texts, strict=True) if label == "A"]
    clean = ["Coastal road to be widened after harbour vote", *article]
    (tmp_path / "clean.txt").write_text("\n".join(clean) + "\n", encoding="utf-8")
    other = [line for line in lines if line not in article]
    at = other.index("By Ilsa Marrow") + 6
    other[at:at] = FEATURE
    other[other.index("Saltmarsh votes to widen coastal road")] = "Ferry crossing faces the axe"
    (tmp_path / "other.txt").write_text("\n".join(other) + "\n", encoding="utf-8")
    config = Config(cache=False)
    result = find_duplicates(read_articles([str(tmp_path)], config), config)
    assert [
        sorted([g.canonical.path, *(m.article.path for m in g.copies)]) for g in result.groups
    ] == [[str(tmp_path / "clean.txt"), str(tmp_path / "page.txt")]]

"""Invented news sites for the syndication benchmark: their chrome and local additions.

``SITES`` holds 30 sites, each with fixed chrome built from the word lists below by a
fixed seed: a navigation menu, section lists, share widgets, ad slots, a "most read"
heading, a newsletter promo, a cookie notice, a footer, comment threads. A site's chrome
recurs on every page it prints. ``render_page`` wraps an article in it, as the visible
text of the saved page. All the text here was written for this benchmark.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass

from corpus_gen import Block

_TOWNS = (
    "Harlow Bay", "Northgate", "Riverside", "Kestrel Falls", "Ashcombe", "Millbrook",
    "Port Averly", "Greystone", "Elmridge", "Saltmarsh", "Corrin Valley", "Westfold",
    "Brackenridge", "Lowmoor", "Fairhaven", "Oakhurst", "Dunmore", "Stillwater", "Redcliff",
    "Thornbury", "Gallow Cross", "Pennock", "Brightwater", "Marlow Island", "Halden",
    "Coldharbour",
)  # fmt: skip
_MASTHEADS = (
    "Gazette", "Herald", "Post", "Courier", "Sentinel", "Echo", "Chronicle", "Advertiser",
    "Times", "Mercury", "Observer", "Express", "Star", "Record", "Argus", "Journal",
)  # fmt: skip
_PORTALS = ("Headline Hub", "The Morning Wire", "Metro Digest", "NewsPulse Daily")
_NAV = (
    "Home", "News", "Local", "UK", "US", "World", "Business", "Money", "Markets", "Tech",
    "Science", "Health", "Sport", "Football", "Cricket", "Rugby", "Tennis", "Opinion",
    "Politics", "Culture", "Entertainment", "Lifestyle", "Travel", "Weather", "Video",
    "Podcasts", "Puzzles", "Obituaries", "Jobs", "Property", "Motors", "Events", "Contact",
)  # fmt: skip
_SECTION_LISTS = (
    ("In the news", "Council budget", "Bypass plans", "School places", "Flood defences"),
    ("Topics", "Crime", "Courts", "Transport", "Education", "Housing", "Environment"),
    ("More sections", "Business news", "Farming", "Property guide", "What's on", "Letters"),
    ("Sections", "Breaking news", "Local heroes", "Nostalgia", "Family notices", "Travel"),
)
_SHARE = (
    ("Share this article", "Facebook", "Twitter", "Email"),
    ("Share", "Facebook", "X", "WhatsApp", "Copy link"),
    ("Share this story", "Facebook", "Twitter", "LinkedIn", "Email", "Print"),
    ("Share on Facebook", "Share on X", "Share by email"),
)
_ADS = (
    "Advertisement",
    "ADVERTISEMENT",
    "Story continues below advertisement",
    "Sponsored content",
)
_MOST_READ = ("Most read", "Most popular", "Trending now", "Readers' favourites", "Top stories")
_RELATED = ("Related stories", "More on this story", "You may also like", "")
_PROMOS = (
    "Sign up for the morning briefing from {name}: the top stories in your inbox before 7am.",
    "Get our newsletter. Local news, sport and what's on from {name}, free every weekday.",
    "Never miss a story: join {readers} readers who get our daily email.",
    "Breaking news from {town}, straight to your inbox. Sign up to our free alerts today.",
)
_COOKIES = (
    "We use cookies to improve your experience of our site. By continuing to browse you "
    "agree to our use of cookies.",
    "This site uses cookies and similar technologies to personalise content and ads and to "
    "analyse our traffic. You can change your choices at any time.",
    "Your privacy matters to us. We and our partners store and access information on your "
    "device to measure audiences and show relevant advertising.",
)
_COOKIE_BUTTONS = (("Accept all", "Manage preferences"), ("I agree", "More options"), ("OK",))
_FOOTERS = (
    ("About us", "Contact us", "Advertise with us", "Privacy policy", "Terms of use"),
    ("Help", "Careers", "Cookie settings", "Accessibility", "Site map", "Complaints"),
    ("Subscribe", "E-edition", "Newsletters", "Podcasts", "Syndication", "Corrections"),
)
_COMMENTS = (
    "Terrible news. Thoughts with everyone affected.",
    "Why is nobody asking the obvious question here?",
    "Same story every year and nothing changes.",
    "Good to see this finally getting some attention.",
    "I'll believe it when I see it.",
    "Who is going to pay for all this?",
    "Well written article, thank you.",
    "This is exactly what I said would happen.",
    "Not surprised in the slightest.",
    "Can anyone explain what this actually means for ordinary people?",
    "About time too.",
    "The comments on here never fail to amaze me.",
    "My neighbour was saying the same thing last week.",
    "Let's wait for the full facts before jumping to conclusions.",
    "Shocking. Absolutely shocking.",
    "Great news for the area at last.",
)
_HANDLES = (
    "riverwatcher", "old_sparky", "ChrisP", "dogwalker", "Margaret_H", "localLad",
    "bluebell", "TheRealDave", "quietobserver", "Sue from Ashcombe", "kestrel_fan", "JT",
)  # fmt: skip
_REPORTERS = (
    "Alex Marsh", "Priya Cole", "Tom Ferris", "Hannah Ode", "Owen Prakash", "Lucy Brennan",
    "Sam Whitlow", "Nadia Rowe", "Joe Castellan", "Erin Mbeki",
)  # fmt: skip
_PHOTOGRAPHERS = ("Dan Kiernan", "Maya Lund", "Rob Eckert", "Ines Varga", "Paul Osei")
_AGENCIES = ("PA Wire", "Getty Images", "AFP", "Reuters", "AP", "Staff photo")
_CAPTIONS = (
    "{name} speaks to reporters on {day}. - {photographer}/{agency}",
    "Photo: {name} pictured earlier this week. ({agency})",
    "{name} arrives for the meeting on {day}. Photograph: {photographer}/{agency}",
    "Image caption: {name} at the scene on {day}",
)
_LOCAL = (
    "Readers in {town} can follow the latest on {topic} on our live page, and send us "
    "their own pictures and stories.",
    "{name} has asked {town} councillors how {topic} could affect the area and will "
    "publish their replies in tomorrow's edition.",
    "Businesses in {town} told {name} this week they were watching {topic} closely.",
    "Are you affected by {topic}? Contact our newsroom in {town} to share your story.",
)
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_PROPER = re.compile(r"\b[A-Z][a-z]+ [A-Z][a-z]{2,}\b")


@dataclass(frozen=True)
class Site:
    """One site's fixed chrome and layout habits."""

    name: str
    town: str
    nav: tuple[str, ...]
    sections: tuple[str, ...]
    share: tuple[str, ...]
    share_top: bool
    ad: str
    ad_every: int
    most_read: str
    most_read_first: bool
    related: str
    promo: str
    cookie: tuple[str, ...]
    cookie_top: bool
    footer: tuple[str, ...]
    comments: bool
    spaced: bool


def _make_site(name: str, town: str, rng: random.Random) -> Site:
    promo = rng.choice(_PROMOS).format(name=name, town=town, readers=f"{rng.randint(5, 90)},000")
    footer = (*rng.choice(_FOOTERS), f"© 2025 {name} Media Ltd. All rights reserved.")
    return Site(
        name=name,
        town=town,
        nav=(name, *rng.sample(_NAV, rng.randint(9, 18)), "Sign in", "Subscribe"),
        sections=rng.choice(_SECTION_LISTS),
        share=rng.choice(_SHARE),
        share_top=rng.random() < 0.6,
        ad=rng.choice(_ADS),
        ad_every=rng.randint(2, 5),
        most_read=rng.choice(_MOST_READ),
        most_read_first=rng.random() < 0.15,
        related=rng.choice(_RELATED),
        promo=promo,
        cookie=(rng.choice(_COOKIES), *rng.choice(_COOKIE_BUTTONS)),
        cookie_top=rng.random() < 0.5,
        footer=footer,
        comments=rng.random() < 0.6,
        spaced=rng.random() < 0.5,
    )


def _make_sites(count: int, seed: int = 2025) -> tuple[Site, ...]:
    rng = random.Random(seed)
    sites = [_make_site(name, rng.choice(_TOWNS), rng) for name in _PORTALS]
    towns = list(_TOWNS)
    rng.shuffle(towns)
    for town in towns[: count - len(sites)]:
        sites.append(_make_site(f"The {town} {rng.choice(_MASTHEADS)}", town, rng))
    return tuple(sites)


#: The sites that reprint stories, the biggest (most reprints) first.
SITES: tuple[Site, ...] = _make_sites(30)
SITE_BY_NAME: dict[str, Site] = {site.name: site for site in SITES}


def caption_for(text: str, site: Site, rng: random.Random) -> str:
    """A photo caption line naming someone the story names."""
    names = sorted(set(_PROPER.findall(text))) or ["Officials"]
    return rng.choice(_CAPTIONS).format(
        name=rng.choice(names),
        day=rng.choice(_DAYS),
        photographer=rng.choice(_PHOTOGRAPHERS),
        agency=rng.choice(_AGENCIES),
    )


def local_paragraph(title: str, site: Site, rng: random.Random) -> str:
    """A paragraph the site adds for its readers, naming its town and the story's topic."""
    topic = " ".join(re.findall(r"\w+", title.lower())[:4]) or "the story"
    return rng.choice(_LOCAL).format(town=site.town, topic=topic, name=site.name)


def _comment_thread(rng: random.Random) -> list[str]:
    count = rng.randint(0, 5)
    lines = [f"{count + rng.randint(0, 60)} comments", "Join the conversation"]
    for _ in range(count):
        handle = rng.choice(_HANDLES) + (str(rng.randint(1, 99)) if rng.random() < 0.5 else "")
        age = f"{rng.randint(2, 11)} hours ago"
        lines += [handle, age, rng.choice(_COMMENTS), "Reply"]
    return lines


def _article_lines(block: Block, site: Site, rng: random.Random) -> list[str]:
    lines = [
        block.title,
        f"By {rng.choice(_REPORTERS)}",
        f"{rng.choice(_DAYS)} {rng.randint(1, 28)} March 2025",
    ]
    if site.share_top:
        lines += site.share
    for number, paragraph in enumerate(block.paragraphs, start=1):
        lines.append(paragraph)
        if number % site.ad_every == 0 and number < len(block.paragraphs):
            lines.append(site.ad)
    if not site.share_top:
        lines += site.share
    return lines


def render_page(block: Block, site: Site, headlines: Sequence[str], rng: random.Random) -> str:
    """The visible text of ``site``'s page for ``block``; ``headlines`` fill its lists."""
    most_read = [site.most_read, *(f"{n}. {h}" for n, h in enumerate(headlines[:5], start=1))]
    cookie = list(site.cookie)
    parts: list[list[str]] = [cookie] if site.cookie_top else []
    parts.append(list(site.nav))
    if site.most_read_first:
        parts.append(most_read)
    parts.append(_article_lines(block, site, rng))
    if site.related:
        parts.append([site.related, *headlines[5:8]])
    if not site.most_read_first:
        parts.append(most_read)
    parts += [list(site.sections), [site.promo, "Enter your email", "Sign up"]]
    if site.comments:
        parts.append(_comment_thread(rng))
    parts.append(list(site.footer))
    if not site.cookie_top:
        parts.append(cookie)
    joiner = "\n\n" if site.spaced else "\n"
    return joiner.join("\n".join(part) for part in parts) + "\n"

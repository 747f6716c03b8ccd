"""Text that is never article content: aggregator chrome and page junk.

Kept as data so the splitter and the boilerplate filter share one list, and users
extend it through configuration (``extra_chrome_markers``, ``extra_junk_patterns``).
"""

from __future__ import annotations

#: Whole lines of aggregator page chrome. Matched after trimming and case folding;
#: an entry ending in ``…`` (or ``...``) matches any line that starts with it.
CHROME_MARKERS: tuple[str, ...] = (
    "Hashtags",
    "Try Our AI Features",
    "Explore what …",
    "Comments",
    "No comments yet...",
    "No comments yet",
    "Related Articles",
    "Related Stories",
    "Read more",
    "Advertisement",
    "Share this article",
    "Share",
)

#: The marker that opens a dump's related section.
RELATED_MARKERS: tuple[str, ...] = ("Related Articles", "Related Stories")

#: Chrome only an aggregator dump has besides its related section's marker (a saved web
#: page has "Share" and "Comments" too).
AGGREGATOR_MARKERS: tuple[str, ...] = (
    "Hashtags",
    "Try Our AI Features",
    "Explore what …",
    "No comments yet...",
    "No comments yet",
)

#: Chrome only an aggregator dump has.
DUMP_MARKERS: tuple[str, ...] = AGGREGATOR_MARKERS + RELATED_MARKERS

#: Regular expressions for page junk that publishers append or insert into bodies.
#: Used only when comparing texts; output always keeps the original text. They are
#: matched against normalised text (NFKC, lower case, straight quotes, "-" for dashes,
#: single spaces), one sentence at a time; start a pattern with ``^`` to anchor it at the
#: start of a sentence, and with a literal word where you can (it makes searching fast).
JUNK_PATTERNS: tuple[str, ...] = (
    r"sign in to access your portfolio",
    r"^(the )?associated press sign in to access your portfolio$",
    r"^(advertisement|ad|sponsored|skip advert)$",
    r"^(read more|read next|recommended|most read|more from .{0,40})[:.]?$",
    r"^(share|share this|share on (facebook|twitter|x)|copy link|email|print)$",
    r"^(share|email|print|save) (this|the) (story|article|page)\b.{0,200}$",
    r"^(sign up|subscribe)\b.{0,120}$",
    r"try (the )?[a-z ]{2,40} free for\b",
    r"^(photo|image|video|credit|caption)s?:? .{0,200}$",
    r" - [^.!?]{2,80}/(getty images|afp|reuters|ap|pool)[^.!?]{0,40}$",
    r"via getty images$",
    r"^copyright \d{4}\b.*$",
    r"^all rights reserved\.?$",
    r"^this (material|article) may not be published, broadcast, rewritten.*$",
    r"^(follow|contact) (us|the author|the reporter)\b.{0,120}$",
)

#: Sources whose text is an original (wire services); preferred as canonical.
WIRE_SOURCES: tuple[str, ...] = (
    "Associated Press",
    "AP",
    "Reuters",
    "AFP",
    "Agence France-Presse",
    "Bloomberg",
    "PA Media",
    "Press Association",
    "UPI",
    "dpa",
    "Kyodo",
    "Xinhua",
    "ANSA",
    "EFE",
)

#: Sources that republish others' work; never preferred over a named origin.
AGGREGATORS: tuple[str, ...] = (
    "Yahoo",
    "Yahoo News",
    "MSN",
    "Google News",
    "NewsBreak",
    "Daily8",
    "Flipboard",
    "SmartNews",
    "Ground News",
)

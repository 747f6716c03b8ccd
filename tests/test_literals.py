"""Literals every match of a pattern holds: the checks that rule text out before a search
must never rule out text the pattern matches."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dedup.literals import branch_keys, required_literals, search_hinted
from dedup.read import pagetext

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize(
    ("pattern", "literals"),
    [
        ("sign in to access your portfolio", ("sign in to access your portfolio",)),
        (r"try (the )?[a-z ]{2,40} free for\b", (" free for", "try ")),
        (r" - [^.!?]{2,80}/(getty images|afp)[^.!?]{0,40}$", ("/", " - ")),
        ("ab?c", ("a", "c")),
        ("a+b", ("b",)),
        (r"x[]a(]y\.z", ("x", "y.z")),
        (r"\(c\)\s*\d", ("(c)",)),
        (r"a\\b", ("a\\b",)),
        (r"\bfoo\.?", ("foo",)),
        (r"a\x41b", ("a", "b")),
        (r"\u00e9t\u00e9s", ("s", "t")),
        (r"(x)\1y", ("y",)),
        (r"\N{BULLET} menu", (" menu",)),
        ("ab|cd", ()),
        ("(a|b)cd", ("cd",)),
        ("(?i)abc", ()),
        ("x(?#c(d)e", ()),
        ("#{*|{{1,3}c", ()),
        ("a{b", ("b",)),
    ],
)
def test_required_literals(pattern: str, literals: tuple[str, ...]) -> None:
    assert required_literals(re.compile(pattern)) == literals


_TOKENS = st.sampled_from(
    [*"abc -/#", "?", "*", "+", "{2}", "{1,3}", "{", "}", "(", ")", "|", "^", "$", ".", "(?:"]
)
_GROUPS = st.sampled_from(
    [r"\b", r"\.", r"\(", r"\-", r"\x61", r"\u0062", "(?i:", "(?=", "[^a]", "[]a]", r"\d"]
)
_GROUPS |= st.sampled_from(["(?#x)", "(?s)"])
_TEXTS = ["", "abc", "a-b/c", "cab ba", "aab\nbcc", "# a.b", "c-/-a b", "bbb aaa ccc"]
_TEXTS += ["a(b)-c", "(c) b."]


@SETTINGS
@given(st.lists(_TOKENS | _GROUPS, min_size=1, max_size=8).map("".join))
def test_required_literals_are_in_every_match(source: str) -> None:
    try:
        pattern = re.compile(source)
    except (re.error, OverflowError):
        return
    literals = required_literals(pattern)
    for text in _TEXTS:
        for match in pattern.finditer(text):
            assert all(literal in text for literal in literals)
            if "(?=" not in source:
                assert all(literal in match.group() for literal in literals)


@SETTINGS
@given(st.lists(_TOKENS | _GROUPS, min_size=1, max_size=10).map("".join), st.booleans())
def test_every_match_holds_a_branch_key(source: str, blind: bool) -> None:
    try:
        pattern = re.compile(source, re.IGNORECASE if blind else 0)
    except (re.error, OverflowError):
        return
    keys = branch_keys(pattern)
    if keys is None:
        return
    for text in [*_TEXTS, *(t.upper() for t in _TEXTS)]:
        if pattern.search(text):
            assert any(key in text.lower() for key in keys), (source, text, keys)


_WORDS = st.sampled_from(
    [
        "Copyright 2024",
        "(C) 2019",
        "©",
        "We use cookies",
        "cookie policy",
        "Accept all cookies",
        "uses cookies",
        "Privacy Policy",
        "our partners store",
        "sign up for the",
        "Subscribe now",
        "newsletter",
        "Skip to content",
        "Story continues below",
        "share this story",
        "Report abuse",
        "join the discussion",
        "comments are closed",
        "no comments",
        "Share",
        "Log in",
        "5 minutes ago",
        "Related",
        "menu",
        "Publicité",
        "the council",
        "said",
        "cooki",
        "privac",
        "ſubscribe",
        "İ",
        "K",
        "up for the",
        " ",
        ",",
        ".",
        "1999",
    ]
)


@SETTINGS
@given(st.lists(_WORDS, min_size=1, max_size=8).map(" ".join))
def test_a_hinted_search_finds_what_the_search_finds(text: str) -> None:
    for pattern in (pagetext._CHROME, pagetext._CHROME_FRAGMENT):
        assert branch_keys(pattern) is not None
        assert search_hinted(pattern, text) == (pattern.search(text) is not None)


def test_alternatives_without_a_literal_give_no_keys() -> None:
    assert branch_keys(re.compile(r"abc|\d+")) is None
    assert branch_keys(re.compile(r"ab(c|d)|x\(y")) == ("ab", "x(y")
    assert branch_keys(re.compile("Abc|d")) is None, "keys are looked for in lower case"
    long_s = re.compile("\u017fign", re.IGNORECASE)
    assert long_s.search("SIGN") and branch_keys(long_s) is None

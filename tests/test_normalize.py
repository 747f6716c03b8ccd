from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.text.normalize import (
    _QUOTE_STYLE,
    _unify_quotes,
    fold,
    fold_paragraphs,
    normalize,
    numbers,
    repair,
    split_sentences,
    words,
)


def test_folds_what_syndication_changes() -> None:
    styled = "“We’re READY” — said the\u00a0ﬁnance  chief\n\tof   Harrowgate"
    plain = '"we\'re ready" - said the finance chief of harrowgate'
    assert normalize(styled) == plain


def test_keeps_numbers_and_names_apart() -> None:
    assert normalize("Shares rose 4.5 pct in Vandermeer") != normalize(
        "Shares rose 5.5 pct in Vandermeer"
    )
    assert numbers(normalize("Pay July 15, record June 30; 2,000 dlrs")) == {"15", "30", "2000"}


def test_repairs_mojibake() -> None:
    broken = "The mayor said â€œweâ€™re readyâ€\x9d to talk."
    assert normalize(broken) == normalize("The mayor said “we’re ready” to talk.")
    assert repair("plain text stays") == "plain text stays"


def test_sentences_respect_abbreviations_and_initials() -> None:
    text = 'Mr. Vance left. "It was late." The U.S. Treasury paid 2.5 pct. Then rain'
    assert split_sentences(text) == [
        "Mr. Vance left.",
        '"It was late."',
        "The U.S. Treasury paid 2.5 pct.",
        "Then rain",
    ]


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_normalize_is_idempotent(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_sentence_split_never_loses_a_word(text: str) -> None:
    joined = " ".join(split_sentences(text))
    assert words(joined) == words(text.strip())


#: Characters that make folding take its other paths: whitespace of every kind, quotes
#: and dashes, characters NFKC or casefold change, mojibake, "`" and "\n".
_AWKWARD = (
    "aZ09 .`'\"\n\t\x0b\x1c\x85\xa0\u2028\u3000\u200b\ufeffßİΣς\ufb01e\u0301\u0345"
    "Ã©â€”\u2019\u201c\u2014ﬀ½Ⅳ①£"
)
_PARAGRAPH = st.text(alphabet=st.sampled_from(_AWKWARD), max_size=12) | st.text(max_size=8)


@settings(max_examples=500, deadline=None)
@given(st.lists(_PARAGRAPH, max_size=6))
def test_fold_paragraphs_folds_each_paragraph(paragraphs: list[str]) -> None:
    assert fold_paragraphs(paragraphs) == [fold(repair(p)) for p in paragraphs]


#: Paragraphs as most are (words parted by single spaces), so that a few awkward ones
#: among many must be told apart from them.
_PLAIN = st.lists(st.sampled_from(["word", "Words", "2,000", "café", "“q”"]), min_size=1).map(
    " ".join
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_PLAIN | _PARAGRAPH, max_size=40))
def test_fold_paragraphs_of_many_articles_at_once_folds_each_paragraph(
    paragraphs: list[str],
) -> None:
    assert fold_paragraphs(paragraphs) == [fold(repair(p)) for p in paragraphs]


def test_fold_paragraphs_on_plain_and_awkward_spacing() -> None:
    paragraphs = ["Plain Words here.", "Two  spaces", " lead", "trail\t", "", "tab\there"]
    assert fold_paragraphs(paragraphs) == [fold(p) for p in paragraphs]
    mixed = ["“Quoted” — £5", "ASCII `tick`", "caf\u00c3\u00a9 broken", "line\nbreak"]
    assert fold_paragraphs(mixed) == [fold(repair(p)) for p in mixed]
    wide = ["£5  now", "“a” b\u3000c", " ‘lead", "trail’\t", "nbsp\u00a0 gap"]
    assert fold_paragraphs(wide) == [fold(p) for p in wide]
    for paragraph in [*paragraphs, *wide]:
        assert fold_paragraphs([paragraph, "£"]) == [fold(paragraph), "£"]
        assert fold_paragraphs([paragraph, "x"]) == [fold(paragraph), "x"]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(_AWKWARD + "‘‚‛′ʼʹ´”„‟″«»‐‑‒–―−⁃")))
def test_quote_style_is_a_translation(text: str) -> None:
    assert _unify_quotes(text) == text.translate(str.maketrans(_QUOTE_STYLE))

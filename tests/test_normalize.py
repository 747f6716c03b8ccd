from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.normalize import normalize, numbers, repair, split_sentences, words


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

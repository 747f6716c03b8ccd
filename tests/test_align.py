"""The aligned view of two texts used by ``dedup explain``."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from dedup.text.align import align_texts, condense, render_plain

STORY = (
    "Rescue crews in the hill town of Varnholt pulled two hikers from a flooded gorge "
    "on Tuesday after a night of heavy rain, the regional fire service said."
)


def test_identical_texts_are_one_shared_span() -> None:
    alignment = align_texts(STORY, STORY)
    assert [s.kind for s in alignment.spans] == ["equal"]
    assert alignment.shared_words == alignment.words_a == alignment.words_b
    assert render_plain(alignment.spans) == STORY


def test_appended_junk_is_shown_as_added() -> None:
    alignment = align_texts(STORY, STORY + " Sign in to access your portfolio")
    assert [s.text.strip() for s in alignment.added] == ["Sign in to access your portfolio"]
    assert alignment.removed == ()
    assert render_plain(alignment.spans).endswith("said. {+Sign in to access your portfolio+}")


def test_a_changed_word_is_removed_then_added() -> None:
    changed = STORY.replace("two hikers", "three hikers")
    view = render_plain(align_texts(STORY, changed).spans)
    assert "pulled [-two-] {+three+} hikers" in view


def test_whitespace_differences_are_not_differences() -> None:
    spaced = STORY.replace(" ", "  ", 3).replace("rain,", "rain,\t")
    alignment = align_texts(STORY, spaced)
    assert alignment.removed == () and alignment.added == ()


def test_paragraph_breaks_are_kept() -> None:
    first = "First paragraph here.\nSecond paragraph follows."
    view = render_plain(align_texts(first, first + "\nA third one.").spans)
    assert view.splitlines()[:2] == ["First paragraph here.", "Second paragraph follows."]
    assert view.splitlines()[2] == "{+A third one.+}"


def test_condense_keeps_context_around_changes() -> None:
    long_story = " ".join([STORY] * 4)
    alignment = align_texts(long_story, long_story + " Sign in to access your portfolio")
    spans = condense(alignment, context=5)
    view = render_plain(spans)
    assert view.startswith(" …")
    assert view.endswith("fire service said. {+Sign in to access your portfolio+}")
    assert len(view.split()) < 20
    assert condense(alignment, context=0) == alignment.spans


def test_condense_cuts_the_middle_of_a_shared_run_between_changes() -> None:
    long_story = " ".join([STORY] * 4)
    alignment = align_texts("Alpha " + long_story + " omega", "Beta " + long_story + " psi")
    view = render_plain(condense(alignment, context=3))
    assert view.startswith("[-Alpha-] {+Beta+} Rescue crews in …")
    assert view.endswith("fire service said. [-omega-] {+psi+}")


words = st.lists(st.sampled_from(["a", "b", "c", "d", "e"]), max_size=30)


@given(words, words)
def test_shared_and_removed_spans_rebuild_the_first_text(a: list[str], b: list[str]) -> None:
    alignment = align_texts(" ".join(a), " ".join(b))
    first = " ".join(s.text for s in alignment.spans if s.kind != "added").split()
    second = " ".join(s.text for s in alignment.spans if s.kind != "removed").split()
    assert first == a
    assert second == b
    assert alignment.shared_words <= min(len(a), len(b))

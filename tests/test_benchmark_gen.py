"""The benchmark's copy transformations, dump rendering and pairwise scoring."""

from __future__ import annotations

import gzip
import json
import random
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from copy_transforms import (
    JUNK_TAIL,
    STRENGTHS,
    TRANSFORMS,
    Strength,
    transform_add_sentence,
    transform_drop_paragraph,
    transform_headline,
    transform_junk,
    transform_restyle,
    transform_rewrap,
    transform_rewrite,
    transform_trim,
)
from corpus_gen import CHROME, Block, render_dump, render_jsonl, render_plain, write_dump
from scoring import count_together, group_lookup, pairs_within, score_pairs

TITLE = "Ferry service to Marlow Island resumes after storm"
PARAGRAPHS = (
    "The ferry linking Marlow Island to the mainland sailed again on Monday after a storm "
    "kept it in port for four days, the operator said.",
    'Harbour master Ines Quarry said the crossing was "calm and uneventful" and that the '
    "first boat carried 140 passengers and 31 cars.",
    "Shops on the island had run short of fresh milk and bread by the weekend. A supply "
    "barge is due on Tuesday.",
    "The operator said it would add two extra sailings on Wednesday to clear the backlog "
    "of freight - mostly building materials - waiting at the mainland quay.",
    "Forecasters expect calmer weather for the rest of the week, but warned that another "
    "band of rain could arrive on Sunday.",
)


def words(paragraphs: tuple[str, ...] | list[str]) -> int:
    return sum(len(p.split()) for p in paragraphs)


@pytest.mark.parametrize("name", sorted(TRANSFORMS))
@pytest.mark.parametrize("strength", STRENGTHS)
def test_transforms_are_reproducible_and_leave_input_alone(name: str, strength: Strength) -> None:
    paragraphs = list(PARAGRAPHS)
    first = TRANSFORMS[name](TITLE, paragraphs, random.Random(7), strength)
    second = TRANSFORMS[name](TITLE, paragraphs, random.Random(7), strength)
    assert first == second
    assert paragraphs == list(PARAGRAPHS)
    assert first[1], "a copy always keeps some text"


def test_trim_keeps_leading_paragraphs_shorter_with_strength() -> None:
    kept = [transform_trim(TITLE, PARAGRAPHS, random.Random(1), s)[1] for s in STRENGTHS]
    for body in kept:
        assert body == PARAGRAPHS[: len(body)]
    assert len(kept[0]) >= len(kept[1]) >= len(kept[2])
    assert words(kept[2]) >= 0.6 * words(PARAGRAPHS)
    assert len(kept[0]) < len(PARAGRAPHS)


def test_drop_paragraph_drops_up_to_that_many_keeping_the_lead_and_60_percent() -> None:
    dropped = []
    for strength, most in zip(STRENGTHS, (1, 2, 3), strict=True):
        _, body = transform_drop_paragraph(TITLE, PARAGRAPHS, random.Random(3), strength)
        assert 1 <= len(PARAGRAPHS) - len(body) <= most
        assert body[0] == PARAGRAPHS[0]
        assert [p for p in PARAGRAPHS if p in body] == list(body)
        assert words(body) >= 0.6 * words(PARAGRAPHS)
        dropped.append(len(PARAGRAPHS) - len(body))
    assert dropped == [1, 2, 2]


def test_junk_appends_portfolio_style_lines_and_keeps_the_story() -> None:
    _, light = transform_junk(TITLE, PARAGRAPHS, random.Random(2), "light")
    assert light[: len(PARAGRAPHS)] == PARAGRAPHS
    assert light[-1] in JUNK_TAIL
    _, heavy = transform_junk(TITLE, PARAGRAPHS, random.Random(2), "heavy")
    assert [p for p in heavy if p in PARAGRAPHS] == list(PARAGRAPHS)
    assert len(heavy) - len(PARAGRAPHS) >= 7


def test_headline_changes_only_the_title() -> None:
    titles = set()
    for strength in STRENGTHS:
        title, body = transform_headline(TITLE, PARAGRAPHS, random.Random(4), strength)
        assert body == PARAGRAPHS
        assert title != TITLE
        titles.add(title)
    assert len(titles) == 3


def test_add_sentence_adds_words_without_removing_any() -> None:
    _, body = transform_add_sentence(TITLE, PARAGRAPHS, random.Random(5), "heavy")
    joined = " ".join(body)
    assert all(p in joined for p in PARAGRAPHS)
    assert words(body) > words(PARAGRAPHS)


def test_restyle_curls_quotes_and_lengthens_dashes() -> None:
    _, light = transform_restyle(TITLE, PARAGRAPHS, random.Random(6), "light")
    assert "\u201ccalm and uneventful\u201d" in light[1]
    assert " - " in light[3]
    _, medium = transform_restyle(TITLE, PARAGRAPHS, random.Random(6), "medium")
    assert " \u2014 mostly building materials \u2014 " in medium[3]
    _, back = transform_restyle(TITLE, medium, random.Random(6), "medium")
    assert back == PARAGRAPHS


def test_rewrap_breaks_lines_but_keeps_every_word() -> None:
    _, body = transform_rewrap(TITLE, PARAGRAPHS, random.Random(8), "heavy")
    assert all(len(line) <= 40 for p in body for line in p.split("\n"))
    assert [p.split() for p in body] == [p.split() for p in PARAGRAPHS]


def test_rewrite_keeps_most_words_and_the_lead_sentence_count() -> None:
    _, body = transform_rewrite(TITLE, PARAGRAPHS, random.Random(9), "heavy")
    original = set(" ".join(PARAGRAPHS).split())
    kept = set(" ".join(body).split())
    assert len(kept & original) >= 0.6 * len(original)
    assert body != PARAGRAPHS


def test_render_dump_has_the_seed_shape() -> None:
    main = Block(TITLE, PARAGRAPHS[:2])
    related = [Block("Harbour reopens", PARAGRAPHS[2:4], "Coastal Wire", "3 hours ago")]
    lines = render_dump(main, related).split("\n")
    assert lines[:3] == [TITLE, *PARAGRAPHS[:2]]
    assert tuple(lines[3 : 3 + len(CHROME)]) == CHROME
    block = lines[lines.index("Coastal Wire") :]
    assert block[:5] == [
        "Coastal Wire",
        "3 hours ago",
        "- Coastal Wire",
        "Harbour reopens",
        " ".join(PARAGRAPHS[2:4]),
    ]


def test_write_dump_compresses_and_plain_and_jsonl_render(tmp_path: Path) -> None:
    main = Block(TITLE, PARAGRAPHS)
    written = write_dump(tmp_path / "d.txt", main, [], compress=True)
    assert written.name == "d.txt.gz"
    assert gzip.decompress(written.read_bytes()).decode() == render_dump(main, [])
    assert render_plain(main).split("\n\n")[:2] == [TITLE, PARAGRAPHS[0]]
    record = json.loads(render_jsonl([main]))
    assert record == {"title": TITLE, "text": "\n\n".join(PARAGRAPHS)}


def test_pairs_within_counts_every_pair_once() -> None:
    assert pairs_within([["a", "b", "c"], ["d"], ["e", "f"]]) == {
        ("a", "b"),
        ("a", "c"),
        ("b", "c"),
        ("e", "f"),
    }


def test_score_pairs_precision_recall_f1() -> None:
    truth = [["a", "b", "c"], ["d", "e"]]
    predicted = [["a", "b"], ["c", "d", "e"]]
    scores = score_pairs(predicted, truth)
    assert (scores.true_positives, scores.false_positives, scores.false_negatives) == (2, 2, 2)
    assert scores.precision == pytest.approx(0.5)
    assert scores.recall == pytest.approx(0.5)
    assert scores.f1 == pytest.approx(0.5)


def test_score_pairs_edge_cases() -> None:
    perfect = score_pairs([["b", "a"]], [["a", "b"]])
    assert (perfect.precision, perfect.recall, perfect.f1) == (1.0, 1.0, 1.0)
    nothing = score_pairs([], [["a", "b"]])
    assert (nothing.precision, nothing.recall, nothing.f1) == (1.0, 0.0, 0.0)


def test_count_together_per_label() -> None:
    predicted = [["a", "b", "x"], ["c", "d"]]
    labelled = [("a", "b", "trim"), ("a", "c", "trim"), ("c", "d", "junk"), ("e", "f", "junk")]
    assert count_together(predicted, labelled) == {"trim": (1, 2), "junk": (1, 2)}


def test_group_lookup_rejects_a_key_in_two_groups() -> None:
    with pytest.raises(ValueError, match="more than one group"):
        group_lookup([["a", "b"], ["b", "c"]])


def test_accuracy_skips_cleanly_without_corpora(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import accuracy

    assert accuracy.main(["--shared", str(tmp_path)]) == 0
    assert capsys.readouterr().out == f"skipped: {tmp_path / 'corpora'} not found\n"


@pytest.mark.slow
def test_labelled_corpus_is_consistent(tmp_path: Path) -> None:
    shared = Path(__file__).resolve().parents[2] / "shared"
    if not (shared / "corpora").is_dir():
        pytest.skip("../shared/corpora is not available")
    from labelled import build_plan, write_corpus

    from dedup.config import Config
    from dedup.read.files import read_articles

    truth = write_corpus(build_plan(shared, "small", 3), tmp_path, 3)
    found = {
        f"{Path(a.path).relative_to(tmp_path).as_posix()}#{a.index}"
        for a in read_articles([str(tmp_path)], Config(cache=False))
    }
    assert set(truth.keys) == found
    grouped = [key for group in truth.groups for key in group]
    assert len(grouped) == len(set(grouped))
    lookup = group_lookup(truth.groups)
    assert all(lookup.get(a, -1) != lookup.get(b, -2) for a, b, _ in truth.negative_pairs)
    assert {label for *_, label in truth.negative_pairs} == {
        "same_event",
        "background",
        "bbc_followup",
        "templated",
        "recurring",
    }
    assert {label.split("/")[0] for *_, label in truth.copy_pairs} == {
        *TRANSFORMS,
        "repeated_related",
    }


def test_word_chain_prose_only_walks_word_triples_it_was_trained_on() -> None:
    from speed_corpus import EDGE, chain_sentence, make_prose, train_chain

    sentences = [
        "The council met on Monday to discuss the harbour wall.",
        "The council said the harbour wall would be repaired by spring.",
        "Fishermen said on Monday that the wall had cracked in two places.",
    ]
    triples = set()
    for sentence in sentences:
        words = [EDGE, EDGE, *sentence.split(), EDGE]
        triples |= set(zip(words, words[1:], words[2:], strict=False))
    chain = train_chain(sentences)
    rng = random.Random(3)
    for _ in range(50):
        words = [EDGE, EDGE, *chain_sentence(chain, rng).split(), EDGE]
        assert set(zip(words, words[1:], words[2:], strict=False)) <= triples
    title, paragraphs = make_prose(chain, rng)
    assert 500 <= sum(len(p.split()) for p in paragraphs) <= 650 + 4 * 60
    assert paragraphs[0].startswith(title.split()[0])


def test_planted_corpora_hold_the_copies_they_count(tmp_path: Path) -> None:
    from speed_corpus import write_planted

    def make(rng: random.Random) -> tuple[str, list[str]]:
        words = [f"w{rng.randrange(10**9)}" for _ in range(30)]
        return words[0], [" ".join(words[:15]), " ".join(words[15:]), "closing line"]

    path, planted = write_planted(tmp_path / "c.jsonl", 400, 5, make)
    texts = [json.loads(line)["text"] for line in path.read_text().splitlines()]
    firsts = [t.split("\n\n")[0] for t in texts]
    assert len(texts) == 400
    assert planted == len(firsts) - len(set(firsts)) > 0
    assert write_planted(path, 400, 5, make) == (path, planted)  # reused, not rebuilt

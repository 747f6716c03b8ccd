"""The corpus reader: files and folders, globs, gzip, JSON Lines/JSON, stdin, bad input."""

from __future__ import annotations

import io
import json
import os
import textwrap
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from conftest import build_dump

from dedup.article import Article
from dedup.config import Config
from dedup.errors import InputError
from dedup.read.files import check_paths_exist, iter_files, read_articles
from dedup.read.walk import Found, iter_found

WriteFile = Callable[..., Path]
DUMP = build_dump(
    "Bridge reopens after repairs",
    ["The old bridge over the Tarn river reopened to traffic on Monday after a year of work."],
    [("Wire Desk", "2 hours ago", "Tram line extended", "The tram line now reaches the port.")],
)
PLAIN = "Council meets\nThe council met on Tuesday and approved the budget.\n"


def read(
    paths: Sequence[str | Path], config: Config | None = None, stdin: str | None = None
) -> tuple[list[Article], list[InputError]]:
    warnings: list[InputError] = []
    articles = list(
        read_articles(
            [str(p) for p in paths],
            config or Config(),
            on_warning=warnings.append,
            stdin=io.StringIO(stdin) if stdin is not None else None,
        )
    )
    return articles, warnings


def refs(articles: list[Article]) -> list[str]:
    return [a.ref for a in articles]


@pytest.fixture
def corpus(write_file: WriteFile, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder of mixed files; the working directory is ``tmp_path``."""
    monkeypatch.chdir(tmp_path)
    write_file("corpus/b.txt", DUMP)
    write_file("corpus/a.md", PLAIN)
    write_file("corpus/sub/c.txt.gz", DUMP, gz=True)
    write_file("corpus/notes.csv", "not,read\n")
    write_file("corpus/.git/d.txt", PLAIN)
    write_file("corpus/node_modules/e.txt", PLAIN)
    return tmp_path / "corpus"


# --- finding files ------------------------------------------------------------------


def test_folder_is_read_recursively_in_sorted_order(corpus: Path) -> None:
    articles, warnings = read(["corpus"])
    assert refs(articles) == [
        "corpus/a.md#0",
        "corpus/b.txt#0",
        "corpus/b.txt#1",
        "corpus/sub/c.txt.gz#0",
        "corpus/sub/c.txt.gz#1",
    ]
    assert warnings == []
    assert articles[3].title == "Bridge reopens after repairs"  # gzip read transparently


def test_files_and_folders_mix_in_the_given_order(corpus: Path, write_file: WriteFile) -> None:
    write_file("extra.txt", PLAIN)
    articles, _ = read(["extra.txt", "corpus/sub", "corpus/notes.csv"])
    assert [a.path for a in articles] == [
        "extra.txt",
        "corpus/sub/c.txt.gz",
        "corpus/sub/c.txt.gz",
        "corpus/notes.csv",  # named explicitly: read although *.csv is not included
    ]


def test_paths_keep_the_form_the_user_gave(corpus: Path) -> None:
    assert {a.path for a in read(["corpus/sub/"])[0]} == {"corpus/sub/c.txt.gz"}
    assert {a.path for a in read(["./corpus/sub"])[0]} == {"./corpus/sub/c.txt.gz"}
    absolute = str(corpus / "sub")
    assert {a.path for a in read([absolute])[0]} == {absolute + "/c.txt.gz"}


def test_include_and_exclude_globs(corpus: Path) -> None:
    only_md, _ = read(["corpus"], Config(include=("*.MD",)))
    assert {a.path for a in only_md} == {"corpus/a.md"}
    no_sub, _ = read(["corpus"], Config(exclude=(*Config().exclude, "sub")))
    assert {a.path for a in no_sub} == {"corpus/a.md", "corpus/b.txt"}
    by_relative_path, _ = read(["corpus"], Config(exclude=(*Config().exclude, "sub/*.gz", "b.*")))
    assert {a.path for a in by_relative_path} == {"corpus/a.md"}
    # "s*gz" matches no name, only the path sub/c.txt.gz below the folder named
    across_folders, _ = read(["corpus"], Config(exclude=(*Config().exclude, "s*gz")))
    assert {a.path for a in across_folders} == {"corpus/a.md", "corpus/b.txt"}
    with_git, _ = read(["corpus"], Config(exclude=()))
    assert "corpus/.git/d.txt" in {a.path for a in with_git}


def test_repeated_paths_give_each_article_once(corpus: Path) -> None:
    articles, _ = read(["corpus", "corpus/b.txt", "corpus/sub", "corpus", "./corpus/a.md"])
    assert len(refs(articles)) == len(set(refs(articles))) == 5


def test_hard_link_is_read_once(corpus: Path) -> None:
    os.link(corpus / "a.md", corpus / "z.md")
    assert [a.path for a in read(["corpus"])[0]].count("corpus/a.md") == 1
    assert "corpus/z.md" not in {a.path for a in read(["corpus"])[0]}


def test_symlink_loop_ends(corpus: Path) -> None:
    (corpus / "sub" / "loop").symlink_to("..", target_is_directory=True)
    (corpus / "self").symlink_to("self")
    articles, warnings = read(["corpus"])
    assert refs(articles) == refs(
        read(["corpus"], Config(exclude=(*Config().exclude, "loop", "self")))[0]
    )
    assert len(refs(articles)) == len(set(refs(articles))) == 5
    assert warnings == []


def test_link_out_of_the_root_never_duplicates(corpus: Path, write_file: WriteFile) -> None:
    outside = write_file("outside/story.txt", DUMP)
    (corpus / "linked.txt").symlink_to(outside)
    (corpus / "linked_dir").symlink_to(outside.parent, target_is_directory=True)
    articles, _ = read(["outside", "corpus"])
    assert len(refs(articles)) == len(set(refs(articles)))
    assert [a.path for a in articles].count("outside/story.txt") == 2  # main + related
    assert not any("linked" in a.path for a in articles)
    alone, _ = read(["corpus"])
    assert [a.path for a in alone].count("corpus/linked.txt") == 2  # followed, read once


def test_order_is_deterministic(corpus: Path, write_file: WriteFile) -> None:
    for name in ("q.txt", "B.txt", "m/x.txt", "a0.txt"):
        write_file(f"corpus/{name}", PLAIN)
    first = refs(read(["corpus"])[0])
    assert first == refs(read(["corpus"])[0])
    names = [ref.split("#")[0] for ref in first]
    assert names == sorted(names, key=lambda p: p.split("/"))


def test_iter_files_streams(corpus: Path) -> None:
    files = iter_files(["corpus"], Config(), lambda error: None)
    assert next(files) == "corpus/a.md"


# --- stdin ---------------------------------------------------------------------------


def test_dash_reads_paths_from_stdin(corpus: Path) -> None:
    articles, _ = read(["-"], stdin="corpus/a.md\ncorpus/sub\n\n")
    assert [a.ref for a in articles] == [
        "corpus/a.md#0",
        *(f"corpus/sub/c.txt.gz#{i}" for i in (0, 1)),
    ]


def test_dash_reads_nul_separated_paths(corpus: Path, write_file: WriteFile) -> None:
    write_file("corpus/odd name\nwith newline.txt", PLAIN)
    articles, _ = read(["-"], stdin="corpus/odd name\nwith newline.txt\0corpus/a.md\0")
    assert [a.path for a in articles] == ["corpus/odd name\nwith newline.txt", "corpus/a.md"]


def test_dash_mixes_with_paths_and_is_read_once(corpus: Path) -> None:
    articles, warnings = read(["corpus/a.md", "-", "-"], stdin="corpus/b.txt\nmissing.txt\n")
    assert [a.path for a in articles] == ["corpus/a.md", "corpus/b.txt", "corpus/b.txt"]
    assert [str(w) for w in warnings] == ["missing.txt: no such file or directory"]


# --- JSON Lines and JSON ----------------------------------------------------------------


def jsonl(*records: object) -> str:
    return "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records)


def test_jsonl_records_are_articles(corpus: Path, write_file: WriteFile) -> None:
    write_file(
        "export.jsonl",
        jsonl(
            {"title": "First", "text": "Para one.\nPara two.", "source": "Wire"},
            "",
            {"headline": "Second", "body": "Only para."},
        ),
    )
    articles, warnings = read(["export.jsonl"])
    assert warnings == []
    assert [(a.index, a.line, a.kind, a.title, a.body, a.source) for a in articles] == [
        (0, 1, "record", "First", ("Para one.", "Para two."), "Wire"),
        (1, 3, "record", "Second", ("Only para.",), None),
    ]


def test_jsonl_field_names_are_configurable(write_file: WriteFile) -> None:
    path = write_file("x.jsonl", jsonl({"name": "Custom", "story": "Told here."}))
    config = Config(title_fields=("name",), text_fields=("story",))
    assert [a.title for a in read([path], config)[0]] == ["Custom"]
    assert read([path])[0] == []


def test_bad_jsonl_lines_warn_and_reading_goes_on(write_file: WriteFile) -> None:
    path = write_file(
        "bad.jsonl.gz",
        jsonl(
            {"title": "Good", "text": "Fine."},
            "{not json",
            {"title": "No text"},
            ["a", "list"],
            {"text": "No title"},
            {"title": "Also good", "content": "Fine too."},
        ),
        gz=True,
    )
    articles, warnings = read([path])
    assert [(a.index, a.title) for a in articles] == [
        (0, "Good"),
        (4, "No title"),
        (5, "Also good"),
    ]
    messages = [str(w) for w in warnings]
    assert [(w.path, w.line) for w in warnings] == [(str(path), n) for n in (2, 3, 4)]
    assert "malformed JSON line" in messages[0]
    assert "record has no text (text, body, content: missing or blank), skipped" in messages[1]
    assert "not a JSON object" in messages[2]


@pytest.mark.parametrize("title", [None, "", "   \t ", "\n"])
def test_a_record_without_a_title_is_titled_by_its_first_line(
    write_file: WriteFile, title: str | None
) -> None:
    record: dict[str, str] = {
        "text": "\n  Harbour ferry fares rise by a fifth\nThe council "
        "voted on Tuesday.\nCommuters object.",
        "source": "Gazette",
    }
    if title is not None:
        record["title"] = title
    path = write_file("untitled.jsonl", jsonl({"title": "Titled", "text": "Body."}, record))
    articles, warnings = read([path])
    assert warnings == []
    assert [(a.index, a.line, a.kind, a.title, a.body, a.source) for a in articles][1] == (
        1, 2, "record", "Harbour ferry fares rise by a fifth",
        ("The council voted on Tuesday.", "Commuters object."), "Gazette",
    )  # fmt: skip


def test_a_record_title_is_found_as_a_plain_files_is(write_file: WriteFile) -> None:
    """The same text gives the same title and body as a record without title and as a
    plain file (chrome before the title left out, a hard-wrapped title joined)."""
    paragraph = (
        "The turbine array was hauled ashore after nine months of tests in the strait, "
        "engineers said on Friday, citing corrosion of the blade hubs that nobody had "
        "expected and a mooring chain that parted twice in the January storms."
    )
    headline = "Tidal power trial off the northern cape ends early after blade hub corrosion"
    body = "\n\n".join(textwrap.fill(paragraph, 44) for _ in range(3))
    text = f"Advertisement\n\n{textwrap.fill(headline, 44)}\n\n{body}\n"
    plain = write_file("page.txt", text)
    record = write_file("page.json", json.dumps([{"title": " ", "body": text}]))
    (from_file,), _ = read([plain])
    (from_record,), warnings = read([record])
    assert warnings == []
    assert from_record.title == from_file.title == headline
    assert from_record.body == from_file.body


def test_records_without_text_are_skipped_with_a_warning_naming_file_and_line(
    write_file: WriteFile,
) -> None:
    path = write_file(
        "empty.jsonl",
        jsonl({"title": "", "text": "  "}, {"id": 7}, {"title": "Only a headline", "body": ""}),
    )
    articles, warnings = read([path])
    assert articles == []
    assert [str(w) for w in warnings] == [
        f"{path}:1: record has neither title (title, headline) nor text (text, body, content), "
        "skipped",
        f"{path}:2: record has neither title (title, headline) nor text (text, body, content), "
        "skipped",
        f"{path}:3: record has no text (text, body, content: missing or blank), skipped",
    ]


def test_json_list_and_articles_object(write_file: WriteFile) -> None:
    records = [{"title": "One", "text": "A."}, {"title": "Two", "text": "B."}]
    listed = write_file("list.json", json.dumps(records))
    wrapped = write_file("wrapped.json", json.dumps({"articles": records}))
    for path in (listed, wrapped):
        articles, warnings = read([path])
        assert [(a.index, a.line, a.title) for a in articles] == [(0, 1, "One"), (1, 1, "Two")]
        assert warnings == []


def test_invalid_json_warns_with_line(write_file: WriteFile) -> None:
    path = write_file("broken.json", '[\n{"title": "x",\n oops}\n]')
    articles, warnings = read([path])
    assert articles == []
    assert (warnings[0].path, warnings[0].line) == (str(path), 3)
    assert "invalid JSON" in str(warnings[0])


# --- bad input --------------------------------------------------------------------------


def test_bad_files_warn_and_the_rest_is_read(write_file: WriteFile) -> None:
    write_file("in/0_empty.txt", "")
    write_file("in/1_blank.txt", "\n \n")
    write_file("in/2_binary.txt", b"GIF89a\x00\x01\x02")
    write_file("in/3_corrupt.txt.gz", b"\x1f\x8b\x08\x00garbage")
    write_file("in/4_empty.jsonl", "")
    write_file("in/5_good.txt", PLAIN)
    articles, warnings = read([write_file("in/5_good.txt", PLAIN).parent])
    assert [a.title for a in articles] == ["Council meets"]
    found = {Path(w.path).name: w.reason for w in warnings}
    assert found == {
        "0_empty.txt": "empty file, skipped",
        "1_blank.txt": "empty file, skipped",
        "2_binary.txt": "binary file, skipped",
        "3_corrupt.txt.gz": found["3_corrupt.txt.gz"],
        "4_empty.jsonl": "empty file, skipped",
    }
    assert found["3_corrupt.txt.gz"].startswith("not a valid gzip file")


def test_binary_jsonl_is_skipped(write_file: WriteFile) -> None:
    path = write_file("blob.jsonl", b'{"title": "x", "text": "y"}\n\x00\x00\x00')
    articles, warnings = read([path])
    assert articles == []
    assert [w.reason for w in warnings] == ["binary file, skipped"]


def test_invalid_utf8_is_replaced_and_reported_once_with_its_line(write_file: WriteFile) -> None:
    data = PLAIN.encode() + b"Caf\xe9 owners protest.\r\nMore \xff bad bytes here.\n"
    path = write_file("latin.txt", data)
    articles, warnings = read([path])
    assert articles[0].body[-2] == "Caf\ufffd owners protest."
    assert [(w.path, w.line, w.reason) for w in warnings] == [
        (str(path), 3, "invalid UTF-8, decoded with replacement")
    ]


def test_invalid_utf8_in_jsonl_names_the_line(write_file: WriteFile) -> None:
    good = json.dumps({"title": "A", "text": "B"}).encode()
    path = write_file("x.jsonl", good + b"\n" + good.replace(b"B", b"\xe9") + b"\n")
    articles, warnings = read([path])
    assert len(articles) == 2
    assert [(w.line, w.reason) for w in warnings] == [
        (2, "invalid UTF-8, decoded with replacement")
    ]


def test_unreadable_file_warns(write_file: WriteFile, monkeypatch: pytest.MonkeyPatch) -> None:
    locked = write_file("locked.txt", PLAIN)
    other = write_file("other.txt", PLAIN)
    real_open = open

    def deny(path: str, *args: object, **kwargs: object) -> object:
        if str(path) == str(locked):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr("dedup.read.decode.open", deny, raising=False)
    articles, warnings = read([locked, other])
    assert [a.path for a in articles] == [str(other)]
    assert [str(w) for w in warnings] == [f"{locked}: cannot read: Permission denied"]


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads anything")
def test_file_without_read_permission_warns(write_file: WriteFile) -> None:
    locked = write_file("locked.txt", PLAIN)
    locked.chmod(0)
    articles, warnings = read([locked])
    assert articles == []
    assert "Permission denied" in str(warnings[0])


def test_missing_path_is_an_error_before_reading(corpus: Path) -> None:
    check_paths_exist(["corpus", "-", "corpus/a.md"])
    with pytest.raises(InputError, match=r"^nope\.txt: no such file or directory$"):
        check_paths_exist(["corpus", "nope.txt"])


def test_reading_streams_from_a_pipe(tmp_path: Path) -> None:
    fifo = tmp_path / "feed.jsonl"
    os.mkfifo(fifo)
    release = threading.Event()

    def feed() -> None:
        with fifo.open("w") as stream:
            stream.write(jsonl({"title": "Early", "text": "First."}))
            stream.flush()
            release.wait(5)
            stream.write(jsonl({"title": "Late", "text": "Second."}))

    writer = threading.Thread(target=feed)
    writer.start()
    articles = read_articles([str(fifo)], Config())
    assert next(articles).title == "Early"  # yielded while the writer still holds the rest
    release.set()
    assert [a.title for a in articles] == ["Late"]
    writer.join()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_a_walk_tells_of_what_it_skips_in_order_among_the_files(tmp_path: Path) -> None:
    folder = tmp_path / "walked"
    (folder / "d").mkdir(parents=True)
    for name in ("a.txt", "c.txt", "d/e.txt", "f.bin", "g.txt"):
        (folder / name).write_text("Some text.\n")
    os.mkfifo(folder / "b.txt")
    (folder / "h.txt").symlink_to(folder / "a.txt")  # the same file: met once
    told: list[str] = []
    for found in iter_found(
        [str(folder)],
        Config(),
        lambda error: told.append(f"warning {Path(error.path).name}"),
        on_left_out=lambda path, unit, why: told.append(f"left out {Path(path).name}"),
    ):
        assert isinstance(found, Found) and found.size == len("Some text.\n")
        assert found.real == os.path.realpath(found.path)
        told.append(Path(found.path).relative_to(folder).as_posix())
    assert told == ["a.txt", "warning b.txt", "c.txt", "d/e.txt", "left out f.bin", "g.txt"]

"""``dedup check`` in a git repository: only what a change adds can fail, and a baseline
file accepts known duplicates. Each test is a user's session in a temporary repository of
invented news: commit, edit, check."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from fixture_corpus import BAKERY, FERRY, ORCHARD, isolate, without_summary, write_corpus

from dedup.cli import cli
from dedup.engine import check as check_module
from dedup.read import committed

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

HARBOUR = (
    "The harbour festival at Kelmouth returned on Saturday after a four-year break, with "
    "tall ships moored along the quay and more than twenty thousand visitors crowding the "
    "narrow streets of the old town. Organisers said the event had been rescued by a group "
    "of volunteers who raised the money for insurance and cleaning through a year of "
    "quiz nights and raffles. Fishermen opened their boats to children in the afternoon, "
    "and the evening ended with a parade of lanterns from the lifeboat station to the "
    "lighthouse, where a brass band played until midnight."
)
FEED = "corpus/feed.jsonl"
BASELINE = ".dedup-baseline.json"
FERRY_LINE = (
    'corpus/feed.jsonl:1: "Ferry aground off Halversund" duplicates corpus/two.txt:11 '
    "(similarity 1.00)\n"
)


def record(title: str, text: str) -> str:
    return json.dumps({"title": title, "text": text}) + "\n"


def git(*args: str) -> None:
    subprocess.run(["git", *args], check=True, capture_output=True)


@pytest.fixture(autouse=True)
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A committed repository: the invented corpus, and a JSON Lines feed whose first
    record already copies the ferry story of ``corpus/two.txt`` (an old duplicate)."""
    isolate(monkeypatch, tmp_path)
    for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "PRE_COMMIT_FROM_REF"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GIT_AUTHOR_NAME", "Test")
    monkeypatch.setenv("GIT_AUTHOR_EMAIL", "test@example.com")
    monkeypatch.setenv("GIT_COMMITTER_NAME", "Test")
    monkeypatch.setenv("GIT_COMMITTER_EMAIL", "test@example.com")
    write_corpus(tmp_path)
    feed = tmp_path / FEED
    feed.write_text(
        record("Ferry aground off Halversund", FERRY) + record("Bakery turns 150", BAKERY),
        encoding="utf-8",
    )
    git("init", "-q")
    git("add", ".")
    git("commit", "-qm", "corpus")
    return tmp_path


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["check", *args])
    return result.exit_code, result.stdout, without_summary(result.stderr)


def append(path: str, text: str) -> None:
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(text)


# ---- only what the change adds ------------------------------------------------------


def test_appending_a_distinct_record_passes_though_the_file_holds_an_old_copy() -> None:
    assert run(FEED, "--all") == (1, FERRY_LINE, "")  # the old duplicate is there
    append(FEED, record("Kelmouth harbour festival returns", HARBOUR))
    assert run(FEED) == (0, "", "")


def test_an_appended_copy_is_reported_and_the_old_one_is_not() -> None:
    append(FEED, record("Tarnow orchards lose blossom to frost", ORCHARD))
    code, out, err = run(FEED)
    assert (code, err) == (1, "")
    assert out == (
        'corpus/feed.jsonl:3: "Tarnow orchards lose blossom to frost" duplicates '
        "corpus/two.txt:17 (similarity 0.97)\n"
    )


def test_an_appended_record_copying_an_old_record_of_the_same_file_is_new() -> None:
    append(FEED, record("Bakery turns 150", BAKERY))
    code, out, _ = run(FEED)
    assert code == 1
    assert out == (
        'corpus/feed.jsonl:3: "Bakery turns 150" duplicates corpus/feed.jsonl:2 (similarity 1.00)\n'
    )


def test_records_moved_within_the_file_are_not_new() -> None:
    lines = Path(FEED).read_text(encoding="utf-8").splitlines(keepends=True)
    Path(FEED).write_text(record("Kelmouth festival", HARBOUR) + lines[1] + lines[0], "utf-8")
    assert run(FEED) == (0, "", "")


def test_an_edited_record_is_new() -> None:
    edited = FERRY.replace("Sunday evening", "Sunday night")
    Path(FEED).write_text(
        record("Ferry aground off Halversund", edited) + record("Bakery turns 150", BAKERY),
        encoding="utf-8",
    )
    code, out, _ = run(FEED)
    assert code == 1
    assert out.startswith('corpus/feed.jsonl:1: "Ferry aground off Halversund" duplicates ')


def test_a_file_git_does_not_hold_is_all_new() -> None:
    Path("corpus/new.jsonl").write_text(Path(FEED).read_text("utf-8"), encoding="utf-8")
    code, out, _ = run("corpus/new.jsonl")
    assert code == 1
    assert 'corpus/new.jsonl:1: "Ferry aground off Halversund" duplicates ' in out


def test_the_base_revision_is_head_or_the_one_pre_commit_names(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    append(FEED, record("Tarnow orchards lose blossom to frost", ORCHARD))
    git("commit", "-qam", "orchard")
    assert run(FEED) == (0, "", "")  # HEAD holds it now
    assert run(FEED, "--base", "HEAD~1")[0] == 1
    monkeypatch.setenv("PRE_COMMIT_FROM_REF", "HEAD~1")  # pre-commit run --from-ref HEAD~1
    code, out, _ = run(FEED)
    assert code == 1 and out.startswith("corpus/feed.jsonl:3: ")


def test_an_article_added_to_a_dump_is_the_only_one_checked() -> None:
    dump = Path("corpus/one.txt")  # its Yahoo block has copied two.txt's ferry since commit
    assert run("corpus/one.txt", "--all")[0] == 1
    assert run("corpus/one.txt") == (0, "", "")
    text = dump.read_text(encoding="utf-8")
    dump.write_text(
        text + "\nCoastal Wire\n2 hours ago\n- Coastal Wire\n"
        f"Apple growers count frost losses\n{ORCHARD}\n",
        encoding="utf-8",
    )
    code, out, _ = run("corpus/one.txt")
    assert code == 1
    assert out.splitlines() == [
        'corpus/one.txt:24: "Apple growers count frost losses" duplicates corpus/two.txt:17 '
        "(similarity 0.97)"
    ]


# ---- baselines ----------------------------------------------------------------------


def write_baseline_of_ferry() -> None:
    code, out, err = run(FEED, "--all", "--write-baseline", BASELINE)
    assert (code, out) == (0, "")
    assert err == f"dedup: wrote 1 accepted pair to {BASELINE} (1 new)\n"


def test_a_written_baseline_accepts_its_pairs() -> None:
    write_baseline_of_ferry()
    written = json.loads(Path(BASELINE).read_text(encoding="utf-8"))
    assert written["dedup_baseline"] == 1
    (pair,) = written["pairs"]
    assert (pair["article"], pair["original"]) == ("corpus/feed.jsonl:1", "corpus/two.txt:11")
    assert len(pair["digests"]) == 2
    code, out, err = run(FEED, "--all", "--baseline", BASELINE)
    assert (code, out) == (0, "")
    assert err == f"dedup: 1 pair accepted by {BASELINE} not shown\n"
    assert run(FEED, "--all", "--baseline", BASELINE, "-q") == (0, "", "")


def test_the_baseline_comes_from_configuration_and_is_never_read_as_articles() -> None:
    write_baseline_of_ferry()
    Path("dedup.toml").write_text(f'baseline = "{BASELINE}"\n', encoding="utf-8")
    # pre-commit hands the staged baseline to the hook too; a JSON file, but no corpus.
    assert run(FEED, BASELINE, "--all", "-q") == (0, "", "")
    append(FEED, record("Tarnow orchards lose blossom to frost", ORCHARD))
    code, out, err = run(FEED, BASELINE, "--all")
    assert (code, out.count("\n")) == (1, 1)
    assert out.startswith("corpus/feed.jsonl:3: ")
    assert err == f"dedup: 1 pair accepted by {BASELINE} not shown\n"


def test_an_accepted_pair_stays_accepted_when_its_article_moves() -> None:
    write_baseline_of_ferry()
    lines = Path(FEED).read_text(encoding="utf-8").splitlines(keepends=True)
    Path("corpus/elsewhere.jsonl").write_text(
        record("Kelmouth festival", HARBOUR) + lines[0], encoding="utf-8"
    )
    assert run("corpus/elsewhere.jsonl", "--baseline", BASELINE, "-q") == (0, "", "")
    assert run("corpus/elsewhere.jsonl")[0] == 1


def test_write_baseline_never_replaces_a_file() -> None:
    Path(BASELINE).write_text("mine\n", encoding="utf-8")
    code, out, err = run(FEED, "--all", "--write-baseline", BASELINE)
    assert (code, out) == (2, "")
    assert err == (
        f"dedup: error: {BASELINE}: already exists; use --update-baseline to add to it, "
        "or remove it first\n"
    )
    assert Path(BASELINE).read_text(encoding="utf-8") == "mine\n"


def test_update_baseline_adds_new_findings_and_keeps_the_old() -> None:
    write_baseline_of_ferry()
    append(FEED, record("Tarnow orchards lose blossom to frost", ORCHARD))
    code, out, err = run(FEED, "--baseline", BASELINE, "--update-baseline")
    assert (code, out) == (0, "")
    assert err == f"dedup: wrote 2 accepted pairs to {BASELINE} (1 new)\n"
    pairs = json.loads(Path(BASELINE).read_text(encoding="utf-8"))["pairs"]
    assert [p["article"] for p in pairs] == ["corpus/feed.jsonl:1", "corpus/feed.jsonl:3"]
    assert run(FEED, "--all", "--baseline", BASELINE, "-q") == (0, "", "")
    assert [p.name for p in Path().iterdir() if p.name.startswith(f"{BASELINE}.")] == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{", "baseline is not valid JSON (Expecting property name enclosed in double quotes"),
        ("[]", 'not a dedup baseline (expected "dedup_baseline": 1)'),
        ('{"dedup_baseline": 1, "pairs": [{"digests": ["xyz"]}]}', "baseline pair 1: "),
    ],
)
def test_a_damaged_baseline_is_exit_2_naming_it(content: str, message: str) -> None:
    Path(BASELINE).write_text(content, encoding="utf-8")
    code, out, err = run(FEED, "--baseline", BASELINE)
    assert (code, out) == (2, "")
    assert err.startswith(f"dedup: error: {BASELINE}: {message}")
    assert err.count("\n") == 1


def test_a_missing_baseline_is_exit_2_saying_how_to_create_it() -> None:
    code, out, err = run(FEED, "--baseline", "gone.json")
    assert (code, out) == (2, "")
    assert err == (
        "dedup: error: gone.json: baseline not found; create it with dedup check --write-baseline\n"
    )


def test_update_baseline_needs_a_baseline_file() -> None:
    code, out, err = run(FEED, "--update-baseline")
    assert (code, out) == (2, "")
    assert "--update-baseline needs a baseline file" in err


def test_an_empty_baseline_can_be_written_before_any_finding() -> None:
    code, _, err = run("--write-baseline", BASELINE)
    assert code == 0 and err == f"dedup: wrote 0 accepted pairs to {BASELINE} (0 new)\n"
    assert json.loads(Path(BASELINE).read_text(encoding="utf-8"))["pairs"] == []
    assert os.stat(BASELINE).st_size > 0


def test_unchanged_files_are_not_read_as_committed(monkeypatch: pytest.MonkeyPatch) -> None:
    """``pre-commit run --all-files`` hands over every file: those the commit holds as
    they are need no committed copy read (two git commands tell them apart)."""
    read = count_committed_copies(monkeypatch)
    everything = [str(p) for p in Path("corpus").iterdir()]
    assert run(*everything) == (0, "", "")
    assert read == []
    append(FEED, record("Tarnow orchards lose blossom to frost", ORCHARD))
    assert run(*everything)[0] == 1
    assert read == [FEED]


def count_committed_copies(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths whose committed copy a check reads (git cat-file), as it reads them."""
    read: list[str] = []
    real = check_module.committed_copy

    def counting(path: str, revision: str) -> contextlib.AbstractContextManager[str | None]:
        read.append(path)
        return real(path, revision)

    monkeypatch.setattr(check_module, "committed_copy", counting)
    return read


@pytest.mark.parametrize("named", [committed.NAMED_PATHS, 0])
def test_a_file_the_revision_does_not_hold_has_no_copy_read(
    monkeypatch: pytest.MonkeyPatch, named: int
) -> None:
    """New files, staged or not, are all new without asking git for a committed copy,
    whether git is asked about the named files alone or lists the whole revision."""
    monkeypatch.setattr(committed, "NAMED_PATHS", named)
    read = count_committed_copies(monkeypatch)
    Path("corpus/new.jsonl").write_text(record("Ferry", FERRY), encoding="utf-8")
    Path("corpus/staged.jsonl").write_text(record("Orchard", ORCHARD), encoding="utf-8")
    git("add", "corpus/staged.jsonl")
    append(FEED, record("Tarnow orchards lose blossom to frost", ORCHARD))
    code, out, _ = run("corpus/new.jsonl", "corpus/staged.jsonl", FEED)
    assert code == 1
    assert [line.split(": ")[0] for line in out.splitlines()] == [
        "corpus/feed.jsonl:3",
        "corpus/new.jsonl:1",
        "corpus/staged.jsonl:1",
    ]
    assert read == [FEED]


def test_git_is_asked_about_the_files_alone_named_literally() -> None:
    """Names go to git as they are, never as patterns: a changed file named like an
    excluding pathspec (``:(exclude)...``) is changed, and ``st*r.txt`` stays unchanged
    when ``stXr.txt``, which the pattern would match, changes."""
    odd, star, plain = Path(":(exclude)notes.txt"), Path("corpus/st*r.txt"), Path("corpus/stXr.txt")
    for path in (odd, star, plain):
        path.write_text(HARBOUR, encoding="utf-8")
    git("add", ".")
    git("commit", "-qm", "odd names")
    for path in (odd, plain):
        append(str(path), "\nA late paragraph.\n")
    Path("corpus/new.txt").write_text(HARBOUR, encoding="utf-8")
    names = [str(odd), str(star), str(plain), "corpus/new.txt", "../outside.txt"]
    assert committed.committed_state(names, "HEAD") == ({str(star)}, {"corpus/new.txt"})


def test_a_file_of_a_nested_repository_is_compared_with_its_own(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A file in a repository inside the corpus repository is neither unchanged nor absent
    to the outer one: its committed copy comes from its own repository."""
    inner = Path("corpus/inner")
    inner.mkdir()
    feed = inner / "feed.jsonl"
    feed.write_text(record("Ferry aground off Halversund", FERRY), encoding="utf-8")
    git("-C", str(inner), "init", "-q")
    git("-C", str(inner), "add", ".")
    git("-C", str(inner), "commit", "-qm", "inner")
    read = count_committed_copies(monkeypatch)
    assert committed.committed_state([str(feed)], "HEAD") == (set(), set())
    assert run(str(feed)) == (0, "", "")  # its own repository holds its old copy
    assert read == [str(feed)]


def record_commands(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The commands ``subprocess.run`` is asked to run from now on (they still run)."""
    ran: list[list[str]] = []
    real = subprocess.run

    def recording(args: list[str], **kwargs: object) -> object:
        ran.append(args)
        return real(args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(subprocess, "run", recording)
    return ran


def test_a_check_asks_git_for_the_work_tree_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each git command costs a pre-commit hook a process start: the work tree, which
    both the corpus root and the committed state need, is asked for once."""
    ran = record_commands(monkeypatch)
    append(FEED, record("Kelmouth harbour festival returns", HARBOUR))
    assert run(FEED) == (0, "", "")
    asked = [args for args in ran if args[0] == "git" and "--show-toplevel" in args]
    assert len(asked) == 1


def test_outside_any_repository_git_is_never_run(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With no ``.git`` above the files, every article is new and no git command runs."""
    outside = tmp_path_factory.mktemp("outside")
    shutil.copytree("corpus", outside / "corpus")
    shutil.copy("dedup.toml", outside)
    monkeypatch.chdir(outside)
    if committed.in_repository("."):
        pytest.skip("the temporary folder lies inside a git repository")
    ran = record_commands(monkeypatch)
    code, out, _ = run(FEED)
    assert code == 1 and out.startswith("corpus/feed.jsonl:1: ")  # the old copy is new here
    assert [args for args in ran if args[0] == "git"] == []


def test_a_base_that_names_no_commit_is_a_usage_error() -> None:
    code, out, err = run(FEED, "--base", "no-such-branch")
    assert (code, out) == (2, "")
    assert err.endswith("Error: --base: 'no-such-branch' names no commit of this repository\n")

"""A killed, concurrent or damaged run never changes what dedup prints or writes.

A few trials of each kind from ``benchmarks/robustness.py`` (which runs 20 of each): the
``dedup`` command in subprocesses on an invented corpus of about 4,500 articles, enough
for worker processes. Each trial compares with a clean run of the same command.
"""

from __future__ import annotations

import signal
from pathlib import Path

import pytest
from robustness import (
    CHECK,
    COLLAPSE_DIR,
    COLLAPSE_FILE,
    SCAN,
    Bench,
    Command,
    Robustness,
    Trial,
    concurrent_trial,
    kill_trial,
    spill_trial,
    store_trial,
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def robustness(tmp_path_factory: pytest.TempPathFactory) -> Robustness:
    rb = Robustness(Bench(tmp_path_factory.mktemp("robustness")), seed=3)
    rb.prepare()
    return rb


def assert_passed(trial: Trial) -> None:
    assert trial.landed, f"the signal or damage came after the run ended: {trial.note}"
    assert trial.reasons == [], f"{trial.note}\n{trial.evidence}"


def killed(rb: Robustness, command: Command, sig: signal.Signals, fraction: float) -> Trial:
    """A kill trial whose signal lands at ``fraction`` of the reference run's time, or
    earlier when the run (on a machine busier when the reference was timed) ended first."""
    for share in (fraction, fraction / 2, fraction / 4):
        trial = kill_trial(rb, command, sig, True, share)
        if trial.landed:
            break
    return trial


@pytest.mark.parametrize(
    ("command", "fraction"),
    [(SCAN, 0.3), (COLLAPSE_FILE, 0.6)],
    ids=["scan", "collapse-o"],
)
def test_ctrl_c_exits_130_with_one_line_and_leaves_output_and_cache_whole(
    robustness: Robustness, command: Command, fraction: float
) -> None:
    # SIGINT to the process group mid-run: exit 130, one stderr line, no partial stdout,
    # the previous collapse output untouched, no worker or spill folder left, and the next
    # run on the same cache prints exactly what a clean run prints.
    assert_passed(killed(robustness, command, signal.SIGINT, fraction))


@pytest.mark.parametrize(
    ("command", "fraction"),
    [(CHECK, 0.3), (COLLAPSE_DIR, 0.7)],
    ids=["check", "collapse-output-dir"],
)
def test_kill_9_leaves_no_worker_and_the_next_run_is_unchanged(
    robustness: Robustness, command: Command, fraction: float
) -> None:
    # SIGKILL to the main process: its workers go too, a collapse output is the previous
    # one and no temporary file outlives the next run, whose output equals a clean run's.
    assert_passed(killed(robustness, command, signal.SIGKILL, fraction))


@pytest.mark.parametrize(
    ("command", "count", "mode"),
    [
        (SCAN, 3, "same corpus"),
        (CHECK, 2, "edited during run"),
    ],
    ids=["scan-x3-same", "check-x2-edited"],
)
def test_processes_sharing_a_cache_print_what_a_solo_run_prints(
    robustness: Robustness, command: Command, count: int, mode: str
) -> None:
    assert_passed(concurrent_trial(robustness, command, count, mode))


@pytest.mark.parametrize(
    ("command", "store", "mode"),
    [
        (SCAN, "signatures.sqlite", "page overwritten"),
        (CHECK, "scan-index.sqlite", "header overwritten"),
    ],
    ids=["signatures-page", "scan-index-header"],
)
def test_a_damaged_store_is_rebuilt_without_changing_results(
    robustness: Robustness, command: Command, store: str, mode: str
) -> None:
    assert_passed(store_trial(robustness, command, store, mode))
    assert (robustness.bench.root / "caches" / "damaged" / store).exists()


def test_a_damaged_spill_file_never_gives_other_results(robustness: Robustness) -> None:
    assert_passed(spill_trial(robustness, SCAN, "16 bytes overwritten", 0.2))


def test_the_corpus_is_left_as_it_was_written(robustness: Robustness) -> None:
    # dedup never modifies input files, however its runs end.
    corpus = robustness.bench.root / "A"
    written = {str(p.relative_to(corpus)): p.read_bytes() for p in _files(corpus)}
    assert written == robustness.files


def _files(root: Path) -> list[Path]:
    return [p for p in sorted(root.rglob("*")) if p.is_file()]

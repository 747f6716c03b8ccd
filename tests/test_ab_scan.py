"""The A/B benchmark's summary: medians, paired differences, and the outputs compared."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from ab_scan import Run, summary


def test_the_summary_pairs_each_round_and_compares_the_outputs() -> None:
    runs = [
        Run("base", 10.0, 19.0, "a"),
        Run("new", 9.0, 18.0, "a"),
        Run("new", 9.5, 18.5, "a"),
        Run("base", 9.0, 17.5, "a"),
        Run("base", 11.0, 21.0, "a"),
        Run("new", 10.0, 19.0, "a"),
    ]
    lines = summary(runs, "base", "new")
    assert lines[0] == "          base: median 10.00 s, machine CPU 19.0 s"
    assert lines[1] == "           new: median 9.50 s, machine CPU 18.5 s"
    assert lines[2] == "new minus base, per round: -1.00, +0.50, -1.00 s"
    assert lines[3] == "median difference -1.00 s; new faster in 2 of 3 rounds"
    assert lines[4] == "outputs: identical"
    assert summary([*runs[:-1], Run("new", 10.0, 19.0, "b")], "base", "new")[4] == (
        "outputs: DIFFERENT"
    )

"""Speed of ``dedup scan --engine dask`` on a two-worker local cluster, beside the local
engine, on the same corpus and machine.

Builds a word-chain prose corpus (``speed_corpus.build_prose``: distinct stories, 5%
planted copies) from ``../shared/corpora`` at run time, then runs, each in its own
subprocess with ``--format jsonl --no-cache --exit-zero``:

- ``local``: the local engine on two jobs (``--jobs 2``), as many processes as the cluster;
- ``dask``: ``--engine dask --workers 2``, a fresh work folder (the cluster's start-up
  included);
- ``dask resumed``: the same command and work folder again: every stage is taken from the
  checkpoints, only the cluster's start-up and the grouping run.

It prints articles per second, seconds, summed peak memory of the process tree, and
whether each output is byte for byte the local engine's. Skips when the corpora are
absent.

::

    python benchmarks/dask_speed.py                 # 20k articles
    python benchmarks/dask_speed.py --size 10k --workdir /tmp/daskspeed
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

from speed_corpus import build_prose, shared_corpora
from speed_run import Measurement, measure, parse_size

DEDUP = str(Path(sys.executable).parent / "dedup")
COMMON = ("--format", "jsonl", "--no-cache", "--exit-zero", "--quiet")


def run_all(corpus: Path, work: Path) -> list[tuple[str, Measurement]]:
    """Each way of running over ``corpus``, measured."""
    scan = [DEDUP, "scan", str(corpus), *COMMON]
    dask = [*scan, "--engine", "dask", "--workers", "2", "--work-dir", str(work / "dask")]
    return [
        ("local --jobs 2", measure([*scan, "--jobs", "2"])),
        ("dask --workers 2", measure(dask)),
        ("dask resumed", measure(dask)),
    ]


def report(size: int, rows: list[tuple[str, Measurement]]) -> None:
    """The table on stdout."""
    local = rows[0][1].stdout
    print(f"{'run':<18} {'articles/s':>10} {'seconds':>8} {'tree MiB':>9}  same output")
    for name, m in rows:
        if not m.ok:
            print(f"{name:<18} failed: {m.error}")
            continue
        rate = size / m.seconds
        same = "yes" if m.stdout == local else "NO"
        mib = m.tree_rss_bytes / 2**20
        print(f"{name:<18} {rate:>10,.0f} {m.seconds:>8.1f} {mib:>9,.0f}  {same}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="20k", help="articles in the corpus [20k]")
    parser.add_argument("--workdir", type=Path, help="keep the corpus here between runs")
    args = parser.parse_args()
    shared = shared_corpora()
    size = parse_size(args.size)
    work = (args.workdir or Path(tempfile.mkdtemp(prefix="dask-speed-"))).resolve()
    work.mkdir(parents=True, exist_ok=True)
    corpus_dir = work / "corpus"
    corpus_dir.mkdir(exist_ok=True)
    try:
        corpus, planted = build_prose(shared, corpus_dir / f"prose-{size}.jsonl", size, 1)
    except FileNotFoundError as exc:
        print(f"skipped: {exc}", file=sys.stderr)
        return 0
    shutil.rmtree(work / "dask", ignore_errors=True)
    load = os.getloadavg()
    print(
        f"{size:,} prose articles ({planted:,} planted copies), {os.cpu_count()} CPUs, "
        f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} before"
    )
    report(size, run_all(corpus, work))
    load = os.getloadavg()
    print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} after")
    if args.workdir is None:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

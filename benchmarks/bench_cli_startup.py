"""Benchmark: how long `kantmatch --help` takes to start (issue 13: under 1 s).

Run with ``make bench``. Each command runs in a fresh subprocess, several times, beside the
baseline in the same run: ``python -c pass`` (the interpreter's own start-up, which no change
to Kantmatch can go below). Median and slowest wall times are printed.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

TARGET_SECONDS = 1.0
RUNS = 7
KANTMATCH = Path(sys.executable).with_name("kantmatch")


def timings(command: list[str], runs: int = RUNS) -> list[float]:
    """Wall seconds of each run of the command (output discarded; a failure stops the bench)."""
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        seconds.append(time.perf_counter() - started)
    return seconds


def line(label: str, seconds: list[float]) -> str:
    return (
        f"  {label:<28} median {statistics.median(seconds) * 1000:6.0f} ms, "
        f"slowest {max(seconds) * 1000:6.0f} ms ({len(seconds)} runs)"
    )


def main() -> None:
    print("Command-line start-up, wall time of a fresh process")
    baseline = timings([sys.executable, "-c", "pass"])
    helped = timings([str(KANTMATCH), "--help"])
    median = statistics.median(helped)
    verdict = "meets" if median < TARGET_SECONDS else "MISSES"
    print(line("baseline: python -c pass", baseline))
    print(line("kantmatch --help", helped))
    print(
        f"  kantmatch's own share:       {(median - statistics.median(baseline)) * 1000:.0f} ms; "
        f"{verdict} the target of {TARGET_SECONDS:.0f} s"
    )


if __name__ == "__main__":
    main()

"""A tiny benchmark run, so that the benchmark never rots (its figures are not checked)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "bench" / "run.py"


def test_bench_prints_its_table() -> None:
    """bench/run.py runs end to end on a small corpus and prints one row per size."""
    done = subprocess.run(
        [sys.executable, str(BENCH), "--sizes", "60:6", "--duration", "1", "--starts", "2"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert lines[0].startswith("| articles / authors | cold start |")
    assert lines[2].startswith("| 60 / 6 |") and lines[2].count("/s") == 9

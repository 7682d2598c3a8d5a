"""Benchmark: the offline engine end to end on the longest real transcript (3 h 42 min), cold.

Each run is a new process (``longsum summarize``) with empty caches in a new folder, so it
pays for everything a user's first run pays for: imports, loading MiniLM, embedding every
span, keyphrases, the index, writing the summary. Prints wall time and peak RSS of each run
and their median; asserts nothing about time (targets are read, not tested): at most 30 s
and 1.5 GB on 2 cores.

    .venv/bin/python benchmarks/bench_offline.py [FILE] [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DEFAULT = Path(__file__).resolve().parents[2] / "shared/data/real/podcast_lex_pieter_levels.txt"
TARGET_S, TARGET_GB = 30.0, 1.5
LONGSUM = Path(sys.executable).with_name("longsum")


def one_run(file: Path) -> tuple[float, float, dict[str, object]]:
    """(wall seconds, peak RSS in GB, the extended result) of one cold run."""
    with tempfile.TemporaryDirectory(prefix="longsum-bench-") as tmp:
        env = {**os.environ, "LONGSUM_CACHE_DIR": tmp, "HF_HUB_OFFLINE": "1"}
        env.pop("LONGSUM_MODEL", None)
        out = Path(tmp) / "summary.json"
        began = time.perf_counter()
        done = subprocess.run(
            [str(LONGSUM), "summarize", str(file), "--format", "extended", "-o", str(out)],
            env=env,
            capture_output=True,
            text=True,
        )
        wall = time.perf_counter() - began
        if done.returncode != 0:
            sys.exit(f"longsum failed ({done.returncode}): {done.stderr.strip()[-500:]}")
        # ru_maxrss of the children is the largest child's peak, in KiB on Linux.
        peak_gb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024**2
        return wall, peak_gb, json.loads(out.read_text())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if not args.file.exists():
        print(f"skipped: {args.file} not found (../shared beside the repo?)")
        return 0
    walls, peaks = [], []
    extended: dict[str, object] = {}
    for i in range(args.repeat):
        wall, peak, extended = one_run(args.file)
        walls.append(wall)
        peaks.append(peak)
        print(f"run {i + 1}: {wall:6.1f} s wall, peak RSS so far {peak:.2f} GB")
    chunks, validation = extended.get("chunks", []), extended.get("validation", {})
    rounds = validation.get("repair_rounds") if isinstance(validation, dict) else None
    print(f"file          {args.file.name}")
    print(f"engine        {extended.get('engine')}  (cores: {os.cpu_count()})")
    print(f"chunks        {len(chunks) if isinstance(chunks, list) else '?'}  repairs {rounds}")
    print(f"wall median   {statistics.median(walls):.1f} s  (target <= {TARGET_S:.0f} s)")
    print(f"peak RSS      {max(peaks):.2f} GB  (target <= {TARGET_GB} GB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

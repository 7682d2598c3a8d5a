"""Benchmark: the figures the README states about its own commands, measured as a user meets them.

1. The main command, ``longsum summarize <3 h 42 min podcast> --format markdown``, with empty
   caches (a new cache folder: no notes, no index); with ``--cold`` the OS page cache is
   dropped first (root only), so torch, MiniLM and the transcript are read from disk as on a
   first run after a boot.
2. The test command (lint, types, tests), unless ``--skip-tests``.

Prints wall time and CPU seconds of each, with the machine's cores and load average before
and after. Asserts nothing.

    .venv/bin/python benchmarks/readme_claims.py [--cold] [--skip-tests]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
TRANSCRIPT = ROOT.parent / "shared/data/real/podcast_lex_pieter_levels.txt"
TESTS = (
    f"{BIN}/ruff check . && {BIN}/ruff format --check . && {BIN}/mypy && {BIN}/pytest -q -p "
    "no:cacheprovider"
)


def _drop_page_cache() -> str:
    try:
        os.sync()
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
    except OSError as exc:
        return f"page cache kept ({exc.strerror})"
    return "page cache dropped"


def measure(name: str, command: list[str], env: dict[str, str]) -> bool:
    """Run ``command``; print its wall time, CPU seconds and the load around it."""
    load = os.getloadavg()[0]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    tail = (done.stdout.strip().splitlines() or [""])[-1][:120]
    print(
        f"{name:<14} {wall:7.1f} s wall, {cpu:7.1f} CPU-s, exit {done.returncode}; load "
        f"{load:.2f} -> {os.getloadavg()[0]:.2f}; {tail}",
        flush=True,
    )
    return done.returncode == 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cold", action="store_true", help="drop the OS page cache first")
    parser.add_argument("--skip-tests", action="store_true")
    args = parser.parse_args()
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "LONGSUM_CACHE_DIR": cache}
        if args.cold:
            print(_drop_page_cache())
        command = [str(BIN / "longsum"), "summarize", str(TRANSCRIPT), "--format", "markdown"]
        ok = measure("main command", command, env)
    if not args.skip_tests:
        ok = measure("test command", ["bash", "-c", TESTS], dict(os.environ)) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark: the map step's real concurrency.

A fake model that sleeps 1 s per call, 40 chunks, concurrency 8: the map should finish in
about 40 / 8 = 5 s, not 40 s. Prints the figures; asserts nothing about time.

    .venv/bin/python benchmarks/bench_map_concurrency.py [--chunks 40] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from fakes import ScriptedResponder, fake_services
from longsum.api import run_summary
from longsum.settings import load_settings

WORDS = [
    "alpha",
    "beta",
    "gamma",
    "delta",
    "epsilon",
    "zeta",
    "eta",
    "theta",
    "iota",
    "kappa",
    "lambda",
    "mu",
]


def transcript(chunks: int, tokens_per_chunk: int) -> str:
    lines = []
    for i in range(chunks * tokens_per_chunk // 22):
        words = " ".join(WORDS[(i + j) % len(WORDS)] for j in range(9))
        stamp = f"{i // 3600:02d}:{i // 60 % 60:02d}:{i % 60:02d}"
        lines.append(f"[{stamp}] Host: Speaking of {words}.")
    return "\n".join(lines)


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=40)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--latency", type=float, default=1.0)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(
            cache_dir=Path(tmp),
            vector_store="memory",
            concurrency=args.concurrency,
            max_tokens=600,
            overlap_tokens=0,
            min_chunks=5,
        )
        services = fake_services(settings, ScriptedResponder(), latency=args.latency)
        marks: dict[str, float] = {}

        def on_event(node: str, _: dict[str, Any]) -> None:
            marks.setdefault(node, time.perf_counter())
            marks[f"last:{node}"] = time.perf_counter()

        began = time.perf_counter()
        result = await run_summary(
            transcript(args.chunks, 560), services=services, on_event=on_event
        )
        wall = time.perf_counter() - began

    chunks = len(result.extended["chunks"])
    map_s = marks["last:summarize_chunk"] - marks["index_chunks"]
    ideal = -(-chunks // args.concurrency) * args.latency
    print(f"chunks          {chunks}")
    print(f"concurrency     {args.concurrency} (fake model: {args.latency:.1f} s per call)")
    print(
        f"map             {map_s:.2f} s (ideal {ideal:.1f} s; serial would be "
        f"{chunks * args.latency:.0f} s)"
    )
    print(f"whole run       {wall:.2f} s, {result.extended['usage']['llm_calls']} calls")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))

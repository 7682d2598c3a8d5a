"""Benchmark: parse and chunk the longest real transcript (3 h 42 min, ~69k cl100k tokens).

Prints the figures; asserts nothing about time (targets are read, not tested):
chunking under 0.5 s on 2 cores.

    .venv/bin/python benchmarks/bench_chunking.py [FILE] [--repeat N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from longsum.settings import load_settings
from longsum.tools.chunking import chunk_transcript
from longsum.tools.parsing import read_transcript
from longsum.tools.tokens import get_tokenizer

DEFAULT = Path(__file__).resolve().parents[2] / "shared/data/real/podcast_lex_pieter_levels.txt"
TARGET_S = 0.5


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    if not args.file.exists():
        print(f"skipped: {args.file} not found (../shared beside the repo?)")
        return 0
    settings = load_settings()

    t0 = time.perf_counter()
    tokenizer = get_tokenizer(settings.encoding, settings.tokenizer_timeout)
    load_s = time.perf_counter() - t0

    parse_times, chunk_times = [], []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        transcript = read_transcript(args.file)
        t1 = time.perf_counter()
        chunks = chunk_transcript(
            transcript,
            max_tokens=settings.max_tokens,
            overlap_tokens=settings.overlap_tokens,
            tokenizer=tokenizer,
        )
        t2 = time.perf_counter()
        parse_times.append(t1 - t0)
        chunk_times.append(t2 - t1)

    tokens = sum(tokenizer.count_many([u.render() for u in transcript.utterances]))
    chunk_med = statistics.median(chunk_times)
    total_med = statistics.median(p + c for p, c in zip(parse_times, chunk_times, strict=True))
    print(f"file            {args.file.name}")
    print(f"utterances      {len(transcript.utterances)}")
    print(f"tokens          {tokens} ({tokenizer.name})")
    print(
        f"chunks          {len(chunks)} (max_tokens {settings.max_tokens}, "
        f"overlap {settings.overlap_tokens}, largest {max(c.token_count for c in chunks)})"
    )
    print(f"tokenizer load  {load_s * 1000:.0f} ms (once per process)")
    print(f"parse           median {statistics.median(parse_times) * 1000:.1f} ms")
    print(
        f"chunk           median {chunk_med * 1000:.1f} ms, min {min(chunk_times) * 1000:.1f} ms"
        f" over {args.repeat} runs"
    )
    print(
        f"parse + chunk   median {total_med * 1000:.1f} ms "
        f"(target < {TARGET_S * 1000:.0f} ms: {'met' if total_med < TARGET_S else 'MISSED'})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

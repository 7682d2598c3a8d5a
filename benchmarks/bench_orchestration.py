"""Benchmark: the graph's orchestration overhead against its critical path.

A simulated API model that takes a fixed 2 s per call (the scripted fake of tests/fakes.py,
sleeping asynchronously), the hashing embedder and an in-memory vector store, so that every
second of the run is either a model call or longsum's own work. The transcript is four
hours of speech (~150 words/min) synthesised at run time from the seed transcripts, tiled
and stamped ``[HH:MM:SS] Speaker: ...``; concurrency 8.

The critical path is what a perfect scheduler could not beat with these calls: the rounds
of calls that must follow each other, each one latency long,

    map rounds      ceil(summarize_chunk calls / concurrency)
    collapse        ceil(calls of the level / concurrency), per collapse level
    write_section   ceil(write_section calls / concurrency)
    write_overview  its calls one after another (read from the node: the introduction is
                    awaited before the topics are asked for), else ceil(calls / concurrency)
    repair          per round, its section repairs in parallel, the overview's pieces in turn

Calls per node come from the extended result's call records; the calls of each collapse
level and repair round from the node updates as they stream. Prints calls per node, rounds,
critical path, wall time and their ratio; target: wall <= 1.5 x critical path. Asserts
nothing about time.

    .venv/bin/python benchmarks/bench_orchestration.py [--hours 4] [--concurrency 8]
        [--latency 2.0] [--seeds DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import inspect
import math
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from fakes import ScriptedResponder, fake_services
from longsum.api import run_summary
from longsum.graphs.writers.llm import LLMWriter
from longsum.settings import load_settings

SEEDS = Path(__file__).resolve().parents[2] / "shared/data/seed_transcripts"
TARGET = 1.5
SPEAKERS = ("Host", "Guest")
WORDS_PER_LINE = 25  # 10 s of speech at 150 words/min


def synthetic_transcript(seeds: Path, hours: float, words_per_minute: float = 150.0) -> str:
    """``hours`` of speech: the seed transcripts' words, tiled in a fixed order, cut into
    10-second utterances with ``[HH:MM:SS]`` stamps and alternating speakers."""
    files = sorted(seeds.glob("*.txt"))
    if not files:
        raise SystemExit(f"no seed transcripts in {seeds}")
    words = [w for f in files for w in f.read_text(encoding="utf-8").split()]
    total = round(hours * 60 * words_per_minute)
    seconds_per_line = WORDS_PER_LINE / words_per_minute * 60
    lines = []
    for n, start in enumerate(range(0, total, WORDS_PER_LINE)):
        line = [words[(start + j) % len(words)] for j in range(min(WORDS_PER_LINE, total - start))]
        t = round(n * seconds_per_line)
        stamp = f"{t // 3600:02d}:{t // 60 % 60:02d}:{t % 60:02d}"
        lines.append(f"[{stamp}] {SPEAKERS[n // 6 % 2]}: {' '.join(line)}.")
    return "\n".join(lines)


def overview_is_sequential() -> bool:
    """Whether the LLM writer's overview awaits its introduction call before asking for the
    topics (two rounds), rather than gathering both (one round): read from its source."""
    source = inspect.getsource(LLMWriter.overview)
    return "gather" not in source and source.count("await self.ask(") >= 2


def rounds(calls: int, concurrency: int) -> int:
    return math.ceil(calls / concurrency) if calls else 0


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=4.0, help="speech to synthesise")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--latency", type=float, default=2.0, help="seconds per model call")
    parser.add_argument("--seeds", type=Path, default=SEEDS, help="folder of seed .txt files")
    args = parser.parse_args()
    if not args.seeds.is_dir():
        print(f"skipped: {args.seeds} not found (../shared beside the repo?)")
        return 0

    text = synthetic_transcript(args.seeds, args.hours)
    # node -> the number of calls of each of its updates (a collapse level, a repair round)
    waves: dict[str, list[int]] = {}
    first_seen: dict[str, float] = {}
    last_seen: dict[str, float] = {}

    with tempfile.TemporaryDirectory(prefix="longsum-bench-") as tmp:
        settings = load_settings(
            cache_dir=Path(tmp), vector_store="memory", concurrency=args.concurrency
        )
        services = fake_services(settings, ScriptedResponder(), latency=args.latency)

        def on_event(node: str, event: dict[str, Any]) -> None:
            now = time.perf_counter()
            first_seen.setdefault(node, now)
            last_seen[node] = now
            update = event.get("update") or {}
            calls = update.get("calls", []) if isinstance(update, dict) else []
            waves.setdefault(node, []).append(len(calls))

        began = time.perf_counter()
        result = await run_summary(text, services=services, on_event=on_event)
        wall = time.perf_counter() - began

    ext = result.extended
    per_node = Counter(c["node"] for c in ext["calls"])
    c = args.concurrency
    sequential_overview = overview_is_sequential()
    overview_calls = per_node["write_overview"]
    plan = [
        ("summarize_chunk", per_node["summarize_chunk"], rounds(per_node["summarize_chunk"], c)),
    ]
    for level, n in enumerate(w for w in waves.get("collapse_notes", []) if w):
        plan.append((f"collapse_notes L{level + 1}", n, rounds(n, c)))
    plan.append(("write_section", per_node["write_section"], rounds(per_node["write_section"], c)))
    plan.append(
        (
            "write_overview",
            overview_calls,
            overview_calls if sequential_overview else rounds(overview_calls, c),
        )
    )
    repair_kinds = [r for r in ext["validation"]["repairs"] if r.get("kind") == "llm"]
    for round_, n in enumerate(w for w in waves.get("repair_summary", []) if w):
        pieces = [r for r in repair_kinds if r.get("round") == round_ + 1]
        sections = sum(1 for r in pieces if r.get("piece", "").startswith("section"))
        overview_n = n - sections  # the overview's introduction and topics go in turn
        plan.append(
            (f"repair round {round_ + 1}", n, max(rounds(sections, c), overview_n, 1 if n else 0))
        )

    total_rounds = sum(r for _, _, r in plan)
    critical = total_rounds * args.latency
    ratio = wall / critical if critical else float("nan")
    transcript = ext["transcript"]
    speech_words = sum(len(line.split(": ", 1)[1].split()) for line in text.splitlines())

    print(f"transcript       {args.hours:g} h synthesised from {args.seeds}")
    print(
        f"                 {transcript['tokens']} tokens, {speech_words} words of speech, "
        f"{len(ext['chunks'])} chunks, collapse depth {ext['collapse_depth']}, "
        f"repair rounds {ext['validation']['repair_rounds']}"
    )
    print(f"model            simulated API, {args.latency:.1f} s per call; concurrency {c}")
    print()
    print("calls per node")
    for node, n in sorted(per_node.items(), key=lambda kv: -kv[1]):
        print(f"  {node:<18} {n:>4}")
    print(f"  {'total':<18} {sum(per_node.values()):>4}")
    print()
    print(f"rounds on the critical path (each {args.latency:.1f} s)")
    for name, n, r in plan:
        note = ""
        if name == "write_overview":
            note = "  (introduction, then topics: awaited in turn)" if sequential_overview else ""
        print(f"  {name:<20} {n:>4} calls -> {r} round(s){note}")
    print(f"  {'total':<20} {sum(n for _, n, _ in plan):>4} calls -> {total_rounds} rounds")
    print()
    if "index_chunks" in first_seen and "summarize_chunk" in last_seen:
        map_s = last_seen["summarize_chunk"] - first_seen["index_chunks"]
        ideal = rounds(per_node["summarize_chunk"], c) * args.latency
        print(f"map phase        {map_s:7.2f} s  (its rounds: {ideal:.1f} s)")
    print("timeline         (s from the start to each node's last update)")
    for node, at in sorted(last_seen.items(), key=lambda kv: kv[1]):
        print(f"  {node:<18} {at - began:7.2f}")
    print(f"critical path    {critical:7.2f} s  ({total_rounds} rounds x {args.latency:.1f} s)")
    if sequential_overview and overview_calls > 1:
        saved = (overview_calls - rounds(overview_calls, c)) * args.latency
        print(
            f"                 ({critical - saved:.2f} s if write_overview asked for the "
            f"introduction and the topics at once)"
        )
    print(f"longsum wall     {wall:7.2f} s")
    verdict = "meets" if ratio <= TARGET else "misses"
    print(f"ratio            {ratio:7.2f} x  (target <= {TARGET:.1f} x: {verdict})")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))

"""Summarize transcripts from Python: ``longsum.summarize`` and its async twin.

    .venv/bin/python examples/python_api.py [FILE]

FILE defaults to the zig seed transcript in ../shared (beside the repository). With no
model configured the offline extractive engine writes the summary; pass
``model="openai:gpt-4o-mini"`` (or set ``LONGSUM_MODEL``) to have a chat model write it.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import longsum

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "data" / "seed_transcripts"


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else SEEDS / "zig.txt"
    summary = longsum.summarize(path)  # a validated longsum.Summary
    print(summary.introduction)
    for section in summary.sections:
        print(f"\n{section.title}  [{', '.join(section.topics)}]")
        for bullet in section.content:
            print(f"  - {bullet}")
    print("\ntopics:", ", ".join(summary.topics))
    print("fields:", ", ".join(f"{g.name} ({g.complexity})" for g in summary.general_topics))

    # In async code (a web handler, an agent's tool) await asummarize instead.
    other = asyncio.run(longsum.asummarize(SEEDS / "rust.txt"))
    print(f"\nasync, rust.txt: {other.sections[0].title}")


if __name__ == "__main__":
    main()

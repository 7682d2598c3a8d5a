"""Use the longsum graph as one node of your own LangGraph graph.

    .venv/bin/python examples/subgraph.py [FILE]

The parent graph's state shares the keys ``path`` (longsum's input) and ``summary``
(longsum's output), so the compiled graph from ``longsum.build_graph()`` is added as a node
as it is; a downstream node then turns the summary into a short announcement. FILE defaults
to the zig seed transcript in ../shared; with no model configured the offline extractive
engine writes the summary. The graph's nodes are async, so the parent runs with ``ainvoke``.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any, TypedDict

from langgraph.graph import END, START, StateGraph

import longsum

SEED = Path(__file__).resolve().parents[2] / "shared" / "data" / "seed_transcripts" / "zig.txt"


class EpisodeState(TypedDict, total=False):
    path: str  # read by the longsum subgraph
    summary: dict[str, Any]  # written by the longsum subgraph: the contract JSON
    announcement: str  # written by announce


def announce(state: EpisodeState) -> dict[str, str]:
    """Compose a short announcement from the summary's section titles and topics."""
    summary = state["summary"]
    parts = [section["title"].split(": ", 1)[1] for section in summary["sections"]]
    tags = " ".join("#" + topic.replace(" ", "") for topic in summary["topics"][:3])
    return {"announcement": f"New episode, in five parts: {'; '.join(parts)}. {tags}"}


def build_app() -> Any:
    """The parent graph: longsum (as a subgraph node), then announce."""
    parent = StateGraph(EpisodeState)
    parent.add_node("longsum", longsum.build_graph())
    parent.add_node("announce", announce)
    parent.add_edge(START, "longsum")
    parent.add_edge("longsum", "announce")
    parent.add_edge("announce", END)
    return parent.compile()


def main() -> None:
    path = sys.argv[1] if len(sys.argv) > 1 else str(SEED)
    # longsum's nodes are async (the map runs chunks concurrently): run with ainvoke/astream.
    final = asyncio.run(build_app().ainvoke({"path": path}))
    for section in final["summary"]["sections"]:
        print(section["title"])
    print()
    print(final["announcement"])


if __name__ == "__main__":
    main()

"""The module-level graph that ``langgraph dev`` and LangGraph Studio load (see langgraph.json).

The server imports this file and reads ``graph``: the summarization graph, compiled without
a checkpointer or node cache because the platform supplies its own persistence and rejects
a graph that brings one. Each run may choose its model and settings through its context
(``{"model": "openai:gpt-4o-mini", "settings": {"max_repair_rounds": 1}}``, an assistant's
context or a run's); a run without one reads the environment (``LONGSUM_MODEL`` for a chat
model; none runs the offline extractive engine). The embedder loads on the first run, so
importing this module stays cheap.

    pip install -e ".[dev]" && langgraph dev   # langgraph-cli[inmem]; from the repository root

The server fails a blocking call made on its event loop (a file read, an import): a run's
services are built, and what the offline engine loads on first use is loaded, in a worker
thread before any async node runs (see :mod:`longsum.graphs.context`).

In Studio, start a run with the input ``{"path": "/abs/path/to/transcript.txt"}`` or
``{"text": "..."}``.
"""

from __future__ import annotations

from typing import Any

from longsum.graphs.builder import build_summarize_graph

__all__ = ["graph"]

graph: Any = build_summarize_graph()
"""The graph langgraph.json points at."""

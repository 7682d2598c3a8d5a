"""The module-level graph that ``langgraph dev`` and LangGraph Studio load (see langgraph.json).

The server imports this file and reads ``graph``: the summarization graph built from the
environment's settings (``LONGSUM_MODEL`` for a chat model; none runs the offline
extractive engine). It is compiled without a checkpointer or node cache because the
platform supplies its own persistence and rejects a graph that brings one. The embedder
loads lazily, on the first run, so importing this module stays cheap.

    pip install -U "langgraph-cli[inmem]" && langgraph dev   # from the repository root

In Studio, start a run with the input ``{"path": "/abs/path/to/transcript.txt"}`` or
``{"text": "..."}``.
"""

from __future__ import annotations

from typing import Any

from longsum.graphs.builder import build_summarize_graph
from longsum.graphs.services import build_services
from longsum.settings import load_settings

__all__ = ["graph", "make_graph"]


def make_graph() -> Any:
    """The compiled summarization graph from the environment's settings, no checkpointer."""
    return build_summarize_graph(build_services(load_settings()))


graph = make_graph()
"""The graph langgraph.json points at."""

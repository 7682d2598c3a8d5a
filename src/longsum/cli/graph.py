"""``longsum graph``: the summarization graph as a Mermaid diagram."""

from __future__ import annotations

import sys

from longsum.cli.app import app, guarded
from longsum.settings import load_settings


@app.command()
def graph() -> None:
    """Print the compiled summarization graph as Mermaid (paste it into a Markdown file or
    https://mermaid.live). No model or embedder is loaded: the wiring does not depend on
    them."""
    from longsum.graphs.builder import build_summarize_graph

    compiled = build_summarize_graph(guarded(load_settings))
    # LangGraph draws by stepping the graph on empty inputs, and computes node cache keys on
    # them, which summarize_chunk's key function cannot do; caching changes no edge.
    for node in compiled.nodes.values():
        node.cache_policy = None
    sys.stdout.write(compiled.get_graph().draw_mermaid())

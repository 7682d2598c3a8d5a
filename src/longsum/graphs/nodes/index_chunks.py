"""``index_chunks``: embed every chunk into the vector index keyed by the transcript."""

from __future__ import annotations

from contextlib import nullcontext
from typing import Any

from langgraph.runtime import Runtime

from longsum.graphs.context import Context, services_of
from longsum.graphs.state import SummarizeState

__all__ = ["index_chunks"]


def index_chunks(state: SummarizeState, runtime: Runtime[Context]) -> dict[str, Any]:
    """Index the chunks (a no-op when this transcript is already indexed the same way);
    keep their embeddings for planning.

    The spans are embedded in batches; after each, ``{"indexing": done, "total": n}`` (spans
    embedded of those new to the embedder) goes to LangGraph's custom stream, for progress.
    """
    from longsum.memory.span_embeddings import CachedEmbedder
    from longsum.memory.vectorstore import collection_name

    services = services_of(runtime)
    info, chunks = state["transcript"], state["chunks"]
    name = collection_name(
        info.content_hash,
        embedder=services.chunk_embedder.name,
        max_tokens=info.max_tokens,
        overlap_tokens=info.overlap_tokens,
    )
    index = services.index(name)
    ids = [c.id for c in chunks]
    embedder = services.embedder

    def tell(done: int, total: int) -> None:
        runtime.stream_writer({"indexing": done, "total": total})

    with embedder.reporting(tell) if isinstance(embedder, CachedEmbedder) else nullcontext():
        index.ensure(
            ids,
            [c.own_text for c in chunks],
            [
                {
                    "index": c.index,
                    "start": c.start if c.start is not None else -1.0,
                    "end": c.end if c.end is not None else -1.0,
                }
                for c in chunks
            ],
        )
    return {"collection": name, "embeddings": index.embeddings(ids).tolist()}

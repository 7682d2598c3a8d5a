"""The summarization graph, wired as the pipeline reads:

split the transcript, index its chunks, summarize each chunk (in parallel), collapse the
notes while they exceed the budget, plan five sections, retrieve related chunks for each,
write each section (in parallel), write the overview, then validate, and repair while
violations remain and rounds are left.
"""

from __future__ import annotations

from typing import Any

from langgraph.graph import END, START, StateGraph
from langgraph.types import CachePolicy, RetryPolicy, Send, TimeoutPolicy

from longsum.agent.prompts import PROMPT_VERSION
from longsum.agent.structured import RetryableModelError
from longsum.graphs.nodes.collapse_notes import make_collapse_notes, make_route_collapse
from longsum.graphs.nodes.finish_summary import make_fail_summary, make_finish_summary
from longsum.graphs.nodes.index_chunks import make_index_chunks
from longsum.graphs.nodes.plan_sections import make_plan_sections
from longsum.graphs.nodes.repair_summary import make_repair_summary
from longsum.graphs.nodes.retrieve_related import make_retrieve_related
from longsum.graphs.nodes.split_transcript import make_split_transcript
from longsum.graphs.nodes.summarize_chunk import (
    make_summarize_chunk,
    notes_cache_key,
    summarize_chunk_fallback,
)
from longsum.graphs.nodes.validate_summary import make_route_validation, make_validate_summary
from longsum.graphs.nodes.write_overview import make_write_overview
from longsum.graphs.nodes.write_section import make_route_sections, make_write_section
from longsum.graphs.services import Services
from longsum.graphs.state import (
    ChunkTask,
    SectionTask,
    SummarizeInput,
    SummarizeOutput,
    SummarizeState,
)

__all__ = ["build_summarize_graph", "make_route_chunks"]


def make_route_chunks(services: Services) -> Any:
    """The map fan-out after ``index_chunks``: one ``summarize_chunk`` task per chunk."""
    model = services.model_id("map")

    def route_chunks(state: SummarizeState) -> list[Send]:
        """Send every chunk to ``summarize_chunk``."""
        chunks = state["chunks"]
        tasks: list[ChunkTask] = [
            {
                "chunk": chunk,
                "total": len(chunks),
                "model": model,
                "prompt_version": PROMPT_VERSION,
                "run_id": state["run_id"],
            }
            for chunk in chunks
        ]
        return [Send("summarize_chunk", task) for task in tasks]

    return route_chunks


def build_summarize_graph(
    services: Services, *, checkpointer: Any = None, cache: Any = None, name: str = "longsum"
) -> Any:
    """The compiled summarization graph, its nodes bound to ``services``.

    ``checkpointer`` (e.g. langgraph-checkpoint-sqlite's saver) makes runs resumable by
    thread id; ``cache`` (e.g. ``langgraph.cache.sqlite.SqliteCache``) lets a second run on
    the same transcript and map model reuse every chunk's notes. LLM calls in flight are
    bounded by ``settings.concurrency`` (see :meth:`Services.ask`).
    """
    settings = services.settings
    retry = RetryPolicy(max_attempts=settings.llm_attempts, retry_on=RetryableModelError)
    timeout = TimeoutPolicy(run_timeout=settings.llm_timeout)
    llm = {"retry_policy": retry, "timeout": timeout}

    # Typed as Any: StateGraph.add_node's overloads cannot infer a node's input type from
    # a factory-made closure, and each node's own signature is typed in its module.
    graph: Any = StateGraph(
        SummarizeState, input_schema=SummarizeInput, output_schema=SummarizeOutput
    )
    graph.add_node("split_transcript", make_split_transcript(services))
    graph.add_node("index_chunks", make_index_chunks(services))
    graph.add_node(
        "summarize_chunk",
        make_summarize_chunk(services),
        input_schema=ChunkTask,
        cache_policy=CachePolicy(key_func=notes_cache_key),
        error_handler=summarize_chunk_fallback,
        **llm,
    )
    graph.add_node("collapse_notes", make_collapse_notes(services), **llm)
    graph.add_node("plan_sections", make_plan_sections(services))
    graph.add_node("retrieve_related", make_retrieve_related(services))
    graph.add_node("write_section", make_write_section(services), input_schema=SectionTask, **llm)
    graph.add_node("write_overview", make_write_overview(services), **llm)
    graph.add_node("validate_summary", make_validate_summary(services))
    graph.add_node("repair_summary", make_repair_summary(services), **llm)
    graph.add_node("finish_summary", make_finish_summary(services))
    graph.add_node("fail_summary", make_fail_summary(services))

    graph.add_edge(START, "split_transcript")
    graph.add_edge("split_transcript", "index_chunks")
    graph.add_conditional_edges("index_chunks", make_route_chunks(services), ["summarize_chunk"])
    graph.add_edge("summarize_chunk", "collapse_notes")
    graph.add_conditional_edges(
        "collapse_notes", make_route_collapse(services), ["collapse_notes", "plan_sections"]
    )
    graph.add_edge("plan_sections", "retrieve_related")
    graph.add_conditional_edges(
        "retrieve_related", make_route_sections(services), ["write_section"]
    )
    graph.add_edge("write_section", "write_overview")
    graph.add_edge("write_overview", "validate_summary")
    graph.add_conditional_edges(
        "validate_summary",
        make_route_validation(services),
        ["finish_summary", "repair_summary", "fail_summary"],
    )
    graph.add_edge("repair_summary", "validate_summary")
    graph.add_edge("finish_summary", END)
    graph.add_edge("fail_summary", END)
    return graph.compile(checkpointer=checkpointer, cache=cache, name=name)

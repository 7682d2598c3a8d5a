"""The summarization graph, wired as the pipeline reads:

split the transcript, index its chunks, summarize each chunk (in parallel), collapse the
notes while they exceed the budget, plan five sections, retrieve related chunks for each,
write each section (in parallel), write the overview, then validate, and repair while
violations remain and rounds are left.

Nodes are plain functions; what they call out to reaches them through the graph's context
(:class:`~longsum.graphs.context.Context`), so one compiled graph serves every model and
every test. :func:`build_summarize_graph` is the one place it is built.
"""

from __future__ import annotations

from typing import Any, Literal

from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime
from langgraph.types import CachePolicy, Send

from longsum.contract import SECTION_COUNT
from longsum.graphs.context import DEFAULT_CONTEXT_KEY, Context, services_of
from longsum.graphs.nodes.collapse_notes import collapse_notes
from longsum.graphs.nodes.finish_summary import fail_summary, finish_summary
from longsum.graphs.nodes.index_chunks import index_chunks
from longsum.graphs.nodes.plan_sections import plan_sections
from longsum.graphs.nodes.repair_summary import repair_summary
from longsum.graphs.nodes.retrieve_related import retrieve_related
from longsum.graphs.nodes.split_transcript import split_transcript
from longsum.graphs.nodes.summarize_chunk import (
    notes_cache_key,
    summarize_chunk,
    summarize_chunk_fallback,
)
from longsum.graphs.nodes.validate_summary import validate_summary
from longsum.graphs.nodes.write_overview import write_overview
from longsum.graphs.nodes.write_section import write_section
from longsum.graphs.notes import notes_tokens
from longsum.graphs.sections import section_task
from longsum.graphs.state import (
    ChunkTask,
    SectionTask,
    SummarizeInput,
    SummarizeOutput,
    SummarizeState,
)
from longsum.settings import Settings

__all__ = [
    "build_summarize_graph",
    "route_chunks",
    "route_collapse",
    "route_sections",
    "route_validation",
]


def route_chunks(state: SummarizeState, runtime: Runtime[Context]) -> list[Send]:
    """The map fan-out after ``index_chunks``: one ``summarize_chunk`` task per chunk."""
    services = services_of(runtime)
    model, version = services.model_id("map"), services.map_writer.version
    chunks = state["chunks"]
    tasks: list[ChunkTask] = [
        {
            "chunk": chunk,
            "total": len(chunks),
            "model": model,
            "prompt_version": version,
            "run_id": state["run_id"],
        }
        for chunk in chunks
    ]
    return [Send("summarize_chunk", task) for task in tasks]


def route_collapse(
    state: SummarizeState, runtime: Runtime[Context]
) -> Literal["collapse_notes", "plan_sections"]:
    """Collapse again while over budget, with room to shrink, under the depth bound."""
    services = services_of(runtime)
    settings, notes = services.settings, state["notes"]
    over = notes_tokens(notes, services.tokenizer) > settings.reduce_budget
    if (
        over
        and len(notes) > SECTION_COUNT
        and state["collapse_depth"] < settings.max_collapse_depth
    ):
        return "collapse_notes"
    return "plan_sections"


def route_sections(state: SummarizeState) -> list[Send]:
    """The fan-out after ``retrieve_related``: each section is sent its own notes and its
    related chunks' notes."""
    return [Send("write_section", section_task(state, plan)) for plan in state["plan"]]


def route_validation(
    state: SummarizeState, runtime: Runtime[Context]
) -> Literal["finish_summary", "repair_summary", "fail_summary"]:
    """Finish when valid; repair while rounds are left; otherwise finish when only a
    reader's violations are left (the contract holds; they are reported), else fail."""
    violations = state["violations"]
    if not violations:
        return "finish_summary"
    bound = services_of(runtime).settings.max_repair_rounds
    if state.get("repair_round", 0) < bound:
        return "repair_summary"
    if all(v.get("kind") == "reader" for v in violations):
        return "finish_summary"
    return "fail_summary"


def build_summarize_graph(
    settings: Settings | None = None,
    *,
    context: Context | None = None,
    checkpointer: Any = None,
    cache: Any = None,
    name: str = "longsum",
) -> Any:
    """The compiled summarization graph.

    Everything a run uses, its retry and timeout policy included (each model call is
    retried and timed on its own, see :mod:`longsum.agent.retrying`), comes from the
    :class:`Context` it is given (``graph.ainvoke(input, context=Context(...))``), or else
    from ``context`` given here, which the graph then carries as its default. ``settings``
    is accepted for callers that pass it; nothing compiled in depends on it any more.

    ``checkpointer`` (e.g. langgraph-checkpoint-sqlite's saver) makes runs resumable by
    thread id; ``cache`` (e.g. ``langgraph.cache.sqlite.SqliteCache``) lets a second run on
    the same transcript and map model reuse every chunk's notes.
    """
    del settings  # kept in the signature: build_graph and older callers pass it

    # Typed as Any: StateGraph.add_node's overloads cannot infer the input type of a node
    # sent a task payload (ChunkTask, SectionTask) rather than the state.
    graph: Any = StateGraph(
        SummarizeState,
        context_schema=Context,
        input_schema=SummarizeInput,
        output_schema=SummarizeOutput,
    )
    graph.add_node(split_transcript)
    graph.add_node(index_chunks)
    graph.add_node(
        summarize_chunk,
        input_schema=ChunkTask,
        cache_policy=CachePolicy(key_func=notes_cache_key),
        error_handler=summarize_chunk_fallback,
    )
    graph.add_node(collapse_notes)
    graph.add_node(plan_sections)
    graph.add_node(retrieve_related)
    graph.add_node(write_section, input_schema=SectionTask)
    graph.add_node(write_overview)
    graph.add_node(validate_summary)
    graph.add_node(repair_summary)
    graph.add_node(finish_summary)
    graph.add_node(fail_summary)

    graph.add_edge(START, "split_transcript")
    graph.add_edge("split_transcript", "index_chunks")
    graph.add_conditional_edges("index_chunks", route_chunks, ["summarize_chunk"])
    graph.add_edge("summarize_chunk", "collapse_notes")
    graph.add_conditional_edges(
        "collapse_notes", route_collapse, ["collapse_notes", "plan_sections"]
    )
    graph.add_edge("plan_sections", "retrieve_related")
    graph.add_conditional_edges("retrieve_related", route_sections, ["write_section"])
    graph.add_edge("write_section", "write_overview")
    graph.add_edge("write_overview", "validate_summary")
    graph.add_conditional_edges(
        "validate_summary", route_validation, ["finish_summary", "repair_summary", "fail_summary"]
    )
    graph.add_edge("repair_summary", "validate_summary")
    graph.add_edge("finish_summary", END)
    graph.add_edge("fail_summary", END)
    compiled = graph.compile(checkpointer=checkpointer, cache=cache, name=name)
    if context is not None:
        compiled = compiled.with_config(configurable={DEFAULT_CONTEXT_KEY: context})
    return compiled

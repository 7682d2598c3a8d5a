"""Baseline 2: the plain map-reduce of LangGraph's summarization tutorial.

The graph is the tutorial's: ``generate_summary`` runs once per chunk (fanned out with
``Send``), ``collect_summaries`` gathers them, ``collapse_summaries`` condenses them in
groups while their total exceeds ``token_max``, and ``generate_final_summary`` makes one
call. No planning, no retrieval, no validation, no repair. Its departures from the
tutorial, each needed to compare it with longsum:

* chunks come from longsum's own chunker (:func:`~longsum.tools.chunking.chunk_transcript`
  on the parsed transcript, no overlap like the tutorial's splitter), so both pipelines
  read the same token-bounded, utterance-aligned pieces;
* the final call asks for the contract JSON
  (:data:`~longsum_eval.baseline_prompts.FINAL_CONTRACT`) instead of free prose;
* summaries are joined with blank lines in the reduce prompt (the tutorial formats a list
  of ``Document`` reprs into it) and kept in chunk order;
* the tutorial's ``split_list_of_docs`` raises on a summary longer than ``token_max``;
  here such a summary is collapsed alone, a last lone one goes to the final call as it
  is, and collapsing stops once a round no longer shrinks the total or after
  :data:`MAX_COLLAPSE_LEVELS` rounds (the tutorial relies on LangGraph's recursion limit);
* model calls run at most ``concurrency`` at a time (a semaphore), and each group of a
  collapse round runs concurrently instead of one after another.
"""

from __future__ import annotations

import asyncio
import operator
import time
from collections.abc import Sequence
from typing import Annotated, Any, Literal, TypedDict

from langchain_core.language_models import BaseChatModel
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.types import Send

from longsum.errors import ConfigError
from longsum.tools.chunking import chunk_transcript
from longsum.tools.parsing import parse_text
from longsum.tools.tokens import Tokenizer
from longsum_eval.baseline_prompts import FINAL_CONTRACT, MAP_SUMMARY, REDUCE_SUMMARIES
from longsum_eval.baselines.common import (
    BaselineRun,
    call_model,
    parse_json_object,
    prepare_model,
)

__all__ = ["MAX_COLLAPSE_LEVELS", "group_summaries", "run_map_reduce", "split_chunks"]

MAX_COLLAPSE_LEVELS = 10
"""Most collapse rounds before the final call. Halving per round, 10 rounds condense ~1000
chunk summaries; more means the model's summaries are not getting shorter."""


class _State(TypedDict, total=False):
    contents: list[str]
    summaries: Annotated[list[tuple[int, str]], operator.add]
    collapsed_summaries: list[str]
    collapse_levels: int
    last_total: int
    final_summary: str


class _ChunkState(TypedDict):
    index: int
    content: str


def split_chunks(text: str, tokenizer: Tokenizer, chunk_tokens: int) -> list[str]:
    """The texts of longsum's chunks of ``text``: at most ``chunk_tokens`` tokens each, cut
    at utterance ends (see :mod:`longsum.tools.chunking`), without overlap."""
    transcript = parse_text(text)
    chunks = chunk_transcript(
        transcript, max_tokens=chunk_tokens, overlap_tokens=0, tokenizer=tokenizer
    )
    return [chunk.text for chunk in chunks]


def group_summaries(sizes: Sequence[int], token_max: int) -> list[list[int]]:
    """Consecutive groups of summary indices, each within ``token_max`` tokens by ``sizes``
    (the tutorial's ``split_list_of_docs``); a summary larger than ``token_max`` by itself
    makes a group of its own instead of an error."""
    groups: list[list[int]] = []
    current: list[int] = []
    used = 0
    for index, size in enumerate(sizes):
        if current and used + size > token_max:
            groups.append(current)
            current, used = [], 0
        current.append(index)
        used += size
    if current:
        groups.append(current)
    return groups


def _build(
    model: BaseChatModel,
    tokenizer: Tokenizer,
    token_max: int,
    semaphore: asyncio.Semaphore,
    calls: list[dict[str, Any]],
    notes: list[str],
) -> CompiledStateGraph[Any, Any, Any, Any]:
    """The tutorial's graph, its nodes closed over this run's model and records."""

    def length(summaries: Sequence[str]) -> int:
        return sum(tokenizer.count_many(list(summaries))) if summaries else 0

    async def ask(node: str, messages: Any) -> str:
        return await call_model(
            model,
            messages,
            node=node,
            tokenizer=tokenizer,
            calls=calls,
            notes=notes,
            semaphore=semaphore,
        )

    async def generate_summary(state: _ChunkState) -> dict[str, Any]:
        text = await ask("generate_summary", MAP_SUMMARY.format_messages(context=state["content"]))
        return {"summaries": [(state["index"], text)]}

    def map_summaries(state: _State) -> list[Send]:
        return [
            Send("generate_summary", {"index": i, "content": content})
            for i, content in enumerate(state["contents"])
        ]

    def collect_summaries(state: _State) -> dict[str, Any]:
        # Branches finish in any order; LangGraph applies their writes in task order, and
        # the sort keeps the reduce reading chunk order even if that ever changes.
        ordered = [text for _, text in sorted(state["summaries"], key=operator.itemgetter(0))]
        return {"collapsed_summaries": ordered, "collapse_levels": 0, "last_total": -1}

    async def collapse_summaries(state: _State) -> dict[str, Any]:
        summaries = state["collapsed_summaries"]
        sizes = tokenizer.count_many(summaries)
        groups = group_summaries(sizes, token_max)
        merged = await asyncio.gather(
            *(
                ask(
                    "collapse_summaries",
                    REDUCE_SUMMARIES.format_messages(docs="\n\n".join(summaries[i] for i in g)),
                )
                for g in groups
            )
        )
        return {
            "collapsed_summaries": list(merged),
            "collapse_levels": state["collapse_levels"] + 1,
            "last_total": sum(sizes),
        }

    def should_collapse(
        state: _State,
    ) -> Literal["collapse_summaries", "generate_final_summary"]:
        summaries = state["collapsed_summaries"]
        total = length(summaries)
        stalled = 0 <= state["last_total"] <= total  # the last round did not shrink them
        capped = state["collapse_levels"] >= MAX_COLLAPSE_LEVELS
        if total > token_max and len(summaries) > 1 and not (stalled or capped):
            return "collapse_summaries"
        return "generate_final_summary"

    async def generate_final_summary(state: _State) -> dict[str, Any]:
        joined = "\n\n".join(state["collapsed_summaries"])
        text = await ask("generate_final_summary", FINAL_CONTRACT.format_messages(summaries=joined))
        return {"final_summary": text}

    graph = StateGraph(_State)
    graph.add_node("generate_summary", generate_summary)
    graph.add_node("collect_summaries", collect_summaries)
    graph.add_node("collapse_summaries", collapse_summaries)
    graph.add_node("generate_final_summary", generate_final_summary)
    graph.add_conditional_edges(START, map_summaries, ["generate_summary"])
    graph.add_edge("generate_summary", "collect_summaries")
    graph.add_conditional_edges("collect_summaries", should_collapse)
    graph.add_conditional_edges("collapse_summaries", should_collapse)
    graph.add_edge("generate_final_summary", END)
    return graph.compile()


async def run_map_reduce(
    model: BaseChatModel,
    text: str,
    *,
    tokenizer: Tokenizer,
    chunk_tokens: int = 3000,
    token_max: int = 4000,
    concurrency: int = 4,
    max_output_tokens: int = 1500,
) -> BaselineRun:
    """Summarize ``text`` with the tutorial's map-reduce (see the module doc).

    ``chunk_tokens`` bounds a chunk, ``token_max`` the summaries' total before the final
    call, ``concurrency`` the model calls in flight, ``max_output_tokens`` every answer.
    Raises :class:`~longsum.errors.InputError` for an empty transcript and
    :class:`~longsum.errors.ConfigError` for unusable sizes.
    """
    if concurrency < 1 or token_max < 1:
        raise ConfigError(
            f"concurrency and token_max must be at least 1, got {concurrency} and {token_max}"
        )
    started = time.perf_counter()
    contents = split_chunks(text, tokenizer, chunk_tokens)
    calls: list[dict[str, Any]] = []
    notes = [f"{len(contents)} chunk(s) of at most {chunk_tokens} tokens"]
    app = _build(
        prepare_model(model, max_output_tokens),
        tokenizer,
        token_max,
        asyncio.Semaphore(concurrency),
        calls,
        notes,
    )
    # Steps: the map, the collect, the collapse rounds and the final call, with room to spare.
    limit = MAX_COLLAPSE_LEVELS + 10
    state = await app.ainvoke({"contents": contents}, {"recursion_limit": limit})
    raw = str(state["final_summary"])
    summary = parse_json_object(raw)
    levels = int(state.get("collapse_levels", 0))
    if levels >= MAX_COLLAPSE_LEVELS:
        notes.append(f"collapsing stopped at its limit of {levels} rounds")
    if summary is None:
        notes.append("the answer holds no JSON object")
    return BaselineRun(
        summary=summary,
        raw=raw,
        calls=calls,
        wall_s=time.perf_counter() - started,
        collapse_levels=levels,
        notes=notes,
    )

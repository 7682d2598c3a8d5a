"""Running the summarization graph: the Python API behind the CLI.

``summarize`` / ``asummarize`` run the whole graph and return the validated contract;
``run_summary`` returns the extended result too. A ``thread_id`` checkpoints the run to
SQLite, so a run killed during the map resumes where it stopped; chunk notes are cached
by (chunk text, prompt version, model) across runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from longsum.contract import Summary
from longsum.errors import ConfigError, InputError, ModelError
from longsum.graphs.builder import build_summarize_graph
from longsum.graphs.context import Context
from longsum.graphs.services import Services, build_services
from longsum.inputs import transcript_source
from longsum.memory.runs import RunRecord
from longsum.settings import Settings, load_settings

__all__ = ["RunResult", "asummarize", "build_graph", "run_summary", "summarize"]

ProgressHook = Callable[[str, dict[str, Any]], None]


@dataclass
class RunResult:
    """A finished run: the contract summary, everything beyond it, and the wall time."""

    summary: Summary
    """The validated contract summary."""
    extended: dict[str, Any]
    """Sections' times and sources, notes, retrieval hits, repairs, token usage."""
    wall_s: float
    """Wall time of this invocation, in seconds."""
    thread_id: str | None
    """The checkpoint thread, when the run was checkpointed."""


def build_graph(
    model: Any = None,
    *,
    services: Services | None = None,
    checkpointer: Any = None,
    cache: Any = None,
    **options: Any,
) -> Any:
    """The compiled summarization graph, usable on its own or as a node of another graph.

    ``model`` is a ``provider:model`` string or a LangChain chat model; ``options`` are
    :class:`~longsum.settings.Settings` fields; ``services`` are ready-made dependencies
    (e.g. fakes). They become the graph's default context: a run may still pass its own
    (``graph.ainvoke(input, context=longsum.Context(model=...))``), and a run of the graph
    built with none of them reads the environment's settings.
    """
    settings = services.settings if services is not None else load_settings(**options)
    context = None
    if services is not None:
        context = Context(services=services)
    elif model is not None and not isinstance(model, str):  # a chat model object
        context = Context(services=build_services(settings, model=model))
    elif model is not None or options:
        context = Context(model=model, settings=options)
    return build_summarize_graph(settings, context=context, checkpointer=checkpointer, cache=cache)


def _input(text_or_path: str | Path) -> dict[str, Any]:
    """The graph input for a transcript given as text, a path, or ``-`` (standard input);
    see :func:`~longsum.inputs.transcript_source` (a missing path-shaped string raises)."""
    if text_or_path == "-":
        return {"path": "-"}
    source = transcript_source(text_or_path)
    return {"path": str(source)} if isinstance(source, Path) else {"text": source}


@contextlib.asynccontextmanager
async def _persistence(settings: Settings, thread_id: str | None) -> AsyncIterator[tuple[Any, Any]]:
    from longsum.memory.checkpoints import open_checkpointer, open_node_cache

    cache = open_node_cache(settings.cache_dir / "node-cache.sqlite")
    if thread_id is None:
        yield None, cache
        return
    async with open_checkpointer(settings.cache_dir / "checkpoints.sqlite") as saver:
        yield saver, cache


async def run_summary(
    text_or_path: str | Path,
    *,
    model: Any = None,
    services: Services | None = None,
    thread_id: str | None = None,
    on_event: ProgressHook | None = None,
    speakers: dict[str, str] | None = None,
    title: str | None = None,
    **options: Any,
) -> RunResult:
    """Run the graph on a transcript (text, or a path) and return the whole result.

    With ``thread_id`` the run is checkpointed; calling again with the same id resumes an
    unfinished run (finished chunks are not summarized again) or returns the finished one,
    on the same transcript only: an id that holds a run on another one raises
    :class:`~longsum.errors.ConfigError` (the earlier summary is no answer to it).
    ``on_event(node, update)`` is called for every node update, for progress displays, and
    with ``{"progress": {"indexing": done, "total": n}}`` as ``index_chunks`` embeds.
    ``speakers`` names a diarizer's labels (``{"SPEAKER_00": "Naval"}``). ``title`` is the
    document's title (``extended["transcript"]["title"]``, the Markdown heading); without
    it the title is the source's own, else the cleaned file name (see
    :mod:`longsum.tools.titles`).

    Every run is recorded in ``settings.runs_dir() / run_id`` (the thread id, else a new
    uuid): its trace, its ``meta.json`` (also when it fails) and its result; see
    :mod:`longsum.memory.runs`. ``longsum runs`` and ``longsum trace`` show them.

    A summary that still breaks the contract after every repair round raises
    :class:`~longsum.errors.SummaryValidationError` carrying the run's ``run_id`` and its
    ``extended`` result up to the failure (call records, repair rounds used, sections).
    """
    given = _input(text_or_path)  # a missing file fails here, before any model is loaded
    settings = services.settings if services is not None else load_settings(**options)
    if services is None:
        services = build_services(settings, model=model)
    began = time.perf_counter()
    if thread_id is not None:  # before the record: a refused run must not touch the thread's
        given = await _same_transcript(settings, thread_id, given)
    run_id = thread_id or uuid.uuid4().hex
    graph_input: dict[str, Any] | None = given
    record = RunRecord(
        settings,
        run_id,
        source=_source(given),
        engine=services.engine,
        models={"map": services.model_id("map"), "reduce": services.model_id("reduce")},
        thread_id=thread_id,
    )
    with record:
        async with _persistence(settings, thread_id) as (checkpointer, cache):
            graph = build_summarize_graph(settings, checkpointer=checkpointer, cache=cache)
            context = Context(services=services)
            # Added to the callbacks list, not as a manager: LangSmith's tracer still joins.
            config: dict[str, Any] = {"recursion_limit": 100, "callbacks": [record.tracer]}
            if thread_id is not None:
                config["configurable"] = {"thread_id": thread_id}
                snapshot = await graph.aget_state(config)
                if snapshot.values and snapshot.next:
                    graph_input = None  # resume where the run stopped
                elif snapshot.values.get("summary"):
                    record.finished(snapshot.values["summary"], snapshot.values["extended"])
                    return _result(snapshot.values, began, thread_id)
            if graph_input is not None:
                graph_input["run_id"] = run_id
                if speakers:
                    graph_input["speakers"] = dict(speakers)
                if title is not None:
                    graph_input["title"] = title
            final: dict[str, Any] = {}
            finished = 0  # chunks whose notes the model wrote (kept in the node cache)
            try:
                async for mode, chunk in graph.astream(
                    graph_input,
                    config,
                    context=context,
                    stream_mode=["updates", "values", "custom"],
                ):
                    if mode == "values":
                        final = chunk
                        continue
                    if mode == "custom":  # a node's own progress, e.g. index_chunks'
                        if on_event is not None and isinstance(chunk, dict):
                            on_event("index_chunks", {"progress": chunk})
                        continue
                    cached = "__metadata__" in chunk
                    for node, update in chunk.items():
                        if node == "__metadata__":
                            continue
                        finished += node == "summarize_chunk"
                        if cached:
                            record.tracer.cached(node, update)
                        if on_event is not None:
                            on_event(node, {"update": update, "cached": cached})
            except ModelError as exc:
                raise ModelError(_resumable(exc, finished, len(final.get("chunks", [])))) from None
        if not final.get("summary"):
            raise InputError("the graph ended without a summary")  # pragma: no cover
        record.finished(final["summary"], final["extended"])
        return _result(final, began, thread_id)


def _resumable(exc: ModelError, finished: int, chunks: int) -> str:
    """A model failure's line, with what is kept and how to go on from it."""
    if not chunks:
        return str(exc)
    if not finished:
        return f"{exc}; no chunk's notes were written: check the provider, then run again"
    return (
        f"{exc}; {finished} of {chunks} chunks' notes are kept: run the same command again "
        "to resume (their notes are not asked for again)"
    )


async def _same_transcript(
    settings: Settings, thread_id: str, given: dict[str, Any]
) -> dict[str, Any]:
    """``given``, once sure the checkpointed thread ``thread_id`` (if any) holds a run on
    the same transcript; otherwise a :class:`~longsum.errors.ConfigError`, as resuming it
    would silently answer with the other transcript's summary.

    Standard input, read to compare it, comes back as the graph input's text (it cannot
    be read twice).
    """
    from longsum.memory.checkpoints import open_checkpointer, thread_values
    from longsum.tools.parsing import content_hash, read_text

    async with open_checkpointer(settings.cache_dir / "checkpoints.sqlite") as saver:
        held = await thread_values(saver, thread_id)
    if not held:
        return given
    info = held.get("transcript")
    if info is None:  # stopped before its transcript was read: compare what it was given
        if (held.get("text"), held.get("path")) == (given.get("text"), given.get("path")):
            return given
        what = f"given {_source(held)}"
    else:
        text = given.get("text")
        if text is None:
            text, source = read_text(
                given["path"],
                encoding=settings.text_encoding,
                max_bytes=int(settings.max_input_mb * 1024 * 1024),
            )
            if given["path"] == "-":
                given = {"text": text, "source": source}
        if content_hash(text) == info.content_hash:
            return given
        what = f"{info.source}, sha256 {info.content_hash[:12]}"
    raise ConfigError(
        f"thread {thread_id!r} already holds a run on another transcript ({what}); "
        "use a new --thread-id (thread_id) or omit it"
    )


def _source(graph_input: dict[str, Any]) -> str:
    if graph_input.get("source"):
        return str(graph_input["source"])
    path = graph_input.get("path")
    return "<text>" if path is None else "<stdin>" if path == "-" else str(path)


def _result(values: dict[str, Any], began: float, thread_id: str | None) -> RunResult:
    return RunResult(
        summary=Summary.model_validate(values["summary"]),
        extended=values["extended"],
        wall_s=time.perf_counter() - began,
        thread_id=thread_id,
    )


async def asummarize(
    text_or_path: str | Path,
    model: Any = None,
    *,
    speakers: dict[str, str] | None = None,
    title: str | None = None,
    **options: Any,
) -> Summary:
    """Summarize a transcript (text or path); return the validated contract summary.
    ``speakers`` names a diarizer's labels (``{"SPEAKER_00": "Naval"}``); ``title`` names
    the document in the run's record (see :func:`run_summary`)."""
    result = await run_summary(text_or_path, model=model, speakers=speakers, title=title, **options)
    return result.summary


def summarize(
    text_or_path: str | Path,
    model: Any = None,
    *,
    speakers: dict[str, str] | None = None,
    title: str | None = None,
    **options: Any,
) -> Summary:
    """Synchronous :func:`asummarize` (not from inside a running event loop)."""
    return asyncio.run(
        asummarize(text_or_path, model=model, speakers=speakers, title=title, **options)
    )

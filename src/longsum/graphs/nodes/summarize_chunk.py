"""``summarize_chunk``: the map step, one task per chunk (sent with ``Send``)."""

from __future__ import annotations

import hashlib
import re
from typing import Any

from langgraph.errors import NodeError
from langgraph.runtime import Runtime
from langgraph.types import Command

from longsum.agent.answers import CallRecord, FatalModelError
from longsum.agent.schemas import ChunkNotesDraft
from longsum.errors import ConfigError
from longsum.graphs.context import Context, services_of
from longsum.graphs.services import record
from longsum.graphs.state import ChunkNotes, ChunkTask
from longsum.masking import one_line
from longsum.tools.chunking import Chunk

__all__ = [
    "chunk_notes",
    "grounded",
    "notes_cache_key",
    "summarize_chunk",
    "summarize_chunk_fallback",
    "unlooped",
]

_LOOP = re.compile(r"(\w.{7,}?)(?:\W*\1){2,}\W*", re.DOTALL)


def notes_cache_key(task: ChunkTask) -> str:
    """Chunk notes are cached by (chunk text, prompt version, model), nothing else: a second
    run on the same transcript and model makes no map calls. A task without a chunk (the
    placeholder ``get_graph()`` passes when it draws the graph) gets a key of its own."""
    if not isinstance(task, dict) or "chunk" not in task:
        return "no-chunk"
    chunk = task["chunk"]
    # Over a LangGraph server a task arrives deserialized: its chunk may be a plain dict.
    text = chunk["text"] if isinstance(chunk, dict) else chunk.text
    material = "\x1f".join((text, task["prompt_version"], task["model"]))
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def grounded(items: list[str], text: str) -> list[str]:
    """The terms or names that occur in ``text`` (small models invent plausible ones, which
    would then surface as a section's topics)."""
    haystack = text.casefold()
    return [item for item in items if item.strip() and item.strip().casefold() in haystack]


def unlooped(points: list[str]) -> list[str]:
    """The key points with a phrase repeated three or more times in a row said once, and
    without repeats: what is left of a small model's loop once its string was cut short."""
    kept: list[str] = []
    for point in points:
        text = point
        while loop := _LOOP.search(text):
            phrase, rest = loop.group(1), text[loop.end() :]
            if phrase.startswith(rest.strip()):
                rest = ""  # the cut-off start of one more repeat
            text = f"{text[: loop.start()]}{phrase} {rest}"
        text = text.strip(" ,;")
        if text and text.casefold() not in {k.casefold() for k in kept}:
            kept.append(text)
    return kept


def chunk_notes(chunk: Chunk, draft: ChunkNotesDraft, *, degraded: bool = False) -> ChunkNotes:
    """The notes as kept: the draft's, with terms and names that the chunk really holds."""
    return ChunkNotes(
        chunk_ids=[chunk.id],
        first=chunk.index,
        last=chunk.index,
        start=chunk.start,
        end=chunk.end,
        topic=draft.topic,
        key_points=unlooped(draft.key_points),
        terms=grounded(draft.terms, chunk.text),
        names=grounded(draft.names, chunk.text),
        degraded=degraded,
    )


async def summarize_chunk(task: ChunkTask, runtime: Runtime[Context]) -> dict[str, Any]:
    """Ask the map writer for one chunk's notes."""
    chunk = task["chunk"]
    draft, records = await services_of(runtime).map_writer.chunk_notes(chunk, task["total"])
    return {
        "chunk_notes": [chunk_notes(chunk, draft)],
        "calls": [record(rec, task["run_id"]) for rec in records],
    }


SYNC_DRIVEN = (
    "the longsum graph runs its model calls asynchronously (with timeouts): drive it with "
    "ainvoke/astream, or call longsum.summarize() from synchronous code"
)


def summarize_chunk_fallback(
    task: ChunkTask, error: NodeError, runtime: Runtime[Context]
) -> Command[str]:
    """Error handler: when a chunk's call fails after its retries, the run goes on with the
    fallback writer's notes on the chunk (taken without a model), marked degraded and
    reported, instead of losing hours of work. What no other chunk would escape (a refused
    key, a missing model, a provider given up on:
    :class:`~longsum.agent.answers.FatalModelError`) is marked fatal, and stops the run once
    the map step is done (raised here, it could be lost among the step's other handlers).
    A graph driven synchronously is a caller's mistake, said at once."""
    cause = error.error
    if isinstance(cause, ValueError | TypeError) and "async" in str(cause):
        raise ConfigError(SYNC_DRIVEN) from cause
    chunk = task["chunk"]
    notes = chunk_notes(chunk, services_of(runtime).fallback.notes_of(chunk), degraded=True)
    spent = getattr(cause, "record", None)
    update = {
        "chunk_notes": [notes],
        "repairs": [
            {
                "node": "summarize_chunk",
                "chunk": chunk.id,
                "degraded": True,
                # check_map stops the run on it after the map step.
                "fatal": isinstance(cause, FatalModelError),
                "error": one_line(str(cause) or type(cause).__name__, 300),
            }
        ],
        "calls": [record(spent, task["run_id"])] if isinstance(spent, CallRecord) else [],
    }
    # A handler's plain update ends the graph when no task of the step succeeded (every
    # chunk failed): the run must go on to collapse_notes, which says so.
    return Command(update=update, goto="collapse_notes")

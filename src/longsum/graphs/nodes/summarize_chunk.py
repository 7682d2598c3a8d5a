"""``summarize_chunk``: the map step, one task per chunk (sent with ``Send``)."""

from __future__ import annotations

import hashlib
import re
from typing import Any

from langgraph.errors import NodeError
from langgraph.runtime import Runtime

from longsum.agent.schemas import ChunkNotesDraft
from longsum.errors import ConfigError
from longsum.graphs.context import Context, services_of
from longsum.graphs.services import record
from longsum.graphs.state import ChunkNotes, ChunkTask
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
    material = "\x1f".join((task["chunk"].text, task["prompt_version"], task["model"]))
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
) -> dict[str, Any]:
    """Error handler: when a chunk's calls fail after their retries, the run goes on with
    the fallback writer's notes on the chunk (taken without a model), marked degraded,
    instead of losing hours of work. A graph driven synchronously is not a failing model:
    that is said at once."""
    if isinstance(error.error, ValueError | TypeError) and "async" in str(error.error):
        raise ConfigError(SYNC_DRIVEN) from error.error
    chunk = task["chunk"]
    notes = chunk_notes(chunk, services_of(runtime).fallback.notes_of(chunk), degraded=True)
    return {
        "chunk_notes": [notes],
        "repairs": [
            {
                "node": "summarize_chunk",
                "chunk": task["chunk"].id,
                "degraded": True,
                "error": f"{type(error.error).__name__}: {error.error}"[:300],
            }
        ],
    }

"""Checkpoints and the node cache, both in SQLite under the cache folder.

A run with a thread id checkpoints every step (langgraph-checkpoint-sqlite), so a run killed
during the map resumes where it stopped; the node cache (``langgraph.cache.sqlite``) keeps
chunk notes across runs. Both deserialize only longsum's own state types besides
LangGraph's safe built-ins: the allowlist is explicit rather than "anything, with a warning".
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

__all__ = ["STATE_TYPES", "open_checkpointer", "open_node_cache", "serializer", "thread_values"]

STATE_TYPES: tuple[tuple[str, str], ...] = (
    ("longsum.tools.chunking", "Chunk"),
    ("longsum.tools.chunking", "Span"),
    ("longsum.graphs.state", "TranscriptInfo"),
    ("longsum.graphs.state", "ChunkNotes"),
    ("longsum.graphs.state", "SectionPlan"),
    ("longsum.graphs.state", "RetrievalHit"),
    ("longsum.graphs.state", "WrittenSection"),
)
"""The classes longsum keeps in graph state, as (module, name)."""


def serializer() -> Any:
    """LangGraph's serializer, allowed to rebuild longsum's state types."""
    from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer

    return JsonPlusSerializer(allowed_msgpack_modules=list(STATE_TYPES))


@contextlib.asynccontextmanager
async def open_checkpointer(path: str | Path) -> AsyncIterator[Any]:
    """An ``AsyncSqliteSaver`` on the SQLite file ``path`` (created if needed)."""
    import aiosqlite
    from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

    Path(path).parent.mkdir(parents=True, exist_ok=True)
    async with aiosqlite.connect(str(path)) as conn:
        try:
            yield AsyncSqliteSaver(conn, serde=serializer())
        finally:
            # A cancelled run can leave a write between its INSERT and its COMMIT: closed
            # so, the connection lingers until garbage collection and keeps the file locked
            # ("database is locked" on the next run in this process). Roll it back first.
            await conn.rollback()


def open_node_cache(path: str | Path) -> Any:
    """A ``SqliteCache`` on the SQLite file ``path``, for node ``cache_policy``."""
    from langgraph.cache.sqlite import SqliteCache

    Path(path).parent.mkdir(parents=True, exist_ok=True)
    for attempt in range(1, 41):
        try:
            return SqliteCache(path=str(path), serde=serializer())
        except sqlite3.OperationalError as exc:
            # Its first statement, PRAGMA journal_mode=WAL, fails at once, without SQLite's
            # busy wait, while another process holds the file (two batch workers starting
            # their first runs together): wait for it, as a busy wait would.
            if "locked" not in str(exc) or attempt == 40:
                raise
            time.sleep(0.05 * attempt)
    raise AssertionError("unreachable")


async def thread_values(saver: Any, thread_id: str) -> dict[str, Any]:
    """The state values of the latest checkpoint of ``thread_id``; empty for a new thread."""
    found = await saver.aget_tuple({"configurable": {"thread_id": thread_id}})
    if found is None:
        return {}
    return dict(found.checkpoint.get("channel_values") or {})

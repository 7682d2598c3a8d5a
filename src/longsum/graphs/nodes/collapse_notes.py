"""``collapse_notes``: condense the notes in groups, in time order, while they exceed the
reduce step's budget; ``route_collapse`` (in the builder) repeats it, up to a hard bound
on depth."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from langgraph.runtime import Runtime

from longsum.contract import SECTION_COUNT
from longsum.errors import ModelError
from longsum.graphs.context import Context, services_of
from longsum.graphs.notes import notes_tokens, working_notes
from longsum.graphs.services import record
from longsum.graphs.state import ChunkNotes, SummarizeState
from longsum.graphs.writers.base import Writer

__all__ = ["check_map", "collapse_notes", "condense", "group_notes"]


def group_notes(
    notes: Sequence[ChunkNotes], sizes: Sequence[int], budget: int
) -> list[list[ChunkNotes]]:
    """Consecutive groups of notes, each within ``budget`` tokens (by ``sizes``) and at least
    two notes long where possible, leaving at least five groups so that sections can still
    be planned at their boundaries."""
    groups: list[list[ChunkNotes]] = []
    current: list[ChunkNotes] = []
    used = 0
    max_groups = max(SECTION_COUNT, len(notes) // 2)
    per_group = -(-len(notes) // max_groups) if len(notes) > SECTION_COUNT else 1
    for note, size in zip(notes, sizes, strict=True):
        if current and (used + size > budget or len(current) >= max(2, per_group)):
            groups.append(current)
            current, used = [], 0
        current.append(note)
        used += size
    if current:
        groups.append(current)
    return groups


async def condense(
    writer: Writer, group: list[ChunkNotes], run_id: str
) -> tuple[ChunkNotes, list[dict[str, Any]]]:
    """One group's notes as one set of notes, keeping its chunk ids and times."""
    if len(group) == 1:
        return group[0], []
    first, last = group[0], group[-1]
    draft, records = await writer.collapse(group)
    merged = ChunkNotes(
        chunk_ids=[cid for n in group for cid in n.chunk_ids],
        first=first.first,
        last=last.last,
        start=first.start,
        end=last.end,
        topic=draft.topic,
        key_points=draft.key_points,
        terms=draft.terms,
        names=draft.names,
        level=max(n.level for n in group) + 1,
        degraded=any(n.degraded for n in group),
    )
    return merged, [record(rec, run_id) for rec in records]


def check_map(state: SummarizeState, model: str) -> None:
    """Raise :class:`~longsum.errors.ModelError` when a chunk's call failed in a way no other
    call escapes (a refused key, a provider given up on), or when the model wrote none of
    the chunks' notes: a summary taken wholly without it is not what was asked for, and a
    dead provider must read as one (exit 4, its cause), never as a summary."""
    failed = [r for r in state.get("repairs", []) if r.get("node") == "summarize_chunk"]
    notes = state.get("chunk_notes", [])
    fatal = next((r for r in failed if r.get("fatal")), None)
    if fatal is not None:
        raise ModelError(
            f"{fatal.get('error', 'unknown')}; {len(failed)} of {len(notes)} chunks failed"
        )
    if notes and all(n.degraded for n in notes):
        raise ModelError(
            f"every one of the {len(notes)} chunks failed at {model}; the first: "
            f"{failed[0].get('error', 'unknown') if failed else 'unknown'}"
        )


async def collapse_notes(state: SummarizeState, runtime: Runtime[Context]) -> dict[str, Any]:
    """Sort the map's notes into time order; if they exceed ``reduce_budget`` tokens,
    condense consecutive groups of them (in parallel), keeping chunk ids and times."""
    services = services_of(runtime)
    settings, tokenizer = services.settings, services.tokenizer
    notes = working_notes(state)
    depth = state.get("collapse_depth", 0)
    if depth == 0:
        check_map(state, services.model_id("map"))
    if notes_tokens(notes, tokenizer) <= settings.reduce_budget or len(notes) <= SECTION_COUNT:
        return {"notes": notes, "collapse_depth": depth}
    sizes = [notes_tokens([n], tokenizer) for n in notes]
    groups = group_notes(notes, sizes, settings.reduce_budget // 2)
    writer = services.reduce_writer
    done = await asyncio.gather(*(condense(writer, g, state["run_id"]) for g in groups))
    return {
        "notes": [merged for merged, _ in done],
        "collapse_depth": depth + 1,
        "calls": [rec for _, records in done for rec in records],
    }

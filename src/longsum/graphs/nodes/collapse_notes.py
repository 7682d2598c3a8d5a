"""``collapse_notes``: condense the notes in groups, in time order, while they exceed the
reduce step's budget; ``route_collapse`` repeats it, up to a hard bound on depth."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Literal

from longsum.agent.prompts import COLLAPSE_NOTES, render
from longsum.agent.schemas import ChunkNotesDraft
from longsum.graphs.notes import notes_text, notes_tokens, span_text, working_notes
from longsum.graphs.services import MIN_SECTIONS, Services, record
from longsum.graphs.state import ChunkNotes, SummarizeState

__all__ = ["group_notes", "make_collapse_notes", "make_route_collapse"]


def group_notes(
    notes: Sequence[ChunkNotes], sizes: Sequence[int], budget: int
) -> list[list[ChunkNotes]]:
    """Consecutive groups of notes, each within ``budget`` tokens (by ``sizes``) and at least
    two notes long where possible, leaving at least five groups so that sections can still
    be planned at their boundaries."""
    groups: list[list[ChunkNotes]] = []
    current: list[ChunkNotes] = []
    used = 0
    max_groups = max(MIN_SECTIONS, len(notes) // 2)
    per_group = -(-len(notes) // max_groups) if len(notes) > MIN_SECTIONS else 1
    for note, size in zip(notes, sizes, strict=True):
        if current and (used + size > budget or len(current) >= max(2, per_group)):
            groups.append(current)
            current, used = [], 0
        current.append(note)
        used += size
    if current:
        groups.append(current)
    return groups


def make_collapse_notes(
    services: Services,
) -> Callable[[SummarizeState], Awaitable[dict[str, Any]]]:
    """The node, bound to ``services``."""
    settings, tokenizer = services.settings, services.tokenizer

    async def condense(
        group: list[ChunkNotes], run_id: str
    ) -> tuple[ChunkNotes, dict[str, Any] | None]:
        if len(group) == 1:
            return group[0], None
        first, last = group[0], group[-1]
        rec = None
        if services.extractive is not None:
            draft = services.extractive.collapse(group)
        else:
            messages = render(
                COLLAPSE_NOTES,
                ChunkNotesDraft,
                count=len(group),
                span=span_text(first.start, last.end),
                notes=notes_text(group),
            )
            draft, rec = await services.ask(
                services.reduce_llm,
                messages,
                ChunkNotesDraft,
                node="collapse_notes",
                max_tokens=settings.notes_max_tokens,
            )
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
        return merged, record(rec, run_id) if rec is not None else None

    async def collapse_notes(state: SummarizeState) -> dict[str, Any]:
        """Sort the map's notes into time order; if they exceed ``reduce_budget`` tokens,
        condense consecutive groups of them (in parallel), keeping chunk ids and times."""
        notes = working_notes(state)
        depth = state.get("collapse_depth", 0)
        if notes_tokens(notes, tokenizer) <= settings.reduce_budget or len(notes) <= MIN_SECTIONS:
            return {"notes": notes, "collapse_depth": depth}
        sizes = [notes_tokens([n], tokenizer) for n in notes]
        groups = group_notes(notes, sizes, settings.reduce_budget // 2)
        done = await asyncio.gather(*(condense(g, state["run_id"]) for g in groups))
        return {
            "notes": [merged for merged, _ in done],
            "collapse_depth": depth + 1,
            "calls": [rec for _, rec in done if rec is not None],
        }

    return collapse_notes


def make_route_collapse(
    services: Services,
) -> Callable[[SummarizeState], Literal["collapse_notes", "plan_sections"]]:
    """The router after ``collapse_notes``."""
    settings, tokenizer = services.settings, services.tokenizer

    def route_collapse(state: SummarizeState) -> Literal["collapse_notes", "plan_sections"]:
        """Collapse again while over budget, with room to shrink, under the depth bound."""
        notes = state["notes"]
        over = notes_tokens(notes, tokenizer) > settings.reduce_budget
        if (
            over
            and len(notes) > MIN_SECTIONS
            and state["collapse_depth"] < settings.max_collapse_depth
        ):
            return "collapse_notes"
        return "plan_sections"

    return route_collapse

"""Shared handling of chunk notes: how they read in a prompt, and which ones the reduce reads."""

from __future__ import annotations

from collections.abc import Sequence

from longsum.graphs.state import ChunkNotes, SummarizeState
from longsum.tools.tokens import Tokenizer
from longsum.tools.transcript import format_timestamp

__all__ = [
    "notes_text",
    "notes_tokens",
    "span_text",
    "working_notes",
]


def span_text(start: float | None, end: float | None) -> str:
    """`` (00:10:00-00:20:00)`` for a timed stretch, ``""`` untimed."""
    if start is None:
        return ""
    return f" ({format_timestamp(start)}-{format_timestamp(end if end is not None else start)})"


def notes_text(notes: Sequence[ChunkNotes]) -> str:
    """Notes as prompt lines: a header per stretch, then its points."""
    blocks = []
    for n in notes:
        head = f"[{n.chunk_ids[0]}{'-' + n.chunk_ids[-1] if len(n.chunk_ids) > 1 else ''}"
        head += f"{span_text(n.start, n.end)}] {n.topic}"
        lines = [head, *(f"- {p}" for p in n.key_points)]
        extras = [*n.terms, *n.names]
        if extras:
            lines.append("terms: " + ", ".join(extras))
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def notes_tokens(notes: Sequence[ChunkNotes], tokenizer: Tokenizer) -> int:
    """Tokens the notes take in a prompt."""
    return tokenizer.count(notes_text(notes))


def working_notes(state: SummarizeState) -> list[ChunkNotes]:
    """The notes the reduce steps read: collapsed ones if a collapse ran, else the chunks'
    own notes in time order (the map appends them in completion order)."""
    return state.get("notes") or sorted(state.get("chunk_notes", []), key=lambda n: n.first)

"""Shared handling of chunk notes: how they read in a prompt, and what stands in for them."""

from __future__ import annotations

import re
from collections.abc import Sequence

from longsum.graphs.state import ChunkNotes, SummarizeState
from longsum.tools.chunking import Chunk
from longsum.tools.tokens import Tokenizer
from longsum.tools.transcript import format_timestamp

__all__ = [
    "extract_notes",
    "notes_text",
    "notes_tokens",
    "span_text",
    "working_notes",
]

_SENTENCE = re.compile(r"[^.!?]{30,300}[.!?]")


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


def extract_notes(chunk: Chunk, *, points: int = 4) -> ChunkNotes:
    """Notes taken without a model (the chunk's first sentences), for a chunk whose model
    call failed after its retries: the run goes on, and the notes say they are degraded."""
    text = " ".join(line.split(": ", 1)[-1] for line in chunk.own_text.splitlines())
    sentences = [m.group(0).strip() for m in _SENTENCE.finditer(text)][:points]
    if not sentences:
        words = text.split()
        sentences = [" ".join(words[i : i + 30]) for i in range(0, min(len(words), 120), 30)]
    return ChunkNotes(
        chunk_ids=[chunk.id],
        first=chunk.index,
        last=chunk.index,
        start=chunk.start,
        end=chunk.end,
        topic=" ".join(text.split()[:6]),
        key_points=sentences or [text[:200]],
        terms=[],
        names=list(chunk.speakers),
        degraded=True,
    )

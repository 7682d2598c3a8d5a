"""``split_transcript``: parse the transcript and cut it into token-bounded chunks."""

from __future__ import annotations

import uuid
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.runtime import Runtime

from longsum.contract import SECTION_COUNT
from longsum.errors import InputError
from longsum.graphs.context import Context, services_of
from longsum.graphs.services import chunk_bounds
from longsum.graphs.state import SummarizeState, TranscriptInfo
from longsum.settings import Settings
from longsum.tools.chunking import Chunk, chunk_transcript
from longsum.tools.parsing import parse_text, read_text
from longsum.tools.speakers import name_speakers
from longsum.tools.titles import resolve_title
from longsum.tools.tokens import Tokenizer
from longsum.tools.transcript import Transcript

__all__ = ["Split", "split_chunks", "split_transcript", "too_short"]

Split = tuple[list[Chunk], int, int, int]
"""The chunks, the transcript's tokens, and the chunk bound and overlap used."""


def split_chunks(transcript: Transcript, settings: Settings, tokenizer: Tokenizer) -> Split:
    """Chunk ``transcript`` as the graph does: finely enough for five sections (see
    :func:`~longsum.graphs.services.chunk_bounds`). ``longsum summarize --dry-run`` calls
    this too, so its table shows the chunks a run would make."""
    total = sum(tokenizer.count_many([u.render() for u in transcript.utterances]))
    bound, overlap = chunk_bounds(total, settings)
    chunks = chunk_transcript(
        transcript, max_tokens=bound, overlap_tokens=overlap, tokenizer=tokenizer
    )
    return chunks, total, bound, overlap


def too_short(transcript: Transcript, chunks: list[Chunk], total: int) -> InputError | None:
    """The error a run raises for a transcript too short for five sections, else None."""
    if len(chunks) >= SECTION_COUNT:
        return None
    return InputError(
        f"{transcript.source} is too short to summarize in {SECTION_COUNT} sections "
        f"({total} tokens in {len(chunks)} pieces); give a longer transcript"
    )


def split_transcript(
    state: SummarizeState, config: RunnableConfig, runtime: Runtime[Context]
) -> dict[str, Any]:
    """Parse ``text`` or ``path``, name its speakers, find its title; chunk it finely
    enough for five sections."""
    services = services_of(runtime)
    settings = services.settings
    fmt = state.get("format") or settings.input_format
    if state.get("text") is not None:
        text, source = state["text"], state.get("source") or "<text>"
    elif state.get("path"):
        # The text itself, not just the parse: the title is read from its header.
        text, source = read_text(
            state["path"],
            encoding=settings.text_encoding,
            max_bytes=int(settings.max_input_mb * 1024 * 1024),
        )
    else:
        raise InputError("no transcript given: pass 'text' or 'path' in the graph input")
    transcript = parse_text(text, format=fmt, source=source)
    transcript = name_speakers(transcript, state.get("speakers") or {})
    chunks, total, bound, overlap = split_chunks(transcript, settings, services.tokenizer)
    if error := too_short(transcript, chunks, total):
        raise error
    thread = (config.get("configurable") or {}).get("thread_id")
    info = TranscriptInfo(
        source=transcript.source,
        # After the speakers are named: a file name's words may be their names.
        title=resolve_title(
            state.get("title"), text, transcript.format, transcript.source, transcript.speakers
        ),
        format=str(transcript.format),
        content_hash=transcript.content_hash,
        utterances=len(transcript.utterances),
        tokens=total,
        duration=transcript.duration,
        has_times=transcript.has_times,
        speakers=transcript.speakers,
        max_tokens=bound,
        overlap_tokens=overlap,
    )
    return {
        "transcript": info,
        "chunks": chunks,
        "run_id": state.get("run_id") or (str(thread) if thread else uuid.uuid4().hex),
    }

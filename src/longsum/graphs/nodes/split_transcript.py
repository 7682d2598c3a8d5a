"""``split_transcript``: parse the transcript and cut it into token-bounded chunks."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from langchain_core.runnables import RunnableConfig

from longsum.errors import InputError
from longsum.graphs.services import MIN_SECTIONS, Services, chunk_bounds
from longsum.graphs.state import SummarizeState, TranscriptInfo
from longsum.tools.chunking import chunk_transcript
from longsum.tools.parsing import parse_text, read_transcript


def make_split_transcript(services: Services) -> Callable[..., dict[str, Any]]:
    """The node, bound to ``services``."""
    settings = services.settings

    def split_transcript(state: SummarizeState, config: RunnableConfig) -> dict[str, Any]:
        """Parse ``text`` or ``path``; chunk it finely enough for five sections."""
        fmt = state.get("format") or settings.input_format
        if state.get("text") is not None:
            transcript = parse_text(
                state["text"], format=fmt, source=state.get("source") or "<text>"
            )
        elif state.get("path"):
            transcript = read_transcript(
                state["path"],
                format=fmt,
                encoding=settings.text_encoding,
                max_bytes=int(settings.max_input_mb * 1024 * 1024),
            )
        else:
            raise InputError("no transcript given: pass 'text' or 'path' in the graph input")
        lines = [u.render() for u in transcript.utterances]
        total = sum(services.tokenizer.count_many(lines))
        bound, overlap = chunk_bounds(total, settings)
        chunks = chunk_transcript(
            transcript, max_tokens=bound, overlap_tokens=overlap, tokenizer=services.tokenizer
        )
        if len(chunks) < MIN_SECTIONS:
            raise InputError(
                f"{transcript.source} is too short to summarize in {MIN_SECTIONS} sections "
                f"({total} tokens in {len(chunks)} pieces); give a longer transcript"
            )
        thread = (config.get("configurable") or {}).get("thread_id")
        info = TranscriptInfo(
            source=transcript.source,
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

    return split_transcript

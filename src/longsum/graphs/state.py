"""The typed schemas of the summarization graph: its input, its state, its output, and the
payloads its fan-outs send to one chunk or one section."""

from __future__ import annotations

import operator
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field
from typing_extensions import TypedDict

from longsum.tools.chunking import Chunk

__all__ = [
    "CallLog",
    "ChunkNotes",
    "ChunkTask",
    "RetrievalHit",
    "SectionPlan",
    "SectionTask",
    "SummarizeInput",
    "SummarizeOutput",
    "SummarizeState",
    "TranscriptInfo",
    "WrittenSection",
    "merge_sections",
]


class TranscriptInfo(BaseModel):
    """What the graph keeps of the parsed transcript besides its chunks."""

    model_config = ConfigDict(frozen=True)

    source: str = Field(description="File path, '<stdin>' or '<text>'.")
    title: str | None = Field(
        default=None,
        description="The document's title: the one given, else the source's own (WebVTT "
        "header, opening '# heading' or 'Title:' line, Whisper JSON 'title'), else the "
        "file name cleaned; None for untitled standard input or text.",
    )
    format: str = Field(description="The format it was read as.")
    content_hash: str = Field(description="SHA-256 of the transcript text: the index's key.")
    utterances: int = Field(description="Number of utterances.")
    tokens: int = Field(description="Tokens of the whole transcript (one line per utterance).")
    duration: float | None = Field(description="Seconds from first to last time; None untimed.")
    has_times: bool = Field(description="Whether utterances carry times.")
    speakers: list[str] = Field(description="Distinct speakers, in order of appearance.")
    max_tokens: int = Field(description="The chunk bound actually used.")
    overlap_tokens: int = Field(description="The chunk overlap actually used.")


class ChunkNotes(BaseModel):
    """Notes on one chunk, or on a run of consecutive chunks once collapsed."""

    model_config = ConfigDict(frozen=True)

    chunk_ids: list[str] = Field(description="The chunks these notes cover, in order.")
    first: int = Field(description="Index of the first chunk covered.")
    last: int = Field(description="Index of the last chunk covered.")
    start: float | None = Field(description="Start in seconds of the first chunk.")
    end: float | None = Field(description="End in seconds of the last chunk.")
    topic: str = Field(description="A short label of what the stretch is about.")
    key_points: list[str] = Field(description="Specific points, in time order.")
    terms: list[str] = Field(description="Technical terms and concepts.")
    names: list[str] = Field(description="People, organisations, places.")
    level: int = Field(default=0, description="0 for a chunk's own notes, n after n collapses.")
    degraded: bool = Field(
        default=False, description="True when the model failed and the notes were extracted."
    )


class RetrievalHit(BaseModel):
    """A chunk from elsewhere in the transcript related to a section's theme."""

    model_config = ConfigDict(frozen=True)

    chunk_id: str = Field(description="The related chunk.")
    score: float = Field(description="Cosine similarity to the section's theme.")
    start: float | None = Field(description="Start in seconds of the related chunk.")
    end: float | None = Field(description="End in seconds of the related chunk.")


class SectionPlan(BaseModel):
    """One of the five contiguous stretches the timeline is split into."""

    model_config = ConfigDict(frozen=True)

    index: int = Field(description="0 to 4.")
    chunk_ids: list[str] = Field(description="Its chunks, contiguous, never empty.")
    start: float | None = Field(description="Start in seconds; None untimed.")
    end: float | None = Field(description="End in seconds; None untimed.")
    working_title: str = Field(description="A provisional title from its notes' terms.")
    related: list[RetrievalHit] = Field(
        default_factory=list, description="Chunks from elsewhere retrieved for its theme."
    )


class WrittenSection(BaseModel):
    """A section as written, with what it was drawn from."""

    model_config = ConfigDict(frozen=True)

    index: int = Field(description="0 to 4.")
    title: str = Field(description="'Section N: title'.")
    content: list[str] = Field(description="Its bullets.")
    topics: list[str] = Field(description="Its topics.")
    chunk_ids: list[str] = Field(description="Its own chunks.")
    related_chunk_ids: list[str] = Field(description="Retrieved chunks it also drew on.")
    start: float | None = Field(description="Start in seconds of its first chunk.")
    end: float | None = Field(description="End in seconds of its last chunk.")


CallLog = Annotated[list[dict[str, Any]], operator.add]
"""LLM call records (see :class:`longsum.agent.answers.CallRecord`), appended by nodes."""


def merge_sections(
    left: dict[int, WrittenSection] | None, right: dict[int, WrittenSection] | None
) -> dict[int, WrittenSection]:
    """Reducer: written sections by index; a later write of an index (a repair) replaces it."""
    return {**(left or {}), **(right or {})}


class SummarizeInput(TypedDict, total=False):
    """What the graph is given: a transcript as text or as a path."""

    text: str
    """The transcript text, in any supported format (or give ``path``)."""
    path: str
    """A transcript file to read (or give ``text``)."""
    source: str
    """A name for the transcript in messages (default: the path, or '<text>')."""
    title: str
    """The document's title (the Markdown heading); it wins over a title in the source
    (WebVTT header, opening ``# heading`` or ``Title:`` line, Whisper JSON ``"title"``)
    and over the cleaned file name; see :mod:`longsum.tools.titles`."""
    format: str | None
    """The transcript format; None detects it from the content."""
    run_id: str
    """Identifies this run in call records (default: the thread id, else a new uuid)."""
    speakers: dict[str, str]
    """Names for a diarizer's speaker labels, e.g. ``{"SPEAKER_00": "Naval"}``."""


class SummarizeOutput(TypedDict, total=False):
    """What the graph returns."""

    summary: dict[str, Any]
    """The contract summary: exactly the JSON object of SPEC.md."""
    extended: dict[str, Any]
    """Everything beyond the contract: sections' times and sources, notes, retrieval, tokens."""


class SummarizeState(SummarizeInput, SummarizeOutput, total=False):
    """The whole state of a run."""

    transcript: TranscriptInfo
    """The parsed transcript's description."""
    chunks: list[Chunk]
    """Token-bounded chunks, in order."""
    embeddings: list[list[float]]
    """One embedding per chunk (mean of its window embeddings), in chunk order."""
    collection: str
    """The vector index collection holding the chunks."""
    chunk_notes: Annotated[list[ChunkNotes], operator.add]
    """Notes of each chunk, appended by the map step in completion order."""
    notes: list[ChunkNotes]
    """The working notes in time order: the chunk notes, or their collapsed groups."""
    collapse_depth: int
    """How many collapse rounds ran."""
    plan: list[SectionPlan]
    """The five sections' stretches, working titles and retrieved related chunks."""
    sections: Annotated[dict[int, WrittenSection], merge_sections]
    """Written sections by index."""
    overview: dict[str, Any]
    """The introduction, global topics and general topics as written."""
    candidate: dict[str, Any]
    """The latest assembled contract candidate."""
    violations: list[dict[str, str]]
    """The candidate's violations (path, message, code, and kind: ``contract`` or
    ``reader``)."""
    repair_round: int
    """LLM repair rounds used so far."""
    repairs: Annotated[list[dict[str, Any]], operator.add]
    """Every repair applied: deterministic changes and LLM rewrites, by round."""
    calls: CallLog
    """Every LLM call's record."""


class ChunkTask(TypedDict):
    """What the map step sends to ``summarize_chunk`` for one chunk."""

    chunk: Chunk
    """The chunk to take notes on."""
    total: int
    """How many chunks the transcript has."""
    model: str
    """The map model's id (part of the notes' cache key)."""
    prompt_version: str
    """The map writer's version: its prompts', or the offline engine's (part of the notes'
    cache key)."""
    run_id: str
    """The run's id, for the call record (not part of the cache key)."""


class SectionTask(TypedDict):
    """What ``write_section`` is sent for one section."""

    plan: SectionPlan
    """The section's stretch and retrieved chunks."""
    notes: list[ChunkNotes]
    """Notes of the section's own chunks."""
    related: list[ChunkNotes]
    """Notes of the retrieved chunks, best first."""
    theme: list[float]
    """The section's own chunks' mean embedding (what the offline engine ranks by)."""
    related_theme: list[float] | None
    """The retrieved chunks' mean embedding; None when nothing was retrieved."""
    background: list[float]
    """The whole transcript's mean embedding (what every section shares)."""
    own_text: str
    """The section's own chunks' text, without overlaps (the offline engine's reserve)."""
    run_id: str
    """The run's id, for the call record."""

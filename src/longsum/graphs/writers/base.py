"""The writer seam: every piece of the summary the graph's nodes delegate, behind one protocol.

A node gathers its inputs from the state, asks its writer, and records what came back. It
never asks which writer it holds: the LLM writer (:mod:`.llm`: prompts, structured calls,
grammar, cut-off handling, retries) and the extractive writer (:mod:`.extractive`: the
offline engine) answer the same requests with the same draft types.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

import numpy as np
from numpy.typing import NDArray

from longsum.agent.answers import CallRecord
from longsum.agent.schemas import ChunkNotesDraft, SectionDraft
from longsum.graphs.state import ChunkNotes, SectionTask, TranscriptInfo, WrittenSection
from longsum.tools.chunking import Chunk

__all__ = ["Drafted", "OverviewBrief", "OverviewRepair", "SectionRepair", "Writer"]

T = TypeVar("T")

Drafted = tuple[T, list[CallRecord]]
"""A writer's answer: the draft, and the records of the model calls it took (none offline)."""


@dataclass(frozen=True)
class OverviewBrief:
    """What the overview (introduction, global and general topics) is written from."""

    sections: list[WrittenSection]
    """The written sections, in order."""
    transcript: TranscriptInfo
    """The transcript's description: duration, speakers, whether it is timed."""
    text: str
    """The chunks' own text (without overlaps), in order."""
    vector: NDArray[np.floating]
    """The mean of the chunks' embeddings: what the whole transcript is about."""
    terms: list[str]
    """The terms of every chunk's notes, with repeats (a term many chunks share counts)."""


@dataclass(frozen=True)
class SectionRepair:
    """A section the validator found broken, and what is wrong with it."""

    task: SectionTask
    """What the section was written from."""
    violations: list[str]
    """What is wrong, one line each, with what the deterministic repair removed."""
    current: dict[str, Any]
    """The section as the candidate holds it (title, content, topics)."""
    held: list[str]
    """Every bullet the candidate's sections hold, this one's included."""


@dataclass(frozen=True)
class OverviewRepair:
    """The overview's violations, and the overview as it stands."""

    brief: OverviewBrief
    """What the overview was written from."""
    violations: list[str]
    """What is wrong with the introduction or the topics, one line each."""
    candidate: dict[str, Any]
    """The assembled candidate (after the deterministic repairs)."""
    overview: dict[str, Any]
    """The overview as written: ``introduction``, ``topics``, ``generalTopics``."""


class Writer(Protocol):
    """Writes every piece of the summary: notes, collapsed notes, sections, the overview,
    and their repairs. Each method returns a :data:`Drafted` pair."""

    @property
    def engine(self) -> str:
        """``"llm"`` or ``"extractive"``: what run records and the extended result name."""
        ...

    @property
    def model_id(self) -> str:
        """What writes: a ``provider:model`` id, or the offline engine and its embedder."""
        ...

    @property
    def version(self) -> str:
        """The version of what the writer sends or runs (the prompts, or the offline
        engine's code): part of the notes' cache key, so a change writes new notes."""
        ...

    async def chunk_notes(self, chunk: Chunk, total: int) -> Drafted[ChunkNotesDraft]:
        """Notes on one chunk of ``total``."""
        ...

    async def collapse(self, group: Sequence[ChunkNotes]) -> Drafted[ChunkNotesDraft]:
        """One set of notes for a run of consecutive notes."""
        ...

    async def section(self, task: SectionTask) -> Drafted[SectionDraft]:
        """One section's title, bullets and topics."""
        ...

    async def overview(self, brief: OverviewBrief) -> Drafted[dict[str, Any]]:
        """The introduction, global topics and general topics, in the contract's key names."""
        ...

    async def repair_section(self, repair: SectionRepair) -> Drafted[SectionDraft]:
        """The broken section written again."""
        ...

    def keep_apart(
        self, draft: SectionDraft, task: SectionTask, taken: Sequence[str]
    ) -> SectionDraft:
        """A repaired section's draft with its bullets distinct from ``taken`` (the bullets
        the other sections hold by now) and from each other."""
        ...

    async def repair_overview(self, repair: OverviewRepair) -> Drafted[dict[str, Any]]:
        """The overview with its broken parts written again (its other keys as they were)."""
        ...

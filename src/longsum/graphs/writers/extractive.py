"""The extractive writer: every piece chosen from the transcript by the offline engine.

No model, no calls: each answer comes with no call records. It is also what a chunk whose
model calls keep failing falls back to (:meth:`ExtractiveWriter.notes_of`), so a failed
chunk's notes are the same notes the offline engine would have taken.

Its work is CPU-bound and loads word lists and models on first use, so each piece is taken
in a worker thread of its own: the event loop (a LangGraph server's, another workflow's)
never blocks. One thread, one piece at a time: the work holds the GIL and torch uses every
core already, so parallel pieces only contend (25 chunks in 6 threads: 4 s slower in 29).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import numpy as np

from longsum.agent.extractive.engine import ENGINE_ID, ExtractiveEngine
from longsum.agent.extractive.version import engine_version
from longsum.agent.schemas import ChunkNotesDraft, SectionDraft
from longsum.embedding import Embedder
from longsum.graphs.sections import topics_dict
from longsum.graphs.state import ChunkNotes, SectionTask
from longsum.graphs.writers.base import Drafted, OverviewBrief, OverviewRepair, SectionRepair
from longsum.tools.chunking import Chunk

__all__ = ["ExtractiveWriter"]

T = TypeVar("T")


class ExtractiveWriter:
    """The offline engine behind the :class:`~longsum.graphs.writers.base.Writer` seam."""

    engine = "extractive"

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder
        self.extractor = ExtractiveEngine(embedder)
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="longsum-offline")

    async def _off_loop(self, work: Callable[..., T], *args: Any) -> T:
        """``work(*args)`` in the writer's worker thread."""
        return await asyncio.get_running_loop().run_in_executor(self._worker, work, *args)

    @property
    def model_id(self) -> str:
        """The engine and the embedder it reads with, e.g. ``extractive:all-MiniLM-L6-v2``."""
        return f"{ENGINE_ID}:{self.embedder.name}"

    @property
    def version(self) -> str:
        """A digest of the engine's code (see :func:`engine_version`)."""
        return engine_version()

    def notes_of(self, chunk: Chunk) -> ChunkNotesDraft:
        """Notes on the chunk's own text (its overlap with the previous chunk left out)."""
        return self.extractor.chunk_notes(chunk.own_text, chunk.speakers)

    async def chunk_notes(self, chunk: Chunk, total: int) -> Drafted[ChunkNotesDraft]:
        return await self._off_loop(self.notes_of, chunk), []

    async def collapse(self, group: Sequence[ChunkNotes]) -> Drafted[ChunkNotesDraft]:
        return await self._off_loop(self.extractor.collapse, group), []

    async def section(self, task: SectionTask) -> Drafted[SectionDraft]:
        return await self._off_loop(self._section, task), []

    async def overview(self, brief: OverviewBrief) -> Drafted[dict[str, Any]]:
        return await self._off_loop(self._overview, brief), []

    async def repair_section(self, repair: SectionRepair) -> Drafted[SectionDraft]:
        # Other sentences than any section holds: the engine has no reason to pick the
        # same ones twice, so the draft avoids them all.
        return await self._off_loop(self._section, repair.task, repair.held), []

    def keep_apart(
        self, draft: SectionDraft, task: SectionTask, taken: Sequence[str]
    ) -> SectionDraft:
        return draft  # its repair already avoided every bullet the sections held

    async def repair_overview(self, repair: OverviewRepair) -> Drafted[dict[str, Any]]:
        topics = repair.candidate["topics"]
        return await self._off_loop(self._overview, repair.brief, topics), []

    def _section(self, task: SectionTask, avoid: Sequence[str] = ()) -> SectionDraft:
        """Bullets from the notes' points; title and topics from the keyphrases of the notes
        (their points and terms) most particular to the section."""
        notes = task["notes"]
        text = "\n".join(
            [*(p for n in notes for p in n.key_points), *(t for n in notes for t in n.terms)]
        )
        related = task["related_theme"]
        return self.extractor.section(
            [p for n in notes for p in n.key_points],
            text,
            np.asarray(task["theme"]),
            related=np.asarray([related]) if related is not None else None,
            transcript=np.asarray(task["background"]),
            avoid=avoid,
            reserve=task["own_text"],
            extra=[p for n in task["related"] for p in n.key_points],
        )

    def _overview(self, brief: OverviewBrief, avoid_topics: Sequence[str] = ()) -> dict[str, Any]:
        """Topics and fields of the whole transcript, and an introduction composed from them
        and the sections' titles."""
        info = brief.transcript
        topics = self.extractor.topics(
            brief.text, brief.vector, avoid=avoid_topics, terms=brief.terms
        )
        intro = self.extractor.introduction(
            [s.title for s in brief.sections],
            topics.topics,
            info.speakers,
            info.duration,
            len(brief.text.split()),
        )
        return {"introduction": intro.introduction, **topics_dict(topics)}

"""The LLM writer: every piece asked of a chat model, one small structured call at a time.

Prompts come from :mod:`longsum.agent.prompts`; the structured call (provider output
method, grammar, cut-off handling, regrowths) is :class:`~longsum.agent.structured.StructuredLLM`;
retries and timeouts are the graph's node policies. What this module adds is the bound on
calls in flight, and what each prompt is filled with.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, TypeVar

from langchain_core.messages import BaseMessage
from pydantic import BaseModel

from longsum.agent.answers import CallRecord
from longsum.agent.fields import field_vectors, rank_fields
from longsum.agent.prompts import (
    CHUNK_NOTES,
    COLLAPSE_NOTES,
    PROMPT_VERSION,
    REPAIR_PIECE,
    REPAIR_SECTION,
    WRITE_INTRODUCTION,
    WRITE_SECTION,
    WRITE_TOPICS,
    language_name,
    render,
)
from longsum.agent.retrying import CallGate, Retrier, call_policy
from longsum.agent.schemas import ChunkNotesDraft, IntroDraft, SectionDraft, TopicsDraft
from longsum.agent.structured import StructuredLLM
from longsum.embedding import Embedder
from longsum.graphs.notes import notes_text, span_text
from longsum.graphs.sections import (
    composed_introduction,
    sections_text,
    topics_dict,
    unfit_introduction,
    with_distinct_bullets,
    with_distinct_topics,
)
from longsum.graphs.state import ChunkNotes, SectionTask
from longsum.graphs.writers.base import Drafted, OverviewBrief, OverviewRepair, SectionRepair
from longsum.settings import Settings
from longsum.tools.chunking import Chunk
from longsum.tools.tokens import Tokenizer

__all__ = ["LLMWriter"]

T = TypeVar("T", bound=BaseModel)


class LLMWriter:
    """A :class:`~longsum.graphs.writers.base.Writer` that asks a chat model."""

    engine = "llm"
    version = PROMPT_VERSION

    def __init__(
        self,
        llm: StructuredLLM,
        settings: Settings,
        tokenizer: Tokenizer,
        embedder: Embedder,
        gate: CallGate | None = None,
    ) -> None:
        self.llm = llm
        self.settings = settings
        self.tokenizer = tokenizer
        self.embedder = embedder
        in_process = llm.provider == "llamacpp"
        self.retrier = Retrier(
            call_policy(settings),
            model_id=llm.model_id,
            # An in-process llama.cpp model runs one call at a time whatever the bound: a
            # bound of 1 keeps its calls' latencies from being inflated by waiting on each
            # other (and its timeout from counting that wait).
            width=1 if in_process else settings.concurrency,
            # A batch's shared bound is for a provider's rate; a model in this process has
            # no other caller.
            gate=None if in_process else gate,
        )

    @property
    def model_id(self) -> str:
        """The model's ``provider:model`` id."""
        return self.llm.model_id

    def language(self, text: str) -> str:
        """The language to write in: ``settings.language``, else that of ``text`` (the
        transcript's own words the piece is written from, where the writer has them)."""
        return self.settings.language or language_name(text)

    async def ask(
        self,
        messages: Sequence[BaseMessage],
        schema: type[T],
        *,
        node: str,
        max_tokens: int,
        temperature: float | None = None,
    ) -> tuple[T, CallRecord]:
        """One structured call, retried and timed by :class:`~longsum.agent.retrying.Retrier`,
        at most ``settings.concurrency`` of them in flight.

        The bound sits here, on the model calls themselves, rather than in LangGraph's
        ``max_concurrency``: that one also queues the checkpoint writes of finished tasks
        behind running ones, so a run killed mid-map would lose finished chunks.
        """
        return await self.retrier.run(
            lambda: self.llm.call(
                messages, schema, node=node, max_tokens=max_tokens, temperature=temperature
            ),
            node=node,
        )

    async def chunk_notes(self, chunk: Chunk, total: int) -> Drafted[ChunkNotesDraft]:
        messages = render(
            CHUNK_NOTES,
            ChunkNotesDraft,
            number=chunk.index + 1,
            total=total,
            span=span_text(chunk.start, chunk.end),
            text=chunk.text,
            language=self.language(chunk.text),
        )
        draft, rec = await self.ask(
            messages,
            ChunkNotesDraft,
            node="summarize_chunk",
            max_tokens=self.settings.notes_max_tokens,
        )
        return draft, [rec]

    async def collapse(self, group: Sequence[ChunkNotes]) -> Drafted[ChunkNotesDraft]:
        messages = render(
            COLLAPSE_NOTES,
            ChunkNotesDraft,
            count=len(group),
            span=span_text(group[0].start, group[-1].end),
            notes=notes_text(group),
            language=self.language(notes_text(group)),
        )
        draft, rec = await self.ask(
            messages,
            ChunkNotesDraft,
            node="collapse_notes",
            max_tokens=self.settings.notes_max_tokens,
        )
        return draft, [rec]

    def _section_values(self, task: SectionTask) -> dict[str, Any]:
        """What a section's prompt is filled with: its repair's prompt opens the same way."""
        plan, settings = task["plan"], self.settings
        return {
            "number": plan.index + 1,
            "span": span_text(plan.start, plan.end).strip()
            or f"chunks {plan.chunk_ids[0]}-{plan.chunk_ids[-1]}",
            "working_title": plan.working_title,
            "notes": self.tokenizer.truncate(
                notes_text(task["notes"]), settings.reduce_budget // 5
            ),
            "related": self.tokenizer.truncate(notes_text(task["related"]), settings.related_budget)
            or "(none)",
            "language": self.language(task["own_text"]),
        }

    async def section(self, task: SectionTask) -> Drafted[SectionDraft]:
        messages = render(WRITE_SECTION, SectionDraft, **self._section_values(task))
        draft, rec = await self.ask(
            messages,
            SectionDraft,
            node="write_section",
            max_tokens=self.settings.section_max_tokens,
        )
        return draft, [rec]

    async def overview(self, brief: OverviewBrief) -> Drafted[dict[str, Any]]:
        """Two small calls: the introduction, then the topics."""
        info, text = brief.transcript, sections_text(brief.sections)
        cap, language = self.settings.overview_max_tokens, self.language(brief.text)
        intro, intro_rec = await self.ask(
            render(
                WRITE_INTRODUCTION,
                IntroDraft,
                span=span_text(0.0, info.duration) if info.has_times else "",
                sections=text,
                language=language,
            ),
            IntroDraft,
            node="write_overview",
            max_tokens=cap,
        )
        topics, topics_rec = await self.ask(
            render(
                WRITE_TOPICS,
                TopicsDraft,
                sections=text,
                fields=self.ranked_fields(text),
                language=language,
            ),
            TopicsDraft,
            node="write_overview",
            max_tokens=cap,
        )
        overview = {"introduction": intro.introduction.strip(), **topics_dict(topics)}
        return overview, [intro_rec, topics_rec]

    async def repair_section(self, repair: SectionRepair) -> Drafted[SectionDraft]:
        settings, task = self.settings, repair.task
        messages = render(
            REPAIR_SECTION,
            SectionDraft,
            **self._section_values(task),
            violations="\n".join(repair.violations),
            candidate=json.dumps(repair.current, ensure_ascii=False, indent=1),
        )
        draft, rec = await self.ask(
            messages,
            SectionDraft,
            node="repair_summary",
            temperature=settings.repair_temperature,
            max_tokens=settings.section_max_tokens,
        )
        return draft, [rec]

    def keep_apart(
        self, draft: SectionDraft, task: SectionTask, taken: Sequence[str]
    ) -> SectionDraft:
        return with_distinct_bullets(draft, task, taken)

    async def repair_overview(self, repair: OverviewRepair) -> Drafted[dict[str, Any]]:
        """The introduction and the topics, each asked again only if a violation names it."""
        candidate, overview = repair.candidate, dict(repair.overview)
        sections = sections_text(repair.brief.sections)
        intro_lines = [line for line in repair.violations if line.startswith("$.introduction")]
        topic_lines = [line for line in repair.violations if line not in intro_lines]
        records: list[CallRecord] = []
        if intro_lines:
            intro, rec = await self._repair_piece(
                IntroDraft,
                piece="introduction",
                violations=intro_lines,
                current=json.dumps({"introduction": candidate["introduction"]}),
                sections=sections,
                extra="",
                language=self.language(repair.brief.text),
            )
            overview["introduction"] = intro.introduction.strip()
            records.append(rec)
            if unfit_introduction(overview["introduction"]):
                # The model wrote about its instructions again (a 0.5B model answers "The
                # introduction of a transcript summary breaks these rules..."): compose one
                # from the sections instead, and say so in the result.
                overview["introduction"] = composed_introduction(repair.brief, candidate)
                overview["composed"] = ["introduction"]
        if topic_lines:
            fields = "\n".join(f"- {n}" for n in self.ranked_fields(sections))
            topics, rec = await self._repair_piece(
                TopicsDraft,
                piece="topics",
                violations=topic_lines,
                current=json.dumps(
                    {"topics": candidate["topics"], "general_topics": candidate["generalTopics"]},
                    ensure_ascii=False,
                ),
                sections=sections,
                extra=f"For general_topics choose from exactly these fields:\n{fields}\n\n",
                language=self.language(repair.brief.text),
            )
            overview.update(topics_dict(topics))
            overview["topics"] = with_distinct_topics(overview["topics"], repair.brief.sections)
            records.append(rec)
        return overview, records

    async def _repair_piece(
        self,
        schema: type[T],
        *,
        piece: str,
        violations: list[str],
        current: str,
        sections: str,
        extra: str,
        language: str,
    ) -> tuple[T, CallRecord]:
        messages = render(
            REPAIR_PIECE,
            schema,
            piece=piece,
            violations="\n".join(violations),
            candidate=current,
            sections=sections,
            extra=extra,
            language=language,
        )
        return await self.ask(
            messages,
            schema,
            node="repair_summary",
            temperature=self.settings.repair_temperature,
            max_tokens=self.settings.overview_max_tokens,
        )

    def ranked_fields(self, text: str) -> list[str]:
        """The twelve general topics, the best match for ``text`` first (small models lean
        on the first entries of a list, so the list leans the right way)."""
        return rank_fields(self.embedder.embed([text])[0], field_vectors(self.embedder))

"""What a run would cost before it runs: the LLM calls the graph will make, with their tokens.

Map prompts are counted exactly: each chunk's prompt is rendered from the same template with
the same values as ``summarize_chunk`` and counted with the run's tokenizer. Everything after
the map reads what models will have written, so it is estimated on stated assumptions:
an answer fills :data:`FILL` of its output cap (``section_max_tokens`` and so on) and a
chunk's notes run to :data:`NOTE_TOKENS` (at most their cap), notes are
no longer than what they take notes on (a chunk, or the notes a collapse condenses), and
notes read back in a prompt are as long as the answer that wrote them. The README's measurement,
26 chunks of a 3 h 42 min podcast giving ~6k tokens of notes (~230 tokens each),
is where the 0.6 and the 240 come from. Repairs are expected to be none; at most
:func:`max_repair_calls` happen. Nothing here loads or calls a model or an embedder.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from langchain_core.messages import BaseMessage
from langchain_core.prompts import ChatPromptTemplate
from pydantic import BaseModel

from longsum.agent.models import parse_model_spec
from longsum.agent.prefix_cache import cache_min_tokens, shared_start
from longsum.agent.prompts import (
    CHUNK_NOTES,
    COLLAPSE_NOTES,
    WRITE_INTRODUCTION,
    WRITE_SECTION,
    WRITE_TOPICS,
    language_name,
    render,
)
from longsum.agent.schemas import ChunkNotesDraft, IntroDraft, SectionDraft, TopicsDraft
from longsum.contract import SECTION_COUNT
from longsum.graphs.nodes.collapse_notes import group_notes
from longsum.graphs.notes import span_text
from longsum.graphs.state import ChunkNotes
from longsum.settings import Settings
from longsum.tools.chunking import Chunk
from longsum.tools.tokens import Tokenizer

__all__ = ["FILL", "NOTE_TOKENS", "PlannedCall", "estimate_calls", "max_repair_calls", "per_node"]

FILL = 0.6
"""Assumed share of its output cap that an answer uses (see the module docstring)."""

NOTE_TOKENS = 240
"""Assumed tokens of one chunk's notes: their cap is set for the longest notes the schema
allows, not for the typical ones."""

REPAIR_PIECES = SECTION_COUNT + 2
"""Pieces one repair round may rewrite: each section, the introduction, the topics."""

# A working title is a few words the planner picks from the notes; this stands in for one.
_WORKING_TITLE = "a working title of a few words"


@dataclass(frozen=True)
class PlannedCall:
    """One LLM call the graph is expected to make."""

    node: str
    """The graph node that makes it."""
    what: str
    """What it is for: a chunk id, a collapse group, a section, the introduction, ..."""
    prompt_tokens: int
    """Tokens of all its messages (exact for the map, estimated after it)."""
    completion_tokens: int
    """Estimated tokens of its answer: the output cap times :data:`FILL`."""
    exact_prompt: bool
    """Whether ``prompt_tokens`` was counted on the very prompt the run will send."""
    cached_tokens: int = 0
    """Of ``prompt_tokens``, those the provider is expected to read from its prefix cache:
    the start this prompt shares with the call before it, when the provider caches a prefix
    that long (see :mod:`longsum.agent.prefix_cache`)."""


def _count(messages: Sequence[BaseMessage], tokenizer: Tokenizer) -> int:
    return sum(tokenizer.count(str(m.content)) for m in messages)


def _text(messages: Sequence[BaseMessage]) -> str:
    return "\n".join(str(m.content) for m in messages)


def _overhead(
    template: ChatPromptTemplate,
    schema: type[BaseModel],
    tokenizer: Tokenizer,
    texts: list[str],
    **values: str,
) -> int:
    """Tokens of a prompt whose model-written slots are left empty (its text is appended
    to ``texts``, for the prefix it shares with the next)."""
    messages = render(template, schema, **values)
    texts.append(_text(messages))
    return _count(messages, tokenizer)


def _collapse_rounds(
    sizes: list[int], settings: Settings, note_size: int
) -> tuple[list[list[list[int]]], list[int]]:
    """The groups of note sizes each collapse round will condense, and the sizes of the notes
    left after the last round. Mirrors ``collapse_notes`` and its router: the node collapses
    once whenever it finds the notes over budget; the router repeats it only below
    ``max_collapse_depth``."""
    rounds: list[list[list[int]]] = []
    depth = 0
    while (
        sum(sizes) > settings.reduce_budget
        and len(sizes) > SECTION_COUNT
        and (depth == 0 or depth < settings.max_collapse_depth)
    ):
        # group_notes only counts its notes; placeholders keep the grouping identical.
        stand_ins = [
            ChunkNotes(
                chunk_ids=[str(i)],
                first=i,
                last=i,
                start=None,
                end=None,
                topic="",
                key_points=[],
                terms=[],
                names=[],
            )
            for i in range(len(sizes))
        ]
        groups = group_notes(stand_ins, sizes, settings.reduce_budget // 2)
        grouped = [[sizes[n.first] for n in group] for group in groups]
        rounds.append(grouped)
        sizes = [min(note_size, sum(g)) if len(g) > 1 else g[0] for g in grouped]
        depth += 1
    return rounds, sizes


def estimate_calls(
    chunks: Sequence[Chunk], settings: Settings, tokenizer: Tokenizer
) -> list[PlannedCall]:
    """The LLM calls a run on ``chunks`` (as ``split_transcript`` cuts them) is expected to
    make, in graph order: one map call per chunk, the collapse rounds the notes' size calls
    for, five sections, the introduction and the topics. Repairs are not listed (none are
    expected; see :func:`max_repair_calls`)."""
    if not chunks:
        return []
    note_size = min(NOTE_TOKENS, settings.notes_max_tokens)
    section_size = round(settings.section_max_tokens * FILL)
    overview_size = round(settings.overview_max_tokens * FILL)
    whole = span_text(chunks[0].start, chunks[-1].end)
    # What the writer names (settings.language, else each piece's own language).
    lang = settings.language or language_name(chunks[0].text)

    planned, texts = [], []
    for chunk in chunks:
        messages = render(
            CHUNK_NOTES,
            ChunkNotesDraft,
            number=chunk.index + 1,
            total=len(chunks),
            span=span_text(chunk.start, chunk.end),
            text=chunk.text,
            language=settings.language or language_name(chunk.text),
        )
        texts.append(_text(messages))
        planned.append(
            PlannedCall(
                node="summarize_chunk",
                what=chunk.id,
                prompt_tokens=_count(messages, tokenizer),
                completion_tokens=min(note_size, chunk.token_count),
                exact_prompt=True,
            )
        )

    rounds, sizes = _collapse_rounds([c.completion_tokens for c in planned], settings, note_size)
    for depth, groups in enumerate(rounds, start=1):
        for number, group in enumerate(groups, start=1):
            if len(group) == 1:
                continue  # a group of one is kept as it is, without a call
            base = _overhead(
                COLLAPSE_NOTES,
                ChunkNotesDraft,
                tokenizer,
                texts,
                count=str(len(group)),
                span=whole,
                notes="",
                language=lang,
            )
            planned.append(
                PlannedCall(
                    node="collapse_notes",
                    what=f"round {depth}, group {number} of {len(groups)}",
                    prompt_tokens=base + sum(group),
                    completion_tokens=min(note_size, sum(group)),
                    exact_prompt=False,
                )
            )

    # write_section truncates each section's notes and related notes to their budgets.
    own = min(sum(sizes) // SECTION_COUNT, settings.reduce_budget // SECTION_COUNT)
    # Related notes are chunks' own notes; the typical one stands in for each.
    typical = sorted(c.completion_tokens for c in planned[: len(chunks)])[len(chunks) // 2]
    related = min(settings.related_k * typical, settings.related_budget)
    for index in range(SECTION_COUNT):
        base = _overhead(
            WRITE_SECTION,
            SectionDraft,
            tokenizer,
            texts,
            number=str(index + 1),
            span=whole,
            working_title=_WORKING_TITLE,
            notes="",
            related="" if related else "(none)",
            language=lang,
        )
        planned.append(
            PlannedCall(
                node="write_section",
                what=f"section {index + 1}",
                prompt_tokens=base + own + related,
                completion_tokens=section_size,
                exact_prompt=False,
            )
        )

    # Both overview prompts read the five written sections.
    sections = SECTION_COUNT * section_size
    intro = _overhead(
        WRITE_INTRODUCTION, IntroDraft, tokenizer, texts, span=whole, sections="", language=lang
    )
    topics = _overhead(WRITE_TOPICS, TopicsDraft, tokenizer, texts, sections="", language=lang)
    for what, base in (("introduction", intro), ("topics", topics)):
        planned.append(
            PlannedCall(
                node="write_overview",
                what=what,
                prompt_tokens=base + sections,
                completion_tokens=overview_size,
                exact_prompt=False,
            )
        )
    # The topics prompt opens with the sections the introduction's prompt read just before.
    return _with_cache(planned, texts, tokenizer, settings, shared={len(planned) - 1: sections})


def _with_cache(
    planned: list[PlannedCall],
    texts: list[str],
    tokenizer: Tokenizer,
    settings: Settings,
    shared: dict[int, int],
) -> list[PlannedCall]:
    """``planned`` with the tokens each call is expected to read from the provider's prefix
    cache: the start its prompt shares with the call before it (a llama.cpp context holds
    the previous call's tokens; API providers' caches hold more, so this is their floor),
    plus the model-written material ``shared`` with it, when the provider caches that much."""

    def least(spec: str | None) -> int | None:
        """The shortest prefix the provider of ``spec`` caches (None: no cache, or no model)."""
        if spec is None:
            return None
        return cache_min_tokens(parse_model_spec(spec)[0], settings.openai_base_url)

    map_least, reduce_least = least(settings.map_model or settings.model), least(settings.model)
    out, previous = [], ""
    for i, (call, text) in enumerate(zip(planned, texts, strict=True)):
        common = text[: shared_start(text, previous)]
        tokens = (tokenizer.count(common) if common else 0) + shared.get(i, 0)
        minimum = map_least if call.node == "summarize_chunk" else reduce_least
        cached = min(tokens, call.prompt_tokens) if minimum and tokens >= minimum else 0
        out.append(replace(call, cached_tokens=cached))
        previous = text
    return out


def max_repair_calls(settings: Settings) -> int:
    """The most repair calls a run can make: every piece in every allowed round."""
    return settings.max_repair_rounds * REPAIR_PIECES


def per_node(planned: Sequence[PlannedCall]) -> dict[str, tuple[int, int, int, int]]:
    """Calls, prompt tokens, completion tokens and cached prompt tokens per node, in graph
    order."""
    totals: dict[str, tuple[int, int, int, int]] = {}
    for call in planned:
        calls, prompt, completion, cached = totals.get(call.node, (0, 0, 0, 0))
        totals[call.node] = (
            calls + 1,
            prompt + call.prompt_tokens,
            completion + call.completion_tokens,
            cached + call.cached_tokens,
        )
    return totals

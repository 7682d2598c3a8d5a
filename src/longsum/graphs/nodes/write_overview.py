"""``write_overview``: the introduction, then the 5 global topics and 3 general topics with
their complexity, from the whole set of written sections: two small calls, not one big one.

The twelve fields are listed in the order their descriptions match the sections' embedding,
so a model that leans on the first entries of a list still leans the right way.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import numpy as np

from longsum.agent.fields import rank_fields
from longsum.agent.prompts import WRITE_INTRODUCTION, WRITE_TOPICS, render
from longsum.agent.schemas import IntroDraft, TopicsDraft
from longsum.graphs.notes import span_text
from longsum.graphs.services import Services, record
from longsum.graphs.state import SummarizeState, WrittenSection

__all__ = [
    "make_write_overview",
    "overview_offline",
    "ranked_fields",
    "sections_text",
    "topics_dict",
]


def sections_text(sections: Sequence[WrittenSection]) -> str:
    """The written sections as the overview prompts read them."""
    blocks = []
    for s in sections:
        lines = [f"{s.title}{span_text(s.start, s.end)}", *(f"- {b}" for b in s.content)]
        lines.append("topics: " + ", ".join(s.topics))
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def topics_dict(draft: TopicsDraft) -> dict[str, Any]:
    """The global and general topics in the contract's own key names."""
    return {
        "topics": [t.strip() for t in draft.topics],
        "generalTopics": [
            {"name": g.name.strip(), "complexity": g.complexity} for g in draft.general_topics
        ],
    }


def ranked_fields(services: Services, text: str) -> list[str]:
    """The twelve general topics, the best match for ``text`` first."""
    return rank_fields(services.embedder.embed([text])[0], services.field_vectors())


def overview_offline(
    services: Services, state: SummarizeState, avoid_topics: Sequence[str] = ()
) -> dict[str, Any]:
    """The offline engine's overview: topics and fields of the whole transcript, and an
    introduction composed from them and the sections' titles."""
    engine = services.extractive
    assert engine is not None
    info = state["transcript"]
    text = "\n".join(c.own_text for c in state["chunks"])
    vectors = np.asarray(state["embeddings"], dtype=np.float64)
    terms = [t for n in state["chunk_notes"] for t in n.terms]
    topics = engine.topics(text, vectors.mean(axis=0), avoid=avoid_topics, terms=terms)
    titles = [state["sections"][i].title for i in sorted(state["sections"])]
    intro = engine.introduction(
        titles, topics.topics, info.speakers, info.duration, len(text.split())
    )
    return {"introduction": intro.introduction, **topics_dict(topics)}


def make_write_overview(
    services: Services,
) -> Callable[[SummarizeState], Awaitable[dict[str, Any]]]:
    """The node, bound to ``services``."""
    settings = services.settings

    async def write_overview(state: SummarizeState) -> dict[str, Any]:
        """Ask the reduce model (or the offline engine) for the introduction, then for the
        topics."""
        sections = [state["sections"][i] for i in sorted(state["sections"])]
        info = state["transcript"]
        if services.extractive is not None:
            return {"overview": overview_offline(services, state)}
        text = sections_text(sections)
        intro, intro_rec = await services.ask(
            services.reduce_llm,
            render(
                WRITE_INTRODUCTION,
                IntroDraft,
                span=span_text(0.0, info.duration) if info.has_times else "",
                sections=text,
            ),
            IntroDraft,
            node="write_overview",
            max_tokens=settings.overview_max_tokens,
        )
        topics, topics_rec = await services.ask(
            services.reduce_llm,
            render(WRITE_TOPICS, TopicsDraft, sections=text, fields=ranked_fields(services, text)),
            TopicsDraft,
            node="write_overview",
            max_tokens=settings.overview_max_tokens,
        )
        overview = {"introduction": intro.introduction.strip(), **topics_dict(topics)}
        run_id = state["run_id"]
        return {
            "overview": overview,
            "calls": [record(intro_rec, run_id), record(topics_rec, run_id)],
        }

    return write_overview

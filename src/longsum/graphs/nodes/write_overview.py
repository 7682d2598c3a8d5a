"""``write_overview``: the introduction, 5 global topics and 3 general topics with their
complexity, from the whole set of written sections."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from longsum.agent.prompts import WRITE_OVERVIEW, render
from longsum.agent.schemas import OverviewDraft
from longsum.graphs.notes import span_text
from longsum.graphs.services import Services, record
from longsum.graphs.state import SummarizeState, WrittenSection

__all__ = ["make_write_overview", "overview_dict", "sections_text"]


def sections_text(sections: Sequence[WrittenSection]) -> str:
    """The written sections as the overview prompt reads them."""
    blocks = []
    for s in sections:
        lines = [f"{s.title}{span_text(s.start, s.end)}", *(f"- {b}" for b in s.content)]
        lines.append("topics: " + ", ".join(s.topics))
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def overview_dict(draft: OverviewDraft) -> dict[str, Any]:
    """The overview in the contract's own key names."""
    return {
        "introduction": draft.introduction.strip(),
        "topics": [t.strip() for t in draft.topics],
        "generalTopics": [
            {"name": g.name.strip(), "complexity": g.complexity} for g in draft.general_topics
        ],
    }


def make_write_overview(
    services: Services,
) -> Callable[[SummarizeState], Awaitable[dict[str, Any]]]:
    """The node, bound to ``services``."""

    async def write_overview(state: SummarizeState) -> dict[str, Any]:
        """Ask the reduce model for the overview of all five sections."""
        sections = [state["sections"][i] for i in sorted(state["sections"])]
        info = state["transcript"]
        messages = render(
            WRITE_OVERVIEW,
            OverviewDraft,
            span=span_text(0.0, info.duration) if info.has_times else "",
            sections=sections_text(sections),
        )
        draft, rec = await services.ask(
            services.reduce_llm,
            messages,
            OverviewDraft,
            node="write_overview",
            max_tokens=services.settings.overview_max_tokens,
        )
        return {"overview": overview_dict(draft), "calls": [record(rec, state["run_id"])]}

    return write_overview

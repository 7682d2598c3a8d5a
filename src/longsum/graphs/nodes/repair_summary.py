"""``repair_summary``: the model fixes only what is wrong.

Violations are grouped by the piece they belong to (a section, or the overview); each
broken piece is sent back with its exact violations, its current text and its sources,
and only that piece is rewritten. Pieces without violations are never touched.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any

from longsum.agent.prompts import REPAIR_OVERVIEW, REPAIR_SECTION, render
from longsum.agent.schemas import OverviewDraft, SectionDraft
from longsum.graphs.nodes.write_overview import overview_dict
from longsum.graphs.nodes.write_section import section_task, written_section
from longsum.graphs.notes import notes_text
from longsum.graphs.services import Services, record
from longsum.graphs.state import SummarizeState

__all__ = ["group_violations", "make_repair_summary"]

_SECTION_PATH = re.compile(r"^\$\.sections\[(\d+)\]")


def group_violations(violations: list[dict[str, str]]) -> dict[int | None, list[str]]:
    """Violation lines by section index (None: the overview or the whole)."""
    groups: dict[int | None, list[str]] = defaultdict(list)
    for v in violations:
        match = _SECTION_PATH.match(v["path"])
        groups[int(match.group(1)) if match else None].append(f"{v['path']}: {v['message']}")
    return dict(groups)


def make_repair_summary(
    services: Services,
) -> Callable[[SummarizeState], Awaitable[dict[str, Any]]]:
    """The node, bound to ``services``."""
    settings, llm = services.settings, services.reduce_llm

    async def repair_section(
        state: SummarizeState, index: int, lines: list[str]
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        plan = state["plan"][index]
        task = section_task(state, plan)
        current = state["candidate"]["sections"][index]
        messages = render(
            REPAIR_SECTION,
            SectionDraft,
            number=index + 1,
            violations="\n".join(lines),
            candidate=json.dumps(current, ensure_ascii=False, indent=1),
            notes=services.tokenizer.truncate(
                notes_text(task["notes"]), settings.reduce_budget // 5
            ),
        )
        draft, rec = await services.ask(
            llm,
            messages,
            SectionDraft,
            node="repair_summary",
            max_tokens=settings.section_max_tokens,
        )
        return {"sections": {index: written_section(task, draft)}}, record(rec, state["run_id"])

    async def repair_overview(
        state: SummarizeState, lines: list[str]
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        candidate = state["candidate"]
        current = {k: candidate.get(k) for k in ("introduction", "topics", "generalTopics")}
        messages = render(
            REPAIR_OVERVIEW,
            OverviewDraft,
            violations="\n".join(lines),
            candidate=json.dumps(current, ensure_ascii=False, indent=1),
            titles="\n".join(s["title"] for s in candidate["sections"]),
        )
        draft, rec = await services.ask(
            llm,
            messages,
            OverviewDraft,
            node="repair_summary",
            max_tokens=settings.overview_max_tokens,
        )
        return {"overview": overview_dict(draft)}, record(rec, state["run_id"])

    async def repair_summary(state: SummarizeState) -> dict[str, Any]:
        """One LLM repair round over every broken piece, in parallel."""
        groups = group_violations(state["violations"])
        jobs = [
            repair_section(state, index, lines)
            if index is not None
            else repair_overview(state, lines)
            for index, lines in groups.items()
        ]
        done = await asyncio.gather(*jobs)
        round_ = state.get("repair_round", 0) + 1
        update: dict[str, Any] = {
            "repair_round": round_,
            "calls": [rec for _, rec in done],
            "repairs": [
                {
                    "round": round_,
                    "kind": "llm",
                    "piece": "overview" if i is None else f"section {i + 1}",
                    "violations": lines,
                }
                for i, lines in groups.items()
            ],
        }
        for piece, _ in done:
            if "sections" in piece:
                update.setdefault("sections", {}).update(piece["sections"])
            else:
                update.update(piece)
        return update

    return repair_summary

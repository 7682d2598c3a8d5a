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

from longsum.agent.prompts import REPAIR_PIECE, REPAIR_SECTION, render
from longsum.agent.schemas import IntroDraft, SectionDraft, TopicsDraft
from longsum.graphs.nodes.write_overview import (
    overview_offline,
    ranked_fields,
    sections_text,
    topics_dict,
)
from longsum.graphs.nodes.write_section import (
    draft_offline,
    section_task,
    with_distinct_bullets,
    written_section,
)
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
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        plan = state["plan"][index]
        task = section_task(state, plan)
        current = state["candidate"]["sections"][index]
        # What the deterministic repair removed (duplicates) explains a count that fell short.
        prefix = f"$.sections[{index}]"
        dropped = [
            f"{change} (removed: the same point twice)"
            for event in state.get("repairs", [])[-1:]
            if event.get("kind") == "deterministic"
            for change in event.get("changes", [])
            if change.startswith(prefix) and "duplicate" in change
        ]
        records = []
        if services.extractive is not None:  # other sentences than the ones at fault
            draft = draft_offline(services, task, avoid=current["content"])
        else:
            own = set(plan.chunk_ids)
            text = "\n".join(c.own_text for c in state["chunks"] if c.id in own)
            budget = settings.reduce_budget // 5
            messages = render(
                REPAIR_SECTION,
                SectionDraft,
                number=index + 1,
                violations="\n".join([*lines, *dropped]),
                candidate=json.dumps(current, ensure_ascii=False, indent=1),
                notes=services.tokenizer.truncate(notes_text(task["notes"]), budget),
                text=services.tokenizer.truncate(text, budget),
            )
            draft, rec = await services.ask(
                llm,
                messages,
                SectionDraft,
                node="repair_summary",
                temperature=settings.repair_temperature,
                max_tokens=settings.section_max_tokens,
            )
            records.append(record(rec, state["run_id"]))
            draft = with_distinct_bullets(draft, task)
        # Fix only what is wrong: fields no violation names keep their current text, so a
        # repair cannot break what was already right (a small model may echo the prompt).
        fixed = written_section(task, draft)
        fields = ("title", "content", "topics")
        whole = any(line.startswith(f"{prefix}:") for line in lines)  # e.g. an extra key
        named = (
            set(fields)
            if whole
            else {f for f in fields if any(line.startswith(f"{prefix}.{f}") for line in lines)}
        )
        old = state["sections"][index]
        kept = {f: getattr(old, f) for f in fields if f not in named}
        return {"sections": {index: fixed.model_copy(update=kept)}}, records

    async def repair_overview(
        state: SummarizeState, lines: list[str]
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        candidate = state["candidate"]
        if services.extractive is not None:
            return {"overview": overview_offline(services, state, candidate["topics"])}, []
        overview = dict(state["overview"])
        sections = sections_text([state["sections"][i] for i in sorted(state["sections"])])
        records = []
        intro_lines = [line for line in lines if line.startswith("$.introduction")]
        topic_lines = [line for line in lines if line not in intro_lines]
        if intro_lines:
            intro, rec = await services.ask(
                llm,
                render(
                    REPAIR_PIECE,
                    IntroDraft,
                    piece="introduction",
                    violations="\n".join(intro_lines),
                    candidate=json.dumps({"introduction": candidate["introduction"]}),
                    sections=sections,
                    extra="",
                ),
                IntroDraft,
                node="repair_summary",
                temperature=settings.repair_temperature,
                max_tokens=settings.overview_max_tokens,
            )
            overview["introduction"] = intro.introduction.strip()
            records.append(record(rec, state["run_id"]))
        if topic_lines:
            current = {"topics": candidate["topics"], "general_topics": candidate["generalTopics"]}
            fields = "\n".join(f"- {n}" for n in ranked_fields(services, sections))
            topics, rec = await services.ask(
                llm,
                render(
                    REPAIR_PIECE,
                    TopicsDraft,
                    piece="topics",
                    violations="\n".join(topic_lines),
                    candidate=json.dumps(current, ensure_ascii=False),
                    sections=sections,
                    extra=f"For general_topics choose from exactly these fields:\n{fields}\n\n",
                ),
                TopicsDraft,
                node="repair_summary",
                temperature=settings.repair_temperature,
                max_tokens=settings.overview_max_tokens,
            )
            overview.update(topics_dict(topics))
            records.append(record(rec, state["run_id"]))
        return {"overview": overview}, records

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
            "calls": [rec for _, recs in done for rec in recs],
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

"""``repair_summary``: the model fixes only what is wrong.

Violations are grouped by the piece they belong to (a section, or the overview); each
broken piece is sent back with its exact violations, its current text and its sources,
and only that piece is rewritten. Pieces without violations are never touched.

A rewritten section's bullets are then made distinct in code, within the section and from
every other section's bullets, from its own notes (:func:`with_distinct_bullets`): a small
model that repeats a bullet, or copies another section's bullets, on every round cannot
fail the run while the notes hold other points.
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
    text_key,
    with_distinct_bullets,
    written_section,
)
from longsum.graphs.notes import notes_text
from longsum.graphs.services import Services, record
from longsum.graphs.state import SummarizeState, WrittenSection

__all__ = ["group_violations", "make_repair_summary"]

_SECTION_PATH = re.compile(r"^\$\.sections\[(\d+)\]")
_FIELDS = ("title", "content", "topics")


def group_violations(violations: list[dict[str, str]]) -> dict[int | None, list[str]]:
    """Violation lines by section index (None: the overview or the whole)."""
    groups: dict[int | None, list[str]] = defaultdict(list)
    for v in violations:
        match = _SECTION_PATH.match(v["path"])
        groups[int(match.group(1)) if match else None].append(f"{v['path']}: {v['message']}")
    return dict(groups)


def _named_fields(lines: list[str], index: int) -> set[str]:
    """The fields of section ``index`` its violation lines name (all, for the whole)."""
    prefix = f"$.sections[{index}]"
    if any(line.startswith(f"{prefix}:") for line in lines):  # e.g. an extra key
        return set(_FIELDS)
    return {f for f in _FIELDS if any(line.startswith(f"{prefix}.{f}") for line in lines)}


def _taken_lines(sections: list[dict[str, Any]], index: int, lines: list[str]) -> list[str]:
    """For a section whose bullets are to be fixed, one line per bullet that another section
    already holds (compared as :func:`with_distinct_bullets` compares): the model is told
    which to replace without the other sections' text (the candidate shows it)."""
    if "content" not in _named_fields(lines, index):
        return []
    owner: dict[str, int] = {}
    for j, section in enumerate(sections):
        for bullet in section["content"] if j != index else []:
            owner.setdefault(text_key(bullet), j)
    return [
        f"$.sections[{index}].content[{k}]: is already a bullet of section {owner[key] + 1}; "
        "replace it with another point from this section's notes"
        for k, bullet in enumerate(sections[index]["content"])
        if (key := text_key(bullet)) in owner
    ]


def make_repair_summary(
    services: Services,
) -> Callable[[SummarizeState], Awaitable[dict[str, Any]]]:
    """The node, bound to ``services``."""
    settings, llm = services.settings, services.reduce_llm

    async def draft_section(
        state: SummarizeState, index: int, lines: list[str]
    ) -> tuple[SectionDraft, list[dict[str, Any]]]:
        """The section rewritten by the model (or the offline engine), with its records."""
        plan = state["plan"][index]
        task = section_task(state, plan)
        sections = state["candidate"]["sections"]
        current = sections[index]
        if services.extractive is not None:  # other sentences than any section holds
            held = [b for section in sections for b in section["content"]]
            return draft_offline(services, task, avoid=held), []
        # What the deterministic repair removed (duplicates) explains a count that fell short.
        prefix = f"$.sections[{index}]"
        dropped = [
            f"{change} (removed: the same point twice)"
            for event in state.get("repairs", [])[-1:]
            if event.get("kind") == "deterministic"
            for change in event.get("changes", [])
            if change.startswith(prefix) and "duplicate" in change
        ]
        budget = settings.reduce_budget // 5
        messages = render(
            REPAIR_SECTION,
            SectionDraft,
            number=index + 1,
            violations="\n".join([*lines, *dropped, *_taken_lines(sections, index, lines)]),
            candidate=json.dumps(current, ensure_ascii=False, indent=1),
            notes=services.tokenizer.truncate(notes_text(task["notes"]), budget),
        )
        draft, rec = await services.ask(
            llm,
            messages,
            SectionDraft,
            node="repair_summary",
            temperature=settings.repair_temperature,
            max_tokens=settings.section_max_tokens,
        )
        return draft, [record(rec, state["run_id"])]

    def settle_section(
        state: SummarizeState,
        index: int,
        lines: list[str],
        draft: SectionDraft,
        taken: list[str],
    ) -> WrittenSection:
        """The repaired section as stored: a model's draft made distinct (within itself and
        from ``taken``, the other sections' bullets), and only the fields named changed."""
        task = section_task(state, state["plan"][index])
        if services.extractive is None:
            draft = with_distinct_bullets(draft, task, taken)
        # Fix only what is wrong: fields no violation names keep their current text, so a
        # repair cannot break what was already right (a small model may echo the prompt).
        fixed = written_section(task, draft)
        named = _named_fields(lines, index)
        old = state["sections"][index]
        kept = {f: getattr(old, f) for f in _FIELDS if f not in named}
        return fixed.model_copy(update=kept)

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
        indices = sorted(i for i in groups if i is not None)

        async def overview() -> tuple[dict[str, Any], list[dict[str, Any]]]:
            return await repair_overview(state, groups[None]) if None in groups else ({}, [])

        drafted, (overview_update, overview_calls) = await asyncio.gather(
            asyncio.gather(*(draft_section(state, i, groups[i]) for i in indices)), overview()
        )
        round_ = state.get("repair_round", 0) + 1
        update: dict[str, Any] = {
            "repair_round": round_,
            "calls": [rec for _, recs in drafted for rec in recs] + overview_calls,
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
        # One section at a time, in order, each kept apart from the bullets the others hold
        # by now; a later section whose bullets are rewritten this round keeps itself apart
        # when its turn comes (like the validator, which blames the later of two sections).
        sections = dict(state["sections"])
        pending = {i for i in indices if "content" in _named_fields(groups[i], i)}
        for index, (draft, _) in zip(indices, drafted, strict=True):
            pending.discard(index)
            taken = [
                b for j, s in sections.items() if j != index and j not in pending for b in s.content
            ]
            sections[index] = settle_section(state, index, groups[index], draft, taken)
        if indices:
            update["sections"] = {i: sections[i] for i in indices}
        update.update(overview_update)
        return update

    return repair_summary

"""``repair_summary``: the model fixes only what is wrong.

Violations are grouped by the piece they belong to (a section, or the overview); each
broken piece is sent back with its exact violations, its current text and its sources,
and only that piece is rewritten. Pieces without violations are never touched.

A rewritten section's bullets are then kept apart by its writer, within the section and
from every other section's bullets (:meth:`~longsum.graphs.writers.base.Writer.keep_apart`):
a small model that repeats a bullet, or copies another section's bullets, on every round
cannot fail the run while the notes hold other points.
"""

from __future__ import annotations

import asyncio
import re
from collections import defaultdict
from typing import Any

from langgraph.runtime import Runtime

from longsum.agent.schemas import SectionDraft
from longsum.graphs.context import Context, services_of
from longsum.graphs.nodes.write_overview import overview_brief
from longsum.graphs.sections import section_task, text_key, written_section
from longsum.graphs.services import record
from longsum.graphs.state import SummarizeState, WrittenSection
from longsum.graphs.writers.base import OverviewRepair, SectionRepair, Writer

__all__ = ["group_violations", "repair_summary", "section_repair"]

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


def section_repair(state: SummarizeState, index: int, lines: list[str]) -> SectionRepair:
    """What is wrong with section ``index``: its violation lines, what the deterministic
    repair removed from it (which explains a count that fell short), and which of its
    bullets another section already holds."""
    sections = state["candidate"]["sections"]
    prefix = f"$.sections[{index}]"
    dropped = [
        f"{change} (removed: the same point twice)"
        for event in state.get("repairs", [])[-1:]
        if event.get("kind") == "deterministic"
        for change in event.get("changes", [])
        if change.startswith(prefix) and "duplicate" in change
    ]
    return SectionRepair(
        task=section_task(state, state["plan"][index]),
        violations=[*lines, *dropped, *_taken_lines(sections, index, lines)],
        current=sections[index],
        held=[b for section in sections for b in section["content"]],
    )


def _settled(
    writer: Writer,
    state: SummarizeState,
    repair: SectionRepair,
    lines: list[str],
    draft: SectionDraft,
    taken: list[str],
) -> WrittenSection:
    """The repaired section as stored: the draft kept apart from ``taken`` (the other
    sections' bullets), and only the fields its violations name changed."""
    task = repair.task
    index = task["plan"].index
    fixed = written_section(task, writer.keep_apart(draft, task, taken))
    # Fix only what is wrong: fields no violation names keep their current text, so a
    # repair cannot break what was already right (a small model may echo the prompt).
    named = _named_fields(lines, index)
    old = state["sections"][index]
    return fixed.model_copy(update={f: getattr(old, f) for f in _FIELDS if f not in named})


async def repair_summary(state: SummarizeState, runtime: Runtime[Context]) -> dict[str, Any]:
    """One repair round over every broken piece, in parallel."""
    writer = services_of(runtime).reduce_writer
    groups = group_violations(state["violations"])
    indices = sorted(i for i in groups if i is not None)
    repairs = {i: section_repair(state, i, groups[i]) for i in indices}

    async def overview() -> tuple[dict[str, Any], list[Any]]:
        if None not in groups:
            return {}, []
        repair = OverviewRepair(
            brief=overview_brief(state),
            violations=groups[None],
            candidate=state["candidate"],
            overview=dict(state["overview"]),
        )
        written, records = await writer.repair_overview(repair)
        return {"overview": written}, records

    drafted, (overview_update, overview_records) = await asyncio.gather(
        asyncio.gather(*(writer.repair_section(repairs[i]) for i in indices)),
        overview(),
    )
    round_ = state.get("repair_round", 0) + 1
    run_id = state["run_id"]
    records = [rec for _, recs in drafted for rec in recs] + overview_records
    update: dict[str, Any] = {
        "repair_round": round_,
        "calls": [record(rec, run_id) for rec in records],
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
        sections[index] = _settled(writer, state, repairs[index], groups[index], draft, taken)
    if indices:
        update["sections"] = {i: sections[i] for i in indices}
    update.update(overview_update)
    return update

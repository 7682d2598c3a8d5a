"""What writing a section and repairing one share: the task a section is written from, the
section as stored, its bullets kept distinct, and the written sections as the overview reads
them. ``write_section``, ``write_overview``, ``repair_summary`` and the writers import these
from here rather than from each other."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np

from longsum.agent.extractive.intro import introduction
from longsum.agent.schemas import SectionDraft, TopicsDraft
from longsum.contract import BULLET_COUNT, SECTION_TOPIC_COUNT, TOPIC_COUNT, contract_violations
from longsum.graphs.notes import span_text, working_notes
from longsum.graphs.state import SectionPlan, SectionTask, SummarizeState, WrittenSection
from longsum.tools.quality import bullet_defects, reader_violations
from longsum.tools.repeats import repeats

__all__ = [
    "clean_title",
    "section_task",
    "sections_text",
    "text_key",
    "topics_dict",
    "with_distinct_bullets",
    "with_distinct_topics",
    "written_section",
]

_PREFIX = re.compile(r"^\s*(?:section|part|chapter)\s*\d*\s*[:.\-–—]\s*", re.IGNORECASE)


def clean_title(title: str) -> str:
    """A model's title without any ``Section N:`` it added (the code numbers sections)."""
    return _PREFIX.sub("", title.strip()).strip() or title.strip()


def written_section(task: SectionTask, draft: SectionDraft) -> WrittenSection:
    """The section as stored: numbered title, the draft's bullets and topics, its sources."""
    plan = task["plan"]
    return WrittenSection(
        index=plan.index,
        title=f"Section {plan.index + 1}: {clean_title(draft.title)}",
        content=[b.strip() for b in draft.bullets],
        topics=[t.strip() for t in draft.topics],
        chunk_ids=plan.chunk_ids,
        related_chunk_ids=[hit.chunk_id for hit in plan.related],
        start=plan.start,
        end=plan.end,
    )


def section_task(state: SummarizeState, plan: SectionPlan) -> SectionTask:
    """What a section is written (or repaired) from: its own notes, its related notes."""
    own = set(plan.chunk_ids)
    by_chunk = {n.chunk_ids[0]: n for n in state.get("chunk_notes", [])}
    vectors = np.asarray(state["embeddings"], dtype=np.float64)
    position = {c.id: c.index for c in state["chunks"]}
    related = [position[h.chunk_id] for h in plan.related if h.chunk_id in position]
    notes = [n for n in working_notes(state) if own.intersection(n.chunk_ids)]
    # A condensed note can reach past the section's edge: a related chunk it already covers
    # would be read twice, once condensed and once as context.
    covered = {chunk for n in notes for chunk in n.chunk_ids}
    return {
        "plan": plan,
        "notes": notes,
        "related": [
            by_chunk[h.chunk_id]
            for h in plan.related
            if h.chunk_id in by_chunk and h.chunk_id not in covered
        ],
        "theme": _mean(vectors[[position[c] for c in plan.chunk_ids]]),
        "related_theme": _mean(vectors[related]) if related else None,
        "background": _mean(vectors),
        "own_text": "\n".join(c.own_text for c in state["chunks"] if c.id in own),
        "run_id": state["run_id"],
    }


def _mean(rows: np.ndarray) -> list[float]:
    mean = rows.mean(axis=0)
    return (mean / max(float(np.linalg.norm(mean)), 1e-12)).tolist()  # type: ignore[no-any-return]


def text_key(text: str) -> str:
    """Comparison form of a bullet or topic: its lowercase letters and digits, as words."""
    # Letters of any script: with [a-z0-9] all Chinese bullets compared equal ("").
    return " ".join(re.findall(r"[^\W_]+", text.casefold()))


UNFIT_BULLET = frozenset(
    {"question", "fragment", "too_long", "title_like", "scaffold", "markup", "placeholder_number"}
)
"""Defects that make a bullet no bullet: the reader rules a repair round checks."""


def with_distinct_bullets(
    draft: SectionDraft, task: SectionTask, taken: Sequence[str] = ()
) -> SectionDraft:
    """``draft`` with repeated bullets and topics dropped and, when that leaves fewer than
    the contract asks for, its notes' own points and terms added (the section's, then its
    related chunks'): a model that repeats a bullet or a topic on every repair round cannot
    fail the run over what its notes already hold.

    So is a bullet with a defect in :data:`UNFIT_BULLET` (see
    :func:`~longsum.tools.quality.bullet_defects`).

    ``taken`` are the bullets other sections hold: a bullet equal to one of them (ignoring
    case, spacing and punctuation, which covers the validator's comparison) is dropped and
    replaced the same way, so a model that copies another section's bullets on every repair
    round cannot fail the run either. Only when the notes hold too few other points are
    taken bullets kept, to fill the count (a section sharing some bullets is still valid)."""
    notes = [*task["notes"], *task["related"]]
    points = [p for n in notes for p in n.key_points]
    # A bullet a reader would reject (a title, the prompt's scaffolding, mark-up) is
    # replaced the same way: a small model that writes labels on every round cannot leave
    # them in while its notes hold sentences.
    unfit = [
        b
        for b in [*draft.bullets, *points]
        if set(bullet_defects(b)) & UNFIT_BULLET or echoes_prompts(b)
    ]
    bullets = _distinct(draft.bullets, points, BULLET_COUNT, [*taken, *unfit], near=True)
    topics = _distinct(draft.topics, [t for n in notes for t in n.terms], SECTION_TOPIC_COUNT)
    return draft.model_copy(update={"bullets": bullets, "topics": topics})


def _distinct(
    given: Sequence[str],
    reserve: Sequence[str],
    count: int,
    taken: Sequence[str] = (),
    *,
    near: bool = False,
) -> list[str]:
    """``given`` without repeats or ``taken`` items, topped up to ``count`` from
    ``reserve``; then, if still short, from the taken ones (a repeat never). With ``near``,
    an item that says what a kept one says (:func:`~longsum.tools.repeats.repeats`) waits
    for that last resort too."""
    banned = {text_key(item) for item in taken}
    seen: set[str] = set()
    kept: list[str] = []

    def add(item: str, always: bool, loose: bool = False) -> None:
        key = text_key(item)
        echo = near and not loose and any(repeats(item, k) or repeats(k, item) for k in kept)
        if key and key not in seen and not echo and (len(kept) < count or always):
            seen.add(key)
            kept.append(item.strip())

    for item in given:
        if text_key(item) not in banned:
            add(item, always=True)  # the model's own: kept, even past the count
    for item in reserve:
        if text_key(item) not in banned:
            add(item, always=False)
    for item in [*given, *reserve]:  # the last resort: shared with another section
        add(item, always=False, loose=True)
    return kept


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


def with_distinct_topics(topics: list[str], sections: Sequence[WrittenSection]) -> list[str]:
    """``topics`` without repeats (ignoring case and punctuation), filled up to the contract's
    count from the sections' own topics, in order: a model that names one topic twice on
    every repair round cannot fail the run while the sections hold others."""
    kept: dict[str, str] = {}  # comparison key -> the topic as written, in order
    for topic in [*topics, *(t for s in sections for t in s.topics)]:
        if key := text_key(topic):
            kept.setdefault(key, topic)
    distinct = list(kept.values())[:TOPIC_COUNT]
    return distinct if len(distinct) == TOPIC_COUNT else topics


def echoes_prompts(text: str) -> bool:
    """Whether ``text`` repeats the instructions longsum sends (the contract's ``copied``
    rule): a small model writes "The section as written: ..." back as a bullet."""
    from longsum.agent.prompts import instruction_texts

    data = {"introduction": text}
    return bool(contract_violations(data, forbidden_texts=instruction_texts()))


def unfit_introduction(text: str) -> bool:
    """Whether an introduction echoes the prompts (copied instructions, their labels) or
    says a sentence twice: what no repair of a small model's may leave in."""
    from longsum.agent.prompts import prompt_labels

    if echoes_prompts(text):
        return True
    return any(
        v.code in ("scaffold", "markup", "repeated_sentence")
        for v in reader_violations({"introduction": text}, scaffold=prompt_labels())
    )


def composed_introduction(brief: Any, candidate: dict[str, Any]) -> str:
    """An introduction composed from the written sections' titles and the topics, as the
    offline engine writes it: the fallback when a model's repaired one is still unfit."""
    info = brief.transcript
    titles = [s.title for s in brief.sections]
    topics = [t for t in candidate.get("topics", []) if isinstance(t, str)]
    return introduction(
        titles, topics, info.speakers, info.duration, len(brief.text.split())
    ).introduction

"""``plan_sections``: split the timeline into exactly five contiguous sections.

Boundaries come from the chunk embeddings: each unit (the notes of a chunk, or of a group
of chunks after a collapse) is represented by the mean embedding of its chunks, and the
split maximises topical coherence, the sum over sections of the length of the sum of their
unit vectors (for unit vectors, the summed cosine of each unit to its section's centroid),
minus a penalty on sections much longer or shorter than a fifth of the transcript. So a
boundary falls where the talk changes subject, and no section swallows the rest. Working
titles come from the notes. Every unit lands in exactly one section; none is empty.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np

from longsum.contract import SECTION_COUNT
from longsum.graphs.notes import working_notes
from longsum.graphs.state import ChunkNotes, SectionPlan, SummarizeState

# The boundary search lives with the chapters, which split finer with it (re-exported here).
from longsum.tools.chapters import BALANCE, segment

__all__ = ["BALANCE", "plan_sections", "segment", "working_title"]


def working_title(notes: Sequence[ChunkNotes]) -> str:
    """The section's most frequent terms, else its first note's topic."""
    counts = Counter(t.strip() for n in notes for t in n.terms if t.strip())
    top = [term for term, _ in counts.most_common(3)]
    return ", ".join(top) if top else notes[0].topic


def plan_sections(state: SummarizeState) -> dict[str, Any]:
    """Five contiguous sections over the working notes, at chunk boundaries."""
    notes = working_notes(state)
    chunks = state["chunks"]
    vectors = np.asarray(state["embeddings"], dtype=np.float64)
    units = np.vstack([vectors[n.first : n.last + 1].mean(axis=0) for n in notes])
    units /= np.linalg.norm(units, axis=1, keepdims=True).clip(min=1e-12)
    starts = segment(units, SECTION_COUNT)
    ends = [*starts[1:], len(notes)]
    plan = []
    for index, (a, b) in enumerate(zip(starts, ends, strict=True)):
        part = notes[a:b]
        first, last = chunks[part[0].first], chunks[part[-1].last]
        plan.append(
            SectionPlan(
                index=index,
                chunk_ids=[c.id for c in chunks[first.index : last.index + 1]],
                start=first.start,
                end=last.end,
                working_title=working_title(part),
            )
        )
    return {"plan": plan}

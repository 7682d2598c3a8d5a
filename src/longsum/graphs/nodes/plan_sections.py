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

__all__ = ["plan_sections", "segment", "working_title"]

BALANCE = 0.5
"""Weight of the length penalty (coherence units per squared relative size deviation, times
the ideal size): strong enough to split a single-topic talk evenly, weak enough that moving a
boundary off a clear topic shift never pays."""


def segment(vectors: np.ndarray, k: int = SECTION_COUNT, balance: float = BALANCE) -> list[int]:
    """Start indices of ``k`` contiguous, non-empty segments of the rows of ``vectors``
    (unit vectors, in order) that maximise coherence minus the length penalty."""
    n = len(vectors)
    if n < k:
        raise ValueError(f"cannot split {n} units into {k} non-empty sections")
    prefix = np.vstack([np.zeros(vectors.shape[1]), np.cumsum(vectors, axis=0)])
    ideal = n / k

    def score(i: int, j: int) -> float:  # units i..j-1
        size = j - i
        coherence = float(np.linalg.norm(prefix[j] - prefix[i]))
        return coherence - balance * ideal * ((size - ideal) / ideal) ** 2

    best = np.full((k + 1, n + 1), -np.inf)
    back = np.zeros((k + 1, n + 1), dtype=int)
    best[0, 0] = 0.0
    for s in range(1, k + 1):
        for j in range(s, n - (k - s) + 1):
            for i in range(s - 1, j):
                value = best[s - 1, i] + score(i, j)
                if value > best[s, j]:
                    best[s, j], back[s, j] = value, i
    starts, j = [], n
    for s in range(k, 0, -1):
        j = int(back[s, j])
        starts.append(j)
    return starts[::-1]


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
    starts = segment(units)
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

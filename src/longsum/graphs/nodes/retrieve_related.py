"""``retrieve_related``: for each section, the chunks from elsewhere that share its theme.

A theme that recurs across the hours (a guest returning to the same idea) is written with
all its evidence: the section's theme (the mean embedding of its chunks) is queried against
the index, its own chunks excluded, and the best hits above a similarity floor are kept
while their notes fit the retrieval budget.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from langgraph.runtime import Runtime

from longsum.graphs.context import Context, services_of
from longsum.graphs.notes import notes_tokens
from longsum.graphs.state import RetrievalHit, SummarizeState

__all__ = ["retrieve_related"]


def retrieve_related(state: SummarizeState, runtime: Runtime[Context]) -> dict[str, Any]:
    """Attach up to ``related_k`` related chunks to every section of the plan."""
    services = services_of(runtime)
    settings = services.settings
    index = services.index(state["collection"])
    vectors = np.asarray(state["embeddings"], dtype=np.float64)
    position = {c.id: c.index for c in state["chunks"]}
    notes_by_chunk = {n.chunk_ids[0]: n for n in state.get("chunk_notes", [])}
    plan = []
    for section in state["plan"]:
        own = [position[cid] for cid in section.chunk_ids]
        theme = vectors[own].mean(axis=0)
        theme /= max(float(np.linalg.norm(theme)), 1e-12)
        hits = index.query(theme, k=settings.related_k * 3, exclude=set(section.chunk_ids))
        chosen: list[RetrievalHit] = []
        spent = 0
        for hit in hits:
            if hit.score < settings.related_min_score or len(chosen) >= settings.related_k:
                break
            chunk = state["chunks"][position[hit.id]]
            note = notes_by_chunk.get(hit.id)
            cost = notes_tokens([note], services.tokenizer) if note else 0
            if chosen and spent + cost > settings.related_budget:
                continue
            spent += cost
            chosen.append(
                RetrievalHit(
                    chunk_id=hit.id, score=round(hit.score, 4), start=chunk.start, end=chunk.end
                )
            )
        plan.append(section.model_copy(update={"related": chosen}))
    return {"plan": plan}

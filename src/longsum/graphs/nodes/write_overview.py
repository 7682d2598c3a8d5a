"""``write_overview``: the introduction, the 5 global topics and the 3 general topics with
their complexity, from the whole set of written sections."""

from __future__ import annotations

from typing import Any

import numpy as np
from langgraph.runtime import Runtime

from longsum.graphs.context import Context, services_of
from longsum.graphs.services import record
from longsum.graphs.state import SummarizeState
from longsum.graphs.writers.base import OverviewBrief

__all__ = ["overview_brief", "write_overview"]


def overview_brief(state: SummarizeState) -> OverviewBrief:
    """What the overview is written (or repaired) from, as the state holds it now."""
    vectors = np.asarray(state["embeddings"], dtype=np.float64)
    return OverviewBrief(
        sections=[state["sections"][i] for i in sorted(state["sections"])],
        transcript=state["transcript"],
        text="\n".join(c.own_text for c in state["chunks"]),
        vector=vectors.mean(axis=0),
        terms=[t for n in state["chunk_notes"] for t in n.terms],
    )


async def write_overview(state: SummarizeState, runtime: Runtime[Context]) -> dict[str, Any]:
    """Ask the reduce writer for the introduction and the topics."""
    overview, records = await services_of(runtime).reduce_writer.overview(overview_brief(state))
    return {"overview": overview, "calls": [record(rec, state["run_id"]) for rec in records]}

"""Who writes the summary's pieces: one protocol (:mod:`.base`), an LLM writer (:mod:`.llm`)
and the offline extractive writer (:mod:`.extractive`). Nodes see only the protocol."""

from longsum.graphs.writers.base import (
    Drafted,
    OverviewBrief,
    OverviewRepair,
    SectionRepair,
    Writer,
)

__all__ = ["Drafted", "OverviewBrief", "OverviewRepair", "SectionRepair", "Writer"]

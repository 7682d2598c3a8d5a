"""``write_section``: one task per section (sent with ``Send``): its title, 4 bullets and
3 topics, from its own notes and the notes of the related chunks retrieved for it."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from longsum.graphs.context import Context, services_of
from longsum.graphs.sections import written_section
from longsum.graphs.services import record
from longsum.graphs.state import SectionTask

__all__ = ["write_section"]


async def write_section(task: SectionTask, runtime: Runtime[Context]) -> dict[str, Any]:
    """Ask the reduce writer for one section."""
    draft, records = await services_of(runtime).reduce_writer.section(task)
    return {
        "sections": {task["plan"].index: written_section(task, draft)},
        "calls": [record(rec, task["run_id"]) for rec in records],
    }

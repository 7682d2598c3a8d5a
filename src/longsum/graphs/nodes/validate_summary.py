"""``validate_summary``: assemble the contract from the written pieces, apply the
deterministic repairs, and name every violation left; ``route_validation`` (in the
builder) then finishes, repairs with the writer, or gives up when the repair rounds are
spent."""

from __future__ import annotations

import functools
from typing import Any

from longsum.agent.prompts import instruction_texts
from longsum.graphs.state import SummarizeState, WrittenSection
from longsum.tools.repair import repair_summary
from longsum.tools.validation import validate_summary as find_violations

__all__ = ["assemble", "validate_summary"]


def assemble(sections: dict[int, WrittenSection], overview: dict[str, Any]) -> dict[str, Any]:
    """The contract object, built in code from the sections and the overview."""
    return {
        "introduction": overview.get("introduction", ""),
        "sections": [
            {"title": s.title, "content": list(s.content), "topics": list(s.topics)}
            for s in (sections[i] for i in sorted(sections))
        ],
        "topics": list(overview.get("topics", [])),
        "generalTopics": [dict(g) for g in overview.get("generalTopics", [])],
    }


@functools.cache
def _forbidden() -> tuple[str, ...]:
    """Instructions a small model may echo back as content: they count as copied text."""
    return tuple(instruction_texts())


def validate_summary(state: SummarizeState) -> dict[str, Any]:
    """The candidate, its deterministic repairs, and its remaining violations."""
    fixed = repair_summary(assemble(state["sections"], state["overview"]))
    violations = find_violations(fixed.data, forbidden_texts=_forbidden())
    round_ = state.get("repair_round", 0)
    update: dict[str, Any] = {
        "candidate": fixed.data,
        "violations": [{"path": v.path, "message": v.message, "code": v.code} for v in violations],
    }
    if fixed.changes:
        update["repairs"] = [{"round": round_, "kind": "deterministic", "changes": fixed.changes}]
    return update

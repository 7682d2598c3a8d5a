"""``validate_summary``: assemble the contract from the written pieces, apply the
deterministic repairs, and name every violation left; ``route_validation`` then finishes,
repairs with the model, or gives up when the repair rounds are spent."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from longsum.agent.prompts import instruction_texts
from longsum.graphs.services import Services
from longsum.graphs.state import SummarizeState, WrittenSection
from longsum.tools.repair import repair_summary
from longsum.tools.validation import validate_summary as find_violations

__all__ = ["assemble", "make_route_validation", "make_validate_summary"]

Next = Literal["finish_summary", "repair_summary", "fail_summary"]


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


def make_validate_summary(services: Services) -> Callable[[SummarizeState], dict[str, Any]]:
    """The node, bound to ``services``."""
    # Instructions a small model may echo back as content count as copied text.
    forbidden = instruction_texts()

    def validate_summary(state: SummarizeState) -> dict[str, Any]:
        """The candidate, its deterministic repairs, and its remaining violations."""
        fixed = repair_summary(assemble(state["sections"], state["overview"]))
        violations = find_violations(fixed.data, forbidden_texts=forbidden)
        round_ = state.get("repair_round", 0)
        update: dict[str, Any] = {
            "candidate": fixed.data,
            "violations": [
                {"path": v.path, "message": v.message, "code": v.code} for v in violations
            ],
        }
        if fixed.changes:
            update["repairs"] = [
                {"round": round_, "kind": "deterministic", "changes": fixed.changes}
            ]
        return update

    return validate_summary


def make_route_validation(services: Services) -> Callable[[SummarizeState], Next]:
    """The router after ``validate_summary``."""
    bound = services.settings.max_repair_rounds

    def route_validation(state: SummarizeState) -> Next:
        """Finish when valid; repair while rounds are left; otherwise fail."""
        if not state["violations"]:
            return "finish_summary"
        return "repair_summary" if state.get("repair_round", 0) < bound else "fail_summary"

    return route_validation

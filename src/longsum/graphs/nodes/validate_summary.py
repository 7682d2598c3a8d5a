"""``validate_summary``: assemble the contract from the written pieces, apply the
deterministic repairs, and name every violation left; ``route_validation`` (in the
builder) then finishes, repairs with the writer, or gives up when the repair rounds are
spent.

Two kinds of violation: the contract's (``kind: "contract"``: shape, counts, duplicates,
template text) and a reader's (``kind: "reader"``, :func:`~longsum.tools.quality.reader_violations`:
a title for a bullet, the prompt's scaffolding echoed, mark-up, a script the transcript
does not use, a sentence said twice, placeholder numbers). Both are repaired; a summary
whose repair rounds are spent with only reader violations left still meets the contract,
so it is returned, with what is left reported in its extended result."""

from __future__ import annotations

from typing import Any

from longsum.agent.prompts import instruction_texts, prompt_labels
from longsum.graphs.state import SummarizeState, WrittenSection
from longsum.tools.quality import reader_violations, scripts_of
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


_SCRIPTS: dict[str, frozenset[str] | None] = {}
"""The scripts of each transcript validated in this process, by content hash: the loop
validates the same transcript once per round."""


def _scripts(state: SummarizeState) -> frozenset[str] | None:
    key = state["transcript"].content_hash
    if key not in _SCRIPTS:
        text = "\n".join(chunk.own_text for chunk in state.get("chunks", []))
        _SCRIPTS[key] = scripts_of(text) if text.strip() else None
    return _SCRIPTS[key]


def validate_summary(state: SummarizeState) -> dict[str, Any]:
    """The candidate, its deterministic repairs, and its remaining violations."""
    fixed = repair_summary(assemble(state["sections"], state["overview"]))
    # Instructions a small model may echo back as content count as copied text.
    contract = find_violations(fixed.data, forbidden_texts=instruction_texts())
    reader = reader_violations(fixed.data, scripts=_scripts(state), scaffold=prompt_labels())
    round_ = state.get("repair_round", 0)
    update: dict[str, Any] = {
        "candidate": fixed.data,
        "violations": [
            {"path": v.path, "message": v.message, "code": v.code, "kind": kind}
            for kind, found in (("contract", contract), ("reader", reader))
            for v in found
        ],
    }
    if fixed.changes:
        update["repairs"] = [{"round": round_, "kind": "deterministic", "changes": fixed.changes}]
    return update

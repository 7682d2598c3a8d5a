"""``finish_summary`` and ``fail_summary``: the two ends of the validation loop."""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from langgraph.runtime import Runtime

from longsum.contract import Summary
from longsum.errors import SummaryValidationError
from longsum.graphs.context import Context, services_of
from longsum.graphs.notes import working_notes
from longsum.graphs.services import Services
from longsum.graphs.state import SummarizeState
from longsum.tools.chapters import chapters_from_extended

__all__ = ["extended_result", "fail_summary", "finish_summary", "usage"]


def usage(calls: list[dict[str, Any]], run_id: str, transcript_tokens: int) -> dict[str, Any]:
    """Token and latency totals of this run's LLM calls (cached answers cost nothing now,
    so calls recorded by another run, reused from the cache, are counted apart).

    Prompt tokens are counted whole and without what the provider read from its prefix
    cache (``prompt_tokens_uncached``: what a local model prefills, what a provider bills
    at the full rate), overall and per node, each also as a ratio to the transcript's."""
    own = [c for c in calls if c.get("run_id") == run_id]

    def ratio(tokens: int) -> float | None:
        return round(tokens / transcript_tokens, 3) if transcript_tokens else None

    by_node: dict[str, dict[str, Any]] = defaultdict(
        lambda: {
            "calls": 0,
            "prompt_tokens": 0,
            "cached_prompt_tokens": 0,
            "completion_tokens": 0,
            "latency_s": 0.0,
        }
    )
    for c in own:
        node = by_node[c["node"]]
        node["calls"] += 1
        node["prompt_tokens"] += c["prompt_tokens"]
        node["cached_prompt_tokens"] += _cached(c)
        node["completion_tokens"] += c["completion_tokens"]
        node["latency_s"] = round(node["latency_s"] + c["latency_s"], 3)
    for node in by_node.values():
        node["prompt_tokens_uncached"] = node["prompt_tokens"] - node["cached_prompt_tokens"]
        node["uncached_prompt_to_transcript"] = ratio(node["prompt_tokens_uncached"])
    prompt = sum(c["prompt_tokens"] for c in own)
    cached = sum(_cached(c) for c in own)
    return {
        "llm_calls": len(own),
        # Every request sent, failed attempts and regrowths included: what a provider bills
        # and rate-limits (a call's record counts them; older records count attempts).
        "requests": sum(int(c.get("requests") or c.get("attempts") or 1) for c in own),
        "failed_calls": sum(1 for c in own if c.get("failed")),
        "cached_calls": len(calls) - len(own),
        "prompt_tokens": prompt,
        "cached_prompt_tokens": cached,
        "prompt_tokens_uncached": prompt - cached,
        "completion_tokens": sum(c["completion_tokens"] for c in own),
        "latency_s": round(sum(c["latency_s"] for c in own), 3),
        "prompt_to_transcript": ratio(prompt),
        "uncached_prompt_to_transcript": ratio(prompt - cached),
        "estimated_tokens": any(c.get("estimated") for c in own),
        "by_node": dict(by_node),
    }


def _cached(call: dict[str, Any]) -> int:
    return int(call.get("cached_prompt_tokens") or 0)


def extended_result(services: Services, state: SummarizeState) -> dict[str, Any]:
    """Everything beyond the contract a run knows: chunks, sections' times and sources,
    notes, repairs and rounds used, token usage and the call records. Built for a
    finished run, and for a failed one (carried by its :class:`SummaryValidationError`)."""
    info = state["transcript"]
    sections = [state["sections"][i] for i in sorted(state.get("sections", {}))]
    related = {p.index: [h.model_dump() for h in p.related] for p in state.get("plan", [])}
    return {
        "engine": services.engine,
        "models": {"map": services.model_id("map"), "reduce": services.model_id("reduce")},
        "transcript": info.model_dump(),
        "chunks": [
            {
                "id": c.id,
                "start": c.start,
                "end": c.end,
                "tokens": c.token_count,
                "speakers": c.speakers,
                "utterances": list(c.utterance_range),
            }
            for c in state.get("chunks", [])
        ],
        "sections": [
            {
                "index": s.index,
                "title": s.title,
                "start": s.start,
                "end": s.end,
                "chunk_ids": s.chunk_ids,
                "related": related.get(s.index, []),
            }
            for s in sections
        ],
        "notes": [n.model_dump() for n in working_notes(state)],
        # Chunks whose notes were taken without the model, its calls having failed.
        "degraded": [
            {"chunk": r["chunk"], "error": r.get("error", "")}
            for r in state.get("repairs", [])
            if r.get("node") == "summarize_chunk" and r.get("degraded")
        ],
        "collapse_depth": state.get("collapse_depth", 0),
        "validation": {
            "repair_rounds": state.get("repair_round", 0),
            "repairs": state.get("repairs", []),
            # What the repair rounds left: a reader's violations on a finished run (the
            # contract holds), every violation on a failed one.
            "unresolved": state.get("violations", []),
            # Pieces written by the offline composer because a model's repair of them was
            # still unfit (a degradation, reported like any other).
            "composed": list(state.get("overview", {}).get("composed", [])),
        },
        "usage": usage(state.get("calls", []), state["run_id"], info.tokens),
        "calls": state.get("calls", []),
    }


def finish_summary(state: SummarizeState, runtime: Runtime[Context]) -> dict[str, Any]:
    """The validated contract summary and the extended result (with its chapters)."""
    summary = Summary.model_validate(state["candidate"]).model_dump(mode="json", by_alias=True)
    extended = extended_result(services_of(runtime), state)
    # The five sections as chapters (first at 0, none under 10 s); a finer split is the
    # caller's (longsum.tools.chapters), from this result and the transcript.
    extended["chapters"] = chapters_from_extended(extended)
    return {"summary": summary, "extended": extended}


def fail_summary(state: SummarizeState, runtime: Runtime[Context]) -> dict[str, Any]:
    """Save the last candidate with its violations, then fail the run clearly."""
    services = services_of(runtime)
    violations = state["violations"]
    folder = services.settings.cache_dir / "failed"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{state['run_id']}.json"
    saved = {
        "candidate": state["candidate"],
        "violations": violations,
        "repairs": state.get("repairs", []),
    }
    path.write_text(json.dumps(saved, indent=2, ensure_ascii=False), encoding="utf-8")
    first = next((v for v in violations if v.get("kind") != "reader"), violations[0])
    raise SummaryValidationError(
        f"the summary still breaks the contract after {state.get('repair_round', 0)} "
        f"repair round(s): {len(violations)} violation(s), first {first['path']}: "
        f"{first['message']}; the last candidate and its violations are saved in {path}",
        violations=violations,
        candidate=state["candidate"],
        extended=extended_result(services, state),
        run_id=state["run_id"],
    )

"""The dry run's plan against what a run really does: same chunks, same map prompts, same
calls per node; and the collapse rounds it predicts."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import BaseMessage

from fakes import ScriptedResponder, fake_services
from longsum.api import run_summary
from longsum.graphs.estimate import NOTE_TOKENS, estimate_calls, max_repair_calls, per_node
from longsum.graphs.nodes.split_transcript import split_chunks
from longsum.settings import Settings, load_settings
from longsum.tools.parsing import read_transcript
from longsum.tools.tokens import Tokenizer, get_tokenizer


def graph_chunks(path: Path, settings: Settings, tokenizer: Tokenizer) -> list[Any]:
    """The chunks of ``path`` by the split function the graph and the dry run share."""
    return split_chunks(read_transcript(path), settings, tokenizer)[0]


class Recorder(ScriptedResponder):
    """The scripted model, keeping the map prompts it was sent by part number."""

    def __init__(self) -> None:
        super().__init__()
        self.map_prompts: dict[int, list[BaseMessage]] = {}
        self._mine = threading.Lock()

    def __call__(self, messages: list[BaseMessage], schema: dict[str, Any] | None) -> str:
        prompt = str(messages[-1].content)
        if prompt.startswith("Excerpt "):
            number = int(prompt.split("Excerpt ", 1)[1].split(" ", 1)[0])
            with self._mine:
                self.map_prompts[number] = list(messages)
        return super().__call__(messages, schema)


@pytest.fixture
def seed(shared_dir: Path) -> Path:
    return shared_dir / "data/seed_transcripts/hashing.txt"


@pytest.mark.parametrize("language", [None, "Haitian Creole"])
def test_plan_matches_the_run_call_for_call(
    tmp_path: Path, seed: Path, language: str | None
) -> None:
    settings = load_settings(cache_dir=tmp_path, vector_store="memory", language=language)
    tokenizer = get_tokenizer()
    chunks = graph_chunks(seed, settings, tokenizer)
    planned = estimate_calls(chunks, settings, tokenizer)

    responder = Recorder()
    services = fake_services(settings, responder)
    result = asyncio.run(run_summary(seed, services=services))
    ran = result.extended

    assert [(c.id, c.token_count) for c in chunks] == [
        (c["id"], c["tokens"]) for c in ran["chunks"]
    ]
    by_node = {node: calls for node, (calls, _, _, _) in per_node(planned).items()}
    assert by_node == {n: int(u["calls"]) for n, u in ran["usage"]["by_node"].items()}
    maps = [c for c in planned if c.node == "summarize_chunk"]
    assert [c.what for c in maps] == [c.id for c in chunks]
    sent = [
        sum(tokenizer.count(str(m.content)) for m in responder.map_prompts[i + 1])
        for i in range(len(chunks))
    ]
    assert [c.prompt_tokens for c in maps] == sent, "map prompts are counted exactly"
    assert all(c.exact_prompt for c in maps)
    cap = min(NOTE_TOKENS, settings.notes_max_tokens)
    assert [c.completion_tokens for c in maps] == [min(cap, c.token_count) for c in chunks]


def test_collapse_rounds_follow_the_budget_and_the_depth_bound(tmp_path: Path) -> None:
    tokenizer = get_tokenizer()
    path = tmp_path / "long.txt"
    lines = [f"Point {i} concerns topic {i % 7} and detail {i * 13 % 101}." for i in range(1400)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    def rounds(**options: Any) -> list[str]:
        settings = load_settings(cache_dir=tmp_path, max_tokens=400, **options)
        chunks = graph_chunks(path, settings, tokenizer)
        assert len(chunks) == 57 and min(c.token_count for c in chunks[:-1]) > 240
        planned = estimate_calls(chunks, settings, tokenizer)
        return sorted({c.what.split(",")[0] for c in planned if c.node == "collapse_notes"})

    assert rounds(reduce_budget=50_000) == [], "notes within the budget are not collapsed"
    # 57 notes of 240 tokens against 1000: rounds pair them (29, 15, 8, then 4 notes, at most
    # five left), unless the depth bound stops them first
    assert rounds(reduce_budget=1000, max_collapse_depth=2) == ["round 1", "round 2"]
    assert rounds(reduce_budget=1000, max_collapse_depth=9) == [f"round {n}" for n in range(1, 5)]
    # the node collapses once when over budget even with a bound of 0; only the router stops
    assert rounds(reduce_budget=1000, max_collapse_depth=0) == ["round 1"]
    # groups are cut at half the budget: two 240-token notes do not fit 250, so no calls
    assert rounds(reduce_budget=500, max_collapse_depth=2) == []


def test_section_prompts_stay_within_their_budgets(tmp_path: Path, seed: Path) -> None:
    tokenizer = get_tokenizer()
    small = load_settings(cache_dir=tmp_path, reduce_budget=500, related_budget=0)
    large = load_settings(cache_dir=tmp_path, reduce_budget=50_000, related_budget=450)
    chunks = graph_chunks(seed, small, tokenizer)
    small_prompt = [
        c for c in estimate_calls(chunks, small, tokenizer) if c.node == "write_section"
    ]
    large_prompt = [
        c for c in estimate_calls(chunks, large, tokenizer) if c.node == "write_section"
    ]
    assert len(small_prompt) == len(large_prompt) == 5
    # notes are cut to a fifth of the budget, related notes to theirs
    assert large_prompt[0].prompt_tokens - small_prompt[0].prompt_tokens > 450


def test_repairs_are_bounded_by_rounds_times_pieces() -> None:
    assert max_repair_calls(load_settings(max_repair_rounds=0)) == 0
    assert max_repair_calls(load_settings(max_repair_rounds=3)) == 21

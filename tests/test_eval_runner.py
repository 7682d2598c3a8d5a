"""``run_system`` on a graph run that fails the contract: its cost still reaches the eval."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

import longsum.api
from fakes import ScriptedResponder, fake_services
from longsum.api import run_summary
from longsum.errors import SummaryValidationError
from longsum.graphs.services import Services
from longsum.memory.runs import list_runs
from longsum.settings import Settings, load_settings
from longsum_eval.runner import run_system


@pytest.fixture
def seed(shared_dir: Path) -> Path:
    return shared_dir / "data/seed_transcripts/mixtral8x7b.txt"


def test_a_failed_run_carries_its_run_id_and_extended_result(seed: Path, tmp_path: Path) -> None:
    settings = load_settings(cache_dir=tmp_path, vector_store="memory", max_repair_rounds=1)
    services = fake_services(settings, ScriptedResponder(faults="never"))
    with pytest.raises(SummaryValidationError) as caught:
        asyncio.run(run_summary(seed, services=services))
    error = caught.value
    ((folder, meta),) = list_runs(settings.runs_dir())
    assert error.run_id == folder.name and meta["status"] == "failed"
    assert error.extended is not None and error.repair_rounds == 1
    assert error.calls and error.calls == error.extended["calls"]
    assert len(error.calls) == meta["llm_calls"]
    assert error.extended["usage"]["prompt_tokens"] == meta["prompt_tokens"] > 0
    assert len(error.extended["sections"]) == 5
    # The constructor stays as it was for other callers.
    bare = SummaryValidationError("broken", violations=["x"])
    assert bare.extended is None and bare.run_id is None
    assert bare.calls == [] and bare.repair_rounds is None


def test_eval_of_a_run_that_never_validates_keeps_its_calls_and_rounds(
    seed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The eval allows 2 repair rounds; the graph it runs gives up after 1, so the rounds
    # reported must be the run's own, not the eval's bound.
    eval_settings = load_settings(cache_dir=tmp_path, vector_store="memory", embedder="hashing")
    assert eval_settings.max_repair_rounds == 2
    responder = ScriptedResponder(faults="never")

    def services(settings: Settings, model: Any = None) -> Services:
        return fake_services(settings.model_copy(update={"max_repair_rounds": 1}), responder)

    monkeypatch.setattr(longsum.api, "build_services", services)
    output = asyncio.run(run_system("longsum", seed, eval_settings, "fake:scripted"))

    assert output.error and not output.valid_first and not output.valid_final
    assert output.violations and output.summary is not None
    assert output.repair_rounds == 1
    assert output.calls, "the failed run's LLM calls are accounted"
    ((_, meta),) = list_runs(eval_settings.runs_dir())
    assert meta["status"] == "failed"
    assert len(output.calls) == meta["llm_calls"] == sum(responder.kinds.values())
    prompt = sum(c["prompt_tokens"] for c in output.calls)
    completion = sum(c["completion_tokens"] for c in output.calls)
    assert prompt == meta["prompt_tokens"] > 0 and completion == meta["completion_tokens"] > 0
    assert output.positions is not None and len(output.positions) == 5
    assert output.positions == sorted(output.positions) and output.positions[0] == 0.0
    # What is cached is the same, so a second eval reports the same cost.
    cached = list((eval_settings.cache_dir / "eval").glob("*.json"))
    assert len(cached) == 1
    assert json.loads(cached[0].read_text())["calls"] == output.calls


def test_a_baseline_answer_without_json_is_reported_as_such(
    seed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from longsum.agent import models
    from longsum.agent.fake import FakeChatModel

    prose = "Sure! This talk covers mixture of experts.\nIt is about routing tokens."
    monkeypatch.setattr(
        models, "load_chat_model", lambda spec, settings: FakeChatModel(lambda m, s: prose)
    )
    settings = load_settings(cache_dir=tmp_path, vector_store="memory", embedder="hashing")
    output = asyncio.run(run_system("single-pass", seed, settings, "fake:prose"))
    assert output.summary is None and not output.valid_final
    assert output.error == (
        f"the answer holds no complete JSON object ({len(prose)} characters): "
        "Sure! This talk covers mixture of experts. It is about routing tokens."
    )
    assert len(output.calls) == 1

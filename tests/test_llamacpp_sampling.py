"""Grammar-last sampling: the decision without llama.cpp, the result with a real GGUF."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, Field

from longsum.agent.llamacpp_sampling import GrammarLastSampler, install_grammar_last
from longsum.agent.models import BLOCK_ENV


class Scripted(GrammarLastSampler):
    """The decision of :class:`GrammarLastSampler` over scripted picks and a fixed grammar."""

    def __init__(self, free_picks: list[int], full_picks: list[int], allowed: set[int]) -> None:
        super().__init__(free="free", full="full", check="check", n_vocab=10)
        self.free_picks, self.full_picks, self.allowed = free_picks, full_picks, allowed
        self.accepted: list[tuple[str, int]] = []
        self.passes: list[str] = []

    def _logits(self, ctx: Any, idx: int) -> Any:
        return None

    def _pick(self, chain: Any, logits: Any) -> int:
        self.passes.append(chain)
        return (self.free_picks if chain == "free" else self.full_picks).pop(0)

    def _allowed(self, token: int) -> bool:
        return token in self.allowed

    def _accept(self, sampler: Any, token: int) -> None:
        self.accepted.append((sampler, token))


def test_a_token_the_grammar_allows_costs_one_unconstrained_pass() -> None:
    sampler = Scripted(free_picks=[7], full_picks=[], allowed={7})
    assert sampler.sample(ctx=None) == 7
    assert sampler.passes == ["free"]
    assert (sampler.tokens, sampler.fallbacks) == (1, 0)


def test_a_rejected_token_is_sampled_again_under_the_grammar_and_all_chains_see_it() -> None:
    sampler = Scripted(free_picks=[3, 5], full_picks=[4], allowed={4, 5})
    assert [sampler.sample(ctx=None), sampler.sample(ctx=None)] == [4, 5]
    assert sampler.passes == ["free", "full", "free"]
    assert (sampler.tokens, sampler.fallbacks) == (2, 1)
    # The rejected 3 reaches no sampler: penalties and grammar follow the emitted text.
    assert sampler.accepted == [
        ("free", 4),
        ("full", 4),
        ("check", 4),
        ("free", 5),
        ("full", 5),
        ("check", 5),
    ]


def test_a_llama_without_the_needed_internals_is_left_alone() -> None:
    class Bare:
        pass

    bare = Bare()
    assert install_grammar_last(bare) is False
    assert not hasattr(bare, "_init_sampler")


class Notes(BaseModel):
    topic: str = Field(description="2 to 6 words")
    points: list[str] = Field(min_length=2, max_length=3, description="short sentences")


@pytest.mark.real_model
def test_real_gguf_grammar_last_answers_match_the_schema(monkeypatch: pytest.MonkeyPatch) -> None:
    path = os.environ.get("LONGSUM_TEST_GGUF", "")
    if not path or not Path(path).is_file():
        pytest.skip("set LONGSUM_TEST_GGUF to a .gguf file to run the real-model test")
    llama_cpp = pytest.importorskip("llama_cpp")
    monkeypatch.delenv(BLOCK_ENV, raising=False)
    llm = llama_cpp.Llama(model_path=path, n_ctx=1024, verbose=False)
    assert install_grammar_last(llm)
    samplers: list[GrammarLastSampler] = []
    init = llm._init_sampler

    def keep(*args: Any, **kwargs: Any) -> Any:
        sampler = init(*args, **kwargs)
        samplers.append(sampler)
        return sampler

    llm._init_sampler = keep
    reply = llm.create_chat_completion(
        messages=[{"role": "user", "content": "Notes on: cats sleep 15 hours a day."}],
        response_format={"type": "json_object", "schema": Notes.model_json_schema()},
        max_tokens=120,
        temperature=0.2,
    )
    Notes.model_validate(json.loads(reply["choices"][0]["message"]["content"]))
    (sampler,) = samplers
    assert isinstance(sampler, GrammarLastSampler)
    assert sampler.tokens > 0 and sampler.fallbacks < sampler.tokens / 2

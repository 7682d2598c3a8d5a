"""Opt-in: the whole graph with a real local model (llama.cpp in process).

Set ``LONGSUM_TEST_GGUF`` to a GGUF file (``../shared/tools/get-local-model 0.5b`` fetches
one) to run it; it takes a few minutes on 2 cores. Otherwise it is skipped, with the reason.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from longsum.api import run_summary
from longsum.tools.validation import validate_summary

GGUF = os.environ.get("LONGSUM_TEST_GGUF", "")

pytestmark = [
    pytest.mark.real_model,
    pytest.mark.skipif(
        not (GGUF and Path(GGUF).is_file()),
        reason="set LONGSUM_TEST_GGUF to a .gguf file to run the real-model graph test",
    ),
]


def test_llamacpp_model_summarizes_a_seed_transcript(
    shared_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LONGSUM_BLOCK_REAL_MODELS", raising=False)
    result = asyncio.run(
        run_summary(
            shared_dir / "data/seed_transcripts/mixtral8x7b.txt",
            model=f"llamacpp:{GGUF}",
            cache_dir=tmp_path,
            vector_store="memory",
        )
    )
    summary = result.summary.model_dump(mode="json", by_alias=True)
    assert validate_summary(summary) == []
    usage = result.extended["usage"]
    assert usage["llm_calls"] >= len(result.extended["chunks"]) + 6
    assert not usage["estimated_tokens"], "llama.cpp reports its own token usage"


def test_llamacpp_puts_back_the_context_a_prompt_shares_most_with(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from langchain_core.messages import HumanMessage, SystemMessage

    from longsum.agent.llamacpp import LlamaCppChat

    monkeypatch.delenv("LONGSUM_BLOCK_REAL_MODELS", raising=False)
    chat = LlamaCppChat(model_path=GGUF, max_tokens=4)
    shared = " ".join(f"word{i}" for i in range(300))
    prompts = [
        [SystemMessage("Be terse."), HumanMessage(f"{shared} Say A.")],
        [SystemMessage("Another system message."), HumanMessage("Say B.")],
        [SystemMessage("Be terse."), HumanMessage(f"{shared} Say C.")],
    ]
    usage = [chat.invoke(messages).usage_metadata for messages in prompts]
    first, other, again = (u or {} for u in usage)
    # The third prompt shares all but its last words with the first, not with the second:
    # the first's context is put back and only the rest is evaluated.
    assert again["input_tokens"] == first["input_tokens"]
    assert again["input_token_details"]["cache_read"] >= first["input_tokens"] - 8
    assert other["input_token_details"]["cache_read"] < 10

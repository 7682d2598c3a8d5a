"""The LLM writer behind the seam: its bound on calls in flight holds within a run and
keeps working across runs on new event loops (one writer serves a process's runs)."""

from __future__ import annotations

import asyncio
from typing import Any

from langchain_core.messages import BaseMessage, HumanMessage
from pydantic import BaseModel

from longsum.agent.fake import FakeChatModel
from longsum.agent.models import load_llm
from longsum.graphs.writers.llm import LLMWriter
from longsum.memory.embeddings import HashingEmbedder
from longsum.settings import load_settings
from longsum.tools.tokens import WhitespaceTokenizer


class Answer(BaseModel):
    text: str


def test_the_bound_holds_in_each_run_and_across_event_loops() -> None:
    def responder(messages: list[BaseMessage], schema: dict[str, Any] | None) -> str:
        return '{"text": "ok"}'

    settings = load_settings(concurrency=2)
    llm = load_llm(FakeChatModel(responder=responder, latency=0.02), settings)
    inside, most = [0], [0]
    call = llm.call

    async def counted(*args: Any, **kwargs: Any) -> Any:
        inside[0] += 1
        most[0] = max(most[0], inside[0])
        try:
            return await call(*args, **kwargs)
        finally:
            inside[0] -= 1

    llm.call = counted  # type: ignore[method-assign]
    writer = LLMWriter(llm, settings, WhitespaceTokenizer(), HashingEmbedder())

    async def one_run() -> list[str]:
        asks = [
            writer.ask([HumanMessage(f"q{i}")], Answer, node="write_section", max_tokens=20)
            for i in range(6)
        ]
        return [answer.text for answer, _ in await asyncio.gather(*asks)]

    for _ in range(2):  # a second asyncio.run: a new loop, the same writer
        assert asyncio.run(one_run()) == ["ok"] * 6
    assert most[0] == 2

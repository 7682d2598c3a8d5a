"""Model specs, provider loading, the real-model guard, and the llama.cpp chat model."""

from __future__ import annotations

import asyncio
import os
import sys
import threading
import time
import types
from pathlib import Path
from typing import Any

import pytest
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import BaseModel, Field

from longsum.agent import llamacpp
from longsum.agent.fake import FakeChatModel
from longsum.agent.llamacpp import LlamaCppChat
from longsum.agent.models import (
    BLOCK_ENV,
    PROVIDERS,
    guess_provider,
    load_chat_model,
    load_llm,
    parse_model_spec,
)
from longsum.errors import ConfigError, ModelError
from longsum.settings import Settings


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("openai:gpt-4o-mini", ("openai", "gpt-4o-mini")),
        ("ollama:qwen2.5:7b", ("ollama", "qwen2.5:7b")),
        ("llamacpp:/a:b/m.gguf", ("llamacpp", "/a:b/m.gguf")),
        (" Anthropic:claude-3-5-haiku-latest ", ("anthropic", "claude-3-5-haiku-latest")),
        ("fake:scripted", ("fake", "scripted")),
    ],
)
def test_parse_model_spec(spec: str, expected: tuple[str, str]) -> None:
    assert parse_model_spec(spec) == expected


@pytest.mark.parametrize("spec", ["gpt-4o-mini", "openai:", "gemini:pro", ":model", ""])
def test_bad_specs_list_the_providers(spec: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_model_spec(spec)
    assert ", ".join(PROVIDERS) in str(caught.value) and "\n" not in str(caught.value)


def test_the_guard_refuses_real_models_in_unit_tests() -> None:
    assert os.environ.get(BLOCK_ENV) == "1"  # set by the session fixture in conftest.py
    with pytest.raises(ConfigError, match="real model 'openai:gpt-4o-mini' requested"):
        load_chat_model("openai:gpt-4o-mini")
    assert isinstance(load_chat_model("fake:scripted"), FakeChatModel)


@pytest.mark.parametrize(
    ("provider", "module", "package"),
    [
        ("openai", "langchain_openai", "langchain-openai"),
        ("anthropic", "langchain_anthropic", "langchain-anthropic"),
        ("ollama", "langchain_ollama", "langchain-ollama"),
        ("llamacpp", "llama_cpp", "llama-cpp-python"),
    ],
)
def test_a_missing_optional_package_names_the_extra(
    monkeypatch: pytest.MonkeyPatch, provider: str, module: str, package: str
) -> None:
    monkeypatch.delenv(BLOCK_ENV)
    monkeypatch.setitem(sys.modules, module, None)  # makes `import module` fail
    with pytest.raises(ConfigError) as caught:
        load_chat_model(f"{provider}:some-model")
    assert str(caught.value) == (
        f"provider '{provider}' needs {package}: pip install 'longsum[{provider}]'"
    )


def test_openai_is_configured_from_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    openai_chat = pytest.importorskip("langchain_openai")
    monkeypatch.delenv(BLOCK_ENV)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-real")
    settings = Settings(openai_base_url="http://127.0.0.1:9/v1", temperature=0.1, llm_timeout=12)
    chat = load_chat_model("openai:gpt-4o-mini", settings)
    assert isinstance(chat, openai_chat.ChatOpenAI)
    assert (chat.model_name, chat.temperature, chat.request_timeout) == ("gpt-4o-mini", 0.1, 12)
    assert chat.max_retries == 0 and chat.openai_api_base == "http://127.0.0.1:9/v1"
    llm = load_llm("openai:gpt-4o-mini", settings)
    assert (llm.model_id, llm.method) == ("openai:gpt-4o-mini", "json_schema")


def test_load_llm_for_specs_and_for_built_models() -> None:
    assert load_llm("fake:scripted").model_id == "fake:scripted"
    assert load_llm(FakeChatModel(model_name="bench")).model_id == "fake:bench"

    class HomeMade(BaseChatModel):
        @property
        def _llm_type(self) -> str:
            return "home"

        def _generate(self, messages: list[BaseMessage], *a: Any, **k: Any) -> ChatResult:
            return ChatResult(generations=[ChatGeneration(message=AIMessage("{}"))])

    home = load_llm(HomeMade())
    assert (home.model_id, home.method) == ("custom:HomeMade", "text")
    assert guess_provider(type("C", (HomeMade,), {"__module__": "langchain_ollama.x"})()) == (
        "ollama"
    )


def test_settings_fields_for_models(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LONGSUM_MODEL", "ollama:qwen2.5:7b")
    monkeypatch.setenv("LONGSUM_LLAMACPP_N_CTX", "4096")
    settings = Settings()
    assert (settings.model, settings.map_model) == ("ollama:qwen2.5:7b", None)
    assert (settings.llamacpp_n_ctx, settings.llm_timeout, settings.temperature) == (
        4096,
        600.0,
        0.2,
    )


# --- LlamaCppChat, with a stub in place of llama_cpp.Llama ---


class StubLlama:
    """Records requests; answers like create_chat_completion; notes overlapping calls."""

    def __init__(self, finish_reason: str = "stop", delay: float = 0.0) -> None:
        self.requests: list[dict[str, Any]] = []
        self.finish_reason, self.delay = finish_reason, delay
        self.active = self.most_active = 0
        self.guard = threading.Lock()

    def create_chat_completion(self, **request: Any) -> dict[str, Any]:
        with self.guard:
            self.active += 1
            self.most_active = max(self.most_active, self.active)
        time.sleep(self.delay)
        with self.guard:
            self.active -= 1
            self.requests.append(request)
        return {
            "model": "stub.gguf",
            "choices": [
                {
                    "message": {"role": "assistant", "content": '{"answer": "yes"}'},
                    "finish_reason": self.finish_reason,
                }
            ],
            "usage": {"prompt_tokens": 31, "completion_tokens": 6, "total_tokens": 37},
        }


def test_llamacpp_maps_messages_usage_and_finish_reason() -> None:
    stub = StubLlama(finish_reason="length")
    chat = LlamaCppChat(model_path="stub.gguf", temperature=0.3, client=stub)
    schema_format = {"type": "json_object", "schema": {"type": "object"}}
    bound = chat.bind(response_format=schema_format, max_tokens=77)
    reply = bound.invoke([SystemMessage("be brief"), HumanMessage("hi"), AIMessage("hello")])
    assert stub.requests == [
        {
            "messages": [
                {"role": "system", "content": "be brief"},
                {"role": "user", "content": "hi"},
                {"role": "assistant", "content": "hello"},
            ],
            "max_tokens": 77,
            "temperature": 0.3,
            "response_format": schema_format,
        }
    ]
    assert isinstance(reply, AIMessage) and reply.content == '{"answer": "yes"}'
    assert reply.usage_metadata is not None
    assert (reply.usage_metadata["input_tokens"], reply.usage_metadata["output_tokens"]) == (31, 6)
    assert reply.response_metadata["finish_reason"] == "length"


def test_llamacpp_serialises_calls_on_one_context() -> None:
    stub = StubLlama(delay=0.05)
    chat = LlamaCppChat(model_path="stub.gguf", client=stub)

    async def four() -> None:
        await asyncio.gather(*(chat.ainvoke([HumanMessage(f"q{i}")]) for i in range(4)))

    asyncio.run(four())
    assert len(stub.requests) == 4 and stub.most_active == 1


def test_llamacpp_prompt_longer_than_the_context_is_a_model_error() -> None:
    stub = StubLlama()

    def too_long(**request: Any) -> Any:
        raise ValueError("Requested tokens (9000) exceed context window of 8192")

    stub.create_chat_completion = too_long  # type: ignore[method-assign]
    chat = LlamaCppChat(model_path="stub.gguf", client=stub)
    with pytest.raises(ModelError, match="raise LONGSUM_LLAMACPP_N_CTX"):
        chat.invoke([HumanMessage("long")])


def test_llamacpp_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"get-local-model 0\.5b") as caught:
        LlamaCppChat(model_path=str(tmp_path / "absent.gguf"))
    assert "\n" not in str(caught.value)


def test_llamacpp_loads_one_llama_per_file_without_extra_buffers(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    low = types.SimpleNamespace()
    low.llama_model_default_params = lambda: types.SimpleNamespace(use_extra_bufts=True)
    built: list[dict[str, Any]] = []

    def make_llama(**kwargs: Any) -> StubLlama:  # reads the defaults, as Llama does
        built.append({**kwargs, "extra": low.llama_model_default_params().use_extra_bufts})
        return StubLlama()

    monkeypatch.setitem(sys.modules, "llama_cpp", types.SimpleNamespace(Llama=make_llama))
    monkeypatch.setitem(sys.modules, "llama_cpp.llama_cpp", low)
    monkeypatch.delenv(BLOCK_ENV)
    model_file = tmp_path / "m.gguf"
    model_file.write_bytes(b"GGUF")
    llamacpp.clear_llama_cache()
    try:
        settings = Settings(llamacpp_n_ctx=2048, llamacpp_threads=2)
        for _ in range(2):
            chat = load_chat_model(f"llamacpp:{model_file}", settings)
            chat.invoke([HumanMessage("hi")])
        LlamaCppChat(model_path=str(model_file), extra_buffers=True).invoke([HumanMessage("x")])
    finally:
        llamacpp.clear_llama_cache()
    expected = {"model_path": str(model_file.resolve()), "n_ctx": 2048, "verbose": False}
    assert built == [
        {**expected, "n_threads": 2, "extra": False},
        {**expected, "n_ctx": 8192, "n_threads": os.cpu_count(), "extra": True},
    ]
    assert low.llama_model_default_params().use_extra_bufts  # restored after construction


class Tiny(BaseModel):
    answer: str = Field(description="one word")
    count: int = Field(ge=0, le=10)


@pytest.mark.real_model
def test_real_gguf_answers_under_the_schema_grammar(monkeypatch: pytest.MonkeyPatch) -> None:
    path = os.environ.get("LONGSUM_TEST_GGUF", "")
    if not path or not Path(path).is_file():
        pytest.skip("set LONGSUM_TEST_GGUF to a .gguf file to run the real-model test")
    pytest.importorskip("llama_cpp")
    monkeypatch.delenv(BLOCK_ENV)
    llm = load_llm(f"llamacpp:{path}", Settings(llamacpp_n_ctx=2048))
    messages = [
        SystemMessage("Answer with JSON only."),
        HumanMessage("How many legs does a cat have? answer: the animal, count: the number."),
    ]
    tiny, record = asyncio.run(llm.call(messages, Tiny, node="test", max_tokens=64))
    assert isinstance(tiny, Tiny)
    assert record.prompt_tokens > 0 and record.completion_tokens > 0 and not record.estimated

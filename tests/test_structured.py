"""The structured call: native structured output, JSON text parsing, regrowth, accounting."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import pytest
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.runnables import RunnableLambda
from pydantic import BaseModel, Field

from longsum.agent.answers import RetryableModelError, is_transient, parse_json_answer
from longsum.agent.fake import FakeChatModel, minimal_instance
from longsum.agent.models import load_llm
from longsum.agent.structured import StructuredLLM
from longsum.errors import ModelError
from longsum.tools.tokens import WhitespaceTokenizer


class Note(BaseModel):
    title: str
    points: list[str] = Field(min_length=2)
    score: float = Field(ge=0, le=1)


GOOD = {"title": "Caching", "points": ["keys expire", "misses are slow"], "score": 0.7}
MESSAGES: list[BaseMessage] = [
    SystemMessage("You write notes as JSON."),
    HumanMessage("Summarise: caching is hard."),
]


def call(llm: StructuredLLM, max_tokens: int = 200) -> Any:
    return asyncio.run(llm.call(MESSAGES, Note, node="map", max_tokens=max_tokens))


def answering(text: str) -> FakeChatModel:
    return FakeChatModel(lambda messages, schema: text)


def test_happy_path_binds_the_schema_and_counts_reported_tokens() -> None:
    fake = FakeChatModel()
    note, record = call(load_llm(fake))
    assert isinstance(note, Note) and len(note.points) == 2
    assert fake.calls[0][1] == Note.model_json_schema()
    assert fake.limits == [200]
    answer = json.dumps(minimal_instance(Note.model_json_schema()))
    prompt = " ".join(str(m.content) for m in MESSAGES)
    assert (record.prompt_tokens, record.completion_tokens) == (
        len(prompt.split()),
        len(answer.split()),
    )
    assert (record.node, record.model, record.attempts) == ("map", "fake:scripted", 1)
    assert record.finish_reason == "stop" and not record.estimated and record.latency_s >= 0


@pytest.mark.parametrize(
    "text",
    [
        f"```json\n{json.dumps(GOOD)}\n```",
        f"```\n{json.dumps(GOOD, indent=2)}\n```\nDone.",
        f"Sure! Here is the note: {json.dumps(GOOD)} I hope it helps.",
    ],
)
def test_text_path_finds_json_in_fences_or_prose(text: str) -> None:
    llm = StructuredLLM(answering(text), provider="custom", model_id="custom:x")
    assert llm.method == "text"
    note, _ = call(llm)
    assert note == Note.model_validate(GOOD)


def test_parse_json_answer_takes_the_outermost_object() -> None:
    assert parse_json_answer('x {"a": {"b": [1, {"c": 2}]}} y') == {"a": {"b": [1, {"c": 2}]}}
    with pytest.raises(RetryableModelError, match="no JSON object"):
        parse_json_answer("I cannot do that.")


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ('{"title": "Caching", "points": ["keys expire", ', "no JSON object"),
        ('{"title": "Caching", "points": ["a" "b"], "score": 1}', "not valid JSON"),
        ('{"title": "Caching", "points": ["only one"], "score": 0.5}', "does not fit Note"),
        ('{"title": "Caching", "points": ["a", "b"], "score": "high"}', "first at score"),
    ],
)
def test_broken_or_schema_invalid_answers_are_retryable(text: str, fragment: str) -> None:
    with pytest.raises(RetryableModelError, match=fragment) as caught:
        call(load_llm(answering(text)))
    assert "\n" not in str(caught.value)
    assert caught.value.record is not None and caught.value.record.attempts == 1


def test_a_cut_off_answer_is_asked_again_with_double_the_tokens() -> None:
    long_title = " ".join(["word"] * 40)
    text = json.dumps({**GOOD, "title": long_title})  # ~47 whitespace tokens
    fake = answering(text)
    note, record = call(load_llm(fake), max_tokens=16)
    assert note.title == long_title
    assert fake.limits == [16, 32, 64]
    prompt_tokens = len(" ".join(str(m.content) for m in MESSAGES).split())
    assert record.attempts == 3 and record.prompt_tokens == 3 * prompt_tokens
    assert record.completion_tokens == 16 + 32 + len(text.split())
    assert record.finish_reason == "stop"


def test_an_answer_still_cut_off_after_two_regrowths_is_retryable() -> None:
    fake = FakeChatModel(lambda m, s: '{"title": "x", "points": ["a"', finish_reason="length")
    with pytest.raises(RetryableModelError, match="cut off at 400 tokens") as caught:
        call(load_llm(fake), max_tokens=100)
    assert fake.limits == [100, 200, 400]
    assert caught.value.record is not None and caught.value.record.attempts == 3


def test_a_cut_off_answer_whose_complete_part_fits_is_kept_not_asked_again() -> None:
    loop = " ".join(["and again"] * 40)
    points = ["keys expire", "misses are slow", loop]
    text = json.dumps({"title": "Caching", "score": 0.7, "points": points})
    fake = answering(text)
    note, record = call(load_llm(fake), max_tokens=30)
    assert fake.limits == [30]
    assert note.points == ["keys expire", "misses are slow"]  # the unfinished third dropped
    assert record.kept_partial and record.attempts == 1 and record.finish_reason == "length"


def test_a_cut_off_answer_whose_complete_part_misses_a_field_is_asked_again() -> None:
    loop = " ".join(["and again"] * 40)
    text = json.dumps({"title": "Caching", "points": ["keys expire", loop], "score": 0.5})
    fake = answering(text)
    note, record = call(load_llm(fake), max_tokens=30)
    assert fake.limits == [30, 60, 120]
    assert note.points[1] == loop and not record.kept_partial and record.attempts == 3


def test_missing_usage_is_estimated_with_the_tokenizer() -> None:
    fake = FakeChatModel(report_usage=False)
    tokenizer = WhitespaceTokenizer()
    llm = StructuredLLM(fake, provider="fake", model_id="fake:x", tokenizer=tokenizer)
    _, record = call(llm)
    answer = json.dumps(minimal_instance(Note.model_json_schema()))
    assert record.estimated
    assert record.completion_tokens == tokenizer.count(answer)
    assert record.prompt_tokens >= tokenizer.count(" ".join(str(m.content) for m in MESSAGES))


def test_missing_usage_is_estimated_with_the_default_tokenizer() -> None:
    _, record = call(load_llm(FakeChatModel(report_usage=False)))
    assert record.estimated and record.prompt_tokens > 5 and record.completion_tokens > 5


class ConnectTimeout(Exception):  # named like httpx's, as is_transient judges by name
    pass


class RateLimitError(Exception):
    pass


class StatusError(Exception):
    def __init__(self, status_code: int) -> None:
        super().__init__(f"HTTP {status_code}")
        self.status_code = status_code


@pytest.mark.parametrize(
    ("exc", "retryable"),
    [
        (ConnectTimeout("timed out"), True),
        (RateLimitError("slow down"), True),
        (StatusError(503), True),
        (StatusError(400), False),
        (TimeoutError("read timed out"), True),
        (ValueError("model 'gpt-9' not found; key sk-abcdefghijklmnop"), False),
    ],
)
def test_provider_errors_become_model_errors(exc: Exception, retryable: bool) -> None:
    def raising(messages: list[BaseMessage], schema: dict[str, Any] | None) -> str:
        raise exc

    assert is_transient(exc) is retryable
    with pytest.raises(ModelError) as caught:
        call(load_llm(FakeChatModel(raising)))
    assert isinstance(caught.value, RetryableModelError) is retryable
    assert type(exc).__name__ in str(caught.value) and "\n" not in str(caught.value)
    assert "sk-abc" not in str(caught.value)


def test_httpx_transport_errors_are_transient() -> None:
    httpx = pytest.importorskip("httpx")
    assert is_transient(httpx.ReadTimeout("slow"))
    assert is_transient(httpx.ConnectError("refused"))
    assert not is_transient(httpx.UnsupportedProtocol("ftp"))


def test_concurrent_async_calls_overlap() -> None:
    llm = load_llm(FakeChatModel(latency=0.2))

    async def eight() -> list[Any]:
        return await asyncio.gather(
            *(llm.call(MESSAGES, Note, node=f"map{i}", max_tokens=200) for i in range(8))
        )

    started = time.perf_counter()
    results = asyncio.run(eight())
    assert time.perf_counter() - started < 1.0  # serial would take 1.6 s
    assert [record.node for _, record in results] == [f"map{i}" for i in range(8)]


# --- native structured output, through a stub that stands in for a provider's class ---


class StubNative(BaseChatModel):
    """Answers like with_structured_output(include_raw=True) does, truncating below a limit."""

    max_tokens: int | None = None
    num_predict: int | None = None
    needs: int = 0
    stop_key: str = "finish_reason"
    cut_value: str = "length"
    seen: list[tuple[str, bool, int | None]] = Field(default_factory=list)

    @property
    def _llm_type(self) -> str:
        return "stub"

    def _generate(self, messages: list[BaseMessage], *args: Any, **kwargs: Any) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=AIMessage("unused"))])

    def with_structured_output(  # type: ignore[override]
        self, schema: Any, *, include_raw: bool = False, method: str = "", **kwargs: Any
    ) -> Any:
        limit = self.num_predict if self.num_predict is not None else self.max_tokens
        self.seen.append((method, include_raw, limit))
        cut = limit is not None and limit < self.needs
        raw = AIMessage(
            content="" if cut else json.dumps(GOOD),
            usage_metadata={"input_tokens": 11, "output_tokens": 7, "total_tokens": 18},
            response_metadata={self.stop_key: self.cut_value if cut else "stop"},
        )
        parsed = None if cut else schema.model_validate(GOOD)
        return RunnableLambda(lambda _: {"raw": raw, "parsed": parsed, "parsing_error": None})


def stub_from(module: str, **fields: Any) -> StubNative:
    cls = type("StubChat", (StubNative,), {"__module__": module})
    return cls(**fields)  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("module", "method", "stop_key", "cut_value"),
    [
        ("langchain_openai.chat_models.base", "json_schema", "finish_reason", "length"),
        ("langchain_ollama.chat_models", "json_schema", "done_reason", "length"),
        ("langchain_anthropic.chat_models", "function_calling", "stop_reason", "max_tokens"),
    ],
)
def test_native_structured_output_per_provider(
    module: str, method: str, stop_key: str, cut_value: str
) -> None:
    stub = stub_from(module, needs=150, stop_key=stop_key, cut_value=cut_value)
    llm = load_llm(stub)
    assert llm.model_id.endswith(":StubChat") and llm.method == method
    note, record = call(llm, max_tokens=50)
    assert note == Note.model_validate(GOOD)
    assert stub.seen == [(method, True, 50), (method, True, 100), (method, True, 200)]
    assert stub.max_tokens is None and stub.num_predict is None  # the original is untouched
    assert (record.attempts, record.prompt_tokens, record.completion_tokens) == (3, 33, 21)
    assert not record.estimated


def test_native_parsing_error_is_retryable() -> None:
    stub = stub_from("langchain_openai.chat_models.base")
    raw = AIMessage(content="{", response_metadata={"finish_reason": "stop"})
    failing = RunnableLambda(
        lambda _: {"raw": raw, "parsed": None, "parsing_error": ValueError("Invalid json")}
    )
    stub.__dict__["with_structured_output"] = lambda *a, **k: failing
    with pytest.raises(RetryableModelError, match="Invalid json"):
        call(load_llm(stub))


def test_real_chat_openai_through_a_mock_transport(monkeypatch: pytest.MonkeyPatch) -> None:
    openai_chat = pytest.importorskip("langchain_openai")
    httpx = pytest.importorskip("httpx")
    bodies: list[dict[str, Any]] = []

    def handler(request: Any) -> Any:
        body = json.loads(request.content)
        bodies.append(body)
        limit = body.get("max_completion_tokens") or body.get("max_tokens")
        cut = limit < 100
        return httpx.Response(
            200,
            json={
                "id": "c1",
                "object": "chat.completion",
                "created": 0,
                "model": "gpt-4o-mini",
                "choices": [
                    {
                        "index": 0,
                        "finish_reason": "length" if cut else "stop",
                        "message": {
                            "role": "assistant",
                            "content": '{"ti' if cut else json.dumps(GOOD),
                        },
                    }
                ],
                "usage": {"prompt_tokens": 20, "completion_tokens": 9, "total_tokens": 29},
            },
        )

    chat = openai_chat.ChatOpenAI(
        model="gpt-4o-mini",
        api_key="sk-test-not-real",
        max_retries=0,
        http_async_client=httpx.AsyncClient(transport=httpx.MockTransport(handler)),
    )
    llm = load_llm(chat)
    assert llm.model_id == "openai:gpt-4o-mini"
    note, record = call(llm, max_tokens=60)
    assert note == Note.model_validate(GOOD)
    assert [b.get("max_completion_tokens") or b.get("max_tokens") for b in bodies] == [60, 120]
    assert bodies[0]["response_format"]["type"] == "json_schema"
    assert (record.attempts, record.prompt_tokens, record.completion_tokens) == (2, 40, 18)

"""The structured call: one chat-model request that answers with one pydantic object.

Every LLM step of longsum asks for one small structured piece through
:meth:`StructuredLLM.call`. The answer is produced by the provider's own mechanism
(``json_schema`` structured output for OpenAI and Ollama, tool calling for Anthropic, a
JSON-schema grammar for llama.cpp and the fake), then always checked with
``schema.model_validate``. An answer cut off by the token limit is kept when its complete
part already fits the schema (a model that loops in its last item); otherwise it is asked
again with twice the limit (at most twice). Tokens and wall time are accounted in a
:class:`CallRecord`.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, UsageMetadata
from pydantic import BaseModel, ValidationError

from longsum.agent.partial_json import complete_prefix
from longsum.errors import LongsumError, ModelError
from longsum.tools.tokens import Tokenizer, get_tokenizer

__all__ = [
    "MAX_TOKEN_FIELDS",
    "STRUCTURED_METHODS",
    "CallRecord",
    "RetryableModelError",
    "StructuredLLM",
    "is_transient",
    "one_line",
    "parse_json_answer",
]

T = TypeVar("T", bound=BaseModel)

STRUCTURED_METHODS: dict[str, str] = {
    "openai": "json_schema",
    "ollama": "json_schema",
    "anthropic": "function_calling",
    "llamacpp": "grammar",
    "fake": "grammar",
}
"""How each provider is made to answer with the schema; any other provider gets ``text``."""

MAX_TOKEN_FIELDS: dict[str, str] = {
    "openai": "max_tokens",
    "anthropic": "max_tokens",
    "ollama": "num_predict",
}
"""The chat-model field that limits an answer's tokens, for the native structured paths."""

_TRUNCATED = {"length", "max_tokens"}
_TRANSIENT_NAMES = {
    "APIConnectionError",
    "APITimeoutError",
    "RateLimitError",
    "InternalServerError",
    "OverloadedError",
    "ServiceUnavailableError",
    "ConnectionError",
    "TimeoutError",
    "TimeoutException",
    "TransportError",
    "ConnectError",
    "NetworkError",
    "RemoteProtocolError",
}
_PERMANENT_NAMES = {"UnsupportedProtocol", "InvalidURL", "LocalProtocolError", "ProxyError"}
_SECRETS = re.compile(r"(sk-[A-Za-z0-9_\-*]{6,}|Bearer\s+\S+|(?i:api[-_]?key)\W+\S+)")


@dataclass(frozen=True)
class CallRecord:
    """Accounting of one structured call (all its regrowth attempts together)."""

    node: str
    model: str
    prompt_tokens: int
    completion_tokens: int
    latency_s: float
    finish_reason: str | None
    attempts: int
    """1 + the number of times the answer was asked again with a larger token limit."""
    estimated: bool
    """True when token counts were estimated with our tokenizer (the provider gave none)."""
    run_id: str = ""
    kept_partial: bool = False
    """True when the answer was cut off and its complete part was kept (see
    :func:`~longsum.agent.partial_json.complete_prefix`) instead of being asked again."""


class RetryableModelError(ModelError):
    """A failure worth another try: a transient provider error or an unusable answer.

    ``record`` holds the accounting of the failed call when the model did answer.
    """

    def __init__(self, message: str, *, record: CallRecord | None = None) -> None:
        super().__init__(message)
        self.record = record


def one_line(text: str, limit: int = 300) -> str:
    """``text`` on one line, shortened to ``limit`` characters, with secrets masked."""
    flat = " ".join(str(text).split())
    flat = _SECRETS.sub("[redacted]", flat)
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def is_transient(exc: BaseException) -> bool:
    """Whether ``exc`` is a connection, timeout, rate-limit or overload error of a client.

    Judged by class names (httpx's, openai's, anthropic's) and ``status_code``, so that no
    optional package is imported.
    """
    if type(exc).__name__ in _PERMANENT_NAMES:
        return False
    for cls in type(exc).__mro__:
        if cls.__name__ in _TRANSIENT_NAMES or cls.__name__.endswith("Timeout"):
            return True
    status = getattr(exc, "status_code", None)
    return isinstance(status, int) and (status == 429 or status >= 500)


def parse_json_answer(text: str) -> Any:
    """The JSON object in a model's answer: fences stripped, the outermost ``{...}`` parsed.

    Raises :class:`RetryableModelError` (one line) when there is no complete JSON object.
    """
    body = text.strip()
    fenced = re.search(r"```(?:json|JSON)?\s*\n?(.*?)```", body, re.DOTALL)
    if fenced:
        body = fenced.group(1)
    start, end = body.find("{"), body.rfind("}")
    if start < 0 or end < start:
        raise RetryableModelError(f"answer holds no JSON object: {one_line(text, 120)!r}")
    try:
        return json.loads(body[start : end + 1])
    except json.JSONDecodeError as exc:
        raise RetryableModelError(f"answer is not valid JSON: {one_line(str(exc))}") from None


def _validation_message(schema: type[BaseModel], exc: ValidationError) -> str:
    errors = exc.errors()
    if not errors:
        return one_line(f"answer does not fit {schema.__name__}: {exc}")
    first = errors[0]
    where = ".".join(str(part) for part in first["loc"]) or "(root)"
    return one_line(
        f"answer does not fit {schema.__name__}: {len(errors)} error(s), "
        f"first at {where}: {first['msg']}"
    )


def _text_of(message: AIMessage) -> str:
    content = message.content
    if isinstance(content, str):
        text = content
    else:
        parts = [p if isinstance(p, str) else str(p.get("text", "")) for p in content]
        text = "".join(parts)
    if not text.strip() and message.tool_calls:
        text = json.dumps(message.tool_calls[0].get("args", {}))
    return text


def _render(messages: Sequence[BaseMessage]) -> str:
    lines = []
    for message in messages:
        content = message.content
        text = content if isinstance(content, str) else json.dumps(content)
        lines.append(f"{message.type}: {text}")
    return "\n".join(lines)


def _finish_reason(message: AIMessage) -> str | None:
    meta = message.response_metadata or {}
    for key in ("finish_reason", "stop_reason", "done_reason"):
        value = meta.get(key)
        if value:
            return str(value)
    return None


def _cut_off_message(exc: Exception) -> AIMessage:
    """The answer an openai ``LengthFinishReasonError`` stands for: cut off, with its usage."""
    usage = getattr(getattr(exc, "completion", None), "usage", None)
    prompt = int(getattr(usage, "prompt_tokens", 0) or 0)
    completion = int(getattr(usage, "completion_tokens", 0) or 0)
    counts = UsageMetadata(
        input_tokens=prompt, output_tokens=completion, total_tokens=prompt + completion
    )
    return AIMessage(
        content="",
        usage_metadata=counts if usage is not None else None,
        response_metadata={"finish_reason": "length"},
    )


class StructuredLLM:
    """A chat model that answers with one pydantic object.

    ``provider`` picks the structured-output mechanism (see :data:`STRUCTURED_METHODS`);
    ``model_id`` is the ``provider:model`` string shown in records and errors.
    """

    def __init__(
        self,
        chat_model: BaseChatModel,
        *,
        provider: str,
        model_id: str,
        tokenizer: Tokenizer | None = None,
        encoding: str = "cl100k_base",
        tokenizer_timeout: float = 3.0,
        max_regrowths: int = 2,
    ) -> None:
        self.chat_model = chat_model
        self.provider = provider
        self.model_id = model_id
        self.method = STRUCTURED_METHODS.get(provider, "text")
        self.max_regrowths = max_regrowths
        self._tokenizer = tokenizer
        self._encoding = encoding
        self._tokenizer_timeout = tokenizer_timeout

    def __repr__(self) -> str:
        return f"StructuredLLM({self.model_id!r}, method={self.method!r})"

    @property
    def tokenizer(self) -> Tokenizer:
        """The tokenizer that estimates tokens when the provider reports no usage."""
        if self._tokenizer is None:
            self._tokenizer = get_tokenizer(self._encoding, self._tokenizer_timeout)
        return self._tokenizer

    async def call(
        self,
        messages: Sequence[BaseMessage],
        schema: type[T],
        *,
        node: str,
        max_tokens: int,
        temperature: float | None = None,
    ) -> tuple[T, CallRecord]:
        """Ask the model, and return its answer as a ``schema`` object with the call's record.

        ``temperature`` overrides the model's own for this call (repairs ask again warmer).

        Raises :class:`RetryableModelError` for transient provider errors and for answers that
        are not valid JSON, do not fit ``schema`` or stay cut off after two regrowths;
        :class:`~longsum.errors.ModelError` for any other provider failure.
        """
        started = time.perf_counter()
        limit = max_tokens
        prompt_tokens = completion_tokens = attempts = 0
        estimated = False
        while True:
            attempts += 1
            raw, answer = await self._invoke(list(messages), schema, limit, temperature)
            usage = raw.usage_metadata
            if usage:
                prompt_tokens += int(usage.get("input_tokens", 0))
                completion_tokens += int(usage.get("output_tokens", 0))
            else:
                estimated = True
                prompt_tokens += self.tokenizer.count(_render(messages))
                completion_tokens += self.tokenizer.count(_text_of(raw))
            finish = _finish_reason(raw)
            record = CallRecord(
                node=node,
                model=self.model_id,
                prompt_tokens=prompt_tokens,
                completion_tokens=completion_tokens,
                latency_s=time.perf_counter() - started,
                finish_reason=finish,
                attempts=attempts,
                estimated=estimated,
            )
            if finish not in _TRUNCATED:
                break
            kept = self._complete_part(raw, schema)
            if kept is not None:
                return kept, replace(record, kept_partial=True)
            if attempts > self.max_regrowths:
                raise RetryableModelError(
                    f"{self.model_id} answer for {node} was cut off at {limit} tokens "
                    f"after {attempts} attempts",
                    record=record,
                )
            limit *= 2
        try:
            if isinstance(answer, BaseException):
                raise RetryableModelError(f"answer could not be parsed: {one_line(str(answer))}")
            value = answer if answer is not None else parse_json_answer(_text_of(raw))
            return schema.model_validate(value), record
        except ValidationError as exc:
            raise RetryableModelError(
                f"{self.model_id} at {node}: {_validation_message(schema, exc)}", record=record
            ) from None
        except RetryableModelError as exc:
            raise RetryableModelError(f"{self.model_id} at {node}: {exc}", record=record) from None

    def _complete_part(self, raw: AIMessage, schema: type[T]) -> T | None:
        """The cut-off answer's complete values as a ``schema`` object, if they fit it."""
        if self.method not in ("grammar", "text"):
            return None  # native structured output parses whole answers only
        value = complete_prefix(_text_of(raw))
        if value is None:
            return None
        try:
            return schema.model_validate(value)
        except ValidationError:
            return None

    async def _invoke(
        self,
        messages: list[BaseMessage],
        schema: type[BaseModel],
        limit: int,
        temperature: float | None = None,
    ) -> tuple[AIMessage, Any]:
        """One request; returns the raw message and the parsed answer (None = parse text)."""
        warmer = {} if temperature is None else {"temperature": temperature}
        try:
            if self.method in ("json_schema", "function_calling"):
                field = MAX_TOKEN_FIELDS.get(self.provider, "max_tokens")
                limited = self.chat_model
                if field in type(limited).model_fields:
                    limited = limited.model_copy(update={field: limit})
                if warmer and "temperature" in type(limited).model_fields:
                    limited = limited.model_copy(update=warmer)
                runnable = limited.with_structured_output(
                    schema, method=self.method, include_raw=True
                )
                result = await runnable.ainvoke(messages)
                if not isinstance(result, dict) or not isinstance(result.get("raw"), AIMessage):
                    raise ModelError(f"{self.model_id} gave no message for structured output")
                error = result.get("parsing_error")
                return result["raw"], error if error is not None else result.get("parsed")
            if self.method == "grammar":
                response_format = {"type": "json_object", "schema": schema.model_json_schema()}
                bound = self.chat_model.bind(
                    response_format=response_format, max_tokens=limit, **warmer
                )
                message = await bound.ainvoke(messages)
            else:
                plain = self.chat_model
                if warmer and "temperature" in type(plain).model_fields:
                    plain = plain.model_copy(update=warmer)
                for field in ("max_tokens", "num_predict", "max_output_tokens"):
                    if field in type(plain).model_fields:
                        plain = plain.model_copy(update={field: limit})
                        break
                message = await plain.ainvoke(messages)
        except LongsumError:
            raise
        except Exception as exc:
            if type(exc).__name__ == "LengthFinishReasonError":  # openai's parse() on a cut
                return _cut_off_message(exc), None
            detail = f"{self.model_id} failed: {type(exc).__name__}: {one_line(str(exc))}"
            if is_transient(exc):
                raise RetryableModelError(detail) from None
            raise ModelError(detail) from None
        if not isinstance(message, AIMessage):
            raise ModelError(f"{self.model_id} answered with {type(message).__name__}")
        return message, None

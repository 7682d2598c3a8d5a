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

import time
from collections.abc import Sequence
from dataclasses import replace
from typing import Any, TypeVar

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from pydantic import BaseModel, ValidationError

from longsum.agent.answers import (
    TRUNCATED,
    CallRecord,
    RetryableModelError,
    cached_input_tokens,
    cut_off_message,
    failure_of,
    finish_reason,
    parse_json_answer,
    render_messages,
    validation_message,
)
from longsum.agent.partial_json import complete_prefix
from longsum.agent.prefix_cache import marked_for_cache
from longsum.errors import LongsumError, ModelError
from longsum.masking import one_line
from longsum.masking import text_of as _text_of
from longsum.tools.tokens import Tokenizer, get_tokenizer

__all__ = ["MAX_TOKEN_FIELDS", "STRUCTURED_METHODS", "StructuredLLM"]

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
        prompt_tokens = completion_tokens = cached_tokens = attempts = 0
        estimated = False

        def account(finish: str | None, *, failed: bool = False) -> CallRecord:
            return CallRecord(
                node=node,
                model=self.model_id,
                prompt_tokens=prompt_tokens,
                completion_tokens=completion_tokens,
                latency_s=time.perf_counter() - started,
                finish_reason=finish,
                attempts=attempts,
                estimated=estimated,
                failed=failed,
                cached_prompt_tokens=cached_tokens,
            )

        while True:
            attempts += 1
            try:
                raw, answer = await self._invoke(list(messages), schema, limit, temperature)
            except ModelError as exc:
                if attempts > 1:  # the cut-off answers before this request were sent too
                    exc.record = account(None, failed=True)
                raise
            usage = raw.usage_metadata
            if usage:
                prompt_tokens += int(usage.get("input_tokens", 0))
                completion_tokens += int(usage.get("output_tokens", 0))
                cached_tokens += cached_input_tokens(usage)
            else:
                estimated = True
                prompt_tokens += self.tokenizer.count(render_messages(messages))
                completion_tokens += self.tokenizer.count(_text_of(raw))
            finish = finish_reason(raw)
            record = account(finish)
            if finish not in TRUNCATED:
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
                f"{self.model_id} at {node}: {validation_message(schema, exc)}", record=record
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
        if self.provider == "anthropic":
            messages = marked_for_cache(messages)
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
                    raise RetryableModelError(f"{self.model_id} gave no message for an answer")
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
                return cut_off_message(exc), None
            raise failure_of(exc, self.model_id) from None
        if not isinstance(message, AIMessage):
            raise RetryableModelError(f"{self.model_id} answered with {type(message).__name__}")
        return message, None

"""A model's answer, its accounting and its failures: what :class:`~.structured.StructuredLLM`
reads off a provider's reply, kept apart from the call itself so the call reads as a call.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, UsageMetadata
from pydantic import BaseModel, ValidationError

from longsum.errors import ModelError
from longsum.masking import one_line

__all__ = [
    "TRUNCATED",
    "CallRecord",
    "RetryableModelError",
    "cut_off_message",
    "finish_reason",
    "is_transient",
    "parse_json_answer",
    "render_messages",
    "validation_message",
]

TRUNCATED = frozenset({"length", "max_tokens"})
"""Finish reasons that mean the answer was cut off at its token limit."""
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


def validation_message(schema: type[BaseModel], exc: ValidationError) -> str:
    """One line saying how an answer misses ``schema``: the error count and the first."""
    errors = exc.errors()
    if not errors:
        return one_line(f"answer does not fit {schema.__name__}: {exc}")
    first = errors[0]
    where = ".".join(str(part) for part in first["loc"]) or "(root)"
    return one_line(
        f"answer does not fit {schema.__name__}: {len(errors)} error(s), "
        f"first at {where}: {first['msg']}"
    )


def render_messages(messages: Sequence[BaseMessage]) -> str:
    """The prompt as one text, to count its tokens when the provider reports none."""
    lines = []
    for message in messages:
        content = message.content
        text = content if isinstance(content, str) else json.dumps(content)
        lines.append(f"{message.type}: {text}")
    return "\n".join(lines)


def finish_reason(message: AIMessage) -> str | None:
    """Why the provider stopped, under whichever key it reports it."""
    meta = message.response_metadata or {}
    for key in ("finish_reason", "stop_reason", "done_reason"):
        value = meta.get(key)
        if value:
            return str(value)
    return None


def cut_off_message(exc: Exception) -> AIMessage:
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

"""A model's answer, its accounting and its failures: what :class:`~.structured.StructuredLLM`
reads off a provider's reply, kept apart from the call itself so the call reads as a call.
"""

from __future__ import annotations

import email.utils
import json
import re
import time
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
    "cached_input_tokens",
    "cut_off_message",
    "failure_of",
    "finish_reason",
    "is_transient",
    "parse_json_answer",
    "render_messages",
    "retry_after_s",
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
_UNREADABLE_NAMES = {"APIResponseValidationError", "DecodingError", "ResponseNotRead"}
_RETRIED_STATUS = {408, 409, 425, 429}
"""4xx answers that are worth another try (timeout, conflict, too early, rate limit)."""
_FATAL_HINTS = {
    401: "the API key was refused: check the provider's key variable (e.g. OPENAI_API_KEY)",
    403: "the API key may not use this model: check the key's permissions",
    404: "the model or endpoint does not exist: check the model name and the base URL",
}


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
    requests: int = 0
    """Requests sent for this call: its regrowths and the failed attempts before it (each
    retried fault is a request a provider bills or rate-limits); 0 means ``attempts``."""
    failed: bool = False
    """True when no attempt gave a usable answer (the record of a call that gave up)."""
    error: str = ""
    """The last failure's one-line cause, when the call retried or gave up."""
    cached_prompt_tokens: int = 0
    """Of ``prompt_tokens``, those the provider did not process again: a prefix it had
    cached (OpenAI ``cached_tokens``, Anthropic ``cache_read_input_tokens``, the tokens
    llama.cpp kept from its previous call), as the provider reports them."""

    @property
    def uncached_prompt_tokens(self) -> int:
        """Prompt tokens the provider had to process: what a local model's prefill costs."""
        return self.prompt_tokens - self.cached_prompt_tokens

    @property
    def sent(self) -> int:
        """Requests sent for this call (see :attr:`requests`)."""
        return self.requests or self.attempts


class RetryableModelError(ModelError):
    """A failure worth another try: a transient provider error or an unusable answer.

    ``record`` holds the accounting of the failed call when the model did answer;
    ``retry_after`` the seconds the provider asked the client to wait (``Retry-After``).
    """

    def __init__(
        self, message: str, *, record: CallRecord | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(message)
        self.record = record
        self.retry_after = retry_after


class FatalModelError(ModelError):
    """A failure no retry and no other chunk will cure: the key was refused, the model does
    not exist, or the provider failed call after call. The run stops at once."""


def _status(exc: BaseException) -> int | None:
    status = getattr(exc, "status_code", None)
    if status is None:
        status = getattr(getattr(exc, "response", None), "status_code", None)
    return status if isinstance(status, int) else None


def retry_after_s(exc: BaseException) -> float | None:
    """The wait a provider's error asks for: ``retry-after-ms`` or ``Retry-After`` (seconds
    or an HTTP date) of its response, as the openai SDK reads them; None when it asks none."""
    headers = getattr(getattr(exc, "response", None), "headers", None)
    if headers is None:
        return None
    for header, divisor in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        value = headers.get(header)
        if value is None:
            continue
        try:
            return max(0.0, float(value) / divisor)
        except ValueError:
            parsed = email.utils.parsedate_tz(value)
            if parsed is not None:
                return max(0.0, email.utils.mktime_tz(parsed) - time.time())
    return None


def failure_of(exc: Exception, model_id: str) -> ModelError:
    """The error a provider's exception stands for, as one line.

    A transient error (connection, timeout, 429, 5xx) and an answer the client could not
    read (a 200 whose body is not JSON surfaces as an ``AttributeError`` deep in the
    client) are :class:`RetryableModelError`; a 401, 403 or 404 is :class:`FatalModelError`
    with what to check; any other 4xx (a request the API will not take) or other error is a
    plain :class:`~longsum.errors.ModelError`: not retried, and only this call's.
    """
    detail = f"{model_id} failed: {type(exc).__name__}: {one_line(str(exc))}"
    status = _status(exc)
    if status in _FATAL_HINTS:
        return FatalModelError(f"{detail} ({_FATAL_HINTS[status]})")
    if type(exc).__name__ in _PERMANENT_NAMES:
        return FatalModelError(f"{detail} (check the base URL)")
    if status is not None and 400 <= status < 500 and status not in _RETRIED_STATUS:
        return ModelError(detail)
    if _unreadable(exc):
        return RetryableModelError(
            f"{model_id} sent a reply its client could not read ({type(exc).__name__}: "
            f"{one_line(str(exc), 120)})"
        )
    if is_transient(exc):
        return RetryableModelError(detail, retry_after=retry_after_s(exc))
    return ModelError(detail)


def _unreadable(exc: BaseException) -> bool:
    """Whether ``exc`` is a client choking on a reply it could not read (a 200 with an HTML
    body, a truncated JSON body): worth asking again, for a bounded number of attempts."""
    if isinstance(exc, AttributeError | KeyError | IndexError | TypeError | json.JSONDecodeError):
        return True
    return any(c.__name__ in _UNREADABLE_NAMES for c in type(exc).__mro__)


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


def cached_input_tokens(usage: UsageMetadata) -> int:
    """The prompt tokens a reply's usage says were read from the provider's prefix cache.

    LangChain's integrations all put them in ``input_token_details.cache_read`` (OpenAI's
    ``prompt_tokens_details.cached_tokens``, Anthropic's ``cache_read_input_tokens``);
    longsum's llama.cpp model does the same with the tokens it kept from its last call."""
    details = usage.get("input_token_details") or {}
    return int(details.get("cache_read") or 0)


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

"""What both baselines share: the run record, the model call with its accounting, the
lenient JSON extraction, and reading a model's context window.

Baselines call the model as a user without longsum would: plain ``ainvoke``, text in, text
out, no structured output, no retries, no validation. Only what a fair comparison needs
is set: temperature 0 and the answer-length limit, where the model class has those fields.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage

from longsum.agent.partial_json import json_tokens
from longsum.tools.tokens import Tokenizer

__all__ = [
    "MESSAGE_OVERHEAD",
    "BaselineRun",
    "call_model",
    "context_tokens",
    "estimate_prompt_tokens",
    "parse_json_object",
    "prepare_model",
]

MESSAGE_OVERHEAD = 4
"""Tokens a chat template adds per message (role markers, separators): OpenAI's documented
count, and within one of ChatML's (Qwen, llama.cpp) five."""
_REPLY_PRIMING = 3  # the assistant header the template opens the answer with
_CUT = ("length", "max_tokens")  # finish reasons of OpenAI/llama.cpp and of Anthropic
_LIMIT_FIELDS = ("max_tokens", "num_predict", "max_output_tokens")
_FENCE = re.compile(r"^[ \t]*```[A-Za-z0-9_-]*[ \t]*$", re.MULTILINE)


@dataclass
class BaselineRun:
    """The outcome of one baseline run on one transcript."""

    summary: dict[str, Any] | None
    """The JSON object parsed from the final answer; None when it holds none."""
    raw: str
    """The final answer's text."""
    calls: list[dict[str, Any]]
    """One per model call: ``node``, ``prompt_tokens``, ``completion_tokens``, ``latency_s``,
    ``estimated`` (True when the counts are the tokenizer's, not the provider's)."""
    wall_s: float
    """Seconds from start to finish of the run."""
    truncated_tokens: int = 0
    """Transcript tokens cut off its end to fit the context (single pass)."""
    shots_used: int = 0
    """Worked examples in the prompt (single pass)."""
    dropped_shots: int = 0
    """Worked examples left out, last first, because they did not fit (single pass)."""
    collapse_levels: int = 0
    """Rounds of collapsing the summaries before the final call (map-reduce)."""
    notes: list[str] = field(default_factory=list)
    """What a reader of the results should know: dropped examples, a cut transcript, ..."""

    @property
    def prompt_tokens(self) -> int:
        """Prompt tokens over every call."""
        return sum(int(call["prompt_tokens"]) for call in self.calls)

    @property
    def completion_tokens(self) -> int:
        """Answer tokens over every call."""
        return sum(int(call["completion_tokens"]) for call in self.calls)

    @property
    def estimated(self) -> bool:
        """Whether any call's counts are estimates."""
        return any(call["estimated"] for call in self.calls)


def estimate_prompt_tokens(messages: Sequence[BaseMessage], tokenizer: Tokenizer) -> int:
    """Tokens of ``messages`` as a chat prompt: their texts plus the template's overhead."""
    counts = tokenizer.count_many([message.text for message in messages])
    return sum(counts) + MESSAGE_OVERHEAD * len(messages) + _REPLY_PRIMING


def prepare_model(model: BaseChatModel, max_output_tokens: int) -> BaseChatModel:
    """A copy of ``model`` at temperature 0 and limited to ``max_output_tokens``, each set
    only where the model class has the field (a model without one keeps its own)."""
    fields = type(model).model_fields
    update: dict[str, Any] = {}
    if "temperature" in fields:
        update["temperature"] = 0.0
    limit = next((name for name in _LIMIT_FIELDS if name in fields), None)
    if limit is not None:
        update[limit] = max_output_tokens
    return model.model_copy(update=update) if update else model


def context_tokens(model: BaseChatModel) -> int | None:
    """The model's context window in tokens, where it can be read: llama.cpp's ``n_ctx``,
    Ollama's ``num_ctx``, else the input limit of the provider's model profile; None when
    unknown (the caller then passes it)."""
    for name in ("n_ctx", "num_ctx"):
        value = getattr(model, name, None)
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value
    profile = getattr(model, "profile", None)
    if isinstance(profile, dict):
        value = profile.get("max_input_tokens")
        if isinstance(value, int) and value > 0:
            return value
    return None


async def call_model(
    model: BaseChatModel,
    messages: list[BaseMessage],
    *,
    node: str,
    tokenizer: Tokenizer,
    calls: list[dict[str, Any]],
    notes: list[str] | None = None,
    semaphore: asyncio.Semaphore | None = None,
) -> str:
    """One plain ``ainvoke``; appends its record to ``calls`` and returns the answer text.

    Latency is measured inside the semaphore, so it is the model's time, not the queue's.
    Counts come from the answer's ``usage_metadata``, else from ``tokenizer`` (estimated).
    An answer the provider reports cut at its length limit is noted in ``notes``: it tells
    a truncated answer from a malformed one when no JSON can be parsed from it.
    """
    if semaphore is None:
        semaphore = asyncio.Semaphore(1)
    async with semaphore:
        started = time.perf_counter()
        answer = await model.ainvoke(messages)
        latency = time.perf_counter() - started
    text = answer.text if isinstance(answer, BaseMessage) else str(answer)
    usage = answer.usage_metadata if isinstance(answer, AIMessage) else None
    metadata = answer.response_metadata if isinstance(answer, BaseMessage) else {}
    finish = metadata.get("finish_reason") or metadata.get("stop_reason")
    if notes is not None and finish in _CUT:
        notes.append(f"{node}: the answer was cut at its length limit ({finish})")
    if usage:
        prompt, completion = int(usage["input_tokens"]), int(usage["output_tokens"])
    else:
        prompt, completion = estimate_prompt_tokens(messages, tokenizer), tokenizer.count(text)
    calls.append(
        {
            "node": node,
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "latency_s": latency,
            "estimated": not usage,
        }
    )
    return text


def _balanced_end(text: str, start: int) -> int | None:
    """Index just past the ``}`` closing the ``{`` at ``start``; None when it never closes.
    Braces inside JSON strings do not count."""
    depth = 0
    for pos, char in json_tokens(text, start):
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return pos + 1
    return None


def parse_json_object(text: str) -> dict[str, Any] | None:
    """The first balanced top-level JSON object in ``text``, code fences ignored; None if
    there is none. Nothing is validated or repaired (the evaluation does that).

    A balanced ``{...}`` that is not JSON (``{see below}`` in prose) is skipped as a whole,
    so an object nested inside an unparseable one is never taken for the answer.
    """
    text = _FENCE.sub("", text)
    pos = text.find("{")
    while pos != -1:
        end = _balanced_end(text, pos)
        if end is None:
            return None  # cut off (e.g. at the length limit): no complete object follows
        try:
            value = json.loads(text[pos:end])
        except ValueError:
            value = None
        if isinstance(value, dict):
            return value
        pos = text.find("{", end)
    return None

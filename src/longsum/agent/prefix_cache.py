"""Prompt prefix caching: what each provider needs to skip a prefix it has already read.

longsum's prompts put what never changes within a family of calls first (see
:mod:`longsum.agent.prompts`), so every backend can reuse the prefix it processed for the
previous call of that family:

- llama.cpp in this process keeps the previous call's tokens in its KV cache and evaluates
  only what differs (:class:`~longsum.agent.llamacpp.LlamaCppChat` reports the kept ones);
- a llama.cpp server does the same when asked with ``cache_prompt`` (the default of recent
  builds; older ones need it sent), vLLM with prefix caching on, Ollama by itself;
- OpenAI caches identical prefixes of 1,024 tokens or more by itself;
- Anthropic caches up to a ``cache_control`` mark (:func:`marked_for_cache`), from 1,024
  tokens (2,048 on its Haiku models).

Every one of them reports the prompt tokens it read from the cache, which
:func:`~longsum.agent.answers.cached_input_tokens` reads.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from typing import Any, TypeVar
from urllib.parse import urlsplit

from langchain_core.messages import BaseMessage, SystemMessage

__all__ = [
    "CACHE_MIN_TOKENS",
    "cache_min_tokens",
    "marked_for_cache",
    "sends_cache_prompt",
    "shared_start",
]

CACHE_MIN_TOKENS: dict[str, int] = {
    "openai": 1024,
    "anthropic": 1024,
    "ollama": 1,
    "llamacpp": 1,
    "fake": 1,
}
"""The shortest prefix each provider caches, in tokens (a provider not listed: none)."""

T = TypeVar("T")


def shared_start(one: Sequence[T], other: Sequence[T]) -> int:
    """How many items (characters, tokens, words) two sequences share from their start:
    what a single-slot prefix cache (llama.cpp's) keeps of the one for the other."""
    shared = 0
    for a, b in zip(one, other, strict=False):
        if a != b:
            break
        shared += 1
    return shared


def cache_min_tokens(provider: str, base_url: str | None = None) -> int | None:
    """The shortest prefix ``provider`` caches, None when it caches none. An OpenAI-compatible
    server at ``base_url`` on this machine or a private network (llama.cpp, vLLM) caches any
    prefix."""
    if provider == "openai" and sends_cache_prompt(base_url):
        return 1
    return CACHE_MIN_TOKENS.get(provider)


def sends_cache_prompt(base_url: str | None) -> bool:
    """Whether requests to ``base_url`` carry ``cache_prompt: true``: only a server on this
    machine or a private network (llama.cpp's server reads it; OpenAI's API and the gateways
    in front of others refuse fields they do not know)."""
    if not base_url:
        return False
    host = urlsplit(base_url).hostname or ""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_private


def marked_for_cache(messages: Sequence[BaseMessage]) -> list[BaseMessage]:
    """``messages`` with Anthropic's ``cache_control`` on the system message, the static
    part of every longsum prompt: a later call of the same family reads it from the cache
    (once it is long enough for the model; shorter ones are simply not cached)."""
    marked: list[BaseMessage] = []
    for message in messages:
        if isinstance(message, SystemMessage) and isinstance(message.content, str):
            block: dict[str, Any] = {"type": "text", "text": message.content}
            block["cache_control"] = {"type": "ephemeral"}
            message = SystemMessage(content=[block])
        marked.append(message)
    return marked

"""Secret masking and one-line previews of text, messages and model answers.

Anything longsum shows a user or writes to a trace (error messages, prompt and answer
previews, run records) passes through here, so that an API key or a bearer token pasted
into a prompt, an answer or an exception never lands on a screen or on disk. Besides
secret-looking text (``sk-...``, ``Bearer ...``), the values actually configured are masked
whatever they look like: a provider's error may echo a key without an ``sk-`` prefix.

This module sits below :mod:`longsum.agent` and :mod:`longsum.memory`: it imports only the standard
library (``langchain_core`` for type hints only), so it is cheap to import.
"""

from __future__ import annotations

import functools
import json
import os
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, quote, unquote, urlsplit

if TYPE_CHECKING:
    from langchain_core.messages import AIMessage

__all__ = [
    "KEY_VARIABLES",
    "MIN_SECRET_CHARS",
    "REDACTED",
    "SECRET_PATTERN",
    "configured_secrets",
    "mask_secrets",
    "one_line",
    "register_secrets",
    "text_of",
]

REDACTED = "[redacted]"
"""What a masked secret is replaced with."""

SECRET_PATTERN = re.compile(
    r"(sk-[A-Za-z0-9_\-*]{6,}|Bearer\s+\S+|(?i:api[-_]?key)\W+\S+"
    # a URL's user:password (or token) before its host
    r"|(?<=://)[^\s/?#@]+(?=@)"
    # a key a provider echoed half-hidden ("abcdEFGH************78zz")
    r"|[\w-]{3,}\*{4,}[\w-]*)"
)
"""Secret-looking substrings: ``sk-...`` keys, ``Bearer`` tokens, ``api_key=...`` pairs,
the credentials of a URL, keys a provider printed half-hidden."""

# The value of a credential parameter in any URL (the name is kept: it says what was cut).
_QUERY_SECRET = re.compile(
    r"(?i)([?&;](?:api[-_]?key|apikey|key|token|access_token|auth|secret|password|sig"
    r"|signature)=)[^&#\s]+"
)

KEY_VARIABLES = (
    "OPENAI_API_KEY",
    "ANTHROPIC_API_KEY",
    "OLLAMA_API_KEY",
    "LANGSMITH_API_KEY",
    "LANGCHAIN_API_KEY",
    "AZURE_OPENAI_API_KEY",
    "GROQ_API_KEY",
    "MISTRAL_API_KEY",
    "GOOGLE_API_KEY",
    "TOGETHER_API_KEY",
    "HF_TOKEN",
)
"""The providers' key variables, named so that a key is masked whatever its variable's
name would say; any other variable ending in one of :data:`_SECRET_SUFFIXES` counts too."""

_SECRET_SUFFIXES = ("_API_KEY", "_APIKEY", "_TOKEN", "_SECRET", "_SECRET_KEY", "_PASSWORD")

MIN_SECRET_CHARS = 8
"""Shorter configured values are not masked: "true" or "llama" would blank ordinary words."""

_registered: set[str] = set()


def register_secrets(*values: str | None) -> None:
    """Mask ``values`` too from now on: keys, or URLs whose credentials are masked (for a
    base URL given as an argument rather than through the environment)."""
    _registered.update(v for v in values if v)
    _compiled.cache_clear()


_CREDENTIAL_PARAMS = {"key", "apikey", "api_key", "api-key", "token", "access_token", "auth"}
_CREDENTIAL_PARAMS |= {"secret", "password", "sig", "signature"}


def _url_credentials(url: str) -> list[str]:
    """The user, password and credential query values (``?key=``, ``?token=``, ...) of
    ``url``; other query values (``api-version=2024-02-01``) are no secrets."""
    try:
        parts = urlsplit(url.strip())
        found = [parts.username or "", parts.password or ""]
    except ValueError:  # not a URL after all
        return []
    found += [v for k, v in parse_qsl(parts.query) if k.lower() in _CREDENTIAL_PARAMS]
    return [v for v in found if v]


def _names_a_secret(name: str) -> bool:
    upper = name.upper()
    return upper in KEY_VARIABLES or upper.endswith(_SECRET_SUFFIXES)


def _relevant(name: str, value: str) -> bool:
    return _names_a_secret(name) or "://" in value


def _secret_forms(value: str, whole: bool) -> set[str]:
    """``value`` itself if ``whole``, else a URL's credentials; each as configured and as an
    error may print it (percent-decoded or -encoded)."""
    found = [value.strip()] if whole else _url_credentials(value)
    return {form for s in found for form in (s, unquote(s), quote(s, safe=""))}


def configured_secrets(environ: Iterable[tuple[str, str]] | None = None) -> set[str]:
    """The secret values configured in ``environ`` (default: the process environment) and
    by :func:`register_secrets`: provider keys (:data:`KEY_VARIABLES`, any ``*_API_KEY``,
    ``*_TOKEN``, ``*_SECRET``, ...) and the credentials of any URL (``user:pass@`` and
    ``?api_key=``/``?key=``/``token=`` values), those of :data:`MIN_SECRET_CHARS` or more."""
    found: set[str] = set()
    for name, value in os.environ.items() if environ is None else environ:
        if _relevant(name, value):
            found |= _secret_forms(value, whole=_names_a_secret(name))
    for value in sorted(_registered):  # a copy: another thread may register meanwhile
        found |= _secret_forms(value, whole="://" not in value)
    return {s for s in found if len(s) >= MIN_SECRET_CHARS}


@functools.lru_cache(maxsize=8)
def _compiled(environ: tuple[tuple[str, str], ...]) -> re.Pattern[str] | None:
    secrets = sorted(configured_secrets(environ), key=len, reverse=True)  # longest first
    return re.compile("|".join(map(re.escape, secrets))) if secrets else None


def mask_secrets(text: str) -> str:
    """``text`` with every configured secret (see :func:`configured_secrets`) and every
    secret-looking substring (see :data:`SECRET_PATTERN`) replaced by :data:`REDACTED`.

    The environment is read on every call, so a key set or changed later is masked too;
    the pattern built from it is cached by its values.
    """
    # Only the variables that can hold a secret make the key: a changed PWD costs nothing.
    environ = tuple(sorted((k, v) for k, v in os.environ.items() if _relevant(k, v)))
    known = _compiled(environ)
    if known is not None:
        text = known.sub(REDACTED, text)
    text = _QUERY_SECRET.sub(rf"\1{REDACTED}", text)
    return SECRET_PATTERN.sub(REDACTED, text)


def one_line(text: str, limit: int = 300) -> str:
    """``text`` on one line, shortened to ``limit`` characters, with secrets masked.

    Runs of whitespace (newlines included) become one space; a text longer than ``limit``
    keeps its first ``limit - 3`` characters and ends with ``...``.
    """
    flat = mask_secrets(" ".join(str(text).split()))
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def text_of(message: AIMessage) -> str:
    """The text of a model's answer: its content (text parts joined), or the arguments of
    its first tool call as JSON when the content is empty (a tool-calling answer)."""
    content = message.content
    if isinstance(content, str):
        text = content
    else:
        parts = [p if isinstance(p, str) else str(p.get("text", "")) for p in content]
        text = "".join(parts)
    if not text.strip() and message.tool_calls:
        text = json.dumps(message.tool_calls[0].get("args", {}))
    return text

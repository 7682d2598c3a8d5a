"""Secret masking and one-line previews of text, messages and model answers.

Anything longsum shows a user or writes to a trace (error messages, prompt and answer
previews, run records) passes through here, so that an API key or a bearer token pasted
into a prompt, an answer or an exception never lands on a screen or on disk. This module
sits below :mod:`longsum.agent` and :mod:`longsum.memory`: it imports only the standard
library (``langchain_core`` for type hints only), so it is cheap to import.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from langchain_core.messages import AIMessage

__all__ = ["REDACTED", "SECRET_PATTERN", "mask_secrets", "one_line", "text_of"]

REDACTED = "[redacted]"
"""What a masked secret is replaced with."""

SECRET_PATTERN = re.compile(r"(sk-[A-Za-z0-9_\-*]{6,}|Bearer\s+\S+|(?i:api[-_]?key)\W+\S+)")
"""Secret-looking substrings: ``sk-...`` keys, ``Bearer`` tokens, ``api_key=...`` pairs."""


def mask_secrets(text: str) -> str:
    """``text`` with every secret-looking substring (see :data:`SECRET_PATTERN`) replaced
    by :data:`REDACTED`."""
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

"""The complete part of a JSON answer that was cut off by its token limit.

A small model at low temperature sometimes loops inside one string ("the model, the model,
the model, ...") until the token cap cuts it off. Under a JSON-schema grammar everything
before the loop is well-formed JSON, often already a usable answer: notes with four good
key points and a fifth that never ends. Keeping that part costs nothing; asking again
resends the whole prompt (a 3.6k-token chunk for the 200 tokens that were missing).
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["complete_prefix"]

_CLOSERS = {"{": "}", "[": "]"}


def _cut_points(text: str) -> list[tuple[int, str]]:
    """Places where the text may be cut and closed, with the closers needed there.

    A cut is tried after each complete value (a closed string, array or object, a number or
    literal ended by a comma) and before each comma; which of them parse is left to
    ``json.loads``, so the scanner only has to track strings and nesting.
    """
    points: list[tuple[int, str]] = []
    stack: list[str] = []
    in_string = escaped = False
    for i, char in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
                points.append((i + 1, "".join(_CLOSERS[c] for c in reversed(stack))))
            continue
        if char == '"':
            in_string = True
        elif char in _CLOSERS:
            stack.append(char)
        elif char in "}]":
            if not stack:
                break
            stack.pop()
            points.append((i + 1, "".join(_CLOSERS[c] for c in reversed(stack))))
        elif char == ",":
            points.append((i, "".join(_CLOSERS[c] for c in reversed(stack))))
    return points


def complete_prefix(text: str, *, tries: int = 64) -> dict[str, Any] | None:
    """The largest JSON object made of ``text``'s complete values, or None.

    ``text`` is an answer cut off mid-way: ``{"a": "x", "b": ["y", "z…`` gives
    ``{"a": "x", "b": ["y"]}``. The unfinished value is dropped, never completed, so nothing
    is put in the model's mouth. At most ``tries`` cut points are parsed, from the end.
    """
    start = text.find("{")
    if start < 0:
        return None
    body = text[start:]
    for end, closers in reversed(_cut_points(body)[-tries:]):
        try:
            value = json.loads(body[:end] + closers)
        except json.JSONDecodeError:
            continue
        if isinstance(value, dict):
            return value
    return None

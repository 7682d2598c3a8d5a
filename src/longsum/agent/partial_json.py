"""The complete part of a JSON answer that was cut off by its token limit.

A small model at low temperature sometimes loops inside one string ("the model, the model,
the model, ...") until the token cap cuts it off. Under a JSON-schema grammar everything
before the loop is well-formed JSON, often already a usable answer: notes with four good
key points and a fifth that never ends. Keeping that part costs nothing; asking again
resends the whole prompt (a 3.6k-token chunk for the 200 tokens that were missing).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

__all__ = ["complete_prefix", "json_tokens"]

_CLOSERS = {"{": "}", "[": "]"}


def json_tokens(text: str, start: int = 0) -> Iterator[tuple[int, str]]:
    """``(position, character)`` of ``text``'s JSON structure from ``start``: every character
    outside strings, and each string's closing quote; what strings hold is skipped."""
    in_string = escaped = False
    for pos in range(start, len(text)):
        char = text[pos]
        if not in_string:
            in_string = char == '"'
            if not in_string:
                yield pos, char
        elif escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == '"':
            in_string = False
            yield pos, char


def _cut_points(text: str) -> list[tuple[int, str]]:
    """Places where the text may be cut and closed, with the closers needed there.

    A cut is tried after each complete value (a closed string, array or object) and before
    each comma; which of them parse is left to ``json.loads``, so the scanner only has to
    track strings and nesting.
    """
    points: list[tuple[int, str]] = []
    stack: list[str] = []
    for i, char in json_tokens(text):
        if char in _CLOSERS:
            stack.append(char)
            continue
        if char in "}]":
            if not stack:
                break
            stack.pop()
        if char in '"}],':
            end = i if char == "," else i + 1
            points.append((end, "".join(_CLOSERS[c] for c in reversed(stack))))
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

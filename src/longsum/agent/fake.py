"""A scripted chat model for your own tests and benchmarks: no network, no weights, exact
control. It is a feature, not a test helper: ``fake:NAME`` as a model spec loads it (like
pydantic-ai's ``TestModel``), and it is the only provider that loads while
``LONGSUM_BLOCK_REAL_MODELS=1``.

:class:`FakeChatModel` answers through a ``responder`` (messages and the bound JSON schema
in, answer text out). The default responder builds a minimal valid instance of any simple
JSON schema (:func:`minimal_instance`), so a whole graph can run on it. Like a real model
it honours ``max_tokens`` (whitespace tokens): a longer answer is cut and reported with
``finish_reason="length"``.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import re
import threading
import time
from collections.abc import Callable
from typing import Any

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, UsageMetadata
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import Field, PrivateAttr

from longsum.agent.prefix_cache import shared_start
from longsum.tools.tokens import WhitespaceTokenizer

__all__ = ["FakeChatModel", "Responder", "default_responder", "minimal_instance"]

Responder = Callable[[list[BaseMessage], dict[str, Any] | None], str]
"""Gets the messages and the JSON schema (None when none is bound); returns the answer text."""

_WORDS = WhitespaceTokenizer()
_FORMATS = {
    "date-time": "2024-01-01T00:00:00Z",
    "date": "2024-01-01",
    "time": "00:00:00",
    "email": "fake@example.com",
    "uri": "https://example.com/fake",
}


def _char_in(char: str, items: list[tuple[Any, Any]]) -> bool:
    categories: dict[str, Callable[[str], bool]] = {
        "CATEGORY_DIGIT": str.isdigit,
        "CATEGORY_NOT_DIGIT": lambda c: not c.isdigit(),
        "CATEGORY_WORD": lambda c: c.isalnum() or c == "_",
        "CATEGORY_NOT_WORD": lambda c: not (c.isalnum() or c == "_"),
        "CATEGORY_SPACE": str.isspace,
        "CATEGORY_NOT_SPACE": lambda c: not c.isspace(),
    }
    for op, arg in items:
        name = str(op)
        if (name == "LITERAL" and ord(char) == arg) or (
            name == "RANGE" and arg[0] <= ord(char) <= arg[1]
        ):
            return True
        test = categories.get(str(arg)) if name == "CATEGORY" else None
        if test is not None and test(char):
            return True
    return False


def _pattern_example(items: Any) -> str:
    """A short string matching a parsed regular expression (``re._parser`` structure)."""
    out: list[str] = []
    for op, arg in items:
        name = str(op)
        if name == "LITERAL":
            out.append(chr(arg))
        elif name in ("NOT_LITERAL", "ANY", "IN", "CATEGORY"):
            negate = name == "IN" and any(str(o) == "NEGATE" for o, _ in arg)
            want = [(o, a) for o, a in arg if str(o) != "NEGATE"] if name == "IN" else []
            for char in "xa1Z _-.":
                if name == "NOT_LITERAL" and ord(char) == arg:
                    continue
                if name == "CATEGORY" and not _char_in(char, [(op, arg)]):
                    continue
                if name == "IN" and _char_in(char, want) == negate:
                    continue
                out.append(char)
                break
            else:
                if not want or str(want[0][0]) not in ("LITERAL", "RANGE"):
                    raise ValueError(f"no example for {name}")
                first = want[0][1]
                out.append(chr(first if isinstance(first, int) else first[0]))
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            out.append(_pattern_example(arg[2]) * arg[0])
        elif name in ("SUBPATTERN", "ATOMIC_GROUP"):
            out.append(_pattern_example(arg[-1]))
        elif name == "BRANCH":
            out.append(_pattern_example(arg[1][0]))
        elif name != "AT":
            raise ValueError(f"no example for {name}")
    return "".join(out)


def _string(schema: dict[str, Any], n: int) -> str:
    lo, hi = int(schema.get("minLength", 0)), schema.get("maxLength")
    pattern = schema.get("pattern")
    base = _FORMATS.get(str(schema.get("format")), "")
    candidates = [base] if base else [f"fake text {n}"]
    if pattern:
        try:
            parser = importlib.import_module("re._parser")
            example = _pattern_example(parser.parse(pattern).data)
        except Exception:  # an exotic pattern: fall back to the fixed guesses
            example = "x"
        candidates += [f"{example}{n}", f"{example} {n}", example, f"fake-{n}", str(n), "x"]
    fitting = []
    for text in candidates:
        text = text + "x" * (lo - len(text))
        text = text[:hi] if hi is not None else text
        fitting.append(text)
        if not pattern or re.search(pattern, text):
            return text
    return fitting[0]


def _number(schema: dict[str, Any], integer: bool) -> int | float:
    lo = schema.get("minimum", schema.get("exclusiveMinimum"))
    hi = schema.get("maximum", schema.get("exclusiveMaximum"))
    guesses: list[float] = [1 if integer else 0.5, 0]
    if lo is not None:
        guesses += [lo, lo + 1, lo + 0.5]
    if hi is not None:
        guesses += [hi, hi - 1, hi - 0.5]
    if lo is not None and hi is not None:
        guesses.append((lo + hi) / 2)
    for value in guesses:
        if integer and value != int(value):
            continue
        if "minimum" in schema and value < schema["minimum"]:
            continue
        if "exclusiveMinimum" in schema and value <= schema["exclusiveMinimum"]:
            continue
        if "maximum" in schema and value > schema["maximum"]:
            continue
        if "exclusiveMaximum" in schema and value >= schema["exclusiveMaximum"]:
            continue
        return int(value) if integer else float(value)
    return int(guesses[0]) if integer else guesses[0]


def minimal_instance(schema: dict[str, Any], root: dict[str, Any] | None = None) -> Any:
    """A small valid value for a (pydantic-style) JSON schema.

    Uses ``$ref``/``$defs``, ``anyOf``, ``enum``/``const``, ``default``, ``minItems``,
    ``minimum``/``maximum``, ``minLength``/``maxLength``, ``format`` and ``pattern``; strings
    are ``"fake text 1"``, ``"fake text 2"``, ... (distinct within one instance), numbers 0.5.
    """
    counter = [0]

    def build(node: dict[str, Any]) -> Any:
        if "$ref" in node:
            target: Any = root_schema
            for part in str(node["$ref"]).lstrip("#/").split("/"):
                target = target[part] if part else target
            return build(target)
        if "const" in node:
            return node["const"]
        if node.get("enum"):
            return node["enum"][0]
        if "default" in node:
            return node["default"]
        for key in ("anyOf", "oneOf"):
            if node.get(key):
                options = [o for o in node[key] if o.get("type") != "null"] or node[key]
                return build(options[0])
        if node.get("allOf"):
            merged: dict[str, Any] = {}
            for part in node["allOf"]:
                merged.update(part)
            return build(merged)
        kind = node.get("type")
        if isinstance(kind, list):
            kind = next((k for k in kind if k != "null"), "null")
        if kind == "object" or (kind is None and "properties" in node):
            return {name: build(sub) for name, sub in node.get("properties", {}).items()}
        if kind == "array":
            item = node.get("items", {})
            return [build(item) for _ in range(int(node.get("minItems", 0)))]
        if kind == "string":
            counter[0] += 1
            return _string(node, counter[0])
        if kind in ("number", "integer"):
            return _number(node, kind == "integer")
        if kind == "boolean":
            return True
        return None

    root_schema = root or schema
    return build(schema)


def default_responder(messages: list[BaseMessage], schema: dict[str, Any] | None) -> str:
    """The minimal valid instance of ``schema`` as JSON (``{}`` when no schema is bound)."""
    return json.dumps(minimal_instance(schema)) if schema else "{}"


def _shared_words(prompt: str, previous: str) -> int:
    """Whitespace tokens of the longest common start of two prompts, whole words only."""
    common = prompt[: shared_start(prompt, previous)]
    if len(common) < len(prompt) and not prompt[len(common)].isspace():
        common = common[: max(common.rfind(" "), common.rfind("\n"), 0)]  # drop a cut word
    return _WORDS.count(common)


class FakeChatModel(BaseChatModel):
    """A chat model whose answers come from ``responder``; it never touches the network.

    Each call first waits ``latency`` seconds (``time.sleep`` in sync runs,
    ``asyncio.sleep`` in async ones, so concurrent async calls really overlap), then asks
    the responder, so a responder sees a call when its answer is done. ``finish_reason``
    overrides the
    reported finish reason; every call is kept in ``calls`` as ``(messages, schema)`` and
    its ``max_tokens`` in ``limits``. Usage counts whitespace tokens unless
    ``report_usage`` is False.

    ``prefix_cache`` plays a llama.cpp server's prompt cache: the words a prompt shares, from
    its start, with the call before it are reported as read from the cache
    (``input_token_details.cache_read``), so prompts whose static part comes first show it.
    """

    responder: Responder | None = None
    latency: float = 0.0
    finish_reason: str | None = None
    report_usage: bool = True
    prefix_cache: bool = True
    model_name: str = "scripted"
    calls: list[tuple[list[BaseMessage], dict[str, Any] | None]] = Field(default_factory=list)
    limits: list[int | None] = Field(default_factory=list)
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)
    _previous: str = PrivateAttr(default="")

    def __init__(self, responder: Responder | None = None, **kwargs: Any) -> None:
        super().__init__(responder=responder, **kwargs)

    @property
    def _llm_type(self) -> str:
        return "fake"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_name": self.model_name, "latency": self.latency}

    def _answer(self, messages: list[BaseMessage], kwargs: dict[str, Any]) -> ChatResult:
        response_format = kwargs.get("response_format") or {}
        schema = response_format.get("schema") if isinstance(response_format, dict) else None
        limit = kwargs.get("max_tokens")
        with self._lock:
            self.calls.append((list(messages), schema))
            self.limits.append(limit)
        text = (self.responder or default_responder)(list(messages), schema)
        finish = "stop"
        if limit is not None and _WORDS.count(text) > limit:
            text, finish = _WORDS.truncate(text, limit), "length"
        prompt = " ".join(str(m.content) for m in messages)
        usage: UsageMetadata = {
            "input_tokens": _WORDS.count(prompt),
            "output_tokens": _WORDS.count(text),
            "total_tokens": _WORDS.count(prompt) + _WORDS.count(text),
        }
        if self.prefix_cache:
            with self._lock:
                shared, self._previous = _shared_words(prompt, self._previous), prompt
            usage["input_token_details"] = {"cache_read": shared}
        message = AIMessage(
            content=text,
            usage_metadata=usage if self.report_usage else None,
            response_metadata={
                "finish_reason": self.finish_reason or finish,
                "model_name": self.model_name,
            },
        )
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        if self.latency:
            time.sleep(self.latency)
        return self._answer(messages, kwargs)

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        if self.latency:
            await asyncio.sleep(self.latency)
        return self._answer(messages, kwargs)

"""Saved llama.cpp contexts: a prompt prefix read once is not read again, even after other calls.

llama-cpp-python keeps the tokens of its last call and evaluates only what a new prompt does
not share with them: a single slot. longsum's calls interleave families (the five sections,
then the overview, then a repair of section 3, which opens exactly as section 3's prompt
did), so :class:`SavedContexts` keeps the context after each of the last few calls (the keys
and values of its used cells, ~12 kB a token for a 0.5B model) and, before a call, puts back
the one whose prompt shares the longest start with the new prompt, when that is longer than
what the context holds already. llama-cpp-python's own prefix match then evaluates only the
rest. Its ``LlamaRAMCache`` does the same but copies the logits of a whole batch with every
state (~300 MB for a 150k-token vocabulary), so it is not used.
"""

from __future__ import annotations

import ctypes
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from longsum.agent.prefix_cache import shared_start

__all__ = ["SavedContexts"]

_GAIN_CHARS = 400
"""Put a saved context back only when it shares this many more characters with the prompt
than the live one (~100 tokens): restoring copies tens of megabytes."""


@dataclass
class _Saved:
    tokens: Any
    """The token ids the context holds (prompt and answer)."""
    data: bytes
    """llama.cpp's serialized context state."""


class SavedContexts:
    """The contexts after the last ``slots`` calls of one ``Llama``, by prompt text, at most
    ``max_bytes`` together. Calls on the ``Llama`` are serialized by its lock, and this is
    used under it."""

    def __init__(self, slots: int = 16, max_bytes: int = 1 << 30) -> None:
        self.slots, self.max_bytes = slots, max_bytes
        self._saved: OrderedDict[str, _Saved] = OrderedDict()
        self._live = ""
        self.restored = 0
        """How many times a saved context was put back (for benchmarks and tests)."""

    def before(self, llm: Any, prompt: str) -> None:
        """Put back the saved context sharing the longest start with ``prompt``, when it
        shares clearly more than the live one."""
        if not self._saved or not _has_state(llm):
            return
        live = shared_start(prompt, self._live)
        text, best = max(
            ((text, shared_start(prompt, text)) for text in self._saved), key=lambda t: t[1]
        )
        if best < live + _GAIN_CHARS:
            return
        saved = self._saved[text]
        self._saved.move_to_end(text)
        import llama_cpp

        buffer = (ctypes.c_uint8 * len(saved.data)).from_buffer_copy(saved.data)
        if llama_cpp.llama_state_set_data(llm._ctx.ctx, buffer, len(saved.data)) != len(saved.data):
            llm.reset()  # a context half put back is worse than none
            self._live = ""
            return
        n = len(saved.tokens)
        llm.input_ids[:n] = saved.tokens
        llm.n_tokens = n
        self._live = text
        self.restored += 1

    def after(self, llm: Any, prompt: str) -> None:
        """Keep the context as the call on ``prompt`` left it."""
        self._live = prompt
        if not _has_state(llm):
            return
        import llama_cpp

        ctx = llm._ctx.ctx
        size = int(llama_cpp.llama_state_get_size(ctx))
        buffer = (ctypes.c_uint8 * size)()
        written = int(llama_cpp.llama_state_get_data(ctx, buffer, size))
        self._saved.pop(prompt, None)
        self._saved[prompt] = _Saved(
            tokens=llm.input_ids[: llm.n_tokens].copy(), data=ctypes.string_at(buffer, written)
        )
        while len(self._saved) > self.slots or (
            len(self._saved) > 1 and sum(len(s.data) for s in self._saved.values()) > self.max_bytes
        ):
            self._saved.popitem(last=False)

    def forget(self) -> None:
        """Drop every saved context (the ``Llama`` was reset or failed mid-call)."""
        self._saved.clear()
        self._live = ""


def _has_state(llm: Any) -> bool:
    """Whether ``llm`` is a real ``Llama`` (a test's stand-in has no llama.cpp context)."""
    return getattr(getattr(llm, "_ctx", None), "ctx", None) is not None and hasattr(
        llm, "input_ids"
    )

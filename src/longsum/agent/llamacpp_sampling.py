"""Grammar-constrained sampling at the price of plain sampling, for llama-cpp-python.

llama-cpp-python puts a JSON-schema grammar into its sampler chain ahead of top-k, so at
every generated token the grammar judges the whole vocabulary (151k entries for Qwen2.5).
Measured here on Qwen2.5 0.5B that costs 16-24 ms per token, about as much as decoding
the token. llama.cpp's own ``common_sampler`` does it the other way round: sample without
the grammar, ask the grammar about that one token, and only when it is rejected (a few
percent of the tokens of a JSON answer) sample again with the grammar over the whole
vocabulary. The answer obeys the grammar either way; the sampling cost falls to ~1 ms
per token.

:func:`install_grammar_last` gives a loaded ``llama_cpp.Llama`` that behaviour by
wrapping its ``_init_sampler``, the one place where it builds a sampler for a request.
If this llama-cpp-python lacks a part it relies on, the ``Llama`` is left as it was.
"""

from __future__ import annotations

import ctypes
import functools
import logging
import math
from typing import Any

import numpy as np

__all__ = ["GrammarLastSampler", "install_grammar_last"]

log = logging.getLogger(__name__)

_NEEDED = (
    "llama_get_logits_ith",
    "llama_sampler_apply",
    "llama_sampler_accept",
    "llama_token_data",
    "llama_token_data_array",
)


class GrammarLastSampler:
    """One request's sampler: ``free`` (the request's chain without the grammar) first,
    ``full`` (the same chain with it) only for a token the grammar rejects.

    Both chains, and the lone grammar ``check``, accept every token that is emitted, so
    their state (the grammar's position, the repetition penalties' window) stays that of
    the text actually generated. ``tokens`` and ``fallbacks`` count the sampled tokens and
    those that needed the full pass.
    """

    def __init__(self, free: Any, full: Any, check: Any, n_vocab: int) -> None:
        self.free, self.full, self.check = free, full, check
        self.n_vocab = n_vocab
        self.tokens = 0
        self.fallbacks = 0
        self._candidates: Any = None
        self._one: Any = None
        self._one_array: Any = None

    def sample(self, ctx: Any, idx: int = -1) -> int:
        """The next token at output ``idx`` of ``ctx`` (``llama_cpp``'s ``LlamaContext``)."""
        logits = self._logits(ctx, idx)
        token = self._pick(self.free, logits)
        self.tokens += 1
        if not self._allowed(token):
            self.fallbacks += 1
            token = self._pick(self.full, logits)
        for sampler in (self.free, self.full, self.check):
            self._accept(sampler, token)
        return token

    # The llama.cpp calls, kept apart so that the decision above can be tested without it.

    def _logits(self, ctx: Any, idx: int) -> Any:
        _, low = _llama_cpp()
        pointer = low.llama_get_logits_ith(ctx.ctx, idx)
        return np.ctypeslib.as_array(pointer, shape=(self.n_vocab,))

    def _pick(self, chain: Any, logits: Any) -> int:
        _internals, llama_cpp = _llama_cpp()
        if self._candidates is None:
            self._candidates = _internals.LlamaTokenDataArray(n_vocab=self.n_vocab)
        # Copied afresh for each pass: the chain's top-k sorts and cuts the array in place.
        self._candidates.copy_logits(logits)
        array = self._candidates.candidates
        array.selected = -1
        llama_cpp.llama_sampler_apply(chain.sampler, ctypes.byref(array))
        return int(self._candidates.candidates_data.id[array.selected])

    def _allowed(self, token: int) -> bool:
        _, llama_cpp = _llama_cpp()
        if self._one is None:
            self._one = (llama_cpp.llama_token_data * 1)()
            self._one_array = llama_cpp.llama_token_data_array(
                data=self._one, size=1, selected=-1, sorted=False
            )
        self._one[0].id, self._one[0].logit, self._one[0].p = token, 0.0, 0.0
        self._one_array.size, self._one_array.selected = 1, -1
        llama_cpp.llama_sampler_apply(self.check.sampler, ctypes.byref(self._one_array))
        return not math.isinf(self._one[0].logit)

    def _accept(self, sampler: Any, token: int) -> None:
        _llama_cpp()[1].llama_sampler_accept(sampler.sampler, token)


@functools.cache
def _llama_cpp() -> tuple[Any, Any]:
    """llama-cpp-python's ``_internals`` and low-level ``llama_cpp`` modules, imported once
    (the sampler runs per generated token)."""
    from llama_cpp import _internals, llama_cpp

    return _internals, llama_cpp


def install_grammar_last(llm: Any) -> bool:
    """Make ``llm`` (a ``llama_cpp.Llama``) sample grammar-last; False if it cannot be done.

    Requests without a grammar, with mirostat or with logits processors keep
    llama-cpp-python's own sampler.
    """
    try:
        _internals, llama_cpp = _llama_cpp()
    except ImportError:
        return False
    original = getattr(llm, "_init_sampler", None)
    model = getattr(llm, "_model", None)
    if (
        original is None
        or model is None
        or not hasattr(_internals, "LlamaTokenDataArray")
        or not hasattr(_internals.LlamaSampler, "add_grammar")
        or not all(hasattr(llama_cpp, name) for name in _NEEDED)
    ):
        log.info("llama-cpp-python lacks what grammar-last sampling needs; left as it is")
        return False
    n_vocab = int(llm.n_vocab())
    sampler_class: Any = _internals.LlamaSampler  # untyped where llama_cpp is installed

    def init_sampler(*args: Any, grammar: Any = None, **kwargs: Any) -> Any:
        if (
            grammar is None
            or kwargs.get("mirostat_mode")
            or kwargs.get("logits_processor") is not None
        ):
            return original(*args, grammar=grammar, **kwargs)
        check = sampler_class()
        check.add_grammar(model, grammar)
        return GrammarLastSampler(
            free=original(*args, grammar=None, **kwargs),
            full=original(*args, grammar=grammar, **kwargs),
            check=check,
            n_vocab=n_vocab,
        )

    llm._init_sampler = init_sampler
    return True

"""An in-process llama.cpp chat model: a local GGUF file, no server, no network.

:class:`LlamaCppChat` wraps ``llama_cpp.Llama`` (the optional ``llama-cpp-python``
package, imported only when a model is first used). One ``Llama`` is loaded per model
file and context size and kept for the life of the process; a lock serialises calls on
it, since one llama.cpp context is not thread-safe. Each call reuses the keys and values
of the start it shares with the call before it (llama-cpp-python's own prefix match), or
with one of the last few calls (:mod:`longsum.agent.llamacpp_states`), and reports those
tokens as cached. A ``response_format`` carrying a JSON
schema is passed through, and llama-cpp-python turns it into a grammar, which is applied
grammar-last (see :mod:`longsum.agent.llamacpp_sampling`): ~1 ms per token instead of ~20.

llama.cpp's "extra buffer types" (weights repacked for AMX or for its CPU kernels) are
off unless ``extra_buffers=True``: on a CPU that reports AMX inside a container they
crash llama-cpp-python 0.3.x with a segmentation fault on the first batched decode, and
without them a 0.5B Q4_K_M model still prefills ~220 tokens/s on 2 cores.
"""

from __future__ import annotations

import importlib
import os
import threading
from pathlib import Path
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import PrivateAttr

from longsum.agent.llamacpp_sampling import install_grammar_last
from longsum.agent.llamacpp_states import SavedContexts
from longsum.agent.prefix_cache import shared_start
from longsum.errors import ConfigError, ModelError

__all__ = ["LlamaCppChat", "clear_llama_cache", "reused", "to_llama_messages"]

_ROLES = {"system": "system", "human": "user", "ai": "assistant", "tool": "tool"}
_Loaded = tuple[Any, threading.Lock, SavedContexts]
_CACHE: dict[tuple[str, int, int | None, bool, bool], _Loaded] = {}
_CACHE_LOCK = threading.Lock()
_FETCH_HINT = "fetch one with ../shared/tools/get-local-model 0.5b"


def to_llama_messages(messages: list[BaseMessage]) -> list[dict[str, str]]:
    """LangChain messages as llama.cpp chat messages (``{"role": ..., "content": ...}``)."""
    converted = []
    for message in messages:
        role = getattr(message, "role", None) or _ROLES.get(message.type, "user")
        content = message.content
        if not isinstance(content, str):
            content = "".join(
                part if isinstance(part, str) else str(part.get("text", "")) for part in content
            )
        converted.append({"role": str(role), "content": content})
    return converted


def clear_llama_cache() -> None:
    """Forget every loaded ``Llama`` (they are freed once no model refers to them)."""
    with _CACHE_LOCK:
        _CACHE.clear()


def _construct(llama_class: Any, path: str, n_ctx: int, n_threads: int | None, extra: bool) -> Any:
    """``llama_class(...)``, with llama.cpp's extra buffer types off unless ``extra``.

    ``Llama`` has no argument for it, so its source of model parameters is wrapped for the
    construction (callers hold ``_CACHE_LOCK``, which serialises every construction here).
    """
    low: Any = None
    if not extra:
        try:
            low = importlib.import_module("llama_cpp.llama_cpp")
        except ImportError:
            low = None
    defaults = getattr(low, "llama_model_default_params", None)
    if defaults is not None:

        def without_extra_buffers() -> Any:
            params = defaults()
            params.use_extra_bufts = False
            return params

        low.llama_model_default_params = without_extra_buffers
    try:
        return llama_class(model_path=path, n_ctx=n_ctx, n_threads=n_threads, verbose=False)
    finally:
        if defaults is not None:
            low.llama_model_default_params = defaults


def _load(path: str, n_ctx: int, n_threads: int | None, extra: bool, grammar_last: bool) -> _Loaded:
    key = (path, n_ctx, n_threads, extra, grammar_last)
    with _CACHE_LOCK:
        if key not in _CACHE:
            try:
                from llama_cpp import Llama
            except ImportError:
                raise ConfigError(
                    "provider 'llamacpp' needs llama-cpp-python: pip install 'longsum[llamacpp]'"
                ) from None
            try:
                llm = _construct(Llama, path, n_ctx, n_threads, extra)
            except (ValueError, RuntimeError) as exc:
                raise ModelError(f"llama.cpp could not load {path}: {exc}") from None
            if grammar_last:
                install_grammar_last(llm)
            _CACHE[key] = (llm, threading.Lock(), SavedContexts())
        return _CACHE[key]


def _evaluated(llm: Any) -> list[int]:
    """The tokens whose keys and values ``llm``'s context holds now (its last prompt and
    answer); empty for a client that does not say."""
    ids = getattr(llm, "_input_ids", None)
    return [int(t) for t in ids] if ids is not None else []


def reused(before: list[int], after: list[int], prompt_tokens: int) -> int:
    """Prompt tokens llama.cpp did not evaluate again: the start the new prompt (the first
    ``prompt_tokens`` of ``after``) shares with what the context held ``before``.

    llama-cpp-python keeps the longest common prefix of the previous call's tokens in its
    KV cache and evaluates only the rest; a prompt it holds whole still has its last token
    evaluated again, for the logits the first answer token is sampled from."""
    shared = shared_start(before, after[:prompt_tokens])
    return min(shared, max(prompt_tokens - 1, 0))


class LlamaCppChat(BaseChatModel):
    """A GGUF model run in this process by llama.cpp.

    ``client`` injects a ready ``Llama``-like object (tests); otherwise the file at
    ``model_path`` is loaded on first use. A missing file is a
    :class:`~longsum.errors.ConfigError` at construction.
    """

    model_path: str
    n_ctx: int = 8192
    n_threads: int | None = None
    temperature: float = 0.2
    max_tokens: int = 512
    extra_buffers: bool = False
    """Let llama.cpp repack weights into extra buffer types (AMX, ...); see the module doc."""
    grammar_last: bool = True
    """Check the JSON-schema grammar on the sampled token only, as llama.cpp itself does;
    False applies it to the whole vocabulary at every token (llama-cpp-python's way)."""
    _client: Any = PrivateAttr(default=None)
    _lock: threading.Lock | None = PrivateAttr(default=None)
    _contexts: SavedContexts | None = PrivateAttr(default=None)

    def __init__(self, *, client: Any = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if client is not None:
            self._client, self._lock, self._contexts = client, threading.Lock(), SavedContexts()
            return
        path = Path(self.model_path).expanduser()
        if not path.is_file():
            raise ConfigError(f"llama.cpp model file {path} does not exist; {_FETCH_HINT}")
        self.model_path = str(path.resolve())
        if self.n_threads is None:
            self.n_threads = os.cpu_count() or 1

    @property
    def _llm_type(self) -> str:
        return "llamacpp"

    @property
    def model_name(self) -> str:
        """The model's file name without its folder (``qwen2.5-...gguf``)."""
        return Path(self.model_path).name

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_path": self.model_path, "n_ctx": self.n_ctx, "n_threads": self.n_threads}

    def _llama(self) -> _Loaded:
        if self._client is not None and self._lock is not None and self._contexts is not None:
            return self._client, self._lock, self._contexts
        return _load(
            self.model_path, self.n_ctx, self.n_threads, self.extra_buffers, self.grammar_last
        )

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        llm, lock, contexts = self._llama()
        chat = to_llama_messages(messages)
        text = "\n".join(f"<{m['role']}>{m['content']}" for m in chat)
        request: dict[str, Any] = {
            "messages": chat,
            "max_tokens": kwargs.get("max_tokens", self.max_tokens),
            "temperature": kwargs.get("temperature", self.temperature),
        }
        if kwargs.get("response_format") is not None:
            request["response_format"] = kwargs["response_format"]
        if stop:
            request["stop"] = stop
        try:
            with lock:
                contexts.before(llm, text)
                kept = _evaluated(llm)
                try:
                    completion = llm.create_chat_completion(**request)
                finally:
                    contexts.after(llm, text)
                now = _evaluated(llm)
        except ValueError as exc:
            if "exceed context window" in str(exc):
                raise ModelError(
                    f"prompt too long for llama.cpp's context ({exc}); lower --max-tokens or "
                    f"raise LONGSUM_LLAMACPP_N_CTX (now {self.n_ctx})"
                ) from None
            raise ModelError(f"llama.cpp failed: {exc}") from None
        choice = completion["choices"][0]
        usage = completion.get("usage") or {}
        prompt_tokens = int(usage.get("prompt_tokens", 0))
        completion_tokens = int(usage.get("completion_tokens", 0))
        message = AIMessage(
            content=choice["message"].get("content") or "",
            usage_metadata={
                "input_tokens": prompt_tokens,
                "output_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
                "input_token_details": {"cache_read": reused(kept, now, prompt_tokens)},
            }
            if usage
            else None,
            response_metadata={
                "finish_reason": choice.get("finish_reason"),
                "model_name": completion.get("model") or self.model_name,
            },
        )
        return ChatResult(generations=[ChatGeneration(message=message)])

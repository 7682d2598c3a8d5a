"""Model specs (``provider:model``) and the loading of chat models behind them.

``openai:gpt-4o-mini``, ``anthropic:claude-3-5-haiku-latest``, ``ollama:qwen2.5:7b``,
``llamacpp:/path/to/model.gguf`` and ``fake:scripted`` name a chat model. The integration
packages are optional extras, imported only when their provider is chosen. With
``LONGSUM_BLOCK_REAL_MODELS=1`` (set for the unit tests) only ``fake`` models load.
"""

from __future__ import annotations

import importlib
import os
from typing import Any

from langchain_core.language_models import BaseChatModel

from longsum.agent.prefix_cache import sends_cache_prompt
from longsum.agent.structured import StructuredLLM
from longsum.errors import ConfigError
from longsum.masking import one_line, register_secrets
from longsum.settings import Settings

__all__ = [
    "BLOCK_ENV",
    "PROVIDERS",
    "guess_provider",
    "load_chat_model",
    "load_llm",
    "parse_model_spec",
]

PROVIDERS = ("openai", "anthropic", "ollama", "llamacpp", "fake")
"""The providers a model spec may name."""

BLOCK_ENV = "LONGSUM_BLOCK_REAL_MODELS"
"""Environment variable that, set to ``1``, refuses every provider but ``fake``."""

_EXTRAS = {
    "openai": ("langchain_openai", "langchain-openai"),
    "anthropic": ("langchain_anthropic", "langchain-anthropic"),
    "ollama": ("langchain_ollama", "langchain-ollama"),
    "llamacpp": ("llama_cpp", "llama-cpp-python"),
}
_MODULE_PROVIDERS = {
    "langchain_openai": "openai",
    "langchain_anthropic": "anthropic",
    "langchain_ollama": "ollama",
    "longsum.agent.llamacpp": "llamacpp",
    "longsum.agent.fake": "fake",
}


def parse_model_spec(spec: str) -> tuple[str, str]:
    """Split ``provider:model`` at the first colon: ``("openai", "gpt-4o-mini")``.

    The model part keeps any further colons (``ollama:qwen2.5:7b``, ``llamacpp:C:/m.gguf``).
    Raises :class:`~longsum.errors.ConfigError` listing the providers when the provider is
    unknown or the model part is missing.
    """
    provider, colon, name = spec.strip().partition(":")
    provider = provider.strip().lower()
    known = ", ".join(PROVIDERS)
    if not colon or not name.strip():
        raise ConfigError(
            f"model {spec!r} is not provider:model (e.g. openai:gpt-4o-mini); providers: {known}"
        )
    if provider not in PROVIDERS:
        raise ConfigError(f"unknown model provider {provider!r} in {spec!r}; providers: {known}")
    return provider, name.strip()


def _import_extra(provider: str) -> Any:
    module, package = _EXTRAS[provider]
    try:
        return importlib.import_module(module)
    except ImportError:
        raise ConfigError(
            f"provider {provider!r} needs {package}: pip install 'longsum[{provider}]'"
        ) from None


def load_chat_model(spec: str, settings: Settings | None = None) -> BaseChatModel:
    """The LangChain chat model that ``spec`` names, configured from ``settings``.

    Clients never retry on their own (``max_retries=0``): the graph's retry policy does.
    API keys come from the providers' own environment variables (``OPENAI_API_KEY``, ...).
    """
    provider, name = parse_model_spec(spec)
    settings = settings or Settings()
    # Base URLs given as arguments (not through the environment) may hold credentials too.
    register_secrets(settings.openai_base_url, settings.ollama_base_url)
    if provider != "fake" and os.environ.get(BLOCK_ENV) == "1":
        raise ConfigError(
            f"real model {spec!r} requested while {BLOCK_ENV}=1 (unit tests use fakes)"
        )
    if provider == "fake":
        from longsum.agent.fake import FakeChatModel

        return FakeChatModel(model_name=name)
    module = _import_extra(provider)
    try:
        if provider == "openai":
            from openai import DefaultAsyncHttpxClient

            model: BaseChatModel = module.ChatOpenAI(
                model=name,
                base_url=settings.openai_base_url or None,
                temperature=settings.temperature,
                timeout=settings.llm_timeout,
                max_retries=0,
                # A client of its own: langchain-openai shares one cached client in the
                # process, whose pooled connections belong to the event loop that opened
                # them; the next asyncio.run (a second summarize()) failed every call with
                # "Event loop is closed".
                http_async_client=DefaultAsyncHttpxClient(),
                # llama.cpp's server keeps a prompt's prefix for the next request only when
                # asked (older builds); sent to servers on this machine or network alone.
                extra_body={"cache_prompt": True}
                if sends_cache_prompt(settings.openai_base_url)
                else None,
            )
        elif provider == "anthropic":
            model = module.ChatAnthropic(
                model=name,
                temperature=settings.temperature,
                timeout=settings.llm_timeout,
                max_retries=0,
            )
        elif provider == "ollama":
            model = module.ChatOllama(
                model=name,
                base_url=settings.ollama_base_url or None,
                temperature=settings.temperature,
                client_kwargs={"timeout": settings.llm_timeout},
            )
        else:
            from longsum.agent.llamacpp import LlamaCppChat

            model = LlamaCppChat(
                model_path=name,
                n_ctx=settings.llamacpp_n_ctx,
                n_threads=settings.llamacpp_threads,
                temperature=settings.temperature,
            )
    except ConfigError:
        raise
    except Exception as exc:  # a client refusing its configuration, e.g. no API key
        message = one_line(str(exc))
        raise ConfigError(f"cannot set up {provider} model {name!r}: {message}") from None
    return model


def guess_provider(chat_model: BaseChatModel) -> str:
    """The provider of an already-built chat model, from its class's module.

    Unknown classes give ``"custom"``, whose answers are parsed as JSON text.
    """
    module = type(chat_model).__module__
    for prefix, provider in _MODULE_PROVIDERS.items():
        if module == prefix or module.startswith(prefix + "."):
            return provider
    return "custom"


def _model_name(chat_model: BaseChatModel) -> str:
    for attr in ("model_name", "model", "model_path"):
        value = getattr(chat_model, attr, None)
        if isinstance(value, str) and value:
            return value
    return type(chat_model).__name__


def load_llm(spec_or_model: str | BaseChatModel, settings: Settings | None = None) -> StructuredLLM:
    """A :class:`StructuredLLM` for a model spec or for a chat model built elsewhere.

    A ready chat model (longsum embedded in another workflow) keeps its own configuration;
    its provider is guessed with :func:`guess_provider`.
    """
    settings = settings or Settings()
    if isinstance(spec_or_model, str):
        provider, name = parse_model_spec(spec_or_model)
        chat_model = load_chat_model(spec_or_model, settings)
        model_id = f"{provider}:{name}"
    else:
        chat_model = spec_or_model
        provider = guess_provider(chat_model)
        model_id = f"{provider}:{_model_name(chat_model)}"
    return StructuredLLM(
        chat_model,
        provider=provider,
        model_id=model_id,
        encoding=settings.encoding,
        tokenizer_timeout=settings.tokenizer_timeout,
    )

"""One settings object, one precedence order: argument > environment > config file > default.

Every knob of longsum is a field of :class:`Settings`. A value passed as an argument
(``Settings(max_tokens=2000)``, or a CLI option) wins; otherwise the environment variable
``LONGSUM_<FIELD>`` (``LONGSUM_MAX_TOKENS=2000``); otherwise the user's config file
(:mod:`longsum.settings_file`); otherwise the default written here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from longsum.errors import ConfigError
from longsum.settings_file import customise_sources

__all__ = ["Settings", "load_settings"]


def _default_cache_dir() -> Path:
    return Path.home() / ".cache" / "longsum"


class Settings(BaseSettings):
    """Everything longsum can be told, with its default and the reason for it."""

    model_config = SettingsConfigDict(env_prefix="LONGSUM_", extra="forbid", frozen=True)

    @classmethod
    def settings_customise_sources(cls, *args: Any, **kwargs: Any) -> tuple[Any, ...]:
        """Argument, then environment, then the config file; the defaults last."""
        return customise_sources(*args, **kwargs)

    max_tokens: int = Field(
        default=3000,
        ge=64,
        description=(
            "Upper bound on a chunk's cl100k tokens. 3000 tokens is about 15 minutes of speech: "
            "long enough to hold a topic's whole discussion, short enough that a map prompt "
            "(chunk + ~400 instruction/context tokens + ~800 output) stays near 4k tokens, well "
            "inside an 8k context even for models whose tokenizer counts 30% more than cl100k, "
            "and large enough that fixed per-call overhead stays ~15% of the transcript."
        ),
    )
    overlap_tokens: int = Field(
        default=80,
        ge=0,
        description=(
            "Tokens of the previous chunk's end repeated at the start of the next (whole "
            "utterances or sentences, about two), so a topic cut at a boundary keeps its "
            "lead-in. Every one is read twice: 80 cost under 3% of a 3000-token chunk."
        ),
    )
    encoding: str = Field(
        default="cl100k_base",
        description="tiktoken encoding used to count tokens; falls back to its *_offline copy.",
    )
    tokenizer_timeout: float = Field(
        default=3.0,
        gt=0,
        description="Seconds to wait for tiktoken's one-time download before the offline copy.",
    )
    max_input_mb: float = Field(
        default=32.0,
        gt=0,
        description=(
            "Largest transcript file accepted, in MB. 32 MB of text is ~400 hours of speech; "
            "anything larger is almost surely not a transcript (or needs splitting first)."
        ),
    )
    input_format: str | None = Field(
        default=None,
        description="Transcript format (text, timestamped, speaker, vtt, srt, whisper); "
        "None detects it from the content.",
    )
    text_encoding: str = Field(
        default="utf-8",
        description="Character encoding of transcript files (a UTF-8 or UTF-16 BOM wins).",
    )
    cache_dir: Path = Field(
        default_factory=_default_cache_dir,
        description="Folder for longsum's caches, vector index and run records.",
    )
    embedder: str = Field(
        default="all-MiniLM-L6-v2",
        description=(
            "Embedder of chunks for retrieval: all-MiniLM-L6-v2 (bundled offline, 384 dims, "
            "~8 s for a 69k-token transcript on 2 CPU cores), 'hashing' (no torch, word "
            "overlap only), or the folder of a sentence-transformers model."
        ),
    )
    vector_store: str | None = Field(
        default=None,
        description=(
            "Where chunk embeddings are kept: None = a persistent folder <cache_dir>/chroma, "
            "so re-summarizing a transcript does not embed it again; 'memory' = in-process "
            "only; 'http(s)://host:port' = a Chroma server shared by several machines."
        ),
    )
    model: str | None = Field(
        default=None,
        description=(
            "provider:model for every LLM step (openai:gpt-4o-mini, llamacpp:/path/m.gguf, "
            "...); None = the offline extractive engine, which needs no model at all."
        ),
    )
    language: str | None = Field(
        default=None,
        description="Language the model writes the summary in; None = the transcript's own.",
    )
    output_format: str = Field(
        default="json", description="summarize's output: json, markdown or extended."
    )
    map_model: str | None = Field(
        default=None,
        description=(
            "Overrides model for the map step only: the map step makes most of the calls, so "
            "a smaller or local model there cuts cost; None = use model."
        ),
    )
    openai_base_url: str | None = Field(
        default=None,
        description="Base URL of an OpenAI-compatible server; None = the client's own default.",
    )
    ollama_base_url: str | None = Field(
        default=None,
        description="Base URL of the Ollama server; None = the client's own default (local).",
    )
    temperature: float = Field(
        default=0.2,
        ge=0,
        le=2,
        description=(
            "Sampling temperature of every LLM call. 0.2 keeps structured answers stable "
            "(repeatable across retries) without the loops greedy decoding falls into."
        ),
    )
    llm_timeout: float = Field(
        default=600.0,
        gt=0,
        description=(
            "Seconds one LLM request may take once it is sent (the wait for a slot is not "
            "counted). A 0.5B local model on 2 cores prefills ~86 "
            "tokens/s, so a 3k-token chunk takes ~45 s before its answer is generated, and a "
            "1.5B model several times that; API calls take far less. 600 s only cuts off "
            "requests that are truly stuck."
        ),
    )
    llamacpp_n_ctx: int = Field(
        default=8192,
        ge=512,
        description=(
            "Context window of the in-process llama.cpp model. 8192 holds a map prompt "
            "(~4k tokens with the default max_tokens, ~30% more in a non-cl100k tokenizer) "
            "and a regrown answer; the KV cache of a 0.5B-1.5B model at 8k stays under ~200 MB."
        ),
    )
    llamacpp_threads: int | None = Field(
        default=None,
        ge=1,
        description=(
            "CPU threads for llama.cpp; None = every CPU (llama.cpp's own default is half of "
            "them, which halves the speed on a small machine)."
        ),
    )

    # --- the summarization graph -------------------------------------------------------
    min_chunks: int = Field(
        default=8,
        ge=5,
        description=(
            "A short transcript is cut into about this many chunks (down to 48 tokens each): "
            "five sections need five chunks at least, and a few more let the planner put "
            "boundaries where the topic shifts."
        ),
    )
    concurrency: int = Field(
        default=4,
        ge=1,
        description=(
            "LLM calls in flight at once (LangGraph's max_concurrency). 4 keeps an API busy "
            "without tripping rate limits; an in-process llama.cpp model serialises anyway."
        ),
    )
    notes_max_tokens: int = Field(
        default=600,
        ge=64,
        description=(
            "Output cap for one chunk's notes. Typical notes run to ~230 tokens. Notes cut "
            "off at the cap (a small model looping) are kept without their unfinished item "
            "when that leaves 2 key points, else asked again with a doubled cap."
        ),
    )
    section_max_tokens: int = Field(
        default=500, ge=64, description="Output cap for one section (title, 4 bullets, 3 topics)."
    )
    overview_max_tokens: int = Field(
        default=600, ge=64, description="Output cap for the introduction and topics."
    )
    reduce_budget: int = Field(
        default=8000,
        ge=500,
        description=(
            "Tokens of notes the reduce steps may read in all (a fifth per section): past it, "
            "notes are collapsed in groups. 26 chunks of a 3 h 42 min podcast make ~6k tokens "
            "of notes, so collapse starts around 5 hours of speech."
        ),
    )
    max_collapse_depth: int = Field(
        default=3, ge=0, description="Hard bound on collapse rounds (each halves the notes)."
    )
    related_k: int = Field(
        default=3, ge=0, description="Related chunks retrieved from elsewhere per section."
    )
    related_budget: int = Field(
        default=300,
        ge=0,
        description=(
            "Tokens of related chunks' notes per section: the evidence from elsewhere, kept "
            "small (about two chunks' notes) so that prompt tokens stay near the "
            "transcript's own size."
        ),
    )
    related_min_score: float = Field(
        default=0.3,
        description="Cosine similarity below which a chunk is not related (MiniLM scale).",
    )
    max_repair_rounds: int = Field(
        default=2, ge=0, description="LLM repair rounds before a run fails with its candidate."
    )
    repair_temperature: float = Field(
        default=0.8,
        ge=0,
        le=2,
        description=(
            "Sampling temperature of repair calls. A repair re-asks what the model got "
            "wrong; at the first call's low temperature a small model tends to give the same "
            "answer (the same duplicate bullet) again."
        ),
    )
    llm_attempts: int = Field(
        default=6,
        ge=1,
        description=(
            "Attempts per LLM call on transient failures (errors, timeouts, unusable "
            "answers). With 6, a provider failing 30% of requests loses one call in ~1400."
        ),
    )
    llm_backoff: float = Field(
        default=1.0,
        ge=0,
        description=(
            "Seconds before the first retry; doubled per attempt, plus up to as much jitter, "
            "and never less than the provider's Retry-After."
        ),
    )
    llm_backoff_max: float = Field(
        default=30.0, ge=0, description="The longest backoff between two attempts, in seconds."
    )
    llm_give_up_after: int = Field(
        default=18,
        ge=1,
        description=(
            "Failed requests in a row, across calls, after which the provider is given up "
            "on and the run stops (a dead server ends a run in bounded time). 18 is three "
            "calls' worth of attempts; at a 30% fault rate it happens once in ~10^9 runs."
        ),
    )

    @model_validator(mode="after")
    def _overlap_below_half(self) -> Settings:
        if self.overlap_tokens * 2 > self.max_tokens:
            raise ValueError(
                f"overlap_tokens ({self.overlap_tokens}) must be at most half of "
                f"max_tokens ({self.max_tokens})"
            )
        return self

    trace_content: bool = Field(
        default=False,
        description=(
            "Keep every prompt and model answer in full in the run's trace; by default the "
            "trace keeps their sizes and a short preview only."
        ),
    )

    def runs_dir(self) -> Path:
        """Folder of the run records (one sub-folder per run): ``<cache_dir>/runs``."""
        return self.cache_dir / "runs"

    def vector_store_location(self) -> str:
        """Effective vector store: ``vector_store``, or the folder ``<cache_dir>/chroma``."""
        if self.vector_store is not None:
            return self.vector_store
        return str(self.cache_dir / "chroma")


def load_settings(**overrides: Any) -> Settings:
    """Build :class:`Settings` from explicit overrides (``None`` means "not given").

    Raises :class:`~longsum.errors.ConfigError` with a one-line message on a bad value,
    whether it came from an argument or from a ``LONGSUM_*`` variable.
    """
    given = {key: value for key, value in overrides.items() if value is not None}
    try:
        return Settings(**given)
    except ValueError as exc:  # pydantic.ValidationError is a ValueError
        errors = getattr(exc, "errors", None)
        if callable(errors):
            first = errors()[0]
            message = str(first.get("msg", "")).removeprefix("Value error, ")
            where = ".".join(str(part) for part in first.get("loc", ()))
            prefix = f"invalid setting {where}" if where else "invalid settings"
            raise ConfigError(f"{prefix}: {message}") from None
        raise ConfigError(f"invalid settings: {exc}") from None

"""One settings object, one precedence order: argument, then environment, then default.

Every knob of longsum is a field of :class:`Settings`. A value passed as an argument
(``Settings(max_tokens=2000)``, or a CLI option) wins; otherwise the environment variable
``LONGSUM_<FIELD>`` (``LONGSUM_MAX_TOKENS=2000``); otherwise the default written here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from longsum.errors import ConfigError

__all__ = ["Settings", "load_settings"]


def _default_cache_dir() -> Path:
    return Path.home() / ".cache" / "longsum"


class Settings(BaseSettings):
    """Everything longsum can be told, with its default and the reason for it."""

    model_config = SettingsConfigDict(env_prefix="LONGSUM_", extra="forbid", frozen=True)

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
        default=150,
        ge=0,
        description=(
            "Tokens of the previous chunk's end repeated at the start of the next (whole "
            "utterances or sentences), so a topic cut at a boundary keeps its lead-in."
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

    @model_validator(mode="after")
    def _overlap_below_half(self) -> Settings:
        if self.overlap_tokens * 2 > self.max_tokens:
            raise ValueError(
                f"overlap_tokens ({self.overlap_tokens}) must be at most half of "
                f"max_tokens ({self.max_tokens})"
            )
        return self


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

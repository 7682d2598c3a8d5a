"""The eval's own options, beside longsum's :class:`~longsum.settings.Settings`.

Same precedence as longsum's: an argument (a ``longsum eval`` option) wins; otherwise the
environment variable ``LONGSUM_EVAL_<FIELD>`` (``LONGSUM_EVAL_CONTEXT_TOKENS=32768``);
otherwise the default written here. Everything else an eval needs (model, cache folder,
embedder, concurrency) is longsum's own setting.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from longsum.errors import ConfigError

__all__ = ["EvalSettings", "load_eval_settings"]


class EvalSettings(BaseSettings):
    """What only ``longsum eval`` can be told, with its default and the reason for it."""

    model_config = SettingsConfigDict(env_prefix="LONGSUM_EVAL_", extra="forbid", frozen=True)

    context_tokens: int = Field(
        default=8192,
        ge=1024,
        description=(
            "Context window of the model in the single-pass baseline, which truncates the "
            "transcript to fit it after its instruction and few-shot examples (dropping "
            "shots, last first, that leave the transcript too little room: the two shared "
            "reference answers with their transcripts take ~9k tokens). A llama.cpp model "
            "is loaded with this window for that baseline (8192, as longsum's own calls); "
            "set it to an API model's real window."
        ),
    )
    shots_dir: Path | None = Field(
        default=None,
        description=(
            "Folder of the single-pass baseline's few-shot examples: <name>.json reference "
            "answers with <name>.txt beside them or in ../seed_transcripts; None = the "
            "dataset's ../gold when it exists (the shared data's layout), else no shots."
        ),
    )


def load_eval_settings(**overrides: Any) -> EvalSettings:
    """Build :class:`EvalSettings` from explicit overrides (``None`` means "not given").

    Raises :class:`~longsum.errors.ConfigError` with a one-line message on a bad value,
    whether it came from an argument or from a ``LONGSUM_EVAL_*`` variable.
    """
    given = {key: value for key, value in overrides.items() if value is not None}
    try:
        return EvalSettings(**given)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first.get("loc", ()))
        raise ConfigError(f"invalid eval setting {where}: {first.get('msg', '')}") from None

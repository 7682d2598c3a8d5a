"""The one exception tree of longsum.

Every error longsum raises on purpose is a :class:`LongsumError`. Each kind carries the
process exit code the CLI uses for it, so scripts can tell bad input from a failing
model from a summary that never validated.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    "ConfigError",
    "InputError",
    "LongsumError",
    "ModelError",
    "SummaryValidationError",
]


class LongsumError(Exception):
    """Base of every error longsum raises on purpose; its message is one line for the user."""

    exit_code: int = 1


class ConfigError(LongsumError):
    """A setting or option has a value longsum cannot use."""

    exit_code = 2


class InputError(LongsumError):
    """The transcript (or another input file) cannot be read or parsed."""

    exit_code = 3


class ModelError(LongsumError):
    """A chat model or embedder failed in a way retries did not cure."""

    exit_code = 4


class SummaryValidationError(LongsumError):
    """A summary still breaks the contract after every allowed repair.

    ``violations`` holds the remaining problems (see :mod:`longsum.tools.validation`);
    ``candidate`` is the last candidate, kept so that nothing is thrown away.
    """

    exit_code = 5

    def __init__(
        self, message: str, *, violations: Sequence[object] = (), candidate: object = None
    ) -> None:
        super().__init__(message)
        self.violations = list(violations)
        self.candidate = candidate

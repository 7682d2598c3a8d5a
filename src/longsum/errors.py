"""The one exception tree of longsum.

Every error longsum raises on purpose is a :class:`LongsumError`. Each kind carries the
process exit code the CLI uses for it, so scripts can tell bad input from a failing
model from a summary that never validated.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = [
    "ConfigError",
    "InputError",
    "LongsumError",
    "ModelError",
    "SummaryValidationError",
]


class LongsumError(RuntimeError):
    """Base of every error longsum raises on purpose; its message is one line for the user.

    A ``RuntimeError``: a LangGraph server shows a built-in error's text to its caller (and
    hides others' behind "An internal error occurred"), and LangGraph's default retry policy
    does not retry it (longsum retries model calls itself).
    """

    exit_code: int = 1


class ConfigError(LongsumError):
    """A setting or option has a value longsum cannot use."""

    exit_code = 2


class InputError(LongsumError):
    """The transcript (or another input file) cannot be read or parsed."""

    exit_code = 3


class ModelError(LongsumError):
    """A chat model or embedder failed in a way retries did not cure.

    ``record`` is the accounting of the failed call (its requests and tokens), when known.
    """

    exit_code = 4
    record: Any = None


class SummaryValidationError(LongsumError):
    """A summary still breaks the contract after every allowed repair.

    ``violations`` holds the remaining problems (see :mod:`longsum.tools.validation`);
    ``candidate`` is the last candidate, kept so that nothing is thrown away. Raised by a
    graph run, it also says what the run cost: ``extended`` is the run's extended result
    up to the failure (chunks, sections, notes, ``validation.repair_rounds`` actually
    used, ``usage``, ``calls``), and ``run_id`` names the run's record (its trace).
    """

    exit_code = 5

    def __init__(
        self,
        message: str,
        *,
        violations: Sequence[object] = (),
        candidate: object = None,
        extended: dict[str, Any] | None = None,
        run_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.violations = list(violations)
        self.candidate = candidate
        self.extended = extended
        self.run_id = run_id

    @property
    def calls(self) -> list[dict[str, Any]]:
        """The run's LLM call records (``extended["calls"]``); empty when unknown."""
        return list((self.extended or {}).get("calls", []))

    @property
    def repair_rounds(self) -> int | None:
        """Repair rounds the run used before it gave up; None when unknown."""
        if self.extended is None:
            return None
        return int(self.extended.get("validation", {}).get("repair_rounds", 0))

"""``longsum summarize --format chapters|podcast-chapters|vtt-chapters`` and ``--chapters``:
the transcript's times checked before the run (no model time spent on an untimed one), the
chapters made from the run's extended result and rendered after it (see
:mod:`longsum.tools.chapters`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated

import typer

from longsum.cli.app import read_transcript_file
from longsum.errors import ConfigError
from longsum.settings import Settings
from longsum.tools.chapters import KINDS, require_times

if TYPE_CHECKING:
    from longsum.api import RunResult
    from longsum.tools.transcript import Utterance

__all__ = ["ChapterCount", "chapters_text", "prepare_chapters"]

ChapterCount = Annotated[
    str | None,
    typer.Option(
        "--chapters",
        help="N chapters (or auto: one per 10 minutes, 5 to 20), finer than the five "
        "sections, for the chapters formats and extended. Default: the five sections.",
    ),
]


def _count(value: str | None) -> int | str | None:
    if value is None or value.strip().casefold() == "auto":
        return None if value is None else "auto"
    if not value.strip().isdigit() or not 1 <= int(value) <= 100:
        raise ConfigError(f"--chapters {value!r}: give a number of chapters (1 to 100) or auto")
    return int(value)


def prepare_chapters(
    file: str, settings: Settings, out_format: str, chapters: str | None
) -> tuple[int | str | None, Sequence[Utterance] | None]:
    """Before the run: the chapter count (``--chapters`` checked) and, for a chapters format
    or ``--chapters``, the file's utterances, an untimed transcript refused (standard input,
    readable once, is checked after the run, and finer chapters fall at chunk boundaries)."""
    count = _count(chapters)
    if count is not None and out_format not in (*KINDS, "extended"):
        raise ConfigError(f"--chapters needs --format {', '.join(KINDS)} or extended")
    if file == "-" or (out_format not in KINDS and count is None):
        return count, None
    transcript = read_transcript_file(file, settings)
    require_times(transcript.has_times, transcript.source)
    return count, transcript.utterances


def chapters_text(
    result: RunResult,
    out_format: str,
    count: int | str | None,
    utterances: Sequence[Utterance] | None,
) -> str | None:
    """After the run: ``extended["chapters"]`` made finer with ``--chapters``; the chapters
    rendered for a chapters format, else None (the caller renders the result)."""
    from longsum.tools.chapters import chapters_from_extended, format_chapters

    info = result.extended["transcript"]
    if out_format in KINDS:
        require_times(bool(info["has_times"]), info["source"])
    # A run finished before chapters were kept (resumed from its checkpoint) has none yet.
    if count is not None or "chapters" not in result.extended:
        result.extended["chapters"] = chapters_from_extended(result.extended, count, utterances)
    if out_format not in KINDS:
        return None
    return format_chapters(result.extended["chapters"], out_format)

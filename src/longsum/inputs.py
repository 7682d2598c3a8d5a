"""Telling a transcript's text from the path of a transcript file.

The front doors (:func:`longsum.summarize` and friends in :mod:`longsum.api`, and the
LangChain tool of :mod:`longsum.tool`) take one string that is either the transcript itself
or the path of a file. :func:`transcript_source` is the one place that decides which, so
that both answer the same: an existing file is read; a string shaped like a path that names
no file is an :class:`~longsum.errors.InputError` saying so, before any model or embedder
is loaded (not a "too short" transcript of one line); anything else is text.
"""

from __future__ import annotations

import re
from pathlib import Path

from longsum.errors import InputError

__all__ = ["MAX_PATH_CHARS", "TRANSCRIPT_SUFFIXES", "transcript_source"]

TRANSCRIPT_SUFFIXES = frozenset({".txt", ".vtt", ".srt", ".json", ".md", ".log", ".text"})
"""Suffixes that make a one-line string a file path even when no such file exists."""

MAX_PATH_CHARS = 1024
"""A longer string, or one with a line break, is always the transcript's text."""


def _path_shaped(candidate: str) -> bool:
    """Whether a one-line string reads as a file path: it ends in a transcript suffix, or
    it has a path separator and its last part is a file name (no spaces, unlike prose
    such as ``TCP/IP and HTTP``)."""
    if Path(candidate).suffix.lower() in TRANSCRIPT_SUFFIXES:
        return True
    parts = re.split(r"[\\/]", candidate)
    return len(parts) > 1 and not any(ch.isspace() for ch in parts[-1])


def transcript_source(text_or_path: str | Path) -> str | Path:
    """``text_or_path`` as a file's :class:`~pathlib.Path` or as the transcript's text.

    A :class:`~pathlib.Path` is returned as it is (reading it reports a missing file). A
    string of one line and at most :data:`MAX_PATH_CHARS` characters that names an existing
    file or folder (``~`` expanded) is that path. Such a string that names nothing but looks
    like a path (it ends in one of :data:`TRANSCRIPT_SUFFIXES`, or has a path separator and
    a last part without spaces) raises :class:`~longsum.errors.InputError`
    (``<path> not found: ...``). Any other string, including every multi-line or long one,
    is the transcript's text, returned unchanged.
    """
    if isinstance(text_or_path, Path):
        return text_or_path
    candidate = text_or_path.strip()
    if not candidate or "\n" in candidate or len(candidate) > MAX_PATH_CHARS:
        return text_or_path
    path = Path(candidate).expanduser()
    try:
        exists = path.exists()
    except (OSError, ValueError):  # a name too long for the file system, a NUL byte
        exists = False
    if exists:
        return path
    if _path_shaped(candidate):
        raise InputError(
            f"{candidate} not found: no such transcript file; pass the path of an existing "
            "file, or the transcript's text itself"
        )
    return text_or_path

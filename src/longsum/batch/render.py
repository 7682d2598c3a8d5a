"""A finished run rendered as one of ``longsum batch``'s formats, and each format's suffix.

The same texts ``longsum summarize --format ...`` writes (for the chapters formats, the
five sections' chapters: ``--chapters N`` is not a batch option yet).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from longsum.errors import ConfigError
from longsum.tools.chapters import KINDS

if TYPE_CHECKING:
    from longsum.api import RunResult

__all__ = ["FORMATS", "SUFFIXES", "check_format", "render_result"]

SUFFIXES = {
    "json": ".json",
    "markdown": ".md",
    "extended": ".extended.json",
    "chapters": ".chapters.txt",
    "podcast-chapters": ".chapters.json",
    "vtt-chapters": ".chapters.vtt",
}
"""The suffix of a result file, by format (added to the source's stem)."""
FORMATS = tuple(SUFFIXES)


def check_format(out_format: str) -> str:
    """``out_format``, once known to be one of :data:`FORMATS` (else a ConfigError)."""
    if out_format not in SUFFIXES:
        raise ConfigError(f"unknown --format {out_format!r}: use {', '.join(FORMATS)}")
    return out_format


def render_result(result: RunResult, out_format: str) -> str:
    """``result`` as the text of ``out_format`` (an untimed transcript's chapters refused
    with an :class:`~longsum.errors.InputError`, as by ``summarize``)."""
    from longsum.tools.chapters import chapters_from_extended, format_chapters, require_times

    if out_format in KINDS:
        info = result.extended["transcript"]
        require_times(bool(info["has_times"]), info["source"])
        chapters = result.extended.get("chapters") or chapters_from_extended(result.extended)
        return format_chapters(chapters, out_format)
    if out_format == "markdown":
        from longsum.tools.markdown import render_markdown

        return render_markdown(result.summary, result.extended)
    payload: Any = result.summary.model_dump(mode="json", by_alias=True)
    if out_format == "extended":
        payload = {"summary": payload, **result.extended, "wall_s": round(result.wall_s, 2)}
    return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"

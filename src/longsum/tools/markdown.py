"""A summary as Markdown for a person to read: a title, the introduction, the five sections
with their times, then the topics and the fields with their level on SPEC.md's scale."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from longsum.contract import Summary
from longsum.tools.speakers import anonymous, speaker_count
from longsum.tools.titles import file_title
from longsum.tools.transcript import format_timestamp

__all__ = ["COMPLEXITY_LEVELS", "complexity_level", "humanise_name", "render_markdown"]

COMPLEXITY_LEVELS = (
    "Elementary",
    "Middle School",
    "High School",
    "Advanced High School",
    "Introductory College",
    "Average College Lecture",
    "Advanced College",
    "Graduate Level",
    "Advanced Graduate Level",
    "PhD Level Lecture",
)
"""SPEC.md's complexity scale: level ``i`` spans ``i/10`` to ``i/10 + 0.09`` (the last, to 1)."""


def complexity_level(complexity: float) -> str:
    """The level name of a complexity on SPEC.md's scale (0.62: ``Advanced College``)."""
    # Whole hundredths first: 0.57 * 10 is 5.699..., which must stay in the 0.50 band.
    band = round(min(max(complexity, 0.0), 1.0) * 100) // 10
    return COMPLEXITY_LEVELS[min(band, len(COMPLEXITY_LEVELS) - 1)]


def humanise_name(source: str, speakers: Sequence[str] = ()) -> str:
    """A title from a transcript's file name (see :func:`~longsum.tools.titles.file_title`):
    ``mlops_llm-eval.txt`` -> ``MLOps LLM Eval``; ``Summary`` for standard input or inline
    text, which have no name."""
    return file_title(source, speakers) or "Summary"


def _span(start: Any, end: Any) -> str:
    if start is None:
        return ""
    return f" ({format_timestamp(start)}–{format_timestamp(end if end is not None else start)})"


def render_markdown(summary: Summary | Mapping[str, Any], extended: Mapping[str, Any]) -> str:
    """The summary as Markdown. ``extended`` is the run's extended result (see
    ``finish_summary``): it gives the title (the transcript's name and duration) and each
    section's time range; any part of it may be missing, and is then left out. The title
    is the transcript's resolved ``title``; a result without one (untitled standard input,
    or a run from before titles) is named from its source."""
    data: Mapping[str, Any] = (
        summary.model_dump(mode="json", by_alias=True) if isinstance(summary, Summary) else summary
    )
    info = extended.get("transcript") or {}
    speakers = info.get("speakers") or []
    title = info.get("title") or humanise_name(str(info.get("source") or ""), speakers)
    duration = info.get("duration") if info.get("has_times") else None
    if duration is not None:
        title += f" ({format_timestamp(duration)})"
    lines = [f"# {title}", ""]
    if speakers and anonymous(speakers):
        lines += [f"*{speaker_count(speakers).capitalize()}, unnamed*", ""]
    elif speakers:
        lines += [f"*Speakers: {', '.join(speakers)}*", ""]
    lines += [data["introduction"], ""]

    times = {s.get("index"): s for s in extended.get("sections") or []}
    for index, section in enumerate(data["sections"]):
        when = times.get(index, {})
        lines += [f"## {section['title']}{_span(when.get('start'), when.get('end'))}", ""]
        lines += [f"- {bullet}" for bullet in section["content"]]
        lines += ["", f"**Topics:** {', '.join(section['topics'])}", ""]

    lines += ["## Topics", "", ", ".join(data["topics"]), "", "## General topics", ""]
    for general in data["generalTopics"]:
        complexity = float(general["complexity"])
        lines.append(
            f"- {general['name']}: complexity {complexity:.2f} ({complexity_level(complexity)})"
        )
    return "\n".join(lines) + "\n"

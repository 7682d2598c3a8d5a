"""A summary as Markdown for a person to read: a title, the introduction, the five sections
with their times, then the topics and the fields with their level on SPEC.md's scale.

Every field is the transcript's or a model's text, so it is escaped (:func:`escape_text`)
before it reaches the page: HTML, links, images and block syntax in it render as the
literal characters, never as a ``<script>``, a ``javascript:`` link or a heading of its own.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from longsum.contract import Summary
from longsum.tools.speakers import anonymous, speaker_count
from longsum.tools.titles import file_title
from longsum.tools.transcript import format_timestamp

__all__ = [
    "COMPLEXITY_LEVELS",
    "complexity_level",
    "escape_text",
    "humanise_name",
    "render_markdown",
]

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


# Backslash-escaped wherever they stand: a backslash (it would escape what follows), code,
# emphasis and strike marks, the brackets of links and images. "(", ")" and "!" need no
# escape once "[" and "]" have one.
_ALWAYS = re.compile(r"([\\`*~\[\]])")
# "_" emphasizes only at a word's edge: "snake_case" is left readable.
_UNDERSCORE = re.compile(r"(?<![^\W_])_|_(?![^\W_])")
_ENTITY = re.compile(r"&(?=#?\w+;)")  # "&lt;" would render as "<" (harmlessly, but not as said)
_HASH = re.compile(r"(^|\s)#")  # a heading's mark, or its closing sequence
# Block syntax at the start of a line: a quote, a list item, an ordered item ("1." "1)").
_LEADING = re.compile(r"^([>+\-])|^(\d{1,9})([.)])")


def escape_text(text: object) -> str:
    """``text`` as Markdown that renders as exactly those characters, on one line.

    Whitespace runs (newlines too) become one space, so no field starts a block of its own;
    what would still be read as syntax is backslash-escaped: links and images
    (``[x](javascript:...)``, ``![x](src)``), code spans, emphasis, entities, and a leading
    ``#``, ``>``, ``-``, ``+`` or ``1.``; every ``<`` becomes ``&lt;``, so no HTML
    (``<script>``) is left. Plain prose passes unchanged.
    """
    flat = " ".join(str(text).split())
    flat = _ALWAYS.sub(r"\\\1", flat)
    flat = _UNDERSCORE.sub(r"\\_", flat)
    flat = _ENTITY.sub(r"\\&", flat)
    flat = _HASH.sub(r"\1\\#", flat)
    flat = _LEADING.sub(lambda m: f"\\{m[1]}" if m[1] else f"{m[2]}\\{m[3]}", flat)
    # An entity rather than "\<": no "<" is left for any renderer, CommonMark or not, to
    # take for the start of HTML or an autolink.
    return flat.replace("<", "&lt;")


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
    speakers = [str(name) for name in info.get("speakers") or []]
    title = info.get("title") or humanise_name(str(info.get("source") or ""), speakers)
    duration = info.get("duration") if info.get("has_times") else None
    if duration is not None:
        title = f"{title} ({format_timestamp(duration)})"
    lines = [f"# {escape_text(title)}", ""]
    if speakers and anonymous(speakers):
        lines += [f"*{speaker_count(speakers).capitalize()}, unnamed*", ""]
    elif speakers:
        lines += [f"*Speakers: {', '.join(escape_text(name) for name in speakers)}*", ""]
    lines += [escape_text(data["introduction"]), ""]

    times = {s.get("index"): s for s in extended.get("sections") or []}
    for index, section in enumerate(data["sections"]):
        when = times.get(index, {})
        heading = escape_text(f"{section['title']}{_span(when.get('start'), when.get('end'))}")
        lines += [f"## {heading}", ""]
        lines += [f"- {escape_text(bullet)}" for bullet in section["content"]]
        topics = ", ".join(escape_text(topic) for topic in section["topics"])
        lines += ["", f"**Topics:** {topics}", ""]

    lines += ["## Topics", "", ", ".join(escape_text(t) for t in data["topics"]), ""]
    lines += ["## General topics", ""]
    for general in data["generalTopics"]:
        complexity = float(general["complexity"])
        name = escape_text(general["name"])
        lines.append(f"- {name}: complexity {complexity:.2f} ({complexity_level(complexity)})")
    return "\n".join(lines) + "\n"

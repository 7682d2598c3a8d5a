"""Reading the ``reference`` object of a ``<name>.ref.json`` (see :mod:`longsum_eval.dataset`
for the format) into a :class:`Reference` whose positions are fractions of spoken words."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from longsum.errors import InputError
from longsum_eval.positions import TranscriptIndex

__all__ = ["Mark", "Reference", "parse_reference", "parse_time"]


@dataclass(frozen=True)
class Mark:
    """Where a reference chapter, topic or segment starts."""

    title: str
    """Its title ("" for an untitled segment)."""
    position: float
    """Start as a fraction of the transcript's spoken words, in [0, 1)."""


@dataclass(frozen=True)
class Reference:
    """The human reference material of one transcript; any part may be empty."""

    marks: list[Mark]
    """Chapter starts, topic-span starts and segment starts, sorted by position, one per
    position (the first title wins)."""
    titles: list[str]
    """What coverage is measured on: chapter titles, topic names and key topics."""
    summaries: list[str]
    """Written summaries of the whole transcript (QMSum general summaries, a show's
    abstract, user summaries). For VT-SSum lectures it is the extractive summary: the
    labelled transcript sentences joined, so ROUGE against it rewards copying."""
    kinds: list[str]
    """Which reference parts were found, among ``chapters``, ``topics``, ``key_topics``,
    ``segments``, ``summaries``, ``general_summaries``, ``abstract``,
    ``extractive_summaries``."""


def parse_time(value: object, *, where: str) -> float:
    """Seconds from ``"HH:MM:SS"``, ``"H:MM:SS"``, ``"MM:SS"`` or a number of seconds."""
    if isinstance(value, bool):
        raise InputError(f"{where}: {value!r} is not a time")
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str):
        parts = value.strip().split(":")
        try:
            numbers = [float(p) for p in parts]
        except ValueError:
            raise InputError(f"{where}: {value!r} is not a time like 01:02:03") from None
        if len(numbers) > 3 or any(n >= 60 for n in numbers[1:]):
            raise InputError(f"{where}: {value!r} is not a time like 01:02:03")
        seconds = 0.0
        for number in numbers:
            seconds = seconds * 60 + number
    else:
        raise InputError(f"{where}: {value!r} is not a time like 01:02:03")
    if seconds < 0:
        raise InputError(f"{where}: a time cannot be negative ({value!r})")
    return seconds


def _line(value: object, *, where: str) -> int:
    # QMSum writes turn numbers as strings ("5"), so numeric strings are accepted.
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    raise InputError(f"{where}: {value!r} is not a 0-based line number")


def _span_starts(value: object, *, where: str) -> list[int]:
    """Start lines of ``[a, b]`` or ``[[a, b], [c, d], ...]`` (QMSum's relevant_text_span)."""
    if not isinstance(value, list) or not value:
        raise InputError(f"{where}: expected [start, end] line spans")
    spans = value if isinstance(value[0], list) else [value]
    starts = []
    for i, span in enumerate(spans):
        if not isinstance(span, list) or not span:
            raise InputError(f"{where}[{i}]: expected a [start, end] line span")
        starts.append(_line(span[0], where=f"{where}[{i}]"))
    return starts


def _entry_positions(entry: Mapping[str, Any], index: TranscriptIndex, where: str) -> list[float]:
    """Where one chapter or topic starts, from the most exact anchor it gives.

    ``transcript_first_timestamp`` (real/ Lex Fridman chapters: the time of the first line
    under the chapter's heading) beats ``start``, which lexfridman.com rounds; a time maps to
    the first line stamped at or after it. Anchors that fall outside the transcript (a
    time on an untimed transcript, a line past its end) are dropped.
    """
    found: list[float | None] = []
    if entry.get("relevant_text_span") is not None:
        lines = _span_starts(entry["relevant_text_span"], where=f"{where}.relevant_text_span")
        found = [index.at_line(line) for line in lines]
    elif entry.get("start_line") is not None:
        found = [index.at_line(_line(entry["start_line"], where=f"{where}.start_line"))]
    else:
        for key in ("transcript_first_timestamp", "start_seconds", "start"):
            if entry.get(key) is not None:
                found = [index.at_time(parse_time(entry[key], where=f"{where}.{key}"))]
                break
    return [p for p in found if p is not None and p < 1.0]


def _titled(
    entries: object, keys: Sequence[str], index: TranscriptIndex, where: str
) -> tuple[list[str], list[Mark]]:
    if not isinstance(entries, list):
        raise InputError(f"{where}: expected a list")
    titles: list[str] = []
    marks: list[Mark] = []
    for i, entry in enumerate(entries):
        spot = f"{where}[{i}]"
        if not isinstance(entry, Mapping):
            raise InputError(f"{spot}: expected an object with {keys[0]!r}")
        title = next((entry[k] for k in keys if isinstance(entry.get(k), str)), "").strip()
        if not title:
            raise InputError(f"{spot}: needs a non-empty {keys[0]!r}")
        titles.append(title)
        marks.extend(Mark(title, p) for p in _entry_positions(entry, index, spot))
    return titles, marks


def _strings(value: object, where: str) -> list[str]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(s, str) for s in items):
        raise InputError(f"{where}: expected a string or a list of strings")
    return [s.strip() for s in items if s.strip()]


def parse_reference(data: Mapping[str, Any], index: TranscriptIndex, *, source: str) -> Reference:
    """The :class:`Reference` in ``data`` (a ``reference`` object) for the transcript
    ``index``; raises :class:`InputError` naming ``source`` and the field when malformed."""
    marks: list[Mark] = []
    titles: list[str] = []
    summaries: list[str] = []
    kinds: list[str] = []
    where = f"{source}: reference"
    if "chapters" in data:
        got = _titled(data["chapters"], ("title", "name"), index, f"{where}.chapters")
        titles += got[0]
        marks += got[1]
        kinds.append("chapters")
    if "topics" in data:
        got = _titled(data["topics"], ("topic", "title", "name"), index, f"{where}.topics")
        titles += got[0]
        marks += got[1]
        kinds.append("topics")
    if "key_topics" in data:
        titles += _strings(data["key_topics"], f"{where}.key_topics")
        kinds.append("key_topics")
    if "segments" in data:
        lines = _span_starts(data["segments"], where=f"{where}.segments")
        positions = [index.at_line(line) for line in lines]
        marks += [Mark("", p) for p in positions if p is not None and p < 1.0]
        kinds.append("segments")
    for key in ("summaries", "abstract"):
        if key in data:
            summaries += _strings(data[key], f"{where}.{key}")
            kinds.append(key)
    if "general_summaries" in data:
        answers = data["general_summaries"]
        if not isinstance(answers, list) or not all(isinstance(a, Mapping) for a in answers):
            raise InputError(f"{where}.general_summaries: expected objects with 'answer'")
        summaries += _strings([a.get("answer", "") for a in answers], f"{where}.general_summaries")
        kinds.append("general_summaries")
    if "extractive_summaries" in data:
        clips = data["extractive_summaries"]
        if not isinstance(clips, list) or not all(isinstance(c, Mapping) for c in clips):
            raise InputError(f"{where}.extractive_summaries: expected objects")
        sentences = [
            s
            for i, clip in enumerate(clips)
            for s in _strings(
                clip.get("summary_sentences", []), f"{where}.extractive_summaries[{i}]"
            )
        ]
        if sentences:
            summaries.append(" ".join(sentences))
        kinds.append("extractive_summaries")
    return Reference(marks=_sorted_unique(marks), titles=titles, summaries=summaries, kinds=kinds)


def _sorted_unique(marks: list[Mark]) -> list[Mark]:
    """Sorted by position, one mark per position: a QMSum topic and a segment starting on
    the same line are one boundary, not two (the stable sort keeps the first title)."""
    out: list[Mark] = []
    for mark in sorted(marks, key=lambda m: m.position):
        if not out or mark.position != out[-1].position:
            out.append(mark)
    return out

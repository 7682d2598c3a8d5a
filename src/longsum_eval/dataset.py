"""Evaluation datasets: transcripts with optional human references.

A dataset is a folder. Each transcript is ``<name>.txt`` (or ``.vtt`` / ``.srt``) in any
format longsum reads (plain lines, ``[HH:MM:SS] Speaker: text`` lines, ``Speaker: text``
lines, WebVTT, SRT, Whisper JSON); its reference, optional, is ``<name>.ref.json`` beside
it. Other files (``manifest.json``, ``SOURCES.md``) are ignored. A transcript without a
reference is still summarized and measured (usage, invented timestamps); it is not scored.

A ``.ref.json`` holds an object with an optional ``meta`` and a ``reference`` (a file
without a ``reference`` key is taken to be the reference object itself). Every part of
``reference`` is optional::

    {
      "meta": {"duration_seconds": 3600},
      "reference": {
        "chapters": [
          {"title": "Introduction", "start": "00:00:00"},
          {"title": "Dark matter", "start": 84}
        ],
        "topics": [
          {"topic": "Budget", "start_line": 12},
          {"topic": "Hiring", "relevant_text_span": [["40", "77"], ["90", "95"]]}
        ],
        "key_topics": ["Why evals are not a cure-all"],
        "segments": [[0, 8], [9, 26]],
        "summaries": ["A written summary of the whole transcript."]
      }
    }

* ``chapters``: ``title`` and a start: ``start`` as ``"HH:MM:SS"``, ``"MM:SS"`` or
  seconds, or ``start_seconds``, or ``start_line``. A time is placed at the first
  transcript line stamped at or after it, so it needs a timed transcript.
* ``topics``: ``topic`` and ``start_line`` (or a time ``start``), or QMSum's
  ``relevant_text_span``: ``[start, end]`` line spans, inclusive, numbers or numeric
  strings; every span's start is a boundary.
* ``key_topics``: strings; like chapter titles and topic names they are what coverage
  is measured on, but they have no position.
* ``segments``: ``[first_line, last_line]`` spans (VT-SSum slides); their starts are
  boundaries.
* ``summaries``: strings, each a complete human summary; ROUGE takes the best of them.

Lines are 0-based line numbers of the transcript file, blank lines included, so line ``i``
is what an editor shows as line ``i + 1``. The shared ``real/`` set is read as is: QMSum
``topics`` and ``general_summaries`` (``answer`` texts), Lenny's ``abstract``,
``key_topics`` and ``chapters``, Lex Fridman ``chapters`` (their
``transcript_first_timestamp``, the first line under the heading, is used before the
rounded ``start``), VT-SSum ``segments`` and ``extractive_summaries`` (the labelled
sentences joined into one *extractive* reference). Query-focused QMSum answers are
ignored: they summarize a part, not the whole.

Positions are fractions of the transcript's spoken words (see
:mod:`longsum_eval.positions`). Items are ordered by spoken words, shortest first, so
``limit=N`` keeps the N shortest transcripts (after ``max_minutes`` dropped the long ones).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from longsum.errors import InputError
from longsum_eval.positions import TranscriptIndex
from longsum_eval.references import Mark, Reference, parse_reference

__all__ = [
    "TRANSCRIPT_SUFFIXES",
    "WORDS_PER_MINUTE",
    "EvalItem",
    "Mark",
    "Reference",
    "load_dataset",
    "load_item",
]

TRANSCRIPT_SUFFIXES = (".txt", ".vtt", ".srt")
WORDS_PER_MINUTE = 150
"""Speaking rate that estimates an untimed transcript's length (the rate real/ uses)."""


@dataclass(frozen=True)
class EvalItem:
    """One transcript of a dataset, with its reference when it has one."""

    name: str
    """File name without its suffix."""
    transcript: Path
    reference: Reference | None
    """None without a ``.ref.json`` or when it holds no reference part."""
    words: int
    """Spoken words (without timestamps and speaker labels)."""
    minutes: float | None
    """Length: from the timestamps, else ``meta.duration_seconds`` (or real/'s
    ``duration_estimated_seconds``), else spoken words / 150."""


def load_item(transcript: Path) -> EvalItem:
    """Read one transcript and the ``.ref.json`` beside it (raises :class:`InputError`)."""
    index = TranscriptIndex.read(transcript)
    name = transcript.name.rsplit(".", 1)[0]
    ref_path = transcript.with_name(f"{name}.ref.json")
    reference: Reference | None = None
    meta: dict[str, Any] = {}
    if ref_path.is_file():
        data = _read_json(ref_path)
        found = data.get("meta")
        meta = found if isinstance(found, dict) else {}
        body = data.get("reference", data)
        if not isinstance(body, dict):
            raise InputError(f"{ref_path}: 'reference' must be an object")
        reference = parse_reference(body, index, source=str(ref_path))
        if not reference.kinds:
            reference = None
    return EvalItem(
        name=name,
        transcript=transcript,
        reference=reference,
        words=index.total,
        minutes=_minutes(index, meta),
    )


def load_dataset(
    folder: Path, *, limit: int | None = None, max_minutes: float | None = None
) -> list[EvalItem]:
    """The items of the dataset in ``folder``, shortest first (see the module doc).

    ``max_minutes`` drops items longer than that; ``limit`` then keeps the first (shortest)
    ``limit``. Raises :class:`InputError` for a missing folder, a folder without
    transcripts, two transcripts of one name, or a malformed transcript or reference.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(f"{folder} is not a folder: pass a dataset folder of transcripts")
    paths = sorted(p for p in folder.iterdir() if p.suffix in TRANSCRIPT_SUFFIXES and p.is_file())
    stems = [p.name.rsplit(".", 1)[0] for p in paths]
    twice = sorted({s for s in stems if stems.count(s) > 1})
    if twice:
        raise InputError(f"{folder}: more than one transcript named {twice[0]!r}; keep one")
    if not paths:
        raise InputError(
            f"{folder} holds no transcript (<name>.txt, .vtt or .srt); see docs/eval-dataset.md"
        )
    items = [load_item(p) for p in paths]
    if max_minutes is not None:
        items = [i for i in items if i.minutes is None or i.minutes <= max_minutes]
    items.sort(key=lambda i: (i.words, i.name))
    return items if limit is None else items[: max(0, limit)]


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise InputError(f"{path} cannot be read as JSON: {exc}") from None
    if not isinstance(data, dict):
        raise InputError(f"{path}: expected a JSON object with a 'reference' object")
    return data


def _minutes(index: TranscriptIndex, meta: dict[str, Any]) -> float:
    if index.duration:
        return index.duration / 60
    # real/ gives untimed meetings and lectures an estimate of its own (speech words,
    # without QMSum's "{vocalsound}" tags and lone "." tokens, at 150 a minute): prefer it.
    for key in ("duration_seconds", "duration_estimated_seconds"):
        declared = meta.get(key)
        if isinstance(declared, int | float) and not isinstance(declared, bool) and declared > 0:
            return float(declared) / 60
    return index.total / WORDS_PER_MINUTE

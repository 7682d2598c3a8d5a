"""Chapters for players and platforms (YouTube lines, Podcasting 2.0 JSON, WebVTT) from a
run's extended result: its five sections, or a finer split of the timed utterances by the
planning step's :func:`segment`, each titled by the note term its own text says most."""

from __future__ import annotations

import json
import math
import re
import zlib
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from longsum.errors import ConfigError, InputError
from longsum.tools.prose import FUNCTION_WORDS, word_set
from longsum.tools.transcript import Utterance

__all__ = [
    "KINDS",
    "chapters_from_extended",
    "format_chapters",
    "podcast_json",
    "render_chapters",
    "require_times",
    "segment",
    "vtt_track",
    "youtube_lines",
]

KINDS = ("chapters", "podcast-chapters", "vtt-chapters")
MIN_SECONDS = 10.0
"""YouTube ignores chapters shorter than this (and all of them with fewer than three)."""
MIN_CHAPTERS = 3
MAX_BLOCKS = 120
"""Blocks a finer split chooses among: fine enough for 20 chapters, quick to segment."""
AUTO_SECONDS = 600.0
"""``--chapters auto``: one chapter per this much talk, 5 to 20 (YouTube's usual range)."""
_HASH_DIM = 512
TIMED_FORMATS = "timestamped lines ('[HH:MM:SS] text'), WebVTT, SRT or Whisper JSON"
BALANCE = 0.5
"""Weight of the length penalty (per squared relative size deviation, times the ideal size):
splits a one-topic talk evenly, yet never moves a boundary off a clear change of topic."""

_NUMBERED = re.compile(r"^Section \d+:\s*")
"""The contract's prefix of a section title: it numbers a summary, not a player's chapter."""
Chapter = dict[str, Any]
"""``{"start": s, "end": s, "title": str, "chunk_ids": [...]}`` (times None when untimed)."""


def segment(vectors: np.ndarray, k: int = 5, balance: float = BALANCE) -> list[int]:
    """Start indices of ``k`` contiguous, non-empty segments of the rows of ``vectors``
    (unit vectors, in order) that maximise coherence minus the length penalty."""
    n = len(vectors)
    if n < k:
        raise ValueError(f"cannot split {n} units into {k} non-empty sections")
    prefix = np.vstack([np.zeros(vectors.shape[1]), np.cumsum(vectors, axis=0)])
    ideal = n / k

    def score(i: int, j: int) -> float:  # units i..j-1
        size = j - i
        coherence = float(np.linalg.norm(prefix[j] - prefix[i]))
        return coherence - balance * ideal * ((size - ideal) / ideal) ** 2

    best = np.full((k + 1, n + 1), -np.inf)
    back = np.zeros((k + 1, n + 1), dtype=int)
    best[0, 0] = 0.0
    for s in range(1, k + 1):
        for j in range(s, n - (k - s) + 1):
            for i in range(s - 1, j):
                value = best[s - 1, i] + score(i, j)
                if value > best[s, j]:
                    best[s, j], back[s, j] = value, i
    starts, j = [], n
    for s in range(k, 0, -1):
        j = int(back[s, j])
        starts.append(j)
    return starts[::-1]


def require_times(has_times: bool, source: str) -> None:
    """Refuse a transcript without times: chapters need them (say which formats carry them)."""
    if not has_times:
        raise InputError(
            f"{source} carries no times, and chapters need them: give a transcript with "
            f"times ({TIMED_FORMATS})"
        )


def _words(text: str) -> list[str]:
    return re.findall(r"[^\W\d_]{3,}", text.casefold())


def _vectors(texts: Sequence[str]) -> np.ndarray:
    """Unit tf-idf rows, words hashed into a fixed width: a word said everywhere weighs
    nothing, so what a block shares with its neighbours is its subject."""
    counts = [Counter(_words(t)) for t in texts]
    df = Counter(w for c in counts for w in c)
    rows = np.zeros((len(texts), _HASH_DIM))
    for row, c in zip(rows, counts, strict=True):
        for word, n in c.items():
            row[zlib.crc32(word.encode()) % _HASH_DIM] += n * math.log(len(texts) / df[word])
    unit: np.ndarray = rows / np.linalg.norm(rows, axis=1, keepdims=True).clip(min=1e-12)
    return unit


def _blocks(utterances: Sequence[Utterance]) -> list[list[Utterance]]:
    timed = [u for u in utterances if u.start is not None]
    size = max(1, math.ceil(len(timed) / MAX_BLOCKS))
    return [timed[i : i + size] for i in range(0, len(timed), size)]


_DANGLING = FUNCTION_WORDS | word_set(
    "behind about after before between into over under without within through around across",
    "against among during since until upon onto toward towards like just very really",
)
"""Words no chapter title starts or ends with."""


def _title(text: str, terms: Sequence[str], used: set[str], spread: Counter[str]) -> str:
    """The note term this chapter's text says most, weighed against how many chapters say
    it; else its most particular word. Never a title an earlier chapter has."""
    low = text.casefold()
    best, score = "", 0.0
    for term in terms:
        key = term.casefold()
        if {key.split()[0], key.split()[-1]} & _DANGLING:
            continue  # "Scientific Story Behind" reads as a cut-off phrase, not a subject
        said = len(re.findall(rf"\b{re.escape(key)}\b", low)) if key not in used else 0
        # A phrase names a subject; a lone word only as a name or acronym (said capitalised).
        named = re.search(rf"(?<![.!?…:]\s)(?<!^)\b{re.escape(term)}\b(?!')", text)
        weight = said * (2 if " " in term else 1 if named else 0.2) / max(1, spread[key])
        if weight > score:
            best, score = term, weight
    if not best:  # no term of the notes said here: its most particular word
        said_words = Counter(w for w in _words(text) if w.casefold() not in _DANGLING)
        rare = [w for w, _ in said_words.most_common() if w not in used]
        best = min(rare[:30], key=lambda w: spread.get(w, 0) or 99, default="Discussion")
        best = best.capitalize()
    used.add(best.casefold())
    return best


def _finer(
    extended: Mapping[str, Any], count: int, utterances: Sequence[Utterance]
) -> list[Chapter]:
    blocks = _blocks(utterances)
    texts = [" ".join(u.text for u in b) for b in blocks]
    starts = segment(_vectors(texts), min(count, len(blocks)))
    spans = list(zip(starts, [*starts[1:], len(blocks)], strict=True))
    parts = [" ".join(texts[a:b]) for a, b in spans]
    terms = list(dict.fromkeys(t for n in extended["notes"] for t in n["terms"] if t.strip()))
    spread: Counter[str] = Counter()
    for part in parts:
        low = part.casefold()
        spread.update({t.casefold() for t in terms if t.casefold() in low})
        spread.update(set(_words(part)))
    used: set[str] = set()
    owned = [(c["id"], *c["utterances"]) for c in extended["chunks"]]  # own utterance ranges
    return [
        {
            "start": blocks[a][0].start,
            "end": blocks[b - 1][-1].end or blocks[b - 1][-1].start,
            "title": _title(part, terms, used, spread),
            "chunk_ids": [
                i for i, x, y in owned if x <= blocks[b - 1][-1].index and y >= blocks[a][0].index
            ],
        }
        for (a, b), part in zip(spans, parts, strict=True)
    ]


def _absorb(chapter: Chapter, short: Chapter) -> None:
    chapter["chunk_ids"] = list(dict.fromkeys(chapter["chunk_ids"] + short["chunk_ids"]))


def _fit(chapters: list[Chapter], end: float) -> list[Chapter]:
    """The first at 0, each ending where the next starts, none shorter than 10 s: a short
    one is merged into the one before it (its title dropped)."""
    kept: list[Chapter] = []
    for chapter in chapters:
        chapter = {**chapter, "start": float(chapter["start"]) if kept else 0.0}
        if kept and (chapter["start"] - kept[-1]["start"] < MIN_SECONDS):
            _absorb(kept[-1], chapter)
        else:
            kept.append(chapter)
    while len(kept) > 1 and end - kept[-1]["start"] < MIN_SECONDS:
        _absorb(kept[-2], kept.pop())
    for chapter, after in zip(kept, [*kept[1:], None], strict=True):
        chapter["end"] = end if after is None else after["start"]
    return kept


def _chunk_units(extended: Mapping[str, Any]) -> list[Utterance]:
    """One unit per timed chunk, its text its notes' (no transcript at hand)."""
    said = {
        i: " ".join(n["key_points"] + n["terms"]) for n in extended["notes"] for i in n["chunk_ids"]
    }
    timed = [c for c in extended["chunks"] if c["start"] is not None]
    return [
        Utterance(
            index=c["utterances"][0], start=c["start"], end=c["end"], text=said.get(c["id"], "-")
        )
        for c in timed
    ]


def chapters_from_extended(
    extended: Mapping[str, Any],
    count: int | str | None = None,
    utterances: Sequence[Utterance] | None = None,
) -> list[Chapter]:
    """Chapters of a run: its five sections (``count`` None), or ``count`` finer ones (an
    int, or ``"auto"``: one per 10 minutes, 5 to 20) split from ``utterances`` (the parsed
    transcript's; without them, at chunk boundaries). Untimed: the sections, times None."""
    sections = [
        {
            "start": s["start"],
            "end": s["end"],
            "title": _NUMBERED.sub("", s["title"]),
            "chunk_ids": list(s["chunk_ids"]),
        }
        for s in extended["sections"]
    ]
    timed = [c for c in extended["chunks"] if c["start"] is not None]
    if not timed or any(s["start"] is None for s in sections):
        return sections
    end = max(float(c["end"] if c["end"] is not None else c["start"]) for c in timed)
    if count == "auto":
        count = min(20, max(5, round(end / AUTO_SECONDS)))
    if count is None or (count == len(sections) and utterances is None):
        return _fit(sections, end)
    units = _chunk_units(extended) if utterances is None else utterances
    return _fit(_finer(extended, int(count), units), end)


def _clock(seconds: float, long: bool) -> str:
    whole = int(seconds)
    h, m, s = whole // 3600, whole // 60 % 60, whole % 60
    return f"{h}:{m:02d}:{s:02d}" if long else f"{m:02d}:{s:02d}"


def youtube_lines(chapters: Sequence[Chapter]) -> str:
    """YouTube description lines, ``00:00 Title`` (``H:MM:SS`` from the first hour on);
    an InputError when the transcript is too short for YouTube's three chapters."""
    if len(chapters) < MIN_CHAPTERS:
        raise InputError(
            f"only {len(chapters)} chapter(s) of {MIN_SECONDS:g} s or more fit this "
            f"transcript's times; YouTube needs at least {MIN_CHAPTERS}"
        )
    return "".join(f"{_clock(c['start'], c['start'] >= 3600)} {_line(c)}\n" for c in chapters)


def _line(chapter: Chapter) -> str:
    return " ".join(chapter["title"].split())


def _number(seconds: float) -> float | int:
    value = round(float(seconds), 3)
    return int(value) if value.is_integer() else value


def podcast_json(chapters: Sequence[Chapter]) -> str:
    """Podcasting 2.0 chapters JSON (1.2.0): startTime, endTime (seconds) and title."""
    listed = [
        {"startTime": _number(c["start"]), "endTime": _number(c["end"]), "title": _line(c)}
        for c in chapters
    ]
    payload = {"version": "1.2.0", "chapters": listed}
    return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"


def _cue_time(seconds: float) -> str:
    ms = round(float(seconds) * 1000)
    return f"{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d}.{ms % 1000:03d}"


def vtt_track(chapters: Sequence[Chapter]) -> str:
    """A WebVTT chapters track: one cue per chapter, its title as the cue text, ending
    where the next starts (the last at the transcript's end)."""
    cues = [
        f"{i}\n{_cue_time(c['start'])} --> {_cue_time(c['end'])}\n"
        # "-->" would end the cue's text early for a reader; a blank line, the cue.
        f"{_line(c).replace('-->', '->')}\n"
        for i, c in enumerate(chapters, 1)
    ]
    return "WEBVTT\n\n" + "\n".join(cues)


def render_chapters(
    result: Any,
    kind: str,
    count: int | str | None = None,
    utterances: Sequence[Utterance] | None = None,
) -> str:
    """A run's chapters (``result``: a :class:`~longsum.api.RunResult` or its extended
    dict) as ``kind``: ``chapters`` (YouTube), ``podcast-chapters`` or ``vtt-chapters``.
    ``count`` and ``utterances`` are as for :func:`chapters_from_extended`."""
    extended = getattr(result, "extended", result)
    require_times(bool(extended["transcript"]["has_times"]), extended["transcript"]["source"])
    return format_chapters(chapters_from_extended(extended, count, utterances), kind)


def format_chapters(chapters: Sequence[Chapter], kind: str) -> str:
    """``chapters`` (fitted, timed) as ``kind``, one of :data:`KINDS`."""
    if kind not in KINDS:
        raise ConfigError(f"unknown chapters format {kind!r}: use {', '.join(KINDS)}")
    render = {"chapters": youtube_lines, "podcast-chapters": podcast_json}.get(kind, vtt_track)
    return render(chapters)

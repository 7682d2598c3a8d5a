"""Scores of one summary against one transcript's reference: pure functions.

* Section placement: :func:`section_positions_from_extended` / :func:`locate_sections`
  (from :mod:`longsum_eval.locate`) give where the 5 sections start, and
  :func:`boundary_alignment` measures how far the 4 inner boundaries are from the
  nearest reference chapter/topic/segment start.
* :func:`chapter_coverage`: which reference titles some section title or bullet covers.
* :func:`rouge_scores`: ROUGE-1/2/L of the written text against the reference summaries.
* :func:`invented_timestamps`: times the summary writes that the transcript never shows.
* :func:`usage`: LLM calls and tokens.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

from rouge_score import rouge_scorer

from longsum.embedding import Embedder
from longsum.errors import InputError
from longsum.tools.parsing import parse_text
from longsum_eval.locate import (
    locate_sections,
    section_positions_from_extended,
    section_text,
    section_title,
)

__all__ = [
    "COVERAGE_THRESHOLD",
    "boundary_alignment",
    "chapter_coverage",
    "coverage_candidates",
    "invented_timestamps",
    "locate_sections",
    "rouge_scores",
    "section_positions_from_extended",
    "section_text",
    "summary_text",
    "transcript_times",
    "uniform_starts",
    "usage",
]

COVERAGE_THRESHOLD = 0.55
"""MiniLM cosine at or above which a reference title counts as covered.

Calibrated by ``benchmarks/calibrate_coverage.py`` on the 8 real/ transcripts with titles
(107 reference titles), with offline-engine summaries (``longsum summarize --format json``):
each title's best cosine to the section titles and bullets of (a) its own transcript's
summary and (b) each other transcript's summary (749 pairs):

=========  =====  =====  =====  =====  =====  =====
           mean   p5     p25    p50    p75    p95
(a) same   0.441  0.193  0.285  0.403  0.587  0.760
(b) other  0.260  0.106  0.169  0.229  0.309  0.545
=========  =====  =====  =====  =====  =====  =====

0.55 is the lowest 0.01 step with at most 5% false matches on (b) (4.7%); it accepts 29.9%
of (a). Lower thresholds let other transcripts match: at 0.50 (b) 9.2% / (a) 37.4%, at
0.40 15.0% / 50.5%, at 0.30 27.0% / 71.0%. The (b) tail above 0.5 is mostly real overlap
between the four AI podcasts ("The future of AI" against another show's "AI realizing and
Humanity"), so 0.55 is conservative. The offline engine's bullets are transcript
sentences; an abstractive LLM's wording is closer to reference titles, so expect its
shares to be higher, not the threshold to be wrong.
"""

_TIME = re.compile(r"(?<![\d:.,])(\d{1,3}(?::\d{2}){1,2})(?:[.,]\d+)?(?![\d:])")
"""``H:MM:SS``, ``HH:MM:SS`` or ``MM:SS`` (``[..]`` or ``(..)`` around it are fine)."""
_ROUGE_TYPES = ("rouge1", "rouge2", "rougeL")


def uniform_starts(sections: int = 5) -> list[float]:
    """Section starts of a system that cuts the transcript into equal parts: the baseline
    that :func:`boundary_alignment` of any real system should beat."""
    return [i / sections for i in range(sections)]


def boundary_alignment(section_starts: Sequence[float], marks: Sequence[float]) -> dict[str, Any]:
    """How far the inner section boundaries are from the reference's marks.

    The inner boundaries are the starts of sections 2..5 (``section_starts[1:]``); each
    one's distance to the nearest mark, as a fraction of the transcript, is in
    ``per_boundary``; ``mean`` and ``worst`` summarise them. A mark at position 0 is the
    transcript's own start, not a boundary, and is ignored. Without marks (or without
    inner boundaries) ``per_boundary`` is empty and ``mean``/``worst`` are None.
    """
    inner = [float(s) for s in section_starts[1:]]
    usable = [float(m) for m in marks if m > 0]
    if not inner or not usable:
        return {"per_boundary": [], "mean": None, "worst": None}
    distances = [min(abs(b - m) for m in usable) for b in inner]
    return {
        "per_boundary": [round(d, 4) for d in distances],
        "mean": round(sum(distances) / len(distances), 4),
        "worst": round(max(distances), 4),
    }


def coverage_candidates(summary: Mapping[str, Any]) -> list[str]:
    """What may cover a reference title: each section's title (without ``Section N:``)
    and each of its bullets."""
    out: list[str] = []
    for section in summary.get("sections", []):
        if not isinstance(section, Mapping):
            continue
        title = section_title(section)
        out += [title] if title else []
        out += [b.strip() for b in section.get("content", []) if isinstance(b, str) and b.strip()]
    return out


def chapter_coverage(
    titles: Sequence[str],
    summary: Mapping[str, Any],
    embedder: Embedder,
    threshold: float = COVERAGE_THRESHOLD,
) -> dict[str, Any]:
    """Share of reference ``titles`` that some section title or bullet matches.

    A title is matched when its best cosine to any candidate (see
    :func:`coverage_candidates`) is at least ``threshold``. Returns ``share`` (None
    without titles), ``matched`` and ``missed`` (the titles) and ``best`` (each title's
    best cosine, rounded, in the order of ``titles``).
    """
    titles = [t for t in titles if t.strip()]
    candidates = coverage_candidates(summary)
    if not titles:
        return {"share": None, "matched": [], "missed": [], "best": []}
    if not candidates:
        return {"share": 0.0, "matched": [], "missed": list(titles), "best": [0.0] * len(titles)}
    vectors = embedder.embed([*titles, *candidates])
    best = (vectors[: len(titles)] @ vectors[len(titles) :].T).max(axis=1)
    matched = [t for t, b in zip(titles, best, strict=True) if b >= threshold]
    return {
        "share": round(len(matched) / len(titles), 4),
        "matched": matched,
        "missed": [t for t, b in zip(titles, best, strict=True) if b < threshold],
        "best": [round(float(b), 4) for b in best],
    }


def summary_text(summary: Mapping[str, Any]) -> str:
    """The introduction and every bullet, one per line: the written prose of a summary."""
    lines = [str(summary.get("introduction", ""))]
    for section in summary.get("sections", []):
        if isinstance(section, Mapping):
            lines += [str(b) for b in section.get("content", [])]
    return "\n".join(line for line in lines if line.strip())


@functools.lru_cache(maxsize=1)
def _scorer() -> rouge_scorer.RougeScorer:
    return rouge_scorer.RougeScorer(list(_ROUGE_TYPES), use_stemmer=True)


def rouge_scores(summary: Mapping[str, Any], references: Sequence[str]) -> dict[str, Any]:
    """ROUGE-1, ROUGE-2 and ROUGE-L F1 of the introduction and all bullets.

    Google's ``rouge-score`` with Porter stemming. With several references each metric is
    the best F1 over them (``score_multi``): the summary is judged against the reference
    it resembles most, as references of one transcript are alternatives, not parts.
    Without references every value is None. Note the VT-SSum reference is extractive
    (transcript sentences), so extractive systems score higher on it.
    """
    refs = [r for r in references if r.strip()]
    if not refs:
        return dict.fromkeys(_ROUGE_TYPES)
    scores = _scorer().score_multi(refs, summary_text(summary))
    return {name: round(float(scores[name].fmeasure), 4) for name in _ROUGE_TYPES}


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, Mapping):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list | tuple):
        return [s for v in value for s in _strings(v)]
    return []


def _seconds(written: str) -> int | None:
    parts = [int(p) for p in written.split(":")]
    if parts[-1] >= 60 or (len(parts) == 3 and parts[1] >= 60):
        return None  # "1:75" is no time
    seconds = 0
    for part in parts:
        seconds = seconds * 60 + part
    return seconds


def transcript_times(transcript_text: str) -> set[int]:
    """Every time the transcript's own timestamps show, in whole seconds (each start and end,
    floored and rounded, so ``00:01:02.6`` matches a written ``1:02`` or ``1:03``)."""
    try:
        utterances = parse_text(transcript_text).utterances
    except InputError:
        return set()
    times: set[int] = set()
    for u in utterances:
        for t in (u.start, u.end):
            if t is not None:
                times.update((math.floor(t), round(t)))
    return times


def invented_timestamps(summary: Mapping[str, Any], transcript_text: str) -> list[str]:
    """Times written anywhere in the summary that no transcript timestamp shows.

    Every ``H:MM:SS``, ``HH:MM:SS`` or ``MM:SS`` in any string of the summary (also in
    brackets or parentheses) is normalised to seconds and must equal a timestamp of the
    transcript exactly (see :func:`transcript_times`). On an untimed transcript every
    written time is invented. Returns the invented ones as written, first occurrence
    first, without repeats. A clock time ("met at 9:30") counts too: summaries of these
    transcripts have no reason to write one.
    """
    known = transcript_times(transcript_text)
    invented: list[str] = []
    for text in _strings(dict(summary)):
        for match in _TIME.finditer(text):
            written = match.group(1)
            seconds = _seconds(written)
            if seconds is not None and seconds not in known and written not in invented:
                invented.append(written)
    return invented


def usage(calls: Sequence[Mapping[str, Any]], transcript_tokens: int) -> dict[str, Any]:
    """Totals of LLM call records (``CallRecord`` dicts: ``prompt_tokens``,
    ``completion_tokens``, ``latency_s``, ``estimated``, ``cached_prompt_tokens``): calls,
    tokens, latency, and prompt tokens per transcript token, all of them and those not read
    from the provider's prefix cache (None for an empty transcript). Missing counts
    are taken as 0, so a system that records less still adds up."""
    prompt = sum(int(c.get("prompt_tokens") or 0) for c in calls)
    uncached = prompt - sum(int(c.get("cached_prompt_tokens") or 0) for c in calls)
    return {
        "llm_calls": len(calls),
        "prompt_tokens": prompt,
        "prompt_tokens_uncached": uncached,
        "uncached_prompt_to_transcript": round(uncached / transcript_tokens, 3)
        if transcript_tokens
        else None,
        "completion_tokens": sum(int(c.get("completion_tokens") or 0) for c in calls),
        "latency_s": round(sum(float(c.get("latency_s") or 0.0) for c in calls), 3),
        "prompt_to_transcript": round(prompt / transcript_tokens, 3) if transcript_tokens else None,
        "estimated_tokens": any(bool(c.get("estimated")) for c in calls),
    }

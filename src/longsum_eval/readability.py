"""How a summary reads: the share of its bullets with each defect a reader sees, and
whether the bullets that name a speaker quote that speaker.

The defects are :func:`longsum.tools.quality.bullet_defects` (questions, replies,
fragments, filler, run-on length, titles for bullets, prompt scaffolding, mark-up, foreign
script, placeholder numbers) plus ``duplicate``, which needs the whole summary
(:func:`duplicate_flags`). Every share is over all bullets of the summary.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from longsum.tools.prose import tokens
from longsum.tools.quality import DEFECTS, bullet_defects, scripts_of
from longsum.tools.repeats import DUPLICATE_SHARE, duplicate_flags
from longsum_eval.locate import locate_quote, speaker_grams
from longsum_eval.positions import TranscriptIndex

__all__ = [
    "DUPLICATE_SHARE",
    "defect_key",
    "duplicate_flags",
    "readability",
    "speaker_attribution",
    "speaker_of",
    "summary_bullets",
]

_MAX_HEAD_WORDS = 6


def defect_key(code: str) -> str:
    """The row key of a defect's share (``defect_question``)."""
    return f"defect_{code}"


def summary_bullets(summary: Mapping[str, Any]) -> list[str]:
    """Every bullet of every section, in order (non-strings skipped)."""
    out: list[str] = []
    for section in summary.get("sections", []) or []:
        if isinstance(section, Mapping):
            content = section.get("content", [])
            out += [b for b in content if isinstance(b, str)] if isinstance(content, list) else []
    return out


def speaker_of(bullet: str, speakers: Sequence[str]) -> tuple[str, str] | None:
    """``(speaker, quoted text)`` when ``bullet`` opens with ``Name:`` naming one of
    ``speakers``: their full name (any case), or words of exactly one speaker's name
    (``Levels:`` for Pieter Levels, ``The Chair:`` for a parliament's chair)."""
    folded = bullet.strip().casefold()
    for speaker in sorted(speakers, key=len, reverse=True):
        if folded.startswith(f"{speaker.casefold()}:"):
            return speaker, bullet.strip()[len(speaker) + 1 :].strip()
    head, sep, rest = bullet.strip().partition(":")
    wanted = tokens(head)
    if not sep or not head[:1].isupper() or not 0 < len(wanted) <= _MAX_HEAD_WORDS:
        return None
    matches = [s for s in speakers if set(wanted) <= set(tokens(s))]
    # One person under several labels ("Ms. Jenny Kwan (Vancouver East, NDP)" on their first
    # turn, "Ms. Jenny Kwan" after): the labels that are that person's name and details.
    people = {_person(s) for s in matches}
    return (matches[0], rest.strip()) if len(people) == 1 else None


def _person(label: str) -> str:
    """A speaker label without its parenthesised details and honorifics."""
    name = re.sub(r"\s*\((?:[^()]|\([^()]*\))*\)", "", label)
    return re.sub(r"^(?:(?:hon|mr|mrs|ms|dr|prof)\.?\s+)+", "", name.strip().casefold())


def speaker_attribution(summary: Mapping[str, Any], index: TranscriptIndex) -> dict[str, Any]:
    """Over all bullets: the share that name a speaker (``speaker_named``) and the share
    that name one and quote them, their text found in that speaker's lines
    (``speaker_attribution``, see :func:`longsum_eval.locate.locate_quote`). Both None for
    a transcript without speakers or a summary without bullets."""
    grams = speaker_grams(index)
    bullets = summary_bullets(summary)
    if not grams or not bullets:
        return {"speaker_named": None, "speaker_attribution": None}
    named = located = 0
    for bullet in bullets:
        found = speaker_of(bullet, list(grams))
        if found is None:
            continue
        named += 1
        quote = re.sub(r"^[\"“'‘]+|[\"”'’]+$", "", found[1].strip())
        person = _person(found[0])
        labels = [label for label in grams if _person(label) == person]
        located += any(locate_quote(quote, grams[label]) for label in labels)
    return {
        "speaker_named": round(named / len(bullets), 4),
        "speaker_attribution": round(located / len(bullets), 4),
    }


def readability(
    summary: Mapping[str, Any], transcript: Path, text: str | None = None
) -> dict[str, Any]:
    """The readability measures of one summary of ``transcript`` (``text``: its content,
    when already read): ``bullets``, ``defects`` (share with any defect), one
    ``defect_<code>`` share per :data:`~longsum.tools.quality.DEFECTS` code, and the
    speaker measures of :func:`speaker_attribution`."""
    text = transcript.read_text(encoding="utf-8") if text is None else text
    scripts = scripts_of(text)
    bullets = summary_bullets(summary)
    codes = [bullet_defects(b, scripts=scripts) for b in bullets]
    for found, repeated in zip(codes, duplicate_flags(bullets), strict=True):
        found += ["duplicate"] if repeated else []
    total = len(bullets)

    def share(count: int) -> float | None:
        return round(count / total, 4) if total else None

    row: dict[str, Any] = {"bullets": total, "defects": share(sum(bool(c) for c in codes))}
    for code in DEFECTS:
        row[defect_key(code)] = share(sum(code in c for c in codes))
    row.update(speaker_attribution(summary, TranscriptIndex.read(transcript)))
    return row

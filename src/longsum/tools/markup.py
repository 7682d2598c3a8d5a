"""Mark-up that is not speech, taken out of the spoken text in one place.

Transcripts carry annotations nobody said: corpus tags (AMI and ICSI's ``{vocalsound}``,
``{disfmarker}``), caption sound tags (``[Music]``, ``[Applause]``, ``(laughs)``), the
``>>`` that broadcast captions put at a change of speaker, HTML entities (``&amp;``,
``&#39;``), and QMSum's letter-by-letter acronyms (``L_C_D_`` for LCD) and tokenised
spellings (``here 's``, ``thing .``). A small model copies them into
titles and bullets ("Disfmarker", "L_C_D_"), so :func:`clean_markup` removes them from every
utterance when a transcript is parsed, before chunking: the offline engine and every model
see only the words.
"""

from __future__ import annotations

import html
import re

__all__ = ["SOUND_WORDS", "clean_markup"]

SOUND_WORDS = frozenset(
    {
        "music",
        "applause",
        "laughter",
        "laughs",
        "laughing",
        "laugh",
        "chuckles",
        "chuckling",
        "giggles",
        "cheering",
        "cheers",
        "clapping",
        "inaudible",
        "indistinct",
        "unintelligible",
        "crosstalk",
        "silence",
        "pause",
        "noise",
        "coughs",
        "coughing",
        "cough",
        "sighs",
        "sighing",
        "sigh",
        "sneezes",
        "breathing",
        "breathes",
        "groans",
        "gasps",
        "whistling",
        "beep",
        "beeps",
        "static",
        "foreign",
        "speaking",
        "language",
        "background",
        "blank",
        "audio",
        "no",
        "sound",
        "effect",
        "playing",
        "upbeat",
        "soft",
        "dramatic",
    }
)
"""Words of a parenthesised sound tag: ``(laughs)`` goes, ``(see above)`` stays."""

_CORPUS_TAG = re.compile(r"\{[a-z_]+\}")
"""``{vocalsound}``, ``{disfmarker}``, ``{gap}``, ``{pause}``, ``{comment}``."""
_BRACKET_TAG = re.compile(r"\[\s*[A-Za-z_][A-Za-z_' -]{0,40}\]|♪+|♫+")
"""``[Music]``, ``[Applause]``, ``[BLANK_AUDIO]``, ``[door closes]`` (letters only, so a
``[00:12:03]`` stamp or a ``[1]`` reference is not a tag), and the notes of sung lyrics."""
_PAREN_TAG = re.compile(r"\(\s*([A-Za-z_ ]{2,40})\s*\)")
_SPEAKER_CHANGE = re.compile(r"(^|[.!?][\"')\]]?)\s*>>+\s*")
"""``>>`` where captions mark a new speaker: at the start, or after a sentence's end (so
``2 >> 1`` in speech stays)."""
_SPELLED = re.compile(r"\b(?:[A-Za-z]_){2,}")
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([,;:!?]|\.(?![.\w]))")
"""QMSum's ``thing .`` and a removed tag's ``so ,``; an ellipsis or ``.5`` is left alone."""
_SPLIT_CONTRACTION = re.compile(r"(?<=\w) (n't|'s|'re|'ve|'ll|'d|'m)\b", re.IGNORECASE)
"""QMSum's tokenised spelling: ``here 's``, ``do n't``, ``we 're`` as spoken, joined."""


def _paren(match: re.Match[str]) -> str:
    words = match.group(1).casefold().replace("_", " ").split()
    return " " if words and all(w in SOUND_WORDS for w in words) else match.group(0)


def clean_markup(text: str) -> str:
    """``text`` without non-speech mark-up, entities decoded and acronyms joined, its
    whitespace collapsed; ``""`` when nothing but mark-up was there."""
    spoken = html.unescape(text)
    text = _CORPUS_TAG.sub(" ", spoken)
    text = _BRACKET_TAG.sub(" ", text)
    text = _PAREN_TAG.sub(_paren, text)
    text = _SPEAKER_CHANGE.sub(r"\1 ", text)
    removed = text.split() != spoken.split()
    text = _SPELLED.sub(lambda m: m.group(0).replace("_", ""), text)
    text = _SPACE_BEFORE_PUNCT.sub(r"\1", " ".join(text.split()))
    text = _SPLIT_CONTRACTION.sub(r"\1", text)
    if removed:  # a tag went: no comma left dangling at an edge
        text = text.lstrip(" ,;:").rstrip(" ,;")
    return text

"""Bullets a reader takes as statements, from spoken spans, and who said them.

A transcript's sentences are not bullets as they stand: speech opens with "so, yeah",
trails off into "and stuff" or a tag question ("…, right?"), asks questions, answers
"Exactly." and runs on for sixty words. :func:`polish` turns one spoken span into a
statement, or into nothing when no statement is in it: fillers and back-channel at
either end go, a tag question becomes a full stop, a question or a fragment is refused,
and a sentence over :data:`MAX_BULLET_WORDS` is cut at a clause boundary (after a comma
before "and", "but", "because", ...), never mid-clause. :func:`candidates` reads a chunk's
lines with their speakers, so that where the transcript names its speakers a bullet says
who is speaking ("Levels: …") and a quote reads as a quote.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from longsum.tools.languages import has_cjk
from longsum.tools.quality import bullet_defects
from longsum.tools.sentences import (
    MIN_CONTENT_WORDS,
    clean_sentence,
    content_words,
    is_punctuated,
    speaker_lines,
    split_spans,
    words,
)
from longsum.tools.speakers import anonymous

__all__ = [
    "MAX_BULLET_WORDS",
    "PROFANITY",
    "Candidate",
    "at_least_two",
    "candidates",
    "polish",
    "said",
    "short_name",
    "speaker_weights",
]

MAX_BULLET_WORDS = 35
"""Longest bullet a reader takes in at a glance (the issue's bar; the gold answers' longest
bullets are about this long)."""
SPAN_WORDS = 60
"""Spans are read up to this long, so that a long sentence is still whole when it is cut
at a clause boundary here rather than at an arbitrary word by the span splitter."""

_SENTENCE = re.compile(r"(?<=[.!?…])\s+(?=[\"“‘(]?[A-Z0-9])")
_TAG_QUESTION = re.compile(
    r"[,;]?\s+(?:right|you know|no|yeah|yes|okay|ok|huh|correct|isn't it|aren't they|"
    r"don't you think|wouldn't you say|you see|see)\s*\?([\"”’]?)$",
    re.IGNORECASE,
)
_TRAILING_FILLER = re.compile(
    r"[,;]?\s+(?:and (?:stuff|things)(?: like that)?|and so on|and so forth|and everything"
    r"(?: else)?|or (?:something|anything|whatever)(?: like that)?|or whatever|or so"
    r"|and (?:all )?that(?: kind of| sort of)? (?:stuff|thing)|all that (?:kind|sort) of stuff"
    r"|(?:kind|sort) of thing|basically|I guess|I think|to be honest|or not)\s*([.!]?)([\"”’]?)$",
    re.IGNORECASE,
)
_LEADING_FILLER = re.compile(
    r"^(?:anyway|anyways|I mean|I guess|you see|look|listen|like|basically|honestly|man|dude|sorry|"
    r"literally|obviously|of course|in fact)\b[,:]?\s+",
    re.IGNORECASE,
)
_CLAUSE_WORDS = words("and but so because which where while although though whereas since")
_DANGLING = words(
    """
    the a an and or but of to in on at for with what that which is are was were my your
    their his her our its like so because if when than as from by about into very really
    just such how who whose whom will would can could should must shall gonna wanna kind sort
    """
)
"""A statement does not end on these: a span ending so was cut mid-clause."""
_OPENING_FRAGMENT = words("of to for with than which whose whom and or nor")
"""Nor does it begin on these (what is left when a sentence was cut before them)."""
PROFANITY = re.compile(
    r"\b(?:fuck\w*|shit\w*|bullshit|damn\w*|crap\w*|bitch\w*|asshole\w*|dick|piss\w*"
    r"|goddamn\w*|motherf\w*|bastard\w*)\b",
    re.IGNORECASE,
)
"""Swearing: never in a bullet, a title or a topic of the offline engine."""
_SUBORDINATORS = words("unless if when whenever because although though while whereas since")
"""Openers of a dependent clause: with no comma after it, no main clause follows."""
_ROLE_WORDS = words(
    """
    manager designer marketing interface expert host guest speaker moderator chair
    interviewer interviewee professor doctor dr mr mrs ms user industrial project
    """
)


def _sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE.split(text) if s.strip()]


def _is_backchannel(sentence: str) -> bool:
    """A short reply with no content: "Yeah.", "That's it.", "Exactly, yes.", "Right?"."""
    return len(sentence.split()) <= 4 and len(content_words(sentence)) < 2


def _clause_cut(text: str, max_words: int) -> str:
    """The longest opening of ``text`` that ends at a clause boundary within ``max_words``
    (a comma or semicolon before a clause word, or a semicolon), as a sentence; "" when
    the first clause alone is too long."""
    words_ = text.split()
    for i in range(min(max_words, len(words_) - 1), 7, -1):
        previous, word = words_[i - 1], words_[i].casefold().strip('"“”,')
        if previous.endswith(";") or (previous.endswith(",") and word in _CLAUSE_WORDS):
            return " ".join(words_[:i]).rstrip(",;") + "."
    return ""


def _edge(word: str) -> str:
    return word.casefold().strip("\"“”‘’'()[],.;:!?…")


def polish(span: str, max_words: int = MAX_BULLET_WORDS) -> str:
    """``span`` as a statement of at most ``max_words`` words, or "" when it holds none
    (see the module doc)."""
    if "…" in span.rstrip("…. ") or " -- " in span:
        return ""  # speech that broke off and restarted: no sentence to keep
    text = clean_sentence(span, max_words=10**6)
    parts = [_TAG_QUESTION.sub(r".\1", part) for part in _sentences(text)]
    while parts and (_is_backchannel(parts[0]) or parts[0].rstrip('"”’').endswith("?")):
        parts.pop(0)
    while parts and _is_backchannel(parts[-1]):
        parts.pop()
    if not parts:
        return ""
    if parts[-1].rstrip('"”’').endswith("?"):
        parts.pop()  # a statement that turns into a question: keep what precedes it
    kept: list[str] = []
    for part in parts:
        if len(" ".join([*kept, part]).split()) > max_words:
            if not kept:
                kept = [_clause_cut(part, max_words)]
            break
        kept.append(part)
    text = " ".join(k for k in kept if k)
    for _ in range(2):
        text = _TRAILING_FILLER.sub(r".\2", text).replace("..", ".")
        text = _LEADING_FILLER.sub("", text)
    text = clean_sentence(text, max_words=10**6) if text else ""
    body = text.split()
    if not body or len(content_words(text)) < MIN_CONTENT_WORDS or "?" in text[-3:]:
        return ""
    if _edge(body[-1]) in _DANGLING or _edge(body[0]) in _OPENING_FRAGMENT:
        return ""
    if re.match(r"That (?:we|you|they|I|he|she|it)\b", text):
        return ""  # "That we come up with ideas ...": the rest of someone else's sentence
    if _edge(body[0]) in _SUBORDINATORS and not re.search(r"[,;:]", text):
        return ""  # "Unless you like talking to your remote." : a condition with no clause
    if PROFANITY.search(text):
        return ""  # a summary quotes the point, not the swearing
    return text


_DETAILS = re.compile(r"\s*\((?:[^()]|\([^()]*\))*\)")
_HONORIFIC = re.compile(r"^(?:(?:Hon|Mr|Mrs|Ms|Dr|Prof|Sir|Dame|Rt)\.?\s+)+")


_ATTRIBUTION = re.compile(
    r"^[A-Z\u3040-\u30ff\u4e00-\u9fff][\w.'-]*(?: [A-Z][\w.'-]*){0,3}(?:: |：)"
)


def said(bullet: str) -> str:
    """A bullet without the speaker it is attributed to ("Levels: I built ..." gives
    "I built ..."): the statement as a candidate's ``body``."""
    return _ATTRIBUTION.sub("", bullet, count=1)


def short_name(name: str) -> str:
    """How a bullet names a speaker: a person's surname ("Pieter Levels" → "Levels",
    "Hon. Chrystia Freeland (Minister of Finance)" → "Freeland"), a role or one-word name as
    it is ("Project Manager", "Naval", "The Chair")."""
    name = _HONORIFIC.sub("", _DETAILS.sub("", name)).strip() or name
    parts = name.split()
    person = 2 <= len(parts) <= 3 and all(p[:1].isupper() for p in parts)
    if person and not any(p.casefold().strip(".") in _ROLE_WORDS for p in parts):
        return parts[-1]
    return name


@dataclass(frozen=True)
class Candidate:
    """One possible bullet of a chunk."""

    text: str
    """The bullet as shown: with its speaker's name first when the bullet is attributed."""
    body: str
    """The statement alone (what is embedded and compared)."""
    speaker: str | None
    """Who said it, when the transcript says."""


def speaker_weights(text: str) -> dict[str | None, float]:
    """A prior per speaker from their share of the words of ``text``: whoever carries the
    content (the guest answering) keeps full weight, the host asking keeps less."""
    spoken: Counter[str | None] = Counter()
    for who, line in speaker_lines(text):
        spoken[who] += len(line.split())
    total = sum(spoken.values()) or 1
    if len(spoken) < 2:
        return {who: 1.0 for who in spoken}
    top = max(spoken.values()) / total
    return {who: 0.3 + 0.7 * min(1.0, (n / total) / top) for who, n in spoken.items()}


def candidates(text: str) -> list[Candidate]:
    """The polished statements of ``text``'s lines, in order, each with its speaker;
    attributed ("Levels: …") when the line names its speaker (a diarizer's ``SPEAKER_00``
    names no one). Every line of a speaker is, even in a chunk where only the host speaks,
    so a summary's bullets say who throughout."""
    found: list[Candidate] = []
    seen: set[str] = set()
    for who, line in speaker_lines(text):
        named = bool(who) and not anonymous([who or ""])
        # An unpunctuated line is cut by the span splitter's own rules (pauses in words).
        limit = SPAN_WORDS if is_punctuated(line) else MAX_BULLET_WORDS
        for span in split_spans(line, limit):
            body = polish(span, MAX_BULLET_WORDS - 2 if named else MAX_BULLET_WORDS)
            key = body.casefold()
            # What polishing cannot mend (a stutter, a false start) a reader still sees: the
            # same judge the eval uses turns it away.
            if not body or key in seen or bullet_defects(body):
                continue
            seen.add(key)
            # Chinese and Japanese write a full-width colon, with no space after it.
            mark = "：" if has_cjk(body) else ": "
            shown = f"{short_name(who)}{mark}{body}" if named and who else body
            found.append(Candidate(shown, body, who))
    return found


def at_least_two(points: list[str], fallback: Sequence[str]) -> list[str]:
    """``points``, topped up to the two that notes need: from ``fallback``, else from the
    halves of the text (a chunk of one short span)."""
    if len(points) >= 2:
        return points
    more = [c for c in (clean_sentence(s) for s in fallback) if c and c not in points]
    points = [*points, *more][:2]
    if len(points) < 2:
        words_ = " ".join([*points, *fallback]).split() or ["(silence)"]
        half = max(1, len(words_) // 2)
        halves = [clean_sentence(" ".join(words_[:half])), clean_sentence(" ".join(words_[half:]))]
        points = [h for h in halves if h] or [words_[0]]
        while len(points) < 2:
            points.append(points[-1])
    return points

"""Caption cues and ASR segments re-cut into sentence-level utterances, for :mod:`.captions`.

SRT/VTT cues and Whisper segments are cut for the screen or the decoder, not for sense: a
sentence often starts in one cue and ends in the next, and read one utterance per cue its
halves would become two "sentences" downstream (spans, notes, bullets).
:func:`sentence_utterances` joins consecutive cues and cuts them again:

* a new utterance starts at a change of speaker (``None`` counts as a speaker, so unlabelled
  cues join each other), at a ``>>`` that opens a cue or follows a sentence end (broadcast
  captions' speaker change), and after a silence of :data:`PAUSE` seconds between cues; in
  punctuated text a silence counts only after a sentence end, so a hesitation never halves a
  sentence;
* punctuated text (one sentence end per 40 words or more, the ratio of
  :func:`~longsum.tools.sentences.is_punctuated`) closes an utterance at the first sentence end
  (``. ! ? …`` or ``。！？``, closing quotes allowed) once it holds :data:`TARGET_WORDS` words;
  unpunctuated text closes it at the first cue end instead, so it still gets sentence-like
  pieces cut at pauses and by length;
* an utterance that reaches :data:`MAX_WORDS` words without closing is cut at its last sentence
  end, else at the cue boundary nearest :data:`TARGET_WORDS`; a single cue longer than that
  is cut only at a sentence end in it (there is no better place), else kept whole. Words
  count as whitespace-separated tokens, Chinese and Japanese ones by their characters.

Every word is kept, once, in order. An utterance starts when its first word starts and ends
when its last word's cue ends. Where it begins or ends inside a cue, the time is interpolated
by word position within the cue (the cue's time shared evenly among its words) rather than
taken as the cue's start, so neighbouring utterances never overlap and times stay monotonic;
callers that know each word's time (rolling captions' inline timings) pass it instead.
"""

from __future__ import annotations

import html
import itertools
import re
from collections.abc import Sequence
from typing import NamedTuple

from longsum.tools.formats import Raw
from longsum.tools.languages import CJK_CLOSERS, CJK_STOPS, has_cjk, unit_count

__all__ = ["MAX_WORDS", "PAUSE", "TARGET_WORDS", "sentence_utterances"]

TARGET_WORDS = 40
"""An utterance closes at the first sentence end (or, unpunctuated, cue end) past this size."""
MAX_WORDS = 60
"""An utterance is cut before it grows past this many words, when it can be cut."""
PAUSE = 2.5
"""Seconds of silence between two cues that start a new utterance."""

_CLOSERS = "\"'”’)\\]»" + CJK_CLOSERS
_END = re.compile(rf"[.!?…{CJK_STOPS}][{_CLOSERS}]*$")
_ELLIPSIS = re.compile(rf"(?:\.\.\.|…)[{_CLOSERS}]*$")
_CJK_STOP = re.compile(f"[{CJK_STOPS}]")
_CJK_PIECE = re.compile(rf"[^{CJK_STOPS}]*[{CJK_STOPS}]+[{_CLOSERS}]*|[^{CJK_STOPS}]+")
"""CJK writes sentences without spaces: ``晴れです。明日は`` is cut after ``。``."""
_INITIALISM = re.compile(r"(?:\w\.){2,}")
_ABBREVIATIONS = frozenset({"mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "vs", "mt"})
"""Titles whose full stop ends no sentence (``Dr. Smith``)."""


class _Token(NamedTuple):
    """One word (or CJK sentence piece) of a cue, with where it sits and when."""

    text: str
    glued: bool  # a CJK piece that follows the previous one without a space
    cue: int
    speaker: str | None
    start: float | None
    end: float | None  # the next word's start in its cue, or the cue's end for its last


def _plain(word: str) -> str:
    return html.unescape(word) if "&" in word else word  # entities stay for clean_markup


def _ends_sentence(word: str, after: str | None) -> bool:
    """Whether ``word`` ends a sentence, given the word after it (None at the end)."""
    word = _plain(word)
    if not _END.search(word):
        return False
    if _ELLIPSIS.search(word):  # "I think..." / "...we should": the subtitle continuation
        nxt = _plain(after or "")
        return not (nxt[:1].islower() or nxt.startswith(("...", "…")))
    if word.endswith("."):
        return not (word[:-1].lower() in _ABBREVIATIONS or _INITIALISM.fullmatch(word))
    return True


def _pieces(text: str) -> list[tuple[str, bool, int]]:
    """``(piece, glued, word index)`` of a cue's text: its words, CJK words cut at sentence
    ends."""
    if not _CJK_STOP.search(text):
        return [(word, False, k) for k, word in enumerate(text.split())]
    pieces: list[tuple[str, bool, int]] = []
    for k, word in enumerate(text.split()):
        if _CJK_STOP.search(word):
            parts = _CJK_PIECE.findall(word)
            pieces.extend((part, i > 0, k) for i, part in enumerate(parts))
        else:
            pieces.append((word, False, k))
    return pieces


def _at(start: float | None, end: float | None, k: int, n: int) -> float | None:
    """The time ``k/n`` of the way through a cue, or its start when a time is unknown."""
    if k == 0 or start is None or end is None:
        return start
    # Milliseconds, as caption times are; kept inside the cue, which rounding could leave.
    return min(max(start, round(start + (end - start) * k / n, 3)), end)


def _tokens(
    raws: Sequence[Raw], word_times: Sequence[Sequence[float] | None] | None
) -> tuple[list[_Token], list[float | None]]:
    """The tokens of all cues, and when each cue's speech stops (for the pause rule)."""
    tokens: list[_Token] = []
    stops: list[float | None] = []
    for c, (start, end, who, text) in enumerate(raws):
        pieces = _pieces(text)
        times = word_times[c] if word_times is not None else None
        if times is not None and len(times) != len(text.split()):
            times = None  # a defensive guard: the times must be the words'
        # A cue's end may include silence before the next line appears (rolling captions);
        # with word times, its speech stops at its last word.
        stops.append(times[-1] if times else end)
        n = len(pieces)
        if times:
            starts: list[float | None] = [times[k] for _, _, k in pieces]
        else:
            starts = [_at(start, end, i, n) for i in range(n)]
        for i, (piece, glued, _) in enumerate(pieces):
            after = starts[i + 1] if i + 1 < n else end
            tokens.append(_Token(piece, glued, c, who, starts[i], after))
    return tokens, stops


def _hard_breaks(
    tokens: Sequence[_Token],
    ends: Sequence[bool],
    stops: Sequence[float | None],
    punctuated: bool,
) -> list[int]:
    """Token indices where a new utterance must start (see the module docstring)."""
    breaks: list[int] = []
    for j in range(1, len(tokens)):
        tok, prev = tokens[j], tokens[j - 1]
        new_cue = tok.cue != prev.cue
        marked = _plain(tok.text).startswith(">>") and (new_cue or ends[j - 1])
        stop = stops[prev.cue]
        paused = (
            new_cue
            and tok.start is not None
            and stop is not None
            and tok.start - stop >= PAUSE
            and (ends[j - 1] or not punctuated)
        )
        if tok.speaker != prev.speaker or marked or paused:
            breaks.append(j)
    return breaks


def _close(
    tokens: Sequence[_Token], ends: Sequence[bool], pos: Sequence[int], i: int, n: int, punct: bool
) -> int:
    """Where the utterance opening at token ``i`` of a run ending at ``n`` closes; ``pos``
    counts words before each token."""

    def closes(j: int) -> bool:  # a sentence end, or (unpunctuated) a cue end, before j
        return ends[j - 1] if punct else tokens[j].cue != tokens[j - 1].cue

    limit = i + 1  # the last cut that keeps the utterance within MAX_WORDS words
    while limit < n and pos[limit + 1] - pos[i] <= MAX_WORDS:
        limit += 1
    for j in range(i + 1, min(n, limit + 1)):
        if pos[j] - pos[i] >= TARGET_WORDS and closes(j):
            return j
    if limit == n:
        return n
    # No close by MAX_WORDS: the last sentence end, else the cue boundary nearest the target.
    if punct and (found := [j for j in range(i + 1, limit + 1) if ends[j - 1]]):
        return found[-1]
    cuts = [j for j in range(i + 1, limit + 1) if tokens[j].cue != tokens[j - 1].cue]
    if cuts:
        return min(cuts, key=lambda j: abs(pos[j] - pos[i] - TARGET_WORDS))
    # One cue longer than MAX_WORDS: its first sentence end or its end, whichever comes first.
    return next((j for j in range(limit + 1, n) if closes(j) or ends[j - 1]), n)


def _utterance(tokens: Sequence[_Token]) -> Raw:
    text = "".join(t.text if t.glued or k == 0 else f" {t.text}" for k, t in enumerate(tokens))
    return (tokens[0].start, tokens[-1].end, tokens[0].speaker, text)


def sentence_utterances(
    raws: Sequence[Raw], word_times: Sequence[Sequence[float] | None] | None = None
) -> list[Raw]:
    """Per-cue utterances of a caption or ASR file as sentence-level utterances.

    ``raws`` are the cues in order, one ``(start, end, speaker, text)`` each (a cue with two
    voices may come as two); ``word_times``, when given, holds the start of each
    whitespace-separated word of each cue (or None for a cue without them). The rule is in
    the module docstring; cues without text are dropped.
    """
    tokens, stops = _tokens(raws, word_times)
    if not tokens:
        return []
    ends = [
        _ends_sentence(tok.text, tokens[j + 1].text if j + 1 < len(tokens) else None)
        for j, tok in enumerate(tokens)
    ]
    # Chinese and Japanese clauses have no spaces: they count in words as the chunker counts.
    weights = (max(1, unit_count(tok.text)) if has_cjk(tok.text) else 1 for tok in tokens)
    pos = list(itertools.accumulate(weights, initial=0))
    punctuated = sum(ends) * 40 >= pos[-1]
    utterances: list[Raw] = []
    bounds = [0, *_hard_breaks(tokens, ends, stops, punctuated), len(tokens)]
    for first, stop in itertools.pairwise(bounds):
        i = first
        while i < stop:
            j = _close(tokens, ends, pos, i, stop, punctuated)
            utterances.append(_utterance(tokens[i:j]))
            i = j
    return utterances

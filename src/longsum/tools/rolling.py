"""Rolling WebVTT captions (YouTube auto-captions), read as their words once, in order.

YouTube's auto-generated captions (``yt-dlp --write-auto-subs``) roll: each cue repeats the
previous cue's last line as its first line and adds one new line whose words carry inline
timings (``so<00:00:00.320><c> today</c>``), and 10 ms "flash" cues in between repeat the
finished line. Read cue by cue, every line would come two or three times.

:func:`is_rolling` tells such files apart from plain WebVTT; :func:`read_rolling` keeps only
the lines each cue adds, times each word by its inline timing (a line's first word by its
cue's start), and hands the lines with their word times to
:func:`~longsum.tools.cues.sentence_utterances`, which groups them into utterances the same
way as any other caption's cues.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from longsum.tools.cues import sentence_utterances
from longsum.tools.formats import Raw

__all__ = ["CUE_TAG", "Cue", "Word", "is_rolling", "new_words", "read_rolling"]

Cue = tuple[float, float, Sequence[str]]
"""``(start, end, lines)`` of one cue: seconds, and its raw text lines (markup kept)."""

Word = tuple[float, str]
"""``(time, word)``: when a word is said, in seconds, and the word."""

CUE_TAG = re.compile(r"</?[A-Za-z][^>]*>|<\d[\d:.]*>|\{\\[^}]*\}")
"""Cue markup: ``<i>``, ``</v>``, ``<c.yellow>``, karaoke ``<00:01.500>``, ASS ``{\\an8}``."""

_INLINE = re.compile(r"<(?:(\d+):)?(\d{1,2}):(\d{1,2})\.(\d{1,3})>")
"""An inline (karaoke) timing: ``<00:00:01.320>``; YouTube puts one before each word."""
_VOICE = re.compile(r"<v[\s.]")
_BLANK_PAYLOAD = re.compile(r"(-->[^\r\n]*(?:\r\n|\r|\n))(?=(?:\r\n|\r|\n)[^\r\n]*<\d+:\d)")


def restore_blank_lines(text: str) -> str:
    """Put back the space of YouTube's blank first cue line when an editor trimmed it.

    YouTube writes a line holding one space where a cue has no carried-over line; trimmed
    to nothing, it would end the cue and orphan the timed line after it. Only a timing line
    followed by an empty line and then a line with inline timings is touched, which plain
    WebVTT never has (a cue's text cannot begin after a blank line).
    """
    return _BLANK_PAYLOAD.sub(r"\1 ", text) if "><c" in text else text


def _clean(raw: str) -> str:
    return " ".join(CUE_TAG.sub("", raw).split())  # entities: clean_markup, once


def _clean_lines(lines: Sequence[str]) -> list[str]:
    return [text for raw in lines if (text := _clean(raw))]


def is_rolling(cues: Sequence[Cue]) -> bool:
    """Whether cues roll: most open with the previous cue's last line.

    A cue "repeats" when its first non-blank line (markup stripped) equals the previous
    cue's last one. The file rolls when at least half of the cues that follow a cue with
    text repeat, and either two of them do or the text has inline word timings. Files with
    ``<v Speaker>`` voice spans never roll (they read as plain WebVTT, with speakers).
    """
    if any(_VOICE.search(line) for _, _, lines in cues for line in lines):
        return False
    pairs = repeats = 0
    previous: list[str] = []
    for _, _, lines in cues:
        current = _clean_lines(lines)
        if not current:
            continue
        if previous:
            pairs += 1
            repeats += current[0] == previous[-1]
        previous = current
    timed = any(_INLINE.search(line) for _, _, lines in cues for line in lines)
    return repeats >= (1 if timed else 2) and repeats * 2 >= pairs


def _seconds(match: re.Match[str]) -> float:
    hours, minutes, seconds, millis = match.groups()
    whole = int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds)
    return whole + int(millis.ljust(3, "0")) / 1000


def _line_words(raw: str, start: float) -> list[Word]:
    """Words of one raw line; text before the first inline timing takes ``start``."""
    words: list[Word] = []
    at, pos = start, 0
    for match in [*_INLINE.finditer(raw), None]:
        stop = match.start() if match else len(raw)
        words.extend((at, word) for word in _clean(raw[pos:stop]).split())
        if match:
            at, pos = _seconds(match), match.end()
    return words


def new_words(cues: Sequence[Cue]) -> list[tuple[list[Word], float]]:
    """The lines the cues add, in order: each line's timed words, and its cue's end.

    A cue's leading lines that equal the last lines already read are carried over and
    skipped (a flash cue is all carried over); a line with inline timings is always new.
    Times never go back: a word earlier than the one before it takes that one's time.
    """
    history: list[str] = []
    added: list[tuple[list[Word], float]] = []
    last = 0.0
    for start, end, lines in cues:
        kept = [(raw, text) for raw in lines if (text := _clean(raw))]
        limit = next((i for i, (raw, _) in enumerate(kept) if _INLINE.search(raw)), len(kept))
        carried = next(
            (k for k in range(limit, 0, -1) if [t for _, t in kept[:k]] == history[-k:]), 0
        )
        for raw, text in kept[carried:]:
            history.append(text)
            words: list[Word] = []
            for at, word in _line_words(raw, start):
                last = max(last, at)
                words.append((last, word))
            if words:
                added.append((words, max(end, last)))
    return added


def read_rolling(cues: Sequence[Cue]) -> list[Raw]:
    """Utterances of the words the cues add, cut as any caption's (see
    :func:`~longsum.tools.cues.sentence_utterances`).

    Each added line is one cue from its first word's time to its cue's end, with its words'
    inline times: an utterance starts at its first word's time, and a silence is measured
    from a line's last word (its cue stays on screen, and so open, through the silence).
    Unpunctuated auto-captions come as runs of whole lines; punctuated ones are cut at
    sentence ends, inside a line at the next word's inline time.
    """
    lines = new_words(cues)
    raws: list[Raw] = [
        (words[0][0], end, None, " ".join(w for _, w in words)) for words, end in lines
    ]
    return sentence_utterances(raws, [[at for at, _ in words] for words, _ in lines])

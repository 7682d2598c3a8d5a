"""Where things sit in a transcript, as a fraction of its spoken words.

Every position the evaluation compares (a reference chapter's start, a summary section's
start) is a fraction in ``[0, 1]`` of the transcript's *spoken* words: the words of the
parsed utterances, without timestamps or speaker labels. Words rather than time, because
meetings and lectures have no timestamps; words rather than lines, because a podcast line
can hold a minute of speech and a meeting line a single "Okay .".

:class:`TranscriptIndex` turns the three kinds of anchor a reference or a run can give
(an utterance index, a time in seconds, a line of the file) into such fractions.
"""

from __future__ import annotations

import bisect
import functools
import itertools
from dataclasses import dataclass
from pathlib import Path

from longsum.tools.markup import clean_markup
from longsum.tools.parsing import decode_bytes, parse_text
from longsum.tools.transcript import Transcript

__all__ = ["TranscriptIndex"]

_MAX_LABEL_WORDS = 24


@dataclass(frozen=True)
class TranscriptIndex:
    """The spoken words of a transcript, and where each utterance and line starts in them."""

    words: tuple[str, ...]
    """Spoken words in reading order (each utterance's text split on whitespace)."""
    utterance_offsets: tuple[int, ...]
    """Word offset at which each utterance starts."""
    utterance_starts: tuple[float | None, ...]
    """Start time of each utterance in seconds (None where the transcript has none)."""
    line_offsets: tuple[int, ...]
    """Word offset at which the speech of each physical line of the file starts (0-based
    lines, blank lines included; a line without speech gets the next speech's offset)."""
    duration: float | None
    """Seconds spanned by the timestamps, None for an untimed transcript."""
    utterance_speakers: tuple[str | None, ...] = ()
    """Speaker of each utterance (None where the transcript names none)."""

    @classmethod
    def from_text(cls, text: str, *, source: str = "<text>") -> TranscriptIndex:
        """Parse ``text`` (any format longsum reads) and index it."""
        return cls.from_transcript(parse_text(text, source=source), text)

    @classmethod
    def from_transcript(cls, transcript: Transcript, text: str) -> TranscriptIndex:
        """Index an already parsed ``transcript`` whose source text is ``text``."""
        words: list[str] = []
        offsets: list[int] = []
        for utterance in transcript.utterances:
            offsets.append(len(words))
            words.extend(utterance.text.split())
        lines = text.removeprefix("\ufeff").splitlines()
        return cls(
            words=tuple(words),
            utterance_offsets=tuple(offsets),
            utterance_starts=tuple(u.start for u in transcript.utterances),
            line_offsets=tuple(_line_offsets(lines, words)),
            duration=transcript.duration,
            utterance_speakers=tuple(u.speaker for u in transcript.utterances),
        )

    @classmethod
    def read(cls, path: Path) -> TranscriptIndex:
        """Read and index the transcript file ``path`` (cached while the file is unchanged,
        since every metric of an item asks for the same transcript)."""
        info = path.stat()
        return _read_cached(str(path.resolve()), info.st_mtime_ns, info.st_size)

    @property
    def total(self) -> int:
        """Number of spoken words."""
        return len(self.words)

    def fraction(self, offset: int) -> float:
        """Word offset as a fraction of the spoken words."""
        return offset / self.total if self.total else 0.0

    def at_utterance(self, index: int) -> float | None:
        """Where utterance ``index`` starts; None when there is no such utterance."""
        if not 0 <= index < len(self.utterance_offsets):
            return None
        return self.fraction(self.utterance_offsets[index])

    def at_time(self, seconds: float) -> float | None:
        """Where the first utterance whose timestamp is at or after ``seconds`` starts.

        None for an untimed transcript or a time after the last timestamp.
        """
        for offset, start in zip(self.utterance_offsets, self.utterance_starts, strict=True):
            if start is not None and start >= seconds:
                return self.fraction(offset)
        return None

    def at_line(self, line: int) -> float | None:
        """Where the speech of line ``line`` (0-based, of the file) starts; None past the end."""
        if not 0 <= line < len(self.line_offsets):
            return None
        return self.fraction(self.line_offsets[line])

    def utterance_at_time(self, seconds: float) -> int | None:
        """Index of the first utterance whose timestamp is at or after ``seconds``."""
        for index, start in enumerate(self.utterance_starts):
            if start is not None and start >= seconds:
                return index
        return None

    def utterance_of_offset(self, offset: int) -> int:
        """Index of the utterance holding word ``offset``."""
        return max(0, bisect.bisect_right(self.utterance_offsets, offset) - 1)


@functools.lru_cache(maxsize=32)
def _read_cached(path: str, mtime_ns: int, size: int) -> TranscriptIndex:
    del mtime_ns, size  # part of the cache key only: a changed file is read again
    text = decode_bytes(Path(path).read_bytes(), source=path)
    return TranscriptIndex.from_text(text, source=path)


def _line_offsets(lines: list[str], words: list[str]) -> list[int]:
    """Word offset of each line's speech.

    The parser drops a line's timestamp and speaker label, merges continuation lines into
    the turn before them, drops mark-up (:func:`~longsum.tools.markup.clean_markup`) and
    then turns without text, so line i is not utterance i in general (3 of the 1007 lines
    of the ICSI meeting are empty turns, and more hold only ``{vocalsound}``). A line's speech is
    the end of the line, so each line is aligned by the longest run of the next spoken
    words that ends it. When that fails (captions and JSON have no line structure), lines
    are placed in proportion to their whitespace words instead.
    """
    offsets: list[int] = []
    at = 0
    for line in lines:
        offsets.append(at)
        flat = clean_markup(line)  # as the parser cleaned the speech it holds
        if not flat:
            continue
        count = len(flat.split())
        # The label before the speech is a timestamp and a name of a few words: trying the
        # 24 longest runs bounds the work on a line that does not align (a JSON file's one).
        for k in range(min(count, len(words) - at), max(0, count - _MAX_LABEL_WORDS), -1):
            if flat.endswith(" ".join(words[at : at + k])):
                at += k
                break
    if at == len(words):
        return offsets
    counts = list(itertools.accumulate((len(line.split()) for line in lines), initial=0))
    scale = len(words) / counts[-1] if counts[-1] else 0.0
    return [round(c * scale) for c in counts[:-1]]

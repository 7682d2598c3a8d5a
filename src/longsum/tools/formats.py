"""Line-based transcript readers (plain, timestamped, speaker lines), for :mod:`.parsing`.

Each reader turns a decoded transcript into :data:`Raw` utterances ``(start, end, speaker,
text)``; :mod:`longsum.tools.parsing` normalises whitespace, drops empty ones and builds the
:class:`~longsum.tools.transcript.Transcript`. Readers raise
:class:`~longsum.errors.InputError` with a one-line message naming the source.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Sequence

from longsum.errors import InputError
from longsum.tools.languages import CJK

__all__ = [
    "AS_TEXT",
    "MAX_WORD_CHARS",
    "Raw",
    "SpeakerSplitter",
    "line_timestamp",
    "load_json",
    "looks_like_json",
    "looks_like_speaker_lines",
    "read_lines",
    "read_speaker",
    "read_timestamped",
    "refuse_endless_words",
    "refuse_wordless",
]

Raw = tuple[float | None, float | None, str | None, str]
"""``(start, end, speaker, text)`` of one utterance before normalisation."""

AS_TEXT = "or read it as plain text with --input-format text"

# ---------------------------------------------------------------- what is no transcript

_JSON_START = re.compile(r"\s*(?:\{\s*(?:\"|\}|$)|\[\s*(?:[{\[\"\]]|$))")
"""How a JSON object or array opens (``{"``, ``{}``, ``[{``, ``[[``, ``["``, ``[]``, or a
file cut right after the bracket); a ``[00:01]`` stamp, a ``[Music]`` tag or a
``{vocalsound}`` corpus tag opening plain text does not."""

MAX_WORD_CHARS = 2000
"""Longest "word" (a run with no space and no Chinese or Japanese character) a transcript
may hold. Spoken words are under 50 characters and even long URLs under 2000; a longer run
(a pasted blob, a corrupted export) is not speech, and would be a bullet nobody can read."""
_ENDLESS_WORD = re.compile(rf"(?<![^\s{CJK}])[^\s{CJK}]{{{MAX_WORD_CHARS + 1},}}")


def looks_like_json(text: str, source: str) -> bool:
    """Whether ``text`` is meant as JSON: ``source`` ends in ``.json``, or the text opens
    like a JSON object or array."""
    return source.lower().endswith(".json") or _JSON_START.match(text) is not None


def load_json(text: str, source: str) -> object:
    """``text`` parsed as JSON; a syntax error is a one-line :class:`InputError` naming
    ``source`` and where the JSON breaks (a truncated Whisper file ends mid-way)."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        # A string left open runs to the end of the file as surely as a missing bracket.
        ended = exc.pos >= len(text.rstrip()) or exc.msg.startswith("Unterminated string")
        cut = ": the file ends there (truncated?)" if ended else ""
        where = f"line {exc.lineno} column {exc.colno} (char {exc.pos})"
        problem = f"{exc.msg.removesuffix(' at')} at {where}{cut}"
    except (ValueError, RecursionError) as exc:  # a 5000-digit number, 100k nested lists
        problem = " ".join(str(exc).split()) or "nested too deeply"
    raise InputError(f"{source} is not valid JSON: {problem}; fix the file, {AS_TEXT}")


def refuse_endless_words(said: str, text: str, source: str) -> None:
    """Raise :class:`InputError` when the utterance ``said`` (from ``text``) holds a run
    longer than :data:`MAX_WORD_CHARS` with no word boundary, naming its line in ``text``."""
    found = _ENDLESS_WORD.search(said)
    if found is None:
        return
    size = found.end() - found.start()
    at = text.find(found.group()[:64])
    where = f"line {text.count(chr(10), 0, at) + 1}" if at >= 0 else "an utterance"
    shown = f"{size / 1e6:.1f} MB" if size >= 100_000 else f"{size:,} characters"
    raise InputError(
        f"{source}: {where} has no word boundaries in {shown} (no space, longer than "
        f"{MAX_WORD_CHARS} characters): that is not speech; remove it or break it into words"
    )


def refuse_wordless(utterances: list[str], source: str) -> None:
    """Raise :class:`InputError` when no utterance holds a letter (numbers, emoji, symbols):
    there is nothing to summarize, and no keyphrase to name a section by."""
    if not any(ch.isalpha() for said in utterances for ch in said):
        raise InputError(f"{source} holds no words, only numbers and symbols: nothing to summarize")


# ---------------------------------------------------------------- timestamps and speakers

_TS_LINE = re.compile(
    r"(?P<open>[\[(])?(?:(?P<h>\d{1,3}):)?(?P<m>\d{1,3}):(?P<s>\d{2})(?:[.,](?P<f>\d{1,3}))?"
    r"(?(open)[\])]|(?=\s|$))\s*(?:[-–—|]\s+)?"
)
"""A leading ``[HH:MM:SS.mmm]``, ``[MM:SS]``, ``(H:MM:SS)`` or bare ``HH:MM:SS `` stamp."""

_PREFIX = re.compile(r"([^:：\n]{1,160})(?::(?:\s|$)|：)")
"""Everything before the first colon that is followed by a space (or the first full-width
colon, which Chinese and Japanese write with no space: ``说话人1：``): a speaker candidate."""
_PAREN = re.compile(r"\([^()]*\)")
_LABEL_MARK = re.compile(r"[\d_]")
"""A digit or underscore marks a machine label (``spk_0``): two repeats make it a speaker."""
_NOT_IN_NAME = re.compile(r"[\[\]{}<>?!\"“”;]")
_CONNECTOR_WORDS = "of the de del der den van von da di du la le al bin ibn y and & - –"
_CONNECTORS = frozenset(_CONNECTOR_WORDS.split())
_NOT_SPEAKER_WORDS = """so well yes no yeah okay ok now note look listen remember example and but
or then here there this that first second third finally also basically actually right again
today step tip warning important hint update edit summary conclusion result reason problem
solution rule key why what how when where who because"""
_NOT_SPEAKERS = frozenset(_NOT_SPEAKER_WORDS.split())
"""Single words that open a sentence with a colon (``So: ...``) far more often than they
name a speaker."""


def line_timestamp(line: str) -> tuple[float, int] | None:
    """The start in seconds of a line that opens with a timestamp, and where the rest begins."""
    match = _TS_LINE.match(line)
    if match is None:
        return None
    hours, minutes, seconds = match.group("h"), int(match.group("m")), int(match.group("s"))
    if seconds >= 60 or (hours is not None and minutes >= 60):
        return None
    total = float(int(hours or 0) * 3600 + minutes * 60 + seconds)
    frac = match.group("f")
    if frac:
        total += int(frac) / 10 ** len(frac)
    return total, match.end()


def _name_like(prefix: str) -> bool:
    """Whether a prefix reads as a name: ``Grad H``, ``Hon. Mary Ng (Minister of ...)``."""
    if _NOT_IN_NAME.search(prefix):
        return False
    name = prefix
    for _ in range(3):  # nested parentheses: "The Chair (Hon. A. Rota (Nipissing, Lib.))"
        name = _PAREN.sub(" ", name)
    words = name.split()
    if not 1 <= len(words) <= 6 or len(name) > 60 or "(" in name or ")" in name:
        return False
    if len(words) == 1 and words[0].lower().rstrip(".") in _NOT_SPEAKERS:
        return False
    if not (words[0][0].isupper() or words[0][0].isdigit()):
        return False
    return all(w[0].isupper() or w[0].isdigit() or w.lower() in _CONNECTORS for w in words)


class SpeakerSplitter:
    """Splits ``Speaker: text`` into its parts when the prefix is taken for a speaker.

    A prefix is a speaker when it reads as a name (capitalised words, optionally followed by
    parenthesised details such as a riding or a ministry), or when the same short prefix
    opens at least three lines of the file (``interviewer``), or two when it has a digit or
    an underscore (``spk_0``). ``The point is``
    is neither, so ``The point is: this works`` stays text.
    """

    def __init__(self, rests: Sequence[str]) -> None:
        counts: Counter[str] = Counter()
        for rest in rests:
            match = _PREFIX.match(rest)
            if match:
                counts[match.group(1).strip()] += 1
        self._counts = counts
        self._memo: dict[str, bool] = {}

    def _accept(self, prefix: str) -> bool:
        known = self._memo.get(prefix)
        if known is None:
            known = bool(prefix) and (
                _name_like(prefix)
                or (
                    self._counts[prefix] >= (2 if _LABEL_MARK.search(prefix) else 3)
                    and len(prefix) <= 30
                    and len(prefix.split()) <= 3
                    and not _NOT_IN_NAME.search(prefix)
                )
            )
            self._memo[prefix] = known
        return known

    def split(self, rest: str) -> tuple[str | None, str]:
        """``(speaker, text)``; the speaker is None when the line has none."""
        match = _PREFIX.match(rest)
        if match:
            prefix = match.group(1).strip()
            if self._accept(prefix):
                return prefix, rest[match.end() :]
        return None, rest


def looks_like_speaker_lines(lines: Sequence[str]) -> bool:
    """At least 60% of the lines open with a speaker, and few distinct speakers repeat."""
    if not lines:
        return False
    splitter = SpeakerSplitter(lines)
    speakers: Counter[str] = Counter()
    for line in lines:
        who, _ = splitter.split(line)
        if who is not None:
            speakers[who] += 1
    matched = sum(speakers.values())
    return matched * 10 >= len(lines) * 6 and len(speakers) <= max(3, matched // 2)


# ---------------------------------------------------------------- line-based formats


def read_lines(lines: Sequence[str]) -> list[Raw]:
    """Plain text: one utterance per non-empty line (lines are already stripped)."""
    return [(None, None, None, line) for line in lines if line]


def _with_continuations(
    heads: list[tuple[float | None, str | None, list[str]]],
) -> list[Raw]:
    return [(start, None, who, " ".join(parts)) for start, who, parts in heads]


def read_timestamped(lines: Sequence[str], source: str) -> list[Raw]:
    """``[HH:MM:SS] Speaker: text`` lines; lines without a stamp continue the previous one."""
    stamped: list[tuple[float, str] | None] = []
    for line in lines:
        found = line_timestamp(line)
        stamped.append(None if found is None else (found[0], line[found[1] :]))
    if not any(stamped):
        raise InputError(
            f"{source}: no line starts with a timestamp like [00:01:02]; "
            f"omit --input-format to detect the format, {AS_TEXT}"
        )
    splitter = SpeakerSplitter([s[1] for s in stamped if s is not None])
    heads: list[tuple[float | None, str | None, list[str]]] = []
    for line, stamp in zip(lines, stamped, strict=True):
        if stamp is not None:
            who, text = splitter.split(stamp[1])
            heads.append((stamp[0], who, [text]))
        elif heads:
            heads[-1][2].append(line)
        else:  # a title or note before the first stamp
            heads.append((None, None, [line]))
    return _with_continuations(heads)


def read_speaker(lines: Sequence[str], source: str) -> list[Raw]:
    """``Speaker: text`` lines; a line without a speaker continues the previous turn."""
    splitter = SpeakerSplitter(lines)
    heads: list[tuple[float | None, str | None, list[str]]] = []
    for line in lines:
        who, text = splitter.split(line)
        if who is not None:
            heads.append((None, who, [text]))
        elif heads:
            heads[-1][2].append(line)
        else:
            heads.append((None, None, [line]))
    if not any(who for _, who, _ in heads):
        raise InputError(
            f"{source}: no line starts with a speaker like 'Alice: ...'; "
            f"omit --input-format to detect the format, {AS_TEXT}"
        )
    return _with_continuations(heads)

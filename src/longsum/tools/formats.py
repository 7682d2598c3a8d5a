"""Format-specific transcript readers, used by :mod:`longsum.tools.parsing`.

Each reader turns a decoded transcript into :data:`Raw` utterances ``(start, end, speaker,
text)``; :mod:`longsum.tools.parsing` normalises whitespace, drops empty ones and builds the
:class:`~longsum.tools.transcript.Transcript`. Readers raise
:class:`~longsum.errors.InputError` with a one-line message naming the source.
"""

from __future__ import annotations

import html
import math
import re
from collections import Counter
from collections.abc import Sequence
from typing import Any

import srt
import webvtt
from webvtt.errors import MalformedCaptionError, MalformedFileError

from longsum.errors import InputError

__all__ = [
    "Raw",
    "SpeakerSplitter",
    "line_timestamp",
    "looks_like_speaker_lines",
    "read_lines",
    "read_speaker",
    "read_srt",
    "read_timestamped",
    "read_vtt",
    "read_whisper",
]

Raw = tuple[float | None, float | None, str | None, str]
"""``(start, end, speaker, text)`` of one utterance before normalisation."""

_AS_TEXT = "or read it as plain text with --format text"

# ---------------------------------------------------------------- timestamps and speakers

_TS_LINE = re.compile(
    r"(?P<open>[\[(])?(?:(?P<h>\d{1,3}):)?(?P<m>\d{1,3}):(?P<s>\d{2})(?:[.,](?P<f>\d{1,3}))?"
    r"(?(open)[\])]|(?=\s|$))\s*(?:[-–—|]\s+)?"
)
"""A leading ``[HH:MM:SS.mmm]``, ``[MM:SS]``, ``(H:MM:SS)`` or bare ``HH:MM:SS `` stamp."""

_PREFIX = re.compile(r"([^:\n]{1,160}):(?:\s|$)")
"""Everything before the first colon that is followed by a space: a speaker candidate."""
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
            "omit --format to detect the format, or use --format text"
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
            "omit --format to detect the format, or use --format text"
        )
    return _with_continuations(heads)


# ---------------------------------------------------------------- caption formats

_VTT_TS = r"(?:(\d+):)?(\d{1,2}):(\d{1,2})\.(\d{1,3})"
_VTT_STAMP = re.compile(_VTT_TS)
_VTT_TIMING = re.compile(rf"\s*{_VTT_TS}\s*-->\s*{_VTT_TS}")
_VOICE = re.compile(r"<v(?:\.[\w-]+)*\s+([^>]*)>")
_TAG = re.compile(r"</?[A-Za-z][^>]*>|<\d[\d:.]*>|\{\\[^}]*\}")
"""Cue markup: ``<i>``, ``</v>``, ``<c.yellow>``, karaoke ``<00:01.500>``, ASS ``{\\an8}``."""


def _snippet(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


def _vtt_ms(groups: Sequence[str | None]) -> int | None:
    hours, minutes, seconds, millis = groups
    if int(minutes or 0) > 59 or int(seconds or 0) > 59:
        return None
    return (int(hours or 0) * 3600 + int(minutes or 0) * 60 + int(seconds or 0)) * 1000 + int(
        (millis or "0").ljust(3, "0")
    )


def _caption_ms(stamp: str) -> int | None:
    """Milliseconds of a caption's ``HH:MM:SS.mmm`` (the string form every webvtt-py has)."""
    match = _VTT_STAMP.fullmatch(stamp.strip())
    return _vtt_ms(match.groups()) if match else None


def read_vtt(text: str, source: str) -> list[Raw]:
    """WebVTT captions through ``webvtt-py``; ``<v Name>`` voice spans give the speaker."""
    body = text.lstrip()
    first_line = text[: len(text) - len(body)].count("\n") + 1
    lines = re.split(r"\r\n|\r|\n", body)
    timings: list[tuple[int, int]] = []  # (line number, start ms) of each cue
    for offset, line in enumerate(lines):
        if "-->" not in line:
            continue
        lineno = first_line + offset
        match = _VTT_TIMING.match(line)
        start = _vtt_ms(match.groups()[:4]) if match else None
        end = _vtt_ms(match.groups()[4:]) if match else None
        if start is None or end is None or end < start:
            raise InputError(
                f"{source}: malformed WebVTT cue {len(timings) + 1} at line {lineno} "
                f"({_snippet(line)}): bad cue timings; fix the cue {_AS_TEXT}"
            )
        timings.append((lineno, start))
    try:
        captions: list[Any] = list(webvtt.from_string(body).captions)
    except MalformedFileError:
        raise InputError(
            f"{source} is not WebVTT: its first line is not 'WEBVTT'; "
            f"omit --format to detect the format, {_AS_TEXT}"
        ) from None
    except MalformedCaptionError as exc:
        raise InputError(
            f"{source}: malformed WebVTT cue: {_snippet(str(exc))}; fix the cue {_AS_TEXT}"
        ) from None
    if len(captions) < len(timings):
        lost = next(
            (
                lineno
                for (lineno, start), cap in zip(timings, captions, strict=False)
                if _caption_ms(cap.start) != start
            ),
            timings[len(captions)][0],
        )
        raise InputError(
            f"{source}: malformed WebVTT cue at line {lost}: the cue block could not be read "
            f"(a missing blank line?); fix the cue {_AS_TEXT}"
        )
    raws: list[Raw] = []
    for cap in captions:
        start_ms, end_ms = _caption_ms(cap.start), _caption_ms(cap.end)
        if start_ms is None or end_ms is None:  # webvtt-py checked them: a guard only
            raise InputError(
                f"{source}: malformed WebVTT cue {len(raws) + 1} ({_snippet(str(cap))}); "
                f"fix the cue {_AS_TEXT}"
            )
        start, end = start_ms / 1000, end_ms / 1000
        who: str | None = None
        parts: list[str] = []
        for line in cap.lines:
            voice = _VOICE.match(line)
            if voice and parts and voice.group(1).strip() != who:
                raws.append((start, end, who, " ".join(parts)))
                parts = []
            if voice:
                who = voice.group(1).strip() or None
            parts.append(html.unescape(_TAG.sub("", line)))
        raws.append((start, end, who, " ".join(parts)))
    return raws


def read_srt(text: str, source: str) -> list[Raw]:
    """SubRip subtitles through ``srt``; a leading ``NAME:`` in a cue gives the speaker."""
    subs: list[Any] = []
    try:
        for sub in srt.parse(text):
            subs.append(sub)
    except srt.SRTParseError as exc:
        lineno = text.count("\n", 0, exc.expected_start) + 1
        raise InputError(
            f"{source}: malformed SRT cue {len(subs) + 1} at line {lineno} "
            f"({_snippet(exc.unmatched_content)}); fix the cue {_AS_TEXT}"
        ) from None
    except ValueError as exc:  # srt.TimestampParseError
        raise InputError(
            f"{source}: malformed SRT cue {len(subs) + 1} (after cue {len(subs)}): "
            f"{_snippet(str(exc))}; fix the cue {_AS_TEXT}"
        ) from None
    contents = [" ".join(html.unescape(_TAG.sub("", sub.content)).split()) for sub in subs]
    splitter = SpeakerSplitter(contents)
    raws: list[Raw] = []
    for sub, content in zip(subs, contents, strict=True):
        who, said = splitter.split(content)
        if who is not None and (len(who) > 30 or len(who.split()) > 3):
            who, said = None, content
        raws.append((sub.start.total_seconds(), sub.end.total_seconds(), who, said))
    return raws


# ---------------------------------------------------------------- Whisper JSON


def _short_repr(value: object, limit: int = 30) -> str:
    shown = " ".join(repr(value).split())
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


def _seconds(value: object, what: str, index: int, source: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InputError(
            f"{source}: Whisper segment {index} has a {what} of {_short_repr(value)}, "
            "not a number of seconds; fix the JSON or re-export it"
        )
    if value < 0:
        raise InputError(
            f"{source}: Whisper segment {index} has a negative {what} ({value}); "
            "fix the JSON or re-export it"
        )
    return float(value)


def read_whisper(data: object, source: str) -> list[Raw]:
    """Whisper / faster-whisper / WhisperX JSON: ``{"segments": [...]}`` or a bare list."""
    segments = data.get("segments") if isinstance(data, dict) else data
    if (
        not isinstance(segments, list)
        or not segments
        or not any(isinstance(seg, dict) and "text" in seg for seg in segments)
    ):
        raise InputError(
            f"{source} is JSON but has no Whisper segments (expected "
            '{"segments": [{"start", "end", "text"}, ...]} or a list of such segments); '
            "convert it, or use --format text to read it as plain text"
        )
    raws: list[Raw] = []
    for index, seg in enumerate(segments):
        if not isinstance(seg, dict) or not isinstance(seg.get("text"), str):
            raise InputError(
                f"{source}: Whisper segment {index} is not an object with a text string; "
                "fix the JSON or re-export it"
            )
        start = _seconds(seg.get("start"), "start", index, source)
        end = _seconds(seg.get("end"), "end", index, source)
        if start is not None and end is not None and end < start:
            raise InputError(
                f"{source}: Whisper segment {index} ends ({end}) before it starts ({start}); "
                "fix the JSON or re-export it"
            )
        speaker = seg.get("speaker")
        who = str(speaker).strip() or None if speaker is not None else None
        raws.append((start, end, who, seg["text"].strip()))
    return raws

"""Caption and ASR readers (WebVTT, SRT, Whisper JSON), for :mod:`longsum.tools.parsing`.

Each reader returns :data:`~longsum.tools.formats.Raw` utterances and raises
:class:`~longsum.errors.InputError` with a one-line message naming the source and the cue.
Cues and segments break mid-sentence, so every reader re-cuts them into sentence-level
utterances with :func:`~longsum.tools.cues.sentence_utterances`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

import srt
import webvtt
from webvtt.errors import MalformedCaptionError, MalformedFileError

from longsum.errors import InputError
from longsum.tools.cues import sentence_utterances
from longsum.tools.formats import AS_TEXT as _AS_TEXT
from longsum.tools.formats import Raw
from longsum.tools.rolling import CUE_TAG as _TAG
from longsum.tools.rolling import is_rolling, read_rolling, restore_blank_lines
from longsum.tools.turns import labelled_cues

__all__ = ["read_srt", "read_vtt", "read_whisper"]

# ---------------------------------------------------------------- caption formats

_VTT_TS = r"(?:(\d+):)?(\d{1,2}):(\d{1,2})\.(\d{1,3})"
_VTT_STAMP = re.compile(_VTT_TS)
_VTT_TIMING = re.compile(rf"\s*{_VTT_TS}\s*-->\s*{_VTT_TS}")
_VOICE = re.compile(r"<v(?:\.[\w-]+)*\s+([^>]*)>")


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
    """WebVTT captions through ``webvtt-py``; ``<v Name>`` voice spans give the speaker.

    So does a leading ``Name: `` label (Zoom, Otter; see
    :func:`~longsum.tools.turns.labelled_cues`); consecutive cues of one speaker are re-cut
    into sentence-level utterances (see :func:`~longsum.tools.cues.sentence_utterances`).

    Rolling captions (YouTube auto-captions, see :mod:`longsum.tools.rolling`) are read as
    the words they add, once each, cut into utterances the same way.
    """
    body = text.lstrip()
    first_line = text[: len(text) - len(body)].count("\n") + 1
    body = restore_blank_lines(body)  # keeps the line numbers
    lines = re.split(r"\r\n|\r|\n", body)
    timings: list[tuple[int, int]] = []  # (line number, start ms) of each cue
    for offset, line in enumerate(lines):
        if "-->" not in line:
            continue
        lineno = first_line + offset
        match = _VTT_TIMING.match(line)
        cue_start = _vtt_ms(match.groups()[:4]) if match else None
        cue_end = _vtt_ms(match.groups()[4:]) if match else None
        if cue_start is None or cue_end is None or cue_end < cue_start:
            raise InputError(
                f"{source}: malformed WebVTT cue {len(timings) + 1} at line {lineno} "
                f"({_snippet(line)}): bad cue timings; fix the cue {_AS_TEXT}"
            )
        timings.append((lineno, cue_start))
    try:
        captions: list[Any] = list(webvtt.from_string(body).captions)
    except MalformedFileError:
        raise InputError(
            f"{source} is not WebVTT: its first line is not 'WEBVTT'; "
            f"omit --input-format to detect the format, {_AS_TEXT}"
        ) from None
    except MalformedCaptionError as exc:
        raise InputError(
            f"{source}: malformed WebVTT cue: {_snippet(str(exc))}; fix the cue {_AS_TEXT}"
        ) from None
    if len(captions) < len(timings):
        lost = next(
            (
                lineno
                for (lineno, cue_ms), cap in zip(timings, captions, strict=False)
                if _caption_ms(cap.start) != cue_ms
            ),
            timings[len(captions)][0],
        )
        raise InputError(
            f"{source}: malformed WebVTT cue at line {lost}: the cue block could not be read "
            f"(a missing blank line?); fix the cue {_AS_TEXT}"
        )
    cues: list[tuple[float, float, list[str]]] = []
    for cap in captions:
        start_ms, end_ms = _caption_ms(cap.start), _caption_ms(cap.end)
        if start_ms is None or end_ms is None:  # webvtt-py checked them: a guard only
            raise InputError(
                f"{source}: malformed WebVTT cue {len(cues) + 1} ({_snippet(str(cap))}); "
                f"fix the cue {_AS_TEXT}"
            )
        cues.append((start_ms / 1000, end_ms / 1000, list(cap.lines)))
    if is_rolling(cues):
        return read_rolling(cues)
    raws: list[Raw] = []
    for start, end, cue_lines in cues:
        who: str | None = None
        parts: list[str] = []
        for line in cue_lines:
            voice = _VOICE.match(line)
            if voice and parts and voice.group(1).strip() != who:
                raws.append((start, end, who, " ".join(parts)))
                parts = []
            if voice:
                who = voice.group(1).strip() or None
            parts.append(_TAG.sub("", line))  # entities: clean_markup, once
        raws.append((start, end, who, " ".join(parts)))
    return sentence_utterances(labelled_cues(raws))


def read_srt(text: str, source: str) -> list[Raw]:
    """SubRip subtitles through ``srt``; a leading ``NAME:`` in a cue gives the speaker.

    Consecutive cues of one speaker are re-cut into sentence-level utterances (see
    :func:`~longsum.tools.turns.labelled_cues` and
    :func:`~longsum.tools.cues.sentence_utterances`).
    """
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
    contents = [" ".join(_TAG.sub("", sub.content).split()) for sub in subs]
    cues: list[Raw] = [
        (sub.start.total_seconds(), sub.end.total_seconds(), None, content)
        for sub, content in zip(subs, contents, strict=True)
    ]
    return sentence_utterances(labelled_cues(cues))


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
    """Whisper / faster-whisper / WhisperX JSON: ``{"segments": [...]}`` or a bare list.

    A WhisperX ``speaker`` names a segment's speaker; the segments are re-cut into
    sentence-level utterances (see :func:`~longsum.tools.cues.sentence_utterances`).
    """
    segments = data.get("segments") if isinstance(data, dict) else data
    if (
        not isinstance(segments, list)
        or not segments
        or not any(isinstance(seg, dict) and "text" in seg for seg in segments)
    ):
        raise InputError(
            f"{source} is JSON but has no Whisper segments (expected "
            '{"segments": [{"start", "end", "text"}, ...]} or a list of such segments); '
            "convert it, or use --input-format text to read it as plain text"
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
    return sentence_utterances(raws)

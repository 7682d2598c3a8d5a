"""What a parsed transcript is: utterances with times and speakers, whatever the source format."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["Transcript", "TranscriptFormat", "Utterance", "format_timestamp"]


class TranscriptFormat(StrEnum):
    """The transcript formats longsum reads."""

    TEXT = "text"
    """Plain text: one utterance per non-empty line, punctuated or not."""
    TIMESTAMPED = "timestamped"
    """``[HH:MM:SS] Speaker: text`` lines (the speaker is optional)."""
    SPEAKER = "speaker"
    """``Speaker: text`` lines, no times."""
    VTT = "vtt"
    """WebVTT captions (``<v Speaker>`` voice spans give the speaker)."""
    SRT = "srt"
    """SubRip subtitles."""
    WHISPER = "whisper"
    """Whisper / faster-whisper / WhisperX JSON: segments with ``start``, ``end``, ``text``."""


class Utterance(BaseModel):
    """One stretch of speech: a speaker turn, a caption cue, a line or an ASR segment."""

    model_config = ConfigDict(frozen=True)

    index: int = Field(description="Position in the transcript, from 0, in reading order.")
    start: float | None = Field(
        default=None, description="Start in seconds from the beginning; None where unknown."
    )
    end: float | None = Field(
        default=None,
        description="End in seconds; None where unknown. For formats that give only start "
        "times it is the next utterance's start.",
    )
    speaker: str | None = Field(default=None, description="Who speaks; None where unknown.")
    text: str = Field(description="What is said, whitespace-normalised, never empty.")

    def render(self) -> str:
        """The utterance as one line: ``[HH:MM:SS] Speaker: text`` with what is known."""
        head = f"[{format_timestamp(self.start)}] " if self.start is not None else ""
        who = f"{self.speaker}: " if self.speaker else ""
        return f"{head}{who}{self.text}"


class Transcript(BaseModel):
    """A parsed transcript: its utterances in order, and where they came from."""

    model_config = ConfigDict(frozen=True)

    utterances: list[Utterance] = Field(description="The utterances, in order; never empty.")
    format: TranscriptFormat = Field(description="The format the source was read as.")
    source: str = Field(description="File path, '<stdin>' or '<text>'.")
    content_hash: str = Field(description="SHA-256 of the decoded source text (hex).")

    @property
    def has_times(self) -> bool:
        """Whether any utterance carries a start time."""
        return any(u.start is not None for u in self.utterances)

    @property
    def duration(self) -> float | None:
        """Seconds from the first start to the last known end or start; None without times."""
        starts = [u.start for u in self.utterances if u.start is not None]
        if not starts:
            return None
        ends = [u.end for u in self.utterances if u.end is not None]
        return max([*starts, *ends]) - min(starts)

    @property
    def speakers(self) -> list[str]:
        """Distinct speakers in order of first appearance."""
        return list(dict.fromkeys(u.speaker for u in self.utterances if u.speaker))


def format_timestamp(seconds: float | None) -> str:
    """``HH:MM:SS`` for a time in seconds (``--:--:--`` when unknown)."""
    if seconds is None:
        return "--:--:--"
    whole = int(seconds)
    return f"{whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d}"

"""Speaker names for diarized transcripts.

Diarizing ASR (WhisperX, pyannote) labels voices ``SPEAKER_00``, ``SPEAKER_01``: labels, not
names. ``--speakers SPEAKER_00=Naval,SPEAKER_01=Host`` (or ``speakers={...}`` in the Python
API and the graph input) names them; a transcript whose speakers are still such labels is
described as "two speakers", never by its labels.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence

from longsum.errors import ConfigError, InputError
from longsum.tools.transcript import Transcript

__all__ = ["anonymous", "name_speakers", "parse_speaker_names", "speaker_count"]

_LABEL = re.compile(r"(?:SPEAKER|speaker|spk|SPK)[ _-]?\d+|Speaker \d+|[A-Z]")
"""A diarizer's label rather than a name: ``SPEAKER_00``, ``spk_1``, ``Speaker 2``, ``A``."""
_NUMBERS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def parse_speaker_names(spec: str) -> dict[str, str]:
    """``{"SPEAKER_00": "Naval", ...}`` from ``"SPEAKER_00=Naval,SPEAKER_01=Host"``.

    Raises :class:`~longsum.errors.ConfigError` (one line) for a pair without ``=`` or with
    an empty side, or a label named twice."""
    names: dict[str, str] = {}
    for pair in (p for p in spec.split(",") if p.strip()):
        label, sep, name = pair.partition("=")
        label, name = label.strip(), name.strip()
        if not sep or not label or not name:
            raise ConfigError(
                f"--speakers: {pair.strip()!r} is not LABEL=Name; "
                "write e.g. --speakers SPEAKER_00=Naval,SPEAKER_01=Host"
            )
        if label in names:
            raise ConfigError(f"--speakers names {label} twice")
        names[label] = name
    return names


def name_speakers(transcript: Transcript, names: Mapping[str, str]) -> Transcript:
    """``transcript`` with its speaker labels replaced by ``names``.

    Raises :class:`~longsum.errors.InputError` naming the labels the transcript does not
    have (a typo would otherwise leave ``SPEAKER_00`` in the summary silently)."""
    if not names:
        return transcript
    present = transcript.speakers
    unknown = [label for label in names if label not in present]
    if unknown:
        has = ", ".join(present) if present else "no speaker labels"
        raise InputError(
            f"--speakers names {', '.join(unknown)}, which {transcript.source} does not have "
            f"(it has {has})"
        )
    utterances = [
        u.model_copy(update={"speaker": names.get(u.speaker, u.speaker)})
        if u.speaker is not None
        else u
        for u in transcript.utterances
    ]
    # The index is keyed by the content hash: named chunks must not reuse unnamed vectors.
    keyed = f"{transcript.content_hash}:{sorted(names.items())}"
    return transcript.model_copy(
        update={
            "utterances": utterances,
            "content_hash": hashlib.sha256(keyed.encode()).hexdigest(),
        }
    )


def anonymous(speakers: Sequence[str]) -> bool:
    """Whether every speaker is a diarizer's label rather than a name."""
    return bool(speakers) and all(_LABEL.fullmatch(s.strip()) for s in speakers)


def speaker_count(speakers: Sequence[str]) -> str:
    """``"two speakers"``: how a reader is told of unnamed speakers."""
    n = len(speakers)
    word = _NUMBERS[n] if n < len(_NUMBERS) else str(n)
    return f"{word} speaker{'s' if n != 1 else ''}"

"""Speaker turns in caption cues (Zoom, Teams, Otter exports), for :mod:`.captions`.

Meeting tools export WebVTT or SRT with many short cues per turn and the speaker either
in a ``<v Name>`` voice span (Teams, read by the VTT reader) or as a ``Name: `` label that
opens the cue text (Zoom on every cue, Otter on the first cue of a turn). :func:`speaker_turns`
takes the per-cue :data:`~longsum.tools.formats.Raw` utterances of one file and

* splits a ``Name: `` label off a cue without a voice, when :class:`SpeakerSplitter` takes
  the prefix for a speaker and it is short (at most four words and 40 characters), so
  ``Note: the point is`` stays text;
* when most cues without a voice carry such a label, gives a cue without one the speaker
  of the cue before it (Otter labels only the first cue of a turn);
* joins consecutive cues of one speaker into one utterance: the first cue's start, the last
  cue's end, the texts joined with a space; an utterance closes at a cue's end once it has
  :data:`TURN_WORDS` words, or before a pause of :data:`PAUSE` seconds, so a long monologue
  keeps times fine enough to place its chunks and sections.

A file without any speaker comes back as it came in, one utterance per cue.
"""

from __future__ import annotations

from collections.abc import Sequence

from longsum.tools.formats import Raw, SpeakerSplitter

__all__ = ["PAUSE", "TURN_WORDS", "short_label", "speaker_turns"]

_MAX_WORDS = 4
_MAX_CHARS = 40
TURN_WORDS = 60
"""A merged utterance closes at a cue's end once it holds this many words."""
PAUSE = 3.0
"""Or before a cue that starts this many seconds after the last one ended."""


def short_label(who: str) -> bool:
    """Whether an accepted ``Name:`` prefix is short enough to label a caption cue."""
    return len(who) <= _MAX_CHARS and 1 <= len(who.split()) <= _MAX_WORDS


def _labelled(raws: Sequence[Raw]) -> tuple[list[Raw], list[bool]]:
    """The cues with their ``Name:`` labels split off, and which cues had one."""
    bare = [i for i, raw in enumerate(raws) if raw[2] is None]
    texts = {i: " ".join(raws[i][3].split()) for i in bare}
    splitter = SpeakerSplitter(list(texts.values()))
    out = list(raws)
    found = [False] * len(raws)
    for i, text in texts.items():
        who, said = splitter.split(text)
        if who is not None and short_label(who):
            start, end, _, _ = raws[i]
            out[i] = (start, end, who, said.strip())
            found[i] = True
    return out, found


def _merged(raws: Sequence[Raw]) -> list[Raw]:
    """Consecutive utterances of one (known) speaker joined into one."""
    merged: list[Raw] = []
    for start, end, who, said in raws:
        if merged and who is not None and merged[-1][2] == who and _continues(merged[-1], start):
            first_start, _, _, before = merged[-1]
            text = " ".join(part for part in (before, said) if part.strip())
            merged[-1] = (first_start if first_start is not None else start, end, who, text)
        else:
            merged.append((start, end, who, said))
    return merged


def _continues(turn: Raw, start: float | None) -> bool:
    """Whether a cue starting at ``start`` still belongs to ``turn`` (see the module doc)."""
    _, end, _, said = turn
    if len(said.split()) >= TURN_WORDS:
        return False
    return start is None or end is None or start - end < PAUSE


def speaker_turns(raws: Sequence[Raw]) -> list[Raw]:
    """Per-cue utterances of a caption file as speaker turns (see the module docstring)."""
    labelled, found = _labelled(raws)
    bare = sum(1 for raw in raws if raw[2] is None)
    if bare and sum(found) * 2 > bare:  # mostly labelled: unlabelled cues continue a turn
        who: str | None = None
        for i, (start, end, speaker, said) in enumerate(labelled):
            if speaker is not None:
                who = speaker
            elif who is not None:
                labelled[i] = (start, end, who, said)
    if not any(raw[2] for raw in labelled):
        return list(raws)
    return _merged(labelled)

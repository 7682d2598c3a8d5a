"""Speaker labels in caption cues (Zoom, Teams, Otter exports), for :mod:`.captions`.

Meeting tools export WebVTT or SRT with many short cues per turn and the speaker either
in a ``<v Name>`` voice span (Teams, read by the VTT reader) or as a ``Name: `` label that
opens the cue text (Zoom on every cue, Otter on the first cue of a turn). :func:`labelled_cues`
takes the per-cue :data:`~longsum.tools.formats.Raw` utterances of one file and

* splits a ``Name: `` label off a cue without a voice, when :class:`SpeakerSplitter` takes
  the prefix for a speaker and it is short (at most four words and 40 characters), so
  ``Note: the point is`` stays text;
* when most cues without a voice carry such a label, gives a cue without one the speaker
  of the cue before it (Otter labels only the first cue of a turn).

The cues stay one per cue: :func:`~longsum.tools.cues.sentence_utterances` then joins a
speaker's consecutive cues into sentence-level utterances (a turn of many sentences comes as
several utterances of whole sentences, each with fine enough times to place chunks).
"""

from __future__ import annotations

from collections.abc import Sequence

from longsum.tools.formats import Raw, SpeakerSplitter

__all__ = ["labelled_cues", "short_label"]

_MAX_WORDS = 4
_MAX_CHARS = 40


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


def labelled_cues(raws: Sequence[Raw]) -> list[Raw]:
    """Per-cue utterances of a caption file with their ``Name:`` labels taken for speakers
    (see the module docstring); still one per cue, in order."""
    labelled, found = _labelled(raws)
    bare = sum(1 for raw in raws if raw[2] is None)
    if bare and sum(found) * 2 > bare:  # mostly labelled: unlabelled cues continue a turn
        who: str | None = None
        for i, (start, end, speaker, said) in enumerate(labelled):
            if speaker is not None:
                who = speaker
            elif who is not None:
                labelled[i] = (start, end, who, said)
    return labelled

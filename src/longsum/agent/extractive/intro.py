"""The offline engine's introduction: a synopsis composed from what the run found."""

from __future__ import annotations

from collections.abc import Sequence

from longsum.agent.schemas import IntroDraft
from longsum.tools.speakers import anonymous, speaker_count

__all__ = ["introduction"]


def introduction(
    titles: Sequence[str],
    topics: Sequence[str],
    speakers: Sequence[str],
    duration: float | None,
    words: int,
) -> IntroDraft:
    """Who talks, how long, about what, and the sections' subjects from first to last."""
    what = "conversation" if len(speakers) >= 2 else "talk"
    length = _duration(duration) if duration else f"{words:,}-word"
    who = ""
    if anonymous(speakers):  # a diarizer's labels: say how many, never SPEAKER_00
        who = f" {'by' if len(speakers) == 1 else 'between'} {speaker_count(speakers)}"
    elif 2 <= len(speakers) <= 3:
        who = " between " + _join(list(speakers))
    elif len(speakers) > 3:
        who = f" among {len(speakers)} speakers"
    elif len(speakers) == 1:
        who = f" by {speakers[0]}"
    parts = [t.split(": ", 1)[-1] for t in titles]
    text = (
        f"This {length} {what}{who} is about {_join(list(topics[:3]))}. "
        # "then to" per title: titles have their own "and" ("Pricing and Tiers"), so a
        # plain "a, b and c" list would not read as three things.
        f"It opens with {parts[0]}, then turns to {', then to '.join(parts[1:-1])}, "
        f"and closes with {parts[-1]}."
    )
    return IntroDraft(introduction=text)


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _duration(seconds: float) -> str:
    minutes = round(seconds / 60)
    hours, rest = divmod(minutes, 60)
    return f"{hours} h {rest} min" if hours else f"{minutes}-minute"

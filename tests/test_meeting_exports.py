"""Meeting-tool caption exports (Zoom, Otter, Teams): speakers from ``Name: `` labels and
voice spans, and one utterance per speaker turn instead of one per short cue."""

from __future__ import annotations

import pytest

from longsum import parse_text
from longsum.tools.transcript import Transcript, TranscriptFormat

F = TranscriptFormat

ZOOM_VTT = """WEBVTT

1
00:00:01.000 --> 00:00:04.000
Alice Smith: Good morning everyone, thanks for joining.

2
00:00:04.000 --> 00:00:07.500
Alice Smith: Today we review the budget.

3
00:00:07.500 --> 00:00:09.000
Bob Jones: Sounds good.

4
00:00:09.000 --> 00:00:12.250
Bob Jones: I have the numbers ready.

5
00:00:12.250 --> 00:00:15.000
Alice Smith: Great, go ahead.

6
00:00:15.000 --> 00:00:18.000
Speaker 3: Can everyone hear me?
"""

OTTER_SRT = """1
00:00:00,500 --> 00:00:03,000
Carol: Let's start with the roadmap.

2
00:00:03,000 --> 00:00:06,000
It has three milestones.

3
00:00:06,000 --> 00:00:08,000
Dave Lee: What about the deadline?

4
00:00:08,000 --> 00:00:10,000
Carol: End of March.

5
00:00:10,000 --> 00:00:12,500
We can move it if needed.

6
00:00:12,500 --> 00:00:14,000
Dave Lee: Okay.
"""

TEAMS_VTT = """WEBVTT

a1b2c3/11-0
00:00:00.000 --> 00:00:02.000
<v Erin Park>So the release is ready.</v>

a1b2c3/11-1
00:00:02.000 --> 00:00:04.500
<v Erin Park>We tested it yesterday.</v>

a1b2c3/12-0
00:00:04.500 --> 00:00:06.000
<v Frank O'Neil>Nice work.</v>

a1b2c3/13-0
00:00:06.000 --> 00:00:08.000
<v Erin Park>Thanks.</v>
"""

PLAIN_VTT = """WEBVTT

00:00:01.000 --> 00:00:03.000
Note: this is not a speaker.

00:00:03.000 --> 00:00:05.000
The point is: neither is this.

00:00:05.000 --> 00:00:07.000
Just a caption.
"""


def rows(t: Transcript) -> list[tuple[float | None, float | None, str | None, str]]:
    return [(u.start, u.end, u.speaker, u.text) for u in t.utterances]


def words(text: str) -> list[str]:
    """The words a caption file says, without cue numbers, timings or labels."""
    kept: list[str] = []
    for line in text.splitlines():
        if not line.strip() or "-->" in line or line.strip().isdigit() or line == "WEBVTT":
            continue
        for label in ("Alice Smith:", "Bob Jones:", "Speaker 3:", "Carol:", "Dave Lee:"):
            line = line.removeprefix(label)
        kept.extend(line.split())
    return kept


def speakers(t: Transcript) -> list[str | None]:
    return list(dict.fromkeys(u.speaker for u in t.utterances))


def test_zoom_vtt_labels_become_speakers_and_turns() -> None:
    t = parse_text(ZOOM_VTT, source="zoom.vtt")
    assert t.format is F.VTT
    assert speakers(t) == ["Alice Smith", "Bob Jones", "Speaker 3"]
    assert rows(t) == [
        (
            1.0,
            7.5,
            "Alice Smith",
            "Good morning everyone, thanks for joining. Today we review the budget.",
        ),
        (7.5, 12.25, "Bob Jones", "Sounds good. I have the numbers ready."),
        (12.25, 15.0, "Alice Smith", "Great, go ahead."),
        (15.0, 18.0, "Speaker 3", "Can everyone hear me?"),
    ]
    assert " ".join(u.text for u in t.utterances).split() == words(ZOOM_VTT)


def test_otter_srt_label_on_first_cue_continues_the_turn() -> None:
    t = parse_text(OTTER_SRT, source="otter.srt")
    assert t.format is F.SRT
    assert speakers(t) == ["Carol", "Dave Lee"]
    assert rows(t) == [
        (0.5, 6.0, "Carol", "Let's start with the roadmap. It has three milestones."),
        (6.0, 8.0, "Dave Lee", "What about the deadline?"),
        (8.0, 12.5, "Carol", "End of March. We can move it if needed."),
        (12.5, 14.0, "Dave Lee", "Okay."),
    ]
    assert " ".join(u.text for u in t.utterances).split() == words(OTTER_SRT)


def test_teams_vtt_voices_merge_per_turn() -> None:
    t = parse_text(TEAMS_VTT, source="teams.vtt")
    assert t.format is F.VTT
    assert speakers(t) == ["Erin Park", "Frank O'Neil"]
    assert rows(t) == [
        (0.0, 4.5, "Erin Park", "So the release is ready. We tested it yesterday."),
        (4.5, 6.0, "Frank O'Neil", "Nice work."),
        (6.0, 8.0, "Erin Park", "Thanks."),
    ]


def test_zoom_labels_work_in_srt_too() -> None:
    srt_text = (
        "1\n00:00:01,000 --> 00:00:02,000\nSpeaker 1: Hello.\n\n"
        "2\n00:00:02,000 --> 00:00:03,000\nSpeaker 1: Still me.\n\n"
        "3\n00:00:03,000 --> 00:00:04,000\nSpeaker 2: Hi.\n"
    )
    assert rows(parse_text(srt_text)) == [
        (1.0, 3.0, "Speaker 1", "Hello. Still me."),
        (3.0, 4.0, "Speaker 2", "Hi."),
    ]


def test_plain_vtt_colon_text_is_not_a_speaker() -> None:
    t = parse_text(PLAIN_VTT, source="plain.vtt")
    assert rows(t) == [  # no speaker: the cues join into one utterance of whole sentences
        (
            1.0,
            7.0,
            None,
            "Note: this is not a speaker. The point is: neither is this. Just a caption.",
        ),
    ]


def test_unlabelled_cues_stay_unlabelled_when_labels_are_rare() -> None:
    vtt = (
        "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nAlice: One.\n\n"
        "00:00:02.000 --> 00:00:03.000\nTwo.\n\n"
        "00:00:03.000 --> 00:00:04.000\nThree.\n"
    )
    assert rows(parse_text(vtt)) == [  # the unlabelled cues join as one (None) speaker's
        (1.0, 2.0, "Alice", "One."),
        (2.0, 4.0, None, "Two. Three."),
    ]


def test_long_prefix_is_not_a_label() -> None:
    vtt = "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nThe Very Long Committee Name Here: hi\n"
    assert rows(parse_text(vtt)) == [
        (1.0, 2.0, None, "The Very Long Committee Name Here: hi"),
    ]


@pytest.mark.parametrize(
    ("text", "fmt"), [(ZOOM_VTT, F.VTT), (OTTER_SRT, F.SRT), (TEAMS_VTT, F.VTT)]
)
def test_meeting_exports_are_detected(text: str, fmt: TranscriptFormat) -> None:
    assert parse_text(text).format is fmt
    assert parse_text("\ufeff" + text).format is fmt


def test_a_long_turn_keeps_fine_times() -> None:
    # One speaker for ten minutes, unpunctuated: merged into utterances of whole cues, closed
    # at the first cue end past TARGET_WORDS words, and a pause of PAUSE seconds or more
    # starts a new one, so chunks and sections can still be timed.
    from longsum.tools.cues import PAUSE, TARGET_WORDS

    cues = []
    for i in range(150):
        start = i * 4.0 + (10.0 if i >= 100 else 0.0)  # a 10 s pause before cue 100
        words = " ".join(f"w{i}x{j}" for j in range(8))
        cues.append(f"{i + 1}\n{_srt_time(start)} --> {_srt_time(start + 3.5)}\nAda: {words}\n")
    t = parse_text("\n".join(cues), format="srt")
    assert {u.speaker for u in t.utterances} == {"Ada"}
    assert all(len(u.text.split()) < TARGET_WORDS + 8 for u in t.utterances)
    assert len(t.utterances) >= 150 * 8 // (TARGET_WORDS + 8)
    assert any(u.start == 100 * 4.0 + 10.0 for u in t.utterances), "the pause starts a turn"
    assert PAUSE <= 10.0
    words = [w for u in t.utterances for w in u.text.split()]
    assert words == [f"w{i}x{j}" for i in range(150) for j in range(8)]


def _srt_time(seconds: float) -> str:
    whole, millis = int(seconds), int(seconds * 1000) % 1000
    return f"{whole // 3600:02d}:{whole // 60 % 60:02d}:{whole % 60:02d},{millis:03d}"

"""Caption cues and ASR segments re-cut into sentence-level utterances (longsum.tools.cues).

The fixtures are written here from the formats' published shapes: SubRip (a counter, an
``HH:MM:SS,mmm --> HH:MM:SS,mmm`` line, text lines, a blank line), WebVTT (W3C: a ``WEBVTT``
header, ``HH:MM:SS.mmm`` cue timings), openai-whisper's ``--output_format json``
(``{"text", "segments": [{"id", "seek", "start", "end", "text", "tokens", ...}], "language"}``)
and WhisperX's aligned, diarized JSON (a ``speaker`` and ``words`` per segment).
"""

from __future__ import annotations

import itertools
import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from longsum import chunk_transcript, get_tokenizer, parse_text
from longsum.tools.cues import MAX_WORDS, PAUSE, TARGET_WORDS, sentence_utterances
from longsum.tools.formats import Raw
from longsum.tools.sentences import split_spans
from longsum.tools.transcript import Transcript, TranscriptFormat

F = TranscriptFormat
_SENTENCE_END = re.compile(r"[.!?…。！？][\"'”’)\]]*$")

Cue = tuple[float, float, str]


def srt(cues: list[Cue]) -> str:
    """SubRip text of ``(start, end, text)`` cues; a ``|`` in the text breaks the line."""

    def stamp(seconds: float) -> str:
        ms = round(seconds * 1000)
        return f"{ms // 3_600_000:02}:{ms // 60_000 % 60:02}:{ms // 1000 % 60:02},{ms % 1000:03}"

    blocks = [
        f"{i}\n{stamp(start)} --> {stamp(end)}\n{text.replace('|', chr(10))}\n"
        for i, (start, end, text) in enumerate(cues, start=1)
    ]
    return "\n".join(blocks)


def rows(t: Transcript) -> list[tuple[float | None, float | None, str | None, str]]:
    return [(u.start, u.end, u.speaker, u.text) for u in t.utterances]


def words_of(t: Transcript) -> list[str]:
    return [w for u in t.utterances for w in u.text.split()]


def cue_words(cues: list[Cue]) -> list[str]:
    return [w for _, _, text in cues for w in text.replace("|", " ").split()]


def word_times(cues: list[Cue]) -> list[tuple[float, float, bool, bool]]:
    """For each word: its start and end by the documented rule (a cue's time shared evenly
    among its words), and whether it opens and whether it closes its cue."""
    out = []
    for start, end, text in cues:
        n = len(text.replace("|", " ").split())
        for k in range(n):
            out.append(
                (
                    round(start + (end - start) * k / n, 3),
                    round(start + (end - start) * (k + 1) / n, 3),
                    k == 0,
                    k == n - 1,
                )
            )
    return out


def check_times(t: Transcript, cues: list[Cue]) -> None:
    """Each utterance starts when its first word starts and ends when its last word's cue
    ends, or, inside a cue, where the next utterance starts."""
    times = word_times(cues)
    index = 0
    for u in t.utterances:
        first, last = times[index], times[index + len(u.text.split()) - 1]
        assert u.start == pytest.approx(first[0]), u.text
        assert u.end == pytest.approx(last[1]), u.text
        index += len(u.text.split())
    for before, after in itertools.pairwise(t.utterances):
        assert before.end is not None and after.start is not None
        assert before.end <= after.start


# ---------------------------------------------------------------- SRT


LECTURE: list[Cue] = [
    (1.0, 4.2, "Good morning, everyone. Today we are going to talk about"),
    (4.2, 7.6, "how plants turn sunlight into sugar, a process|that biologists call"),
    (7.6, 11.0, "photosynthesis. It takes place inside small green structures"),
    (11.0, 14.5, "called chloroplasts, which you can find in almost every leaf."),
    (14.5, 18.0, "Each chloroplast holds thousands of stacked membranes, and those"),
    (18.0, 21.0, "membranes carry the pigment chlorophyll. Chlorophyll absorbs"),
    (21.0, 24.0, "red and blue light but reflects green, which is why leaves"),
    (24.0, 26.5, "look green to us. Now, why does this matter?"),
    # 3.5 s of silence after a sentence end: a new utterance
    (30.0, 33.0, "Let me show you the equation. Six molecules of carbon dioxide"),
    (33.0, 36.0, "and six molecules of water, together with light energy,"),
    (36.0, 39.5, "produce one molecule of glucose and six molecules of"),
    # 3 s of hesitation inside a sentence: the sentence stays whole
    (42.5, 45.0, "oxygen. The oxygen is what we breathe! Isn't that"),
    (45.0, 47.0, "remarkable? Next week we will look at the Calvin cycle…"),
    (47.0, 49.0, "See you then, and thanks to Dr. Okafor for the slides."),
]


def test_srt_lecture_utterances_are_whole_sentences_with_cue_times() -> None:
    t = parse_text(srt(LECTURE), source="lecture.srt")
    assert t.format is F.SRT
    assert words_of(t) == cue_words(LECTURE)
    assert all(_SENTENCE_END.search(u.text) for u in t.utterances)
    check_times(t, LECTURE)
    # closed at the first sentence end past TARGET_WORDS (40) words: "leaf." is word 39
    assert rows(t)[:2] == [
        (
            1.0,
            20.143,  # "chlorophyll." is word 5 of 7 in the 18-21 s cue: 18 + 3 * 5/7
            None,
            "Good morning, everyone. Today we are going to talk about how plants turn sunlight "
            "into sugar, a process that biologists call photosynthesis. It takes place inside "
            "small green structures called chloroplasts, which you can find in almost every "
            "leaf. Each chloroplast holds thousands of stacked membranes, and those membranes "
            "carry the pigment chlorophyll.",
        ),
        (
            20.143,
            26.5,
            None,
            "Chlorophyll absorbs red and blue light but reflects green, which is why leaves "
            "look green to us. Now, why does this matter?",
        ),
    ]
    assert t.utterances[2].start == 30.0  # the silence after "matter?" starts one
    assert any("six molecules of oxygen." in u.text for u in t.utterances)  # not the hesitation
    assert not any(u.text.endswith("Dr.") for u in t.utterances)


def test_a_sentence_end_inside_a_cue_shares_the_cue_time_by_word_position() -> None:
    cues: list[Cue] = [
        (0.0, 3.0, " ".join(f"w{i}" for i in range(38))),
        (3.0, 6.0, "w38 w39 end. The next one"),
        (6.0, 8.0, "goes on here."),
    ]
    t = parse_text(srt(cues))
    assert rows(t) == [
        (0.0, 4.5, None, " ".join(f"w{i}" for i in range(40)) + " end."),  # 3 of 6 words
        (4.5, 8.0, None, "The next one goes on here."),
    ]


UNPUNCTUATED_TALK = """so the thing about caching is that it only helps when the same request
comes back again and again which happens more often than you would think in a web service
because users tend to look at the same pages and the same products over and over so if you
keep the answer around for a few seconds you save the database a lot of work but you also
have to think about what happens when the data changes underneath you because then the cache
serves an old answer and the user sees a price that is no longer right and that is the
classic problem of cache invalidation which people like to joke about but it is real and it
bites everyone sooner or later okay let us now look at a second idea which is batching many
small writes together into one larger write so the disk does less work per byte"""


def unpunctuated_cues() -> list[Cue]:
    words = UNPUNCTUATED_TALK.split()
    cues: list[Cue] = []
    at, i, sizes = 0.0, 0, itertools.cycle([7, 9, 6, 8])
    while i < len(words):
        size = next(sizes)
        if len(cues) == 9:
            at += 4.0  # a long pause before the tenth cue
        cues.append((at, round(at + size * 0.4, 3), " ".join(words[i : i + size])))
        at = round(at + size * 0.4, 3)
        i += size
    return cues


def test_unpunctuated_srt_is_cut_at_pauses_and_by_length_on_cue_boundaries() -> None:
    cues = unpunctuated_cues()
    t = parse_text(srt(cues), source="talk.srt")
    assert words_of(t) == cue_words(cues)
    starts = {start for start, _, _ in cues}
    ends = {end for _, end, _ in cues}
    assert all(u.start in starts and u.end in ends for u in t.utterances)  # whole cues
    check_times(t, cues)
    assert cues[9][0] in [u.start for u in t.utterances]  # the pause starts one
    assert len(t.utterances) >= 4
    for u, after in itertools.pairwise(t.utterances):
        size = len(u.text.split())
        assert size <= MAX_WORDS
        paused = after.start is not None and u.end is not None and after.start - u.end >= PAUSE
        assert paused or size >= TARGET_WORDS  # closed by a pause, or by length


# ---------------------------------------------------------------- Whisper and WhisperX


SEGMENTS: list[Cue] = [  # openai-whisper's text opens with a space
    (0.0, 4.0, " Welcome to the show. This week we talk about"),
    (4.0, 8.5, " home batteries and whether they pay off for an"),
    (8.5, 12.0, " ordinary family. My guest has installed more"),
    (12.0, 16.0, " than two hundred of them across the region, so"),
    (16.0, 20.0, " she has really seen what works. Let's start with the"),
    (20.0, 23.0, " price. What does a typical system cost today?"),
    (23.0, 26.0, " About eight thousand euros, installed."),
]
WHISPER_JSON = {
    "text": "".join(text for _, _, text in SEGMENTS),
    "segments": [
        {
            "id": i,
            "seek": 0,
            "start": start,
            "end": end,
            "text": text,
            "tokens": [50364 + i, 400, 50564],
            "temperature": 0.0,
            "avg_logprob": -0.25,
            "compression_ratio": 1.4,
            "no_speech_prob": 0.02,
        }
        for i, (start, end, text) in enumerate(SEGMENTS)
    ],
    "language": "en",
}


def test_whisper_segments_broken_mid_sentence_become_whole_sentences() -> None:
    t = parse_text(json.dumps(WHISPER_JSON), source="episode.json")
    assert t.format is F.WHISPER
    cues = [(start, end, text.strip()) for start, end, text in SEGMENTS]
    assert words_of(t) == cue_words(cues)
    assert all(_SENTENCE_END.search(u.text) for u in t.utterances)
    check_times(t, cues)
    assert [u.text.split()[0] for u in t.utterances] == ["Welcome", "Let's"]
    assert t.utterances[1].start == 18.4  # 6 of the 10 words of the 16-20 s segment before it
    assert t.utterances[-1].end == 26.0


WHISPERX_JSON = {
    "segments": [
        {
            "start": 0.5,
            "end": 3.0,
            "text": " I think we should move the launch to",
            "speaker": "SPEAKER_00",
        },
        {
            "start": 3.1,
            "end": 4.9,
            "text": " March? Yes, March works.",
            "speaker": "SPEAKER_01",
            "words": [
                {
                    "word": "March?",
                    "start": 3.1,
                    "end": 3.6,
                    "score": 0.91,
                    "speaker": "SPEAKER_01",
                },
                {"word": "Yes,", "start": 3.8, "end": 4.0, "score": 0.88, "speaker": "SPEAKER_01"},
                {"word": "March", "start": 4.1, "end": 4.4, "score": 0.93, "speaker": "SPEAKER_01"},
                {"word": "works.", "start": 4.4, "end": 4.9, "score": 0.9, "speaker": "SPEAKER_01"},
            ],
        },
        {"start": 5.0, "end": 7.0, "text": " It gives the team time to", "speaker": "SPEAKER_01"},
        {"start": 7.0, "end": 9.0, "text": " finish the tests. Great,", "speaker": "SPEAKER_00"},
        {"start": 9.0, "end": 10.0, "text": " thanks.", "speaker": "SPEAKER_00"},
        {"start": 10.0, "end": 11.0, "text": " Hmm."},
    ],
    "word_segments": [],
}


def test_whisperx_speaker_change_always_starts_an_utterance() -> None:
    t = parse_text(json.dumps(WHISPERX_JSON), source="meeting.json")
    assert rows(t) == [
        (0.5, 3.0, "SPEAKER_00", "I think we should move the launch to"),  # cut by SPEAKER_01
        (3.1, 7.0, "SPEAKER_01", "March? Yes, March works. It gives the team time to"),
        (7.0, 10.0, "SPEAKER_00", "finish the tests. Great, thanks."),
        (10.0, 11.0, None, "Hmm."),  # no speaker is a speaker change too
    ]


# ---------------------------------------------------------------- meeting exports

ZOOM_VTT = """WEBVTT

1
00:00:00.500 --> 00:00:03.000
Priya Nair: Thanks for joining. The main thing we need

2
00:00:03.000 --> 00:00:05.500
Priya Nair: to settle today is the venue.

3
00:00:05.500 --> 00:00:08.000
Tom Berg: I booked the hall on Main Street, but

4
00:00:08.000 --> 00:00:10.000
Tom Berg: it only holds eighty people.

5
00:00:10.000 --> 00:00:12.000
Priya Nair: Then we need a bigger room.
"""


def test_zoom_vtt_labelled_cues_join_into_sentences_per_speaker() -> None:
    t = parse_text(ZOOM_VTT, source="zoom.vtt")
    assert t.format is F.VTT
    assert rows(t) == [
        (
            0.5,
            5.5,
            "Priya Nair",
            "Thanks for joining. The main thing we need to settle today is the venue.",
        ),
        (
            5.5,
            10.0,
            "Tom Berg",
            "I booked the hall on Main Street, but it only holds eighty people.",
        ),
        (10.0, 12.0, "Priya Nair", "Then we need a bigger room."),
    ]


def test_broadcast_speaker_change_marks_start_an_utterance() -> None:
    vtt = (
        "WEBVTT\n\n00:00:01.000 --> 00:00:03.000\n&gt;&gt; Where were you last night\n\n"
        "00:00:03.000 --> 00:00:05.000\nwhen the storm hit? &gt;&gt; At home, like\n\n"
        "00:00:05.000 --> 00:00:07.000\neveryone else.\n"
    )
    assert [u.text for u in parse_text(vtt).utterances] == [
        "Where were you last night when the storm hit?",
        "At home, like everyone else.",
    ]


# ---------------------------------------------------------------- end to end


def test_chunk_text_of_a_punctuated_srt_never_splits_a_sentence() -> None:
    t = parse_text(srt(LECTURE + [(c[0] + 60, c[1] + 60, c[2]) for c in LECTURE]))
    texts = [u.text for u in t.utterances]
    assert all(_SENTENCE_END.search(text) for text in texts[:-1])
    chunks = chunk_transcript(t, max_tokens=120, overlap_tokens=0, tokenizer=get_tokenizer())
    assert len(chunks) > 2
    spans = [span for chunk in chunks for span in split_spans(chunk.own_text)]
    assert spans and all(_SENTENCE_END.search(span) for span in spans)
    # read one utterance per cue, as before, half the cues would end mid-sentence
    assert sum(1 for _, _, text in LECTURE if not _SENTENCE_END.search(text)) >= 7


# ---------------------------------------------------------------- the function itself


def test_cjk_sentences_are_cut_at_their_full_stops(monkeypatch: pytest.MonkeyPatch) -> None:
    import longsum.tools.cues as cues

    monkeypatch.setattr(cues, "TARGET_WORDS", 2)
    raws: list[Raw] = [(0.0, 4.0, None, "今日は晴れです。明日は"), (4.0, 6.0, None, "雨です。")]
    assert sentence_utterances(raws) == [
        (0.0, 2.0, None, "今日は晴れです。"),
        (2.0, 6.0, None, "明日は 雨です。"),
    ]


def test_rolling_word_times_time_a_cut_inside_a_line(monkeypatch: pytest.MonkeyPatch) -> None:
    import longsum.tools.cues as cues

    monkeypatch.setattr(cues, "TARGET_WORDS", 3)
    raws: list[Raw] = [(0.0, 2.0, None, "so that is it. now"), (2.1, 3.0, None, "we go on.")]
    times = [[0.0, 0.2, 0.5, 0.6, 1.4], [2.1, 2.3, 2.6]]
    assert sentence_utterances(raws, times) == [
        (0.0, 1.4, None, "so that is it."),
        (1.4, 3.0, None, "now we go on."),
    ]
    # a silence is measured from a line's last word, not from its cue's end
    late = [(0.0, 9.0, None, "a b c"), (9.1, 10.0, None, "d e f")]
    assert len(sentence_utterances(late, [[0, 1, 2], [9.1, 9.3, 9.5]])) == 2


_WORD = st.sampled_from(
    [
        "so",
        "the",
        "plan",
        "works.",
        "Why?",
        "yes!",
        "Dr.",
        "wait…",
        "...and",
        "晴れ。雨",
        "&gt;&gt;",
    ]
)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.floats(0, 5, allow_nan=False),
            st.floats(0, 4, allow_nan=False),
            st.sampled_from([None, "A", "B"]),
            st.lists(_WORD, max_size=30),
        ),
        max_size=25,
    )
)
def test_no_word_is_lost_duplicated_or_reordered(
    specs: list[tuple[float, float, str | None, list[str]]],
) -> None:
    raws: list[Raw] = []
    at = 0.0
    for gap, length, who, said in specs:
        start, at = at + gap, at + gap + length
        raws.append((start, at, who, " ".join(said)))
    out = sentence_utterances(raws)
    said = [w for r in raws for w in r[3].split()]
    if not any("。" in w for w in said):  # a CJK word may be cut at its full stop
        assert [w for *_, text in out for w in text.split()] == said
    assert "".join(text for *_, text in out).replace(" ", "") == "".join(said)
    assert all(text and text == " ".join(text.split()) for *_, text in out)
    assert all(len(text.split()) <= MAX_WORDS for *_, text in out)
    for (start, end, _, _), after in itertools.pairwise([*out, None]):
        assert start is not None and end is not None and start <= end
        if after is not None:
            assert after[0] is not None and end <= after[0]

"""YouTube auto-generated (rolling) WebVTT: every spoken word once, in order, at its time.

The fixtures are built here from the documented shape of ``yt-dlp --write-auto-subs``
output: a ``Kind:``/``Language:`` header, real cues that repeat the previous line and add one
line with inline word timings, and 10 ms flash cues that repeat the finished line.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass
from pathlib import Path

import pytest
import webvtt

import longsum
from longsum.tools.cues import TARGET_WORDS
from longsum.tools.rolling import is_rolling, new_words, restore_blank_lines
from longsum.tools.tokens import get_tokenizer
from longsum.tools.transcript import TranscriptFormat

VOCAB_TEXT = """we're going to talk about the new release and how it changes what you build so
today first let's look at this part it is fast but there are a few things worth knowing
like caching memory threads and the way errors come back when a request fails don't
worry I'll show you an example later on then we can ask questions about performance"""
VOCAB = VOCAB_TEXT.split()

STYLE_OLD = """Style:
::cue(c.colorCCCCCC) { color: rgb(204,204,204);
 }
::cue(c.colorE5E5E5) { color: rgb(229,229,229);
 }
##
"""
STYLE_BLOCK = """
STYLE
::cue {
  background-image: linear-gradient(to bottom, dimgray, lightgray);
  color: papayawhip;
}
"""


def stamp(ms: int) -> str:
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours:02}:{minutes:02}:{seconds:02}.{millis:03}"


@dataclass
class Fixture:
    text: str
    lines: list[list[str]]
    times: list[list[int]]
    """Milliseconds of each word of each line, as the file times them."""

    @property
    def words(self) -> list[str]:
        return [word for line in self.lines for word in line]

    @property
    def word_times(self) -> list[float]:
        return [ms / 1000 for line in self.times for ms in line]


def seconds(text: str) -> float:
    hours, minutes, rest = text.split(":")
    return int(hours) * 3600 + int(minutes) * 60 + float(rest)


def youtube_vtt(
    lines: list[list[str]],
    *,
    style: str = "",
    pauses: frozenset[int] = frozenset(),
    word_ms: int = 280,
    colored: int = 3,
) -> Fixture:
    """The rolling layout of ``lines``: each word ``word_ms`` apart, a line's first word at
    its cue's start, a long silence before each line index in ``pauses``, and every
    ``colored``-th word in a ``<c.colorE5E5E5>`` span."""
    out = ["WEBVTT", "Kind: captions", "Language: en"]
    if style:
        out.append(style.rstrip("\n"))
    out.append("")
    times: list[list[int]] = []
    at = 0
    previous = " "
    for index, words in enumerate(lines):
        if index in pauses:
            at += 5_000
        line_times = [at + i * word_ms for i in range(len(words))]
        end = line_times[-1] + word_ms + 150
        timed = words[0].replace("&", "&amp;")
        for i, (word, ms) in enumerate(zip(words[1:], line_times[1:], strict=True), start=1):
            tag = "c.colorE5E5E5" if i % colored == 0 else "c"
            timed += f"<{stamp(ms)}><{tag}> {word.replace('&', '&amp;')}</c>"
        plain = " ".join(words).replace("&", "&amp;")
        out += [f"{stamp(at)} --> {stamp(end)} align:start position:0%", previous, timed, ""]
        out += [f"{stamp(end)} --> {stamp(end + 10)} align:start position:0%", plain, " ", ""]
        times.append(line_times)
        previous = plain
        at = end + 10
    return Fixture("\n".join(out), lines, times)


def spoken(n_lines: int, seed: int = 7) -> list[list[str]]:
    rng = random.Random(seed)
    return [[rng.choice(VOCAB) for _ in range(rng.randint(5, 11))] for _ in range(n_lines)]


SAMPLE = youtube_vtt(
    [
        line.split()
        for line in (
            "so today we're going to talk",
            "about the new release",
            "Q&A at the end",
            "okay",
            "let's start",
        )
    ],
    style=STYLE_OLD,
    pauses=frozenset({4}),
)


def text_words(transcript: longsum.Transcript) -> list[str]:
    return [word for u in transcript.utterances for word in u.text.split()]


# ---------------------------------------------------------------- the words once, in order


def test_the_documented_sample_reads_each_word_once() -> None:
    t = longsum.parse_text(SAMPLE.text)
    assert t.format is TranscriptFormat.VTT
    assert text_words(t) == SAMPLE.words
    assert "Q&A" in t.utterances[0].text  # &amp; unescaped
    assert [u.speaker for u in t.utterances] == [None] * len(t.utterances)


@pytest.mark.parametrize("style", ["", STYLE_OLD, STYLE_BLOCK])
def test_long_talk_words_once_in_order(style: str) -> None:
    lines = spoken(300)
    fixture = youtube_vtt(lines, style=style, pauses=frozenset({40, 41, 200}))
    t = longsum.parse_text(fixture.text, source="talk.en.vtt")
    assert text_words(t) == fixture.words
    # the utterances are runs of whole lines, not one per cue
    assert len(t.utterances) < len(lines) / 3
    assert all(len(u.text.split()) < TARGET_WORDS + 12 for u in t.utterances)


def test_no_phrase_repeats_across_a_cue_boundary() -> None:
    lines = [[f"{word}{i}" for word in line] for i, line in enumerate(spoken(60, seed=3))]
    t = longsum.parse_text(youtube_vtt(lines).text)
    whole = " ".join(u.text for u in t.utterances)
    for line in lines:
        phrase = " ".join(line)
        assert whole.count(phrase) == 1
        assert all(f"{phrase} {phrase}" not in u.text for u in t.utterances)


def test_no_four_word_run_repeats_and_the_word_count_holds() -> None:
    # Each word is unique, so any 4-word run said twice would be a line read twice across
    # the rolling cues' boundaries (a carried-over line, a flash cue).
    lines = [[f"{word}{i}" for word in line] for i, line in enumerate(spoken(200, seed=5))]
    fixture = youtube_vtt(lines, pauses=frozenset({50, 120}))
    t = longsum.parse_text(fixture.text)
    words = text_words(t)
    runs = [tuple(words[i : i + 4]) for i in range(len(words) - 3)]
    assert len(runs) == len(set(runs))
    assert abs(len(words) - len(fixture.words)) <= 0.05 * len(fixture.words)


def test_punctuated_rolling_captions_are_cut_at_sentence_ends_at_word_times() -> None:
    # Newer auto-captions carry punctuation; sentences end inside caption lines, and a cut
    # there starts the next utterance at its first word's inline time.
    rng = random.Random(2)
    said: list[str] = []
    for _ in range(40):
        sentence = [rng.choice(VOCAB) for _ in range(rng.randint(6, 14))]
        said += [sentence[0].capitalize(), *sentence[1:-1], sentence[-1] + "."]
    lines, at = [], 0
    while at < len(said):
        size = rng.randint(5, 9)
        lines.append(said[at : at + size])
        at += size
    fixture = youtube_vtt(lines)
    t = longsum.parse_text(fixture.text)
    assert text_words(t) == fixture.words
    assert all(u.text.endswith(".") for u in t.utterances)
    index, inside = 0, 0
    line_starts = set(itertools.accumulate((len(line) for line in lines), initial=0))
    for u in t.utterances:
        assert u.start == pytest.approx(fixture.word_times[index], abs=0.0015)
        inside += index not in line_starts
        index += len(u.text.split())
    assert inside >= 1, "some sentence ends inside a caption line"


@pytest.mark.parametrize("style", [STYLE_OLD, STYLE_BLOCK])
def test_header_and_style_do_not_leak_into_text(style: str) -> None:
    t = longsum.parse_text(youtube_vtt(spoken(20), style=style).text)
    whole = " ".join(u.text for u in t.utterances)
    for leak in ("Kind", "Language", "captions", "Style", "STYLE", "::cue", "color", "<", "##"):
        assert leak not in whole


def test_a_line_said_twice_in_a_row_is_kept_twice() -> None:
    lines = [["so", "we", "go"], ["yes", "yes", "indeed"], ["yes", "yes", "indeed"], ["done"]]
    t = longsum.parse_text(youtube_vtt(lines).text)
    assert text_words(t) == [word for line in lines for word in line]


def test_trimmed_blank_cue_lines_read_the_same() -> None:
    fixture = youtube_vtt(spoken(30), pauses=frozenset({10}))
    trimmed = "\n".join(line.rstrip() for line in fixture.text.split("\n"))
    assert trimmed != fixture.text
    assert restore_blank_lines(trimmed).count("\n") == trimmed.count("\n")
    t = longsum.parse_text(trimmed)
    assert text_words(t) == fixture.words


# ---------------------------------------------------------------- times


def test_word_times_are_the_inline_timings() -> None:
    fixture = youtube_vtt(spoken(50), pauses=frozenset({12}))
    cues = [
        (seconds(c.start), seconds(c.end), c.lines)
        for c in webvtt.from_string(fixture.text).captions
    ]
    assert is_rolling(cues)
    timed = [word for words, _ in new_words(cues) for word in words]
    assert [w for _, w in timed] == fixture.words
    assert [at for at, _ in timed] == pytest.approx(fixture.word_times, abs=0.0015)


def test_utterance_times_are_monotonic_and_start_at_their_first_word() -> None:
    fixture = youtube_vtt(spoken(120), pauses=frozenset({30, 90}))
    t = longsum.parse_text(fixture.text)
    starts = {}  # first word index of each utterance -> its start
    index = 0
    for u in t.utterances:
        starts[index] = u.start
        index += len(u.text.split())
    for index, start in starts.items():
        assert start == pytest.approx(fixture.word_times[index], abs=0.0015)
    for before, after in zip(t.utterances, t.utterances[1:], strict=False):
        assert before.start is not None and before.end is not None and after.start is not None
        assert before.start <= before.end <= after.start
    # a long silence starts a new utterance
    pause_word = sum(len(line) for line in fixture.lines[:30])
    assert pause_word in starts


# ---------------------------------------------------------------- plain WebVTT is unchanged

PLAIN = """WEBVTT
Kind: captions
Language: en

00:00:01.000 --> 00:00:03.000
Hello <00:00:01.500>there <c.yellow>friend</c>

00:00:03.000 --> 00:00:05.000
Yes.

00:00:05.000 --> 00:00:07.000
Yes.
and more

00:00:07.000 --> 00:00:09.000
Another cue
"""


def test_plain_vtt_with_karaoke_timing_is_not_rolling() -> None:
    # Every cue's words are kept (the repeated "Yes." too: it does not roll); the cues join
    # into sentence-level utterances (longsum.tools.cues), here one: no pause, few words.
    t = longsum.parse_text(PLAIN)
    assert [(u.start, u.end, u.speaker, u.text) for u in t.utterances] == [
        (1.0, 9.0, None, "Hello there friend Yes. Yes. and more Another cue"),
    ]


def test_voice_spans_never_roll() -> None:
    voiced = SAMPLE.text.replace("so<", "<v Ann>so<", 1)
    t = longsum.parse_text(voiced)
    assert t.utterances[0].speaker == "Ann"


# ---------------------------------------------------------------- end to end


def test_read_transcript_and_chunk_tokens_match_the_spoken_words(tmp_path: Path) -> None:
    fixture = youtube_vtt(spoken(400, seed=11), style=STYLE_OLD, pauses=frozenset({100}))
    path = tmp_path / "talk.en.vtt"
    path.write_text(fixture.text, encoding="utf-8")
    t = longsum.read_transcript(path)
    assert t.format is TranscriptFormat.VTT
    words = text_words(t)
    assert abs(len(words) - len(fixture.words)) <= 0.05 * len(fixture.words)
    assert words == fixture.words
    tokenizer = get_tokenizer()
    chunks = longsum.chunk_transcript(t, max_tokens=1000, overlap_tokens=0, tokenizer=tokenizer)
    chunked = sum(chunk.token_count for chunk in chunks)
    said = tokenizer.count(" ".join(fixture.words))
    assert said <= chunked <= 1.3 * said  # the [HH:MM:SS] heads only, not 2-3x the words

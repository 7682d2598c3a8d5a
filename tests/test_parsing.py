"""Transcript ingestion: every format, detection, overrides, and one-line errors for bad input."""

from __future__ import annotations

import codecs
import hashlib
import io
import itertools
import json
import re
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from longsum.errors import InputError
from longsum.tools.markup import clean_markup
from longsum.tools.parsing import decode_bytes, detect_format, parse_text, read_transcript
from longsum.tools.transcript import Transcript, TranscriptFormat

F = TranscriptFormat

VTT = """WEBVTT - a talk

NOTE written by hand

intro
00:00:01.000 --> 00:00:04.500 align:start position:0%
<v Alice>Hello &amp; <i>welcome</i></v>
<v Bob>Hi there

00:00:05.250 --> 00:00:07.000
<v.loud Bob>Second <b>cue</b>
goes on here

00:01:08.000 --> 00:01:09.000
No voice, <c.yellow>coloured</c>
"""

SRT = """1
00:00:01,000 --> 00:00:03,000
JOHN: Hello <i>there</i>
second line

2
00:00:04,000 --> 00:00:06,500
{\\an8}The answer is: forty-two
"""

WHISPER = {
    "text": " Hi there. Bye.",
    "language": "en",
    "segments": [
        {"id": 0, "start": 0.0, "end": 1.5, "text": " Hi there. ", "speaker": "SPEAKER_00"},
        {"id": 1, "start": 1.5, "end": 3.25, "text": " Bye.", "words": []},
    ],
}

TIMESTAMPED = """[00:00:01] Alice: Hello  there.
and this line carries on
[1:02] Bob: Short stamp.
00:01:05.5 Carol: No brackets, with millis.
[1:00:00.250]   No speaker at all: just words.
"""

SPEAKER = """Grad H: st
Professor D: Well , so {disfmarker} here 's the thing .
and a continuation line
The Chair (Hon. Anthony Rota (NipissingTimiskaming, Lib.)): I call this meeting to order.
Grad H: {vocalsound} Yeah .
"""

LECTURE = """So I'm glad to be here with you this morning.
The point is: this works.
Here is the idea: we learn from data.
And it generalises.
"""


def rows(transcript: Transcript) -> list[tuple[float | None, float | None, str | None, str]]:
    return [(u.start, u.end, u.speaker, u.text) for u in transcript.utterances]


def one_line_error(excinfo: pytest.ExceptionInfo[InputError], source: str) -> str:
    message = str(excinfo.value)
    assert "\n" not in message and "\r" not in message, message
    assert source in message, message
    return message


# ---------------------------------------------------------------- formats


def test_text_is_one_normalised_utterance_per_line() -> None:
    t = parse_text("  first   line\there \n\n\n second line\n   \n")
    assert t.format is F.TEXT
    assert rows(t) == [(None, None, None, "first line here"), (None, None, None, "second line")]
    assert [u.index for u in t.utterances] == [0, 1]


def test_one_huge_unpunctuated_line_stays_one_utterance() -> None:
    words = " ".join(f"word{i}" for i in range(20_000))
    t = parse_text(f"music {words}\n")
    assert t.format is F.TEXT
    assert len(t.utterances) == 1
    assert t.utterances[0].text == f"music {words}"


def test_timestamped_lines() -> None:
    t = parse_text(TIMESTAMPED)
    assert t.format is F.TIMESTAMPED
    assert rows(t) == [
        (1.0, 62.0, "Alice", "Hello there. and this line carries on"),
        (62.0, 65.5, "Bob", "Short stamp."),
        (65.5, 3600.25, "Carol", "No brackets, with millis."),
        (3600.25, None, None, "No speaker at all: just words."),
    ]


def test_timestamped_end_is_none_when_the_next_start_goes_back() -> None:
    t = parse_text("Title line\n[00:00:10] A: one\n[00:00:05] A: two\n[00:00:07] A: three\n")
    assert rows(t) == [
        (None, None, None, "Title line"),
        (10.0, None, "A", "one"),
        (5.0, 7.0, "A", "two"),
        (7.0, None, "A", "three"),
    ]


def test_impossible_timestamp_is_continuation_text_not_lost() -> None:
    t = parse_text("[00:00:01] A: one\n[00:75:00] still A\n[00:00:09] B: two\n")
    assert rows(t)[0] == (1.0, 9.0, "A", "one [00:75:00] still A")


def test_speaker_lines_keep_long_names_and_lose_qmsum_markup() -> None:
    t = parse_text(SPEAKER)
    assert t.format is F.SPEAKER
    assert rows(t) == [
        (None, None, "Grad H", "st"),
        (
            None,
            None,
            "Professor D",
            "Well, so here's the thing. and a continuation line",
        ),
        (
            None,
            None,
            "The Chair (Hon. Anthony Rota (NipissingTimiskaming, Lib.))",
            "I call this meeting to order.",
        ),
        (None, None, "Grad H", "Yeah."),
    ]
    assert t.speakers == [
        "Grad H",
        "Professor D",
        "The Chair (Hon. Anthony Rota (NipissingTimiskaming, Lib.))",
    ]


def test_lecture_lines_with_colons_are_not_speakers() -> None:
    t = parse_text(LECTURE)
    assert t.format is F.TEXT
    assert t.utterances[1].text == "The point is: this works."
    assert all(u.speaker is None for u in t.utterances)


def test_many_distinct_labels_are_not_a_speaker_file() -> None:
    days = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    text = "\n".join(f"{day}: we cover topic {i}" for i, day in enumerate(days))
    assert detect_format(text) is F.TEXT


def test_lowercase_repeated_labels_are_speakers() -> None:
    text = "spk_0: hello\nspk_1: hi\nspk_0: how are you\nspk_1: fine\nspk_0: good\n"
    t = parse_text(text)
    assert t.format is F.SPEAKER
    assert t.speakers == ["spk_0", "spk_1"]


def test_sentence_openers_and_repeated_lowercase_labels() -> None:
    t = parse_text("[00:00:01] So: here we go\n[00:00:02] Well: fine\n[00:00:03] Ann: yes\n")
    assert [(u.speaker, u.text) for u in t.utterances] == [
        (None, "So: here we go"),
        (None, "Well: fine"),
        ("Ann", "yes"),
    ]
    text = "interviewer: a\nguest: b\ninterviewer: c\nguest: d\ninterviewer: e\nguest: f\n"
    assert parse_text(text).speakers == ["interviewer", "guest"]
    twice = "so basically: a\nso basically: b\nplain line\n"
    assert parse_text(twice, format="text").utterances[0].speaker is None
    with pytest.raises(InputError, match="no line starts with a speaker"):
        parse_text(twice, format="speaker")


def test_vtt_voices_tags_and_times() -> None:
    t = parse_text(VTT)
    assert t.format is F.VTT
    assert rows(t) == [
        (1.0, 4.5, "Alice", "Hello & welcome"),
        (1.0, 7.0, "Bob", "Hi there Second cue goes on here"),  # one turn over two cues
        (68.0, 69.0, None, "No voice, coloured"),
    ]


def test_srt_speaker_prefix_tags_and_joined_lines() -> None:
    t = parse_text(SRT)
    assert t.format is F.SRT
    assert rows(t) == [
        (1.0, 3.0, "JOHN", "Hello there second line"),
        (4.0, 6.5, None, "The answer is: forty-two"),
    ]


def test_whisper_object_and_bare_list() -> None:
    t = parse_text(json.dumps(WHISPER))
    assert t.format is F.WHISPER
    assert rows(t) == [(0.0, 1.5, "SPEAKER_00", "Hi there."), (1.5, 3.25, None, "Bye.")]
    bare = parse_text(json.dumps(WHISPER["segments"]))
    assert rows(bare) == rows(t)


def test_empty_segments_and_cues_are_dropped_and_reindexed() -> None:
    data = [{"start": 0, "end": 1, "text": "  "}, {"start": 1, "end": 2, "text": "kept"}]
    t = parse_text(json.dumps(data))
    assert [(u.index, u.text) for u in t.utterances] == [(0, "kept")]


# ---------------------------------------------------------------- detection and override


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (json.dumps(WHISPER), F.WHISPER),
        ("  \n" + json.dumps(WHISPER["segments"]), F.WHISPER),
        (VTT, F.VTT),
        ("\ufeff" + VTT, F.VTT),
        (SRT, F.SRT),
        (TIMESTAMPED, F.TIMESTAMPED),
        ("[00:01] a\n[00:02] b\nplain\nplain\n", F.TIMESTAMPED),
        (SPEAKER, F.SPEAKER),
        (LECTURE, F.TEXT),
        ("[Music] hello there\n", F.TEXT),
        ("WEBVTTX is a word\n", F.TEXT),
    ],
)
def test_detect_format(text: str, expected: TranscriptFormat) -> None:
    assert detect_format(text) is expected
    assert parse_text(text).format is expected


def test_explicit_format_overrides_detection() -> None:
    as_text = parse_text(SPEAKER, format="text")
    assert as_text.format is F.TEXT
    assert as_text.utterances[0].text == "Grad H: st"
    assert all(u.speaker is None for u in as_text.utterances)
    stamped_as_text = parse_text(TIMESTAMPED, format=F.TEXT)
    assert stamped_as_text.utterances[0].text == "[00:00:01] Alice: Hello there."
    assert parse_text(SPEAKER, format="SPEAKER").format is F.SPEAKER
    assert parse_text(json.dumps(WHISPER), format="json").format is F.WHISPER


def test_unknown_format_lists_valid_names() -> None:
    with pytest.raises(InputError) as excinfo:
        parse_text("hello", format="docx", source="talk.docx")
    message = one_line_error(excinfo, "talk.docx")
    assert "docx" in message
    for fmt in F:
        assert fmt.value in message


@pytest.mark.parametrize(
    ("fmt", "needle"), [(F.TIMESTAMPED, "timestamp"), (F.SPEAKER, "speaker"), (F.VTT, "WebVTT")]
)
def test_forcing_a_format_the_text_is_not_in_fails_clearly(fmt: F, needle: str) -> None:
    with pytest.raises(InputError) as excinfo:
        parse_text("just some words\nmore words\n", format=fmt, source="x.txt")
    assert needle in one_line_error(excinfo, "x.txt")


# ---------------------------------------------------------------- bad input


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("data", [b"", b"   \n\t\r\n  ", codecs.BOM_UTF8 + b" \n"])
def test_empty_file(tmp_path: Path, data: bytes) -> None:
    path = write(tmp_path, "empty.txt", data)
    with pytest.raises(InputError) as excinfo:
        read_transcript(path)
    assert one_line_error(excinfo, str(path)) == (
        f"{path} is empty: no transcript text to summarize"
    )


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4,
        b"hello\x00world",
        bytes([1, 2, 3, 4, 5, 6, 7, 8, 14, 15, 16, 17, 18, 19, 20, 21]) * 64 + b"some text",
    ],
)
def test_binary_file(tmp_path: Path, data: bytes) -> None:
    path = write(tmp_path, "image.bin", data)
    with pytest.raises(InputError) as excinfo:
        read_transcript(path)
    assert "binary file, not a transcript" in one_line_error(excinfo, str(path))


def test_invalid_bytes_name_offset_and_suggest_encoding(tmp_path: Path) -> None:
    data = "Alice: on y va\nBob: café crème\n".encode("cp1252")
    path = write(tmp_path, "latin.txt", data)
    with pytest.raises(InputError) as excinfo:
        read_transcript(path)
    message = one_line_error(excinfo, str(path))
    assert f"offset {data.index(0xE9)}" in message
    assert "line 2" in message
    assert "--encoding" in message and "cp1252" in message
    t = read_transcript(path, encoding="cp1252")
    assert t.utterances[1].text == "café crème"


def test_unknown_encoding_name(tmp_path: Path) -> None:
    path = write(tmp_path, "a.txt", b"hello")
    with pytest.raises(InputError) as excinfo:
        read_transcript(path, encoding="klingon-8")
    assert "klingon-8" in one_line_error(excinfo, str(path))


@pytest.mark.parametrize(
    "codec",
    ["utf-8-sig", "utf-16", "utf-16-le+bom", "utf-16-be+bom"],
)
def test_boms_win_over_the_given_encoding(tmp_path: Path, codec: str) -> None:
    text = "Ana: ¿Qué tal?\nBen: Très bien — merci.\nAna: ¡Olé!\n"
    if codec.endswith("+bom"):
        bom = codecs.BOM_UTF16_LE if "le" in codec else codecs.BOM_UTF16_BE
        data = bom + text.encode(codec.removesuffix("+bom"))
    else:
        data = text.encode(codec)
    path = write(tmp_path, "bom.txt", data)
    t = read_transcript(path, encoding="latin-1")
    assert t.format is F.SPEAKER
    assert [u.text for u in t.utterances] == ["¿Qué tal?", "Très bien — merci.", "¡Olé!"]
    assert t.content_hash == hashlib.sha256(text.encode()).hexdigest()


def test_decode_bytes_strips_bom_and_checks_binary() -> None:
    assert decode_bytes(codecs.BOM_UTF8 + b"hi", source="s") == "hi"
    assert decode_bytes("h\u00e9".encode("utf-16-le"), source="s", encoding="utf-16-le") == "hé"
    with pytest.raises(InputError, match="binary"):
        decode_bytes(b"a\x00b", source="s")


def test_malformed_vtt_cue_names_line_and_suggests_text(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.vtt", VTT.replace("00:00:05.250 -->", "00:00:5x.250 -->").encode())
    with pytest.raises(InputError) as excinfo:
        read_transcript(path)
    message = one_line_error(excinfo, str(path))
    assert "WebVTT" in message and "cue 2" in message and "line 10" in message
    assert "--input-format text" in message


def test_vtt_cue_ending_before_it_starts_is_malformed() -> None:
    text = "WEBVTT\n\n00:00:05.000 --> 00:00:03.000\nhi\n"
    with pytest.raises(InputError, match="line 3"):
        parse_text(text, source="c.vtt")


def test_malformed_srt_cue_names_cue_and_line(tmp_path: Path) -> None:
    broken = SRT.replace("2\n00:00:04,000 --> 00:00:06,500", "2\n00:00:04,000 --> oops")
    path = write(tmp_path, "bad.srt", broken.encode())
    with pytest.raises(InputError) as excinfo:
        read_transcript(path)
    message = one_line_error(excinfo, str(path))
    assert "SRT" in message and "cue 2" in message and "line 6" in message
    assert "--input-format text" in message


def test_forced_srt_on_plain_text_fails_clearly() -> None:
    with pytest.raises(InputError) as excinfo:
        parse_text("hello world\n", format="srt", source="talk.txt")
    assert "SRT" in one_line_error(excinfo, "talk.txt")


@pytest.mark.parametrize(
    ("payload", "needle"),
    [
        ({"segments": []}, "no Whisper segments"),
        ({"text": "hello"}, "no Whisper segments"),
        ([1, 2, 3], "no Whisper segments"),
        ({"segments": [{"start": "0:01", "end": 2, "text": "x"}]}, "segment 0 has a start"),
        ({"segments": [{"start": 0, "end": True, "text": "x"}]}, "segment 0 has a end"),
        (
            {
                "segments": [
                    {"start": 0, "end": 1, "text": "a"},
                    {"start": 5, "end": 4, "text": "b"},
                ]
            },
            "segment 1 ends",
        ),
        ({"segments": [{"start": -1, "end": 1, "text": "x"}]}, "negative start"),
        ({"segments": [{"start": 0, "end": 1, "text": "x"}, "oops"]}, "segment 1 is not"),
        ({"segments": [{"start": 0, "end": 1, "text": "   "}]}, "no utterance with text"),
    ],
)
def test_bad_whisper_json(tmp_path: Path, payload: object, needle: str) -> None:
    path = write(tmp_path, "asr.json", json.dumps(payload).encode())
    with pytest.raises(InputError) as excinfo:
        read_transcript(path)
    assert needle in one_line_error(excinfo, str(path))


def test_invalid_json_forced_as_whisper() -> None:
    with pytest.raises(InputError) as excinfo:
        parse_text('{"segments": [', format="whisper", source="cut.json")
    assert "not valid JSON" in one_line_error(excinfo, "cut.json")


def test_vtt_without_cues_is_an_error_not_an_empty_transcript() -> None:
    with pytest.raises(InputError) as excinfo:
        parse_text("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<i></i>\n", source="v.vtt")
    assert "no utterance" in one_line_error(excinfo, "v.vtt")


def test_file_over_the_limit_fails_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    with path.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)  # sparse NUL bytes: the size check must fire first
    began = time.perf_counter()
    with pytest.raises(InputError) as excinfo:
        read_transcript(path)
    assert time.perf_counter() - began < 0.5
    assert one_line_error(excinfo, str(path)) == (
        f"{path} is 50.0 MB, over the 32 MB limit for a transcript; "
        "raise it with --max-input-mb or LONGSUM_MAX_INPUT_MB"
    )


def test_max_bytes_is_honoured(tmp_path: Path) -> None:
    path = write(tmp_path, "t.txt", b"x" * 2000)
    with pytest.raises(InputError, match="over the"):
        read_transcript(path, max_bytes=1000)
    assert read_transcript(path, max_bytes=2000).utterances[0].text == "x" * 2000


def test_missing_file_and_directory(tmp_path: Path) -> None:
    missing = tmp_path / "nope.txt"
    with pytest.raises(InputError) as excinfo:
        read_transcript(missing)
    assert "does not exist" in one_line_error(excinfo, str(missing))
    with pytest.raises(InputError) as excinfo:
        read_transcript(tmp_path)
    assert "is a directory" in one_line_error(excinfo, str(tmp_path))


class FakeStdin:
    def __init__(self, data: bytes) -> None:
        self.buffer = io.BytesIO(data)


def test_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", FakeStdin(SRT.encode()))
    t = read_transcript("-")
    assert t.source == "<stdin>" and t.format is F.SRT
    monkeypatch.setattr("sys.stdin", FakeStdin(b"y" * 101))
    with pytest.raises(InputError) as excinfo:
        read_transcript("-", max_bytes=100)
    assert "over the" in one_line_error(excinfo, "<stdin>")


def test_source_and_content_hash(tmp_path: Path) -> None:
    path = write(tmp_path, "talk.vtt", VTT.encode())
    t = read_transcript(str(path))
    assert t.source == str(path)
    assert t.content_hash == hashlib.sha256(VTT.encode()).hexdigest()
    assert parse_text(VTT).content_hash == t.content_hash
    assert parse_text(VTT + "\n").content_hash != t.content_hash


# ---------------------------------------------------------------- the shared real transcripts

_STAMP = re.compile(r"^\s*\[\d{2}:\d{2}:\d{2}\]", re.MULTILINE)


def shared_files(shared_dir: Path) -> list[Path]:
    files = sorted((shared_dir / "data/real").glob("*.txt"))
    files += sorted((shared_dir / "data/seed_transcripts").glob("*.txt"))
    assert files, f"no transcripts under {shared_dir}/data"
    return files


def expected_format(path: Path) -> TranscriptFormat:
    if path.parent.name == "seed_transcripts" or path.name.startswith("lecture_"):
        return F.TEXT
    if path.name.startswith("podcast_"):
        return F.TIMESTAMPED
    assert path.name.startswith("meeting_"), f"unknown genre of {path.name}"
    return F.SPEAKER


def test_every_shared_transcript_parses_losslessly(shared_dir: Path) -> None:
    for path in shared_files(shared_dir):
        t = read_transcript(path)
        fmt = expected_format(path)
        assert t.format is fmt, path.name
        assert all(u.text and u.text == " ".join(u.text.split()) for u in t.utterances)
        assert [u.index for u in t.utterances] == list(range(len(t.utterances)))
        raw = path.read_text(encoding="utf-8")
        if fmt is F.TIMESTAMPED:
            starts = [u.start for u in t.utterances if u.start is not None]
            assert len(starts) == len(t.utterances), path.name
            # reading order is kept: overlapping speech may step back a few seconds, no more
            assert all(b >= a - 5 for a, b in itertools.pairwise(starts)), path.name
            assert starts[-1] > 600, path.name
            for u, after in itertools.pairwise(t.utterances):
                assert u.start is not None and after.start is not None
                assert u.end == (after.start if after.start >= u.start else None)
            assert t.utterances[-1].end is None
            raw = _STAMP.sub("", raw)
        # Every word is kept, once mark-up nobody said is out (clean_markup, line by line).
        raw = "\n".join(clean_markup(line) for line in raw.splitlines())
        if fmt in (F.TIMESTAMPED, F.SPEAKER):
            assert t.speakers, path.name
            # turns with a speaker and no words are dropped: take them out of the expectation
            names = "|".join(re.escape(s) for s in t.speakers)
            raw = re.sub(rf"(?m)^(?:{names}):[ \t]*$", "", raw)
        else:
            assert t.speakers == [], path.name
        if path.parent.name == "seed_transcripts":
            assert len(t.utterances) == 1, path.name
        rebuilt = " ".join(f"{u.speaker}: {u.text}" if u.speaker else u.text for u in t.utterances)
        assert rebuilt.split() == raw.split(), f"{path.name}: words lost or changed"


def test_real_speaker_files_have_the_expected_speakers(shared_dir: Path) -> None:
    real = shared_dir / "data/real"
    ami = read_transcript(real / "meeting_ami_IS1004c.txt")
    assert sorted(ami.speakers) == [
        "Industrial Designer",
        "Marketing",
        "Project Manager",
        "User Interface",
    ]
    icsi = read_transcript(real / "meeting_icsi_Bmr024.txt")
    assert {"Grad H", "Professor D", "PhD I", "Postdoc A"} <= set(icsi.speakers)
    assert not any("{disfmarker}" in u.text for u in icsi.utterances), "mark-up is cleaned"
    parl = read_transcript(real / "meeting_parl_covid_3.txt")
    assert parl.speakers[0] == "The Chair (Hon. Anthony Rota (NipissingTimiskaming, Lib.))"
    assert "Hon. Chrystia Freeland" in parl.speakers


def test_longest_real_file_parses_fast(shared_dir: Path) -> None:
    text = (shared_dir / "data/real/podcast_lex_pieter_levels.txt").read_text(encoding="utf-8")
    best = float("inf")
    for _ in range(5):
        began = time.perf_counter()
        t = parse_text(text)
        best = min(best, time.perf_counter() - began)
    assert len(t.utterances) > 1000
    assert best < 0.1, f"parse took {best * 1000:.0f} ms"


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(["", "WEBVTT\n\n", "1\n00:00:01,000 --> ", "[00:00:01] ", "A: ", "{", "["]),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=200),
    st.sampled_from([None, *F]),
)
def test_any_text_gives_a_transcript_or_an_input_error(
    head: str, body: str, fmt: TranscriptFormat | None
) -> None:
    try:
        t = parse_text(head + body, format=fmt, source="fuzz")
    except InputError as exc:
        assert "\n" not in str(exc) and "fuzz" in str(exc)
    else:
        assert t.utterances and all(u.text.strip() == u.text and u.text for u in t.utterances)


@pytest.mark.parametrize("text", ["12 44 90\n31 7 8\n", "😀 🎉 🚀\n👍 👍\n", "... --- !!!\n"])
def test_a_transcript_without_a_letter_is_refused(text: str) -> None:
    with pytest.raises(InputError, match="holds no words"):
        parse_text(text)

"""Chapters for players and platforms: YouTube description lines, Podcasting 2.0 chapters
JSON and a WebVTT chapters track, each held to its format's rules; finer chapters than the
five sections (``--chapters N``), titled from their own text; and a transcript without
times refused before the run."""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import webvtt
from typer.testing import CliRunner

from longsum.cli import app
from longsum.cli.chapters import chapters_text
from longsum.errors import ConfigError, InputError
from longsum.tools.chapters import (
    chapters_from_extended,
    format_chapters,
    podcast_json,
    render_chapters,
    vtt_track,
    youtube_lines,
)
from longsum.tools.parsing import read_transcript
from longsum.tools.transcript import Utterance

runner = CliRunner()

PODCAST_CHAPTERS_SCHEMA: dict[str, Any] = {
    # Podcasting 2.0 JSON chapters (podcastindex-org/podcast-namespace, chapters/jsonChapters.md).
    "type": "object",
    "required": ["version", "chapters"],
    "properties": {
        "version": {"type": "string"},
        "chapters": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["startTime"],
                "additionalProperties": False,
                "properties": {
                    "startTime": {"type": "number", "minimum": 0},
                    "endTime": {"type": "number", "minimum": 0},
                    "title": {"type": "string"},
                    "img": {"type": "string"},
                    "url": {"type": "string"},
                    "toc": {"type": "boolean"},
                    "location": {"type": "object"},
                },
            },
        },
    },
}


def validate_podcast_chapters(data: Any) -> None:
    """``data`` against the spec's fields, its start times ascending."""
    jsonschema = pytest.importorskip("jsonschema")  # chromadb's dependency, so always here
    jsonschema.Draft202012Validator(PODCAST_CHAPTERS_SCHEMA).validate(data)
    times = [c["startTime"] for c in data["chapters"]]
    assert times == sorted(times) and times[0] == 0


def extended(starts: list[float | None], end: float | None) -> dict[str, Any]:
    """A run's extended result with one chunk and one section per start."""
    ends = [*starts[1:], end]
    chunks = [
        {"id": f"c{i:03d}", "start": s, "end": e, "utterances": [i, i]}
        for i, (s, e) in enumerate(zip(starts, ends, strict=True))
    ]
    return {
        "transcript": {"source": "talk.txt", "has_times": starts[0] is not None},
        "chunks": chunks,
        "sections": [
            {"title": f"Section {i + 1}: Topic {i + 1}", "start": c["start"], "end": c["end"]}
            | {"chunk_ids": [c["id"]]}
            for i, c in enumerate(chunks)
        ],
        "notes": [{"chunk_ids": [c["id"]], "key_points": [], "terms": []} for c in chunks],
    }


def test_the_five_sections_are_the_default_chapters_first_at_zero() -> None:
    chapters = chapters_from_extended(extended([4.0, 300.0, 600.0, 900.0, 1200.0], 1500.0))
    assert [c["start"] for c in chapters] == [0.0, 300.0, 600.0, 900.0, 1200.0]
    assert [c["end"] for c in chapters] == [300.0, 600.0, 900.0, 1200.0, 1500.0]
    assert chapters[0]["title"] == "Topic 1"  # the contract's "Section 1: " is no chapter's
    assert youtube_lines(chapters).splitlines()[:2] == ["00:00 Topic 1", "05:00 Topic 2"]


def test_chapters_under_ten_seconds_join_the_one_before() -> None:
    chapters = chapters_from_extended(extended([0.0, 100.0, 105.0, 200.0, 1000.0], 1006.0))
    assert [c["start"] for c in chapters] == [0.0, 100.0, 200.0]
    assert chapters[1]["chunk_ids"] == ["c001", "c002"]  # the 5 s chapter, merged
    assert chapters[-1]["chunk_ids"] == ["c003", "c004"]  # the last, 6 s long
    assert chapters[-1]["end"] == 1006.0
    starts = [c["start"] for c in chapters] + [1006.0]
    assert all(b - a >= 10 for a, b in itertools.pairwise(starts))


def test_youtube_needs_three_chapters() -> None:
    chapters = chapters_from_extended(extended([0.0, 3.0, 6.0, 9.0, 20.0], 40.0))
    assert len(chapters) == 2
    with pytest.raises(InputError, match="YouTube needs at least 3"):
        youtube_lines(chapters)


def test_youtube_stamps_go_to_hours_past_the_first_hour() -> None:
    chapters = chapters_from_extended(extended([0.0, 599.9, 3000.0, 3600.0, 7322.5], 9000.0))
    stamps = [line.split(" ", 1)[0] for line in youtube_lines(chapters).splitlines()]
    assert stamps == ["00:00", "09:59", "50:00", "1:00:00", "2:02:02"]


def test_podcast_chapters_follow_the_podcasting_2_0_fields() -> None:
    chapters = chapters_from_extended(extended([2.0, 61.5, 600.0, 900.0, 4000.25], 4100.0))
    data = json.loads(podcast_json(chapters))
    validate_podcast_chapters(data)
    assert data["version"] == "1.2.0"
    times = [c["startTime"] for c in data["chapters"]]
    assert times == [0, 61.5, 600, 900, 4000.25]
    assert times == sorted(times)
    assert data["chapters"][-1]["endTime"] == 4100


def test_the_vtt_track_parses_back_with_contiguous_cues(tmp_path: Path) -> None:
    chapters = chapters_from_extended(extended([0.0, 61.5, 600.0, 3700.0, 4000.25], 4100.0))
    chapters[2]["title"] = "Arrows --> ahead"  # "-->" would end a cue's text early
    track = vtt_track(chapters)
    assert track.startswith("WEBVTT\n\n")
    cues = webvtt.from_string(track).captions
    assert [c.text for c in cues] == ["Topic 1", "Topic 2", "Arrows -> ahead", "Topic 4", "Topic 5"]
    assert [c.start for c in cues] == [
        "00:00:00.000",
        "00:01:01.500",
        "00:10:00.000",
        "01:01:40.000",
        "01:06:40.250",
    ]
    assert [c.end for c in cues[:-1]] == [c.start for c in cues[1:]]
    assert cues[-1].end == "01:08:20.000"


def test_an_untimed_transcript_is_refused_naming_the_timed_formats() -> None:
    with pytest.raises(InputError, match=r"no times.*WebVTT, SRT or Whisper JSON"):
        render_chapters(extended([None] * 5, None), "chapters")
    with pytest.raises(ConfigError, match="unknown chapters format"):
        format_chapters([], "mp4-chapters")


def test_finer_chapters_fall_where_the_subject_changes_titled_from_their_text() -> None:
    subjects = [
        "the Coffee Roasting drum heats green beans until first crack",
        "a Sailing Boat tacks upwind while the jib sheet is trimmed",
        "the Compiler Backend lowers each instruction into machine registers",
    ]
    utterances = [
        Utterance(index=i, start=30.0 * i, end=30.0 * i + 30, text=f"{subjects[i // 10]} {i}")
        for i in range(30)
    ]
    run = extended([0.0, 180.0, 360.0, 540.0, 720.0], 900.0)
    for c, (a, b) in zip(
        run["chunks"], [(0, 5), (6, 11), (12, 17), (18, 23), (24, 29)], strict=True
    ):
        c["utterances"] = [a, b]
    run["notes"][0]["terms"] = ["Coffee Roasting", "Sailing Boat", "Compiler Backend", "beans"]
    chapters = chapters_from_extended(run, 3, utterances)
    assert [c["start"] for c in chapters] == [0.0, 300.0, 600.0]
    assert [c["title"] for c in chapters] == ["Coffee Roasting", "Sailing Boat", "Compiler Backend"]
    assert chapters[1]["chunk_ids"] == ["c001", "c002", "c003"]


def test_a_run_kept_from_before_chapters_still_renders_them() -> None:
    run = SimpleNamespace(extended=extended([0.0, 300.0, 600.0, 900.0, 1200.0], 1500.0))
    assert "chapters" not in run.extended  # a checkpointed run finished before they were kept
    text = chapters_text(run, "chapters", None, None)  # type: ignore[arg-type]
    assert text is not None and text.splitlines()[-1] == "20:00 Topic 5"
    assert len(run.extended["chapters"]) == 5


@pytest.mark.usefixtures("isolated_cli")
def test_the_cli_refuses_an_untimed_transcript_before_the_run(tmp_path: Path) -> None:
    talk = tmp_path / "talk.txt"
    talk.write_text("Anna: We should ship the release on Friday.\nBen: Fine by me.\n")
    for kind in ("chapters", "podcast-chapters", "vtt-chapters"):
        result = runner.invoke(app, ["summarize", str(talk), "--format", kind])
        assert result.exit_code == 3
        assert "carries no times" in result.stderr
        assert "split_transcript" not in result.stderr  # refused before the graph ran
    result = runner.invoke(app, ["summarize", str(talk), "--chapters", "many"])
    assert result.exit_code == 2


@pytest.mark.usefixtures("isolated_cli")
def test_a_real_podcast_gives_chapters_in_every_format(shared_dir: Path) -> None:
    path = shared_dir / "data" / "real" / "podcast_lex_lisa_randall.txt"
    transcript = read_transcript(path)
    assert transcript.has_times

    lines = runner.invoke(app, ["summarize", str(path), "--format", "chapters"])
    assert lines.exit_code == 0, lines.stderr
    stamps = [line.split(" ", 1)[0] for line in lines.stdout.splitlines()]
    assert len(stamps) == 5 and stamps[0] == "00:00"
    assert all(re.fullmatch(r"\d\d:\d\d", s) for s in stamps)  # under an hour: MM:SS
    seconds = [int(s[:2]) * 60 + int(s[3:]) for s in stamps]
    assert all(b - a >= 10 for a, b in itertools.pairwise(seconds))

    podcast = runner.invoke(app, ["summarize", str(path), "--format", "podcast-chapters"])
    data = json.loads(podcast.stdout)
    validate_podcast_chapters(data)
    assert [c["startTime"] for c in data["chapters"]] == seconds

    vtt = runner.invoke(app, ["summarize", str(path), "--format", "vtt-chapters"])
    cues = webvtt.from_string(vtt.stdout).captions
    assert [c.start_in_seconds for c in cues] == seconds
    assert cues[-1].end_in_seconds == int(transcript.utterances[-1].start or 0)

    finer = runner.invoke(app, ["summarize", str(path), "--format", "extended", "--chapters", "12"])
    chapters = json.loads(finer.stdout)["chapters"]
    assert len(chapters) == 12
    assert [c["start"] for c in chapters] == sorted({c["start"] for c in chapters})
    for chapter in chapters:
        own = " ".join(
            u.text
            for u in transcript.utterances
            if chapter["start"] <= (u.start or 0) < chapter["end"]
        ).casefold()
        assert all(word.casefold() in own for word in chapter["title"].split()), chapter
        assert chapter["chunk_ids"]


def test_a_chapter_is_never_titled_by_a_cut_off_phrase() -> None:
    from collections import Counter

    from longsum.tools.chapters import _title

    text = "the scientific story behind it, the scientific story behind it: a cautionary tale."
    terms = ["scientific story behind", "cautionary tale"]
    assert _title(text, terms, set(), Counter()) == "cautionary tale"
    # With no term said, the commonest word that is no function word.
    assert _title("the the the the quarks of the", ["gluon"], set(), Counter()) == "Quarks"

"""Diarized transcripts: ``--speakers SPEAKER_00=Naval`` names the labels (CLI, Python API,
graph input); without names a reader is told "two speakers", never ``SPEAKER_00``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import longsum
from longsum.cli import app
from longsum.errors import ConfigError, InputError
from longsum.tools.speakers import anonymous, name_speakers, parse_speaker_names

cli = CliRunner()

TOPICS = [
    "Wealth comes from owning equity in a business rather than renting out your time.",
    "Specific knowledge cannot be trained and is found by pursuing genuine curiosity.",
    "Leverage through code and media lets one person's work reach millions of people.",
    "Judgment matters more than effort once leverage multiplies every single decision.",
    "Reading widely builds the mental models that good long term decisions depend on.",
    "Happiness is a skill that can be practised like any other through daily habits.",
    "Meditation quiets the constant internal monologue that drives most of our desires.",
    "Desire is a contract you make with yourself to be unhappy until you get what you want.",
]


def whisperx(path: Path, turns: int = 64) -> Path:
    """A WhisperX JSON: segments with start, end, text and a diarizer's speaker label."""
    segments = [
        {
            "start": i * 15.0,
            "end": i * 15.0 + 14.0,
            "speaker": f"SPEAKER_0{i % 2}",
            "text": f" {TOPICS[(i // 8) % len(TOPICS)]} Point {i} adds detail {i} here.",
        }
        for i in range(turns)
    ]
    path.write_text(json.dumps({"segments": segments, "language": "en"}), encoding="utf-8")
    return path


def test_names_are_parsed_and_bad_specs_are_one_line_errors() -> None:
    assert parse_speaker_names("SPEAKER_00=Naval, SPEAKER_01 = Host") == {
        "SPEAKER_00": "Naval",
        "SPEAKER_01": "Host",
    }
    assert parse_speaker_names("") == {}
    for bad in ("SPEAKER_00", "=Naval", "SPEAKER_00=", "A=x,A=y"):
        with pytest.raises(ConfigError, match="--speakers"):
            parse_speaker_names(bad)


def test_labels_are_anonymous_and_names_are_not() -> None:
    assert anonymous(["SPEAKER_00", "SPEAKER_01"])
    assert anonymous(["spk_1", "Speaker 2", "A"])
    assert not anonymous(["Naval", "SPEAKER_01"])
    assert not anonymous([])


def test_naming_relabels_every_utterance_and_refuses_an_unknown_label(tmp_path: Path) -> None:
    transcript = longsum.read_transcript(whisperx(tmp_path / "talk.json", turns=4))
    named = name_speakers(transcript, {"SPEAKER_00": "Naval"})
    assert named.speakers == ["Naval", "SPEAKER_01"]
    assert named.content_hash != transcript.content_hash, "named chunks are indexed anew"
    with pytest.raises(InputError, match=r"SPEAKER_07, which .*talk\.json does not have"):
        name_speakers(transcript, {"SPEAKER_07": "Naval"})


@pytest.mark.usefixtures("isolated_cli")
def test_cli_names_speakers_and_unnamed_ones_are_counted(tmp_path: Path) -> None:
    path = whisperx(tmp_path / "talk.json")
    unnamed = cli.invoke(app, ["summarize", str(path), "--format", "markdown"])
    assert unnamed.exit_code == 0, unnamed.output
    assert "SPEAKER_0" not in unnamed.stdout.split("## Section")[0]
    assert "between two speakers" in unnamed.stdout
    assert "*Two speakers, unnamed*" in unnamed.stdout

    named = cli.invoke(
        app,
        [
            "summarize",
            str(path),
            "--format",
            "markdown",
            "--speakers",
            "SPEAKER_00=Naval,SPEAKER_01=Host",
        ],
    )
    assert named.exit_code == 0, named.output
    assert "*Speakers: Naval, Host*" in named.stdout
    assert "between Naval and Host" in named.stdout
    assert "SPEAKER_0" not in named.stdout

    typo = cli.invoke(app, ["summarize", str(path), "--speakers", "SPEAKER_09=Naval"])
    assert typo.exit_code == 3
    assert "SPEAKER_09" in typo.stderr and "Traceback" not in typo.output
    bad = cli.invoke(app, ["summarize", str(path), "--speakers", "Naval"])
    assert bad.exit_code == 2 and "LABEL=Name" in bad.stderr


@pytest.mark.usefixtures("isolated_cli")
def test_the_python_api_and_the_graph_input_name_speakers(tmp_path: Path) -> None:
    path = whisperx(tmp_path / "talk.json")
    summary = longsum.summarize(path, speakers={"SPEAKER_00": "Naval", "SPEAKER_01": "Host"})
    assert "Naval" in summary.introduction and "SPEAKER_0" not in summary.introduction

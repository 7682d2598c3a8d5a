"""The document's title: given (``--title``, ``title=``, the graph input), else the source's
own (WebVTT header, opening heading or ``Title:`` line, Whisper JSON ``"title"``), else the
cleaned file name; the Markdown heading and the extended result carry it."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from langgraph.runtime import Runtime
from typer.testing import CliRunner

from fakes import ScriptedResponder, fake_services
from longsum.api import run_summary
from longsum.cli import app
from longsum.contract import Summary
from longsum.graphs.context import Context
from longsum.graphs.nodes.split_transcript import split_transcript
from longsum.settings import Settings, load_settings
from longsum.tools.markdown import render_markdown
from longsum.tools.parsing import parse_text
from longsum.tools.titles import file_title, leading_title, resolve_title, source_title
from longsum.tools.transcript import TranscriptFormat

VTT = """WEBVTT - Lex Fridman Podcast #440

00:00:01.000 --> 00:00:03.000
Hello there everyone.
"""
YOUTUBE_VTT = """WEBVTT
Kind: captions
Language: en

00:00:01.000 --> 00:00:03.000
Hello there everyone.
"""
HEADER_VTT = """WEBVTT
Kind: captions
Title: Pieter Levels on startups
Language: en

00:00:01.000 --> 00:00:03.000
Hello there everyone.
"""
SRT = "1\n00:00:01,000 --> 00:00:03,000\nTitle: not a title here\n"


@pytest.mark.parametrize(
    ("name", "title"),
    [
        ("podcast_lex_pieter_levels.txt", "Lex Pieter Levels"),
        ("meeting_ami_IS1004c.txt", "AMI Meeting IS1004c"),
        ("lecture_vtssum_intro_ml.txt", "Intro ML"),
        ("podcast_lenny_reganti_badam.txt", "Lenny Reganti Badam"),
        ("meeting_parl_covid_3.txt", "Parl COVID 3"),
        ("/data/mlops_llm-eval.txt", "MLOps LLM Eval"),
        ("How Transformers Work [dQw4w9WgXcQ].en.vtt", "How Transformers Work"),
        ("2024-05-01_standup_transcript.txt", "Standup"),
        ("transcript_2024-05-01.txt", "Transcript 2024-05-01"),
        ("talk-of-the-town.srt", "Talk of the Town"),
        ("mixtral8x7b.txt", "Mixtral8x7b"),
        ("<stdin>", None),
        ("<text>", None),
        ("en.vtt", None),
    ],
)
def test_file_names_are_cleaned(name: str, title: str | None) -> None:
    assert file_title(name) == title


def test_file_name_words_that_are_speakers_name_them_in_full() -> None:
    speakers = ["Pieter Levels", "Lex Fridman"]
    assert file_title("podcast_lex_pieter_levels.txt", speakers) == "Lex Fridman and Pieter Levels"
    three = ["Lenny Rachitsky", "Aishwarya Naresh Reganti", "Kiriti Badam"]
    assert (
        file_title("podcast_lenny_reganti_badam.txt", three)
        == "Lenny Rachitsky, Aishwarya Naresh Reganti and Kiriti Badam"
    )
    # A word no speaker has, or one two speakers share: the file's words, spelled as said.
    assert file_title("lex_on_levels.txt", speakers) == "Lex on Levels"
    assert file_title("lex.txt", ["Lex Fridman", "Lex Luthor"]) == "Lex"
    assert file_title("meeting_ami_IS1004c.txt", ["Project Manager"]) == "AMI Meeting IS1004c"


@pytest.mark.parametrize(
    ("text", "fmt", "title"),
    [
        (VTT, TranscriptFormat.VTT, "Lex Fridman Podcast #440"),
        (HEADER_VTT, TranscriptFormat.VTT, "Pieter Levels on startups"),
        (YOUTUBE_VTT, TranscriptFormat.VTT, None),
        ("WEBVTT FILE\n\n00:00:01.000 --> 00:00:02.000\nHi.\n", TranscriptFormat.VTT, None),
        (SRT, TranscriptFormat.SRT, None),
        ('{"title": " My  episode ", "segments": []}', TranscriptFormat.WHISPER, "My episode"),
        ('{"segments": [{"title": "no"}]}', TranscriptFormat.WHISPER, None),
        ("\n# Deep Dive #\nAda: hi\n", TranscriptFormat.SPEAKER, "Deep Dive"),
        ("Title: Weekly sync\n[00:00:01] Ada: hi\n", TranscriptFormat.TIMESTAMPED, "Weekly sync"),
        (
            '---\ntitle: "Why AI fails"\ntags:\n  - ai\n---\nhi\n',
            TranscriptFormat.TEXT,
            "Why AI fails",
        ),
        ("We start.\n# not a title\n", TranscriptFormat.TEXT, None),
        ("#1 priority is this.\n", TranscriptFormat.TEXT, None),
        ("---\nA rule, then speech.\n---\n", TranscriptFormat.TEXT, None),
    ],
)
def test_titles_in_the_source(text: str, fmt: TranscriptFormat, title: str | None) -> None:
    assert source_title(text, fmt) == title


def test_an_opening_title_line_is_not_speech_but_a_later_heading_is() -> None:
    transcript = parse_text("# My Talk\n\nAda: hello there\nLin: hi\nAda: so we begin\n")
    assert transcript.format is TranscriptFormat.SPEAKER
    assert transcript.utterances[0].render() == "Ada: hello there"
    # Dropped before detection: "Title" is not taken for one more speaker.
    titled = parse_text("Title: Sync\nAda: hello there\nLin: hi\nAda: so we begin\nLin: ok\n")
    assert titled.format is TranscriptFormat.SPEAKER and titled.speakers == ["Ada", "Lin"]
    plain = parse_text("We start here.\n# Part two\nAnd go on.\n")
    assert len(plain.utterances) == 3, "only the opening line can be a title"
    front = parse_text('---\ntitle: "T"\n---\n[00:00:00] Ada: hi\n[00:00:05] Lin: yo\n')
    assert [u.speaker for u in front.utterances] == ["Ada", "Lin"]
    assert leading_title("x" * 300 + "\n")[0] is None
    assert leading_title("Title: " + "x" * 300 + "\nmore\n")[0] is None, "too long: speech"


def test_caption_and_json_titles_are_not_speech() -> None:
    assert [u.text for u in parse_text(HEADER_VTT).utterances] == ["Hello there everyone."]
    data = {"title": "T", "segments": [{"start": 0.0, "end": 1.0, "text": "hi"}]}
    assert [u.text for u in parse_text(json.dumps(data)).utterances] == ["hi"]


def test_precedence_given_then_source_then_file_name() -> None:
    speech = "# From the heading\nhi\n"
    fmt = TranscriptFormat.TEXT
    assert resolve_title("  Given\n title ", speech, fmt, "talk_one.txt") == "Given title"
    assert resolve_title(None, speech, fmt, "talk_one.txt") == "From the heading"
    assert resolve_title("  ", "hi\n", fmt, "talk_one.txt") == "Talk One"
    assert resolve_title(None, "hi\n", fmt, "<stdin>") is None
    assert resolve_title(None, VTT, TranscriptFormat.VTT, "x.vtt") == "Lex Fridman Podcast #440"


@pytest.fixture
def gold(shared_dir: Path) -> dict[str, Any]:
    raw = json.loads((shared_dir / "data/gold/mixtral8x7b.json").read_text(encoding="utf-8"))
    data: dict[str, Any] = Summary.model_validate(raw).model_dump(mode="json", by_alias=True)
    return data


def test_markdown_heading_is_the_title_else_the_source(gold: dict[str, Any]) -> None:
    info = {"source": "podcast_x.txt", "title": "Given", "has_times": True, "duration": 60.0}
    assert render_markdown(gold, {"transcript": info}).startswith("# Given (00:01:00)\n")
    # A result from before titles: named from its source (and speakers).
    old = {
        "source": "/a/podcast_lex_pieter_levels.txt",
        "speakers": ["Pieter Levels", "Lex Fridman"],
    }
    assert render_markdown(gold, {"transcript": old}).startswith(
        "# Lex Fridman and Pieter Levels\n"
    )
    stdin = {"source": "<stdin>", "title": None}
    assert render_markdown(gold, {"transcript": stdin}).startswith("# Summary\n")


@pytest.fixture
def seed(shared_dir: Path) -> Path:
    return shared_dir / "data/seed_transcripts/mixtral8x7b.txt"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings(cache_dir=tmp_path / "cache", vector_store="memory")


def split(state: dict[str, Any], settings: Settings) -> Any:
    """The ``split_transcript`` node's transcript description for ``state``."""
    runtime = Runtime(context=Context(services=fake_services(settings, ScriptedResponder())))
    return split_transcript(state, {}, runtime)["transcript"]  # type: ignore[arg-type]


def test_the_graph_resolves_the_title(seed: Path, settings: Settings, tmp_path: Path) -> None:
    speech = seed.read_text(encoding="utf-8")
    named = tmp_path / "podcast_mixtral_8x7b.txt"
    named.write_text("# Mixtral, explained\n" + speech, encoding="utf-8")
    assert split({"path": str(named)}, settings).title == "Mixtral, explained"
    assert split({"path": str(named), "title": "Given"}, settings).title == "Given"
    assert split({"path": str(seed)}, settings).title == "Mixtral8x7b"
    assert split({"text": speech}, settings).title is None
    assert split({"text": speech, "source": "deep_dive.txt"}, settings).title == "Deep Dive"
    # The heading is gone from the speech: the same utterances and tokens as without it.
    titled, plain = split({"path": str(named)}, settings), split({"path": str(seed)}, settings)
    assert (titled.utterances, titled.tokens) == (plain.utterances, plain.tokens)


def test_api_title_reaches_the_extended_result(seed: Path, settings: Settings) -> None:
    services = fake_services(settings, ScriptedResponder())
    result = asyncio.run(run_summary(seed, services=services, title="Mixture of Experts"))
    assert result.extended["transcript"]["title"] == "Mixture of Experts"


@pytest.mark.usefixtures("isolated_cli")
def test_cli_title_is_the_markdown_heading(seed: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    responder = ScriptedResponder()
    monkeypatch.setattr(
        "longsum.graphs.services.build_services",
        lambda settings, **_: fake_services(settings, responder),
    )
    runner = CliRunner()
    help_text = runner.invoke(app, ["summarize", "--help"], terminal_width=200).stdout
    assert "--title" in help_text
    args = ["summarize", str(seed), "--format", "markdown", "--title", "Sparse Mixtures"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("# Sparse Mixtures\n")

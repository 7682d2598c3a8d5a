"""Telling transcript text from a file path (longsum.inputs), as summarize and the tool do."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

import pytest

import longsum
from fakes import ScriptedResponder, fake_services
from longsum import api
from longsum.errors import InputError
from longsum.inputs import MAX_PATH_CHARS, transcript_source
from longsum.settings import load_settings


@pytest.fixture
def no_models(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Run in an empty folder, and fail if anything tries to load settings or models."""
    monkeypatch.chdir(tmp_path)

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a missing path must fail before any model is loaded")

    monkeypatch.setattr(api, "build_services", refuse)
    monkeypatch.setattr(api, "load_settings", refuse)


def test_summarize_of_a_missing_path_is_an_input_error_naming_it(no_models: None) -> None:
    with pytest.raises(InputError) as excinfo:
        longsum.summarize("missing.txt")
    message = str(excinfo.value)
    assert message.startswith("missing.txt not found")
    assert "\n" not in message and "too short" not in message
    assert excinfo.value.exit_code == 3


@pytest.mark.parametrize(
    "given",
    [
        "missing.vtt",
        "talk.SRT",
        "whisper.json\n",
        "notes.md",
        "no/such/talk",
        "~/no-such-folder-here/talk",
        r"C:\talks\zig",
        "My Talks/zig.txt",
    ],
)
def test_a_path_shaped_string_that_names_nothing_is_not_found(no_models: None, given: str) -> None:
    with pytest.raises(InputError, match=f"^{re.escape(given.strip())} not found"):
        transcript_source(given)


@pytest.mark.parametrize(
    "text",
    [
        "Hello there, just one line.",
        "We compared TCP/IP and HTTP/2 today",
        "version 2.1 ships next week",
        "first line\nsee notes.txt",
        "word " * (MAX_PATH_CHARS // 5) + "file.txt",
    ],
)
def test_text_stays_text(no_models: None, text: str) -> None:
    assert transcript_source(text) == text
    assert api._input(text) == {"text": text}


def test_an_existing_path_is_read_as_a_file(no_models: None, tmp_path: Path) -> None:
    (tmp_path / "talk.txt").write_text("[00:00:01] Hello.\n", encoding="utf-8")
    (tmp_path / "talk").write_text("Hello.\n", encoding="utf-8")
    assert transcript_source("talk.txt") == Path("talk.txt")
    assert transcript_source(f"  {tmp_path / 'talk.txt'} \n") == tmp_path / "talk.txt"
    assert transcript_source("talk") == Path("talk")  # no suffix, but the file is there
    assert api._input(str(tmp_path / "talk.txt")) == {"path": str(tmp_path / "talk.txt")}


def test_home_is_expanded(no_models: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "talk.vtt").write_text("WEBVTT\n", encoding="utf-8")
    assert transcript_source("~/talk.vtt") == tmp_path / "talk.vtt"


def test_paths_and_stdin_pass_through(no_models: None) -> None:
    assert transcript_source(Path("missing.txt")) == Path("missing.txt")  # reading reports it
    assert api._input(Path("missing.txt")) == {"path": "missing.txt"}
    assert api._input("-") == {"path": "-"}


def test_run_summary_reads_an_existing_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The path reaches the graph as a path: the file is read, and named as the source."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "talk.txt").write_text("Hello there.\n", encoding="utf-8")
    settings = load_settings(cache_dir=tmp_path / "cache", vector_store="memory")
    services = fake_services(settings, ScriptedResponder())
    with pytest.raises(InputError, match=r"^talk\.txt is too short"):
        asyncio.run(api.run_summary("talk.txt", services=services))

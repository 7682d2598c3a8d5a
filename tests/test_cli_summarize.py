"""``longsum summarize`` and ``longsum graph``: what goes to stdout and stderr, each output
format, the dry run that touches no model, and the progress display."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from typer.testing import CliRunner

from fakes import ScriptedResponder, fake_services
from longsum.cli import app
from longsum.cli.progress import RunProgress
from longsum.settings import Settings
from longsum.tools.validation import validate_summary

runner = CliRunner()

GRAPH_NODES = (
    "split_transcript",
    "index_chunks",
    "summarize_chunk",
    "collapse_notes",
    "plan_sections",
    "retrieve_related",
    "write_section",
    "write_overview",
    "validate_summary",
    "repair_summary",
    "finish_summary",
    "fail_summary",
)


pytestmark = pytest.mark.usefixtures("isolated_cli")


@pytest.fixture
def no_models(monkeypatch: pytest.MonkeyPatch) -> None:
    """Loading any chat model or embedder, or building services, fails the test."""

    def refuse(*_: Any, **__: Any) -> Any:
        raise AssertionError("a model or embedder was loaded")

    monkeypatch.setattr("longsum.graphs.services.build_services", refuse)
    monkeypatch.setattr("longsum.agent.models.load_chat_model", refuse)
    monkeypatch.setattr("longsum.memory.embeddings.load_embedder", refuse)


@pytest.fixture
def seed(shared_dir: Path) -> Path:
    return shared_dir / "data/seed_transcripts/mixtral8x7b.txt"


@pytest.fixture
def timed(seed: Path, tmp_path: Path) -> Path:
    """The seed transcript as ``[HH:MM:SS] Name: text`` lines, 20 words every 7 seconds."""
    words = seed.read_text(encoding="utf-8").split()
    lines = []
    for n, at in enumerate(range(0, len(words), 20)):
        s = 62 + 7 * n
        who = "Ada" if n % 3 else "Lin"
        lines.append(f"[{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}] {who}: ")
        lines[-1] += " ".join(words[at : at + 20])
    path = tmp_path / "timed_talk.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_json_goes_to_stdout_as_the_contract_and_messages_to_stderr(
    seed: Path, scripted: ScriptedResponder
) -> None:
    result = runner.invoke(app, ["summarize", str(seed), "--model", "fake:x"])
    assert result.exit_code == 0, result.output
    assert validate_summary(json.loads(result.stdout)) == []
    last = result.stderr.strip().splitlines()[-1]
    assert re.match(r"done in [\d.]+ s: \d+ LLM calls, \d+ prompt \+ \d+ completion", last)
    assert "extractive" not in result.stderr
    assert scripted.kinds["notes"] > 0


def test_markdown_has_five_timed_section_headings(timed: Path, scripted: ScriptedResponder) -> None:
    result = runner.invoke(app, ["summarize", str(timed), "--format", "markdown"])
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert text.startswith("# Timed Talk (00:")
    headings = re.findall(
        r"^## (Section \d): .+ \((\d\d:\d\d:\d\d)–(\d\d:\d\d:\d\d)\)$", text, re.M
    )
    assert [h[0] for h in headings] == [f"Section {i}" for i in range(1, 6)]
    assert headings[0][1] == "00:01:02", "the first section starts at the first line's time"
    bounds = [(start, end) for _, start, end in headings]
    assert all(start <= end for start, end in bounds)
    assert [b[0] for b in bounds] == sorted(b[0] for b in bounds)
    assert text.count("**Topics:**") == 5
    assert "- Artificial Intelligence (AI) and Machine Learning: complexity 0.62 " in text
    assert "(Advanced College)" in text


def test_extended_to_a_file_names_the_engine(
    seed: Path, tmp_path: Path, scripted: ScriptedResponder
) -> None:
    target = tmp_path / "out.json"
    result = runner.invoke(app, ["summarize", str(seed), "--format", "extended", "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    extended = json.loads(target.read_text(encoding="utf-8"))
    assert extended["engine"] == "llm"
    assert validate_summary(extended["summary"]) == []
    assert f"written to {target}" in result.stderr


def test_stdin_is_read_with_a_dash(seed: Path, scripted: ScriptedResponder) -> None:
    text = seed.read_text(encoding="utf-8")
    result = runner.invoke(app, ["summarize", "-", "--format", "extended"], input=text)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["transcript"]["source"] == "<stdin>"


def test_without_a_model_the_offline_engine_runs_and_says_so(seed: Path) -> None:
    result = runner.invoke(app, ["summarize", str(seed), "--format", "extended"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["engine"] == "extractive"
    lines = result.stderr.strip().splitlines()
    notices = [line for line in lines if "offline extractive engine; pass --model" in line]
    assert len(notices) == 1
    assert "offline extractive engine" in lines[-1] and lines[-1].startswith("done in")


def test_a_missing_file_is_one_line_and_exit_3(tmp_path: Path, scripted: ScriptedResponder) -> None:
    result = runner.invoke(app, ["summarize", str(tmp_path / "nope.txt")])
    assert result.exit_code == 3
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("longsum: error:") and "nope.txt" in lines[0]
    assert result.stdout == ""


def test_an_unknown_format_is_a_bad_option(seed: Path, scripted: ScriptedResponder) -> None:
    result = runner.invoke(app, ["summarize", str(seed), "--format", "yaml"])
    assert result.exit_code == 2
    assert "use json, markdown, extended" in result.stderr
    assert scripted.kinds == {}


def test_dry_run_plans_one_map_call_per_chunk_and_loads_no_model(
    seed: Path, no_models: None
) -> None:
    result = runner.invoke(app, ["summarize", str(seed), "--model", "fake:x", "--dry-run"])
    assert result.exit_code == 0, result.output
    chunk_rows = re.findall(r"^│ (c\d{3}) ", result.stdout, re.M)
    assert len(chunk_rows) >= 5
    rows = {
        cells[0]: cells[1:]
        for line in result.stdout.splitlines()
        if line.startswith("│")
        for cells in [[c.strip() for c in line.strip("│").split("│")]]
    }
    assert rows["summarize_chunk"][0] == str(len(chunk_rows))
    assert rows["write_section"][0] == "5" and rows["write_overview"][0] == "2"
    assert rows["repair_summary"][0] == "0 (at most 14)"
    nodes = ("summarize_chunk", "write_section", "write_overview")
    assert int(rows["total"][0]) == sum(int(rows[n][0]) for n in nodes)
    assert int(rows["total"][1]) == sum(int(rows[n][1]) for n in nodes)


def test_dry_run_without_a_model_plans_no_llm_call(seed: Path, no_models: None) -> None:
    result = runner.invoke(app, ["summarize", str(seed), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "0 LLM calls" in result.stdout
    assert "summarize_chunk" not in result.stdout


def test_dry_run_of_a_too_short_transcript_fails_as_the_run_would(
    tmp_path: Path, no_models: None
) -> None:
    short = tmp_path / "short.txt"
    short.write_text("Ann: Hello there.\n", encoding="utf-8")
    result = runner.invoke(app, ["summarize", str(short), "--model", "fake:x", "--dry-run"])
    assert result.exit_code == 3
    assert "too short to summarize" in result.stderr


def test_graph_prints_mermaid_naming_every_node(no_models: None) -> None:
    result = runner.invoke(app, ["graph"])
    assert result.exit_code == 0, result.output
    assert "graph TD;" in result.stdout
    declared = set(re.findall(r"^\t(\w+)\(", result.stdout, re.M))
    assert set(GRAPH_NODES) <= declared
    assert "\tsplit_transcript --> index_chunks;" in result.stdout


def _feed(progress: RunProgress) -> None:
    call = {"prompt_tokens": 100, "completion_tokens": 20}
    progress.update("split_transcript", {"update": {"chunks": [1, 2, 3]}, "cached": False})
    progress.update("index_chunks", {"update": None, "cached": False})
    progress.update("summarize_chunk", {"update": {"calls": [call]}, "cached": False})
    # notes from the cache: the chunk counts, its recorded call cost nothing now
    progress.update("summarize_chunk", {"update": {"calls": [call]}, "cached": True})
    progress.update("summarize_chunk", {"update": {"calls": [call]}, "cached": False})
    progress.update("write_section", {"update": {"calls": [call]}, "cached": False})
    progress.update("write_section", {"update": {"calls": [call]}, "cached": False})


def test_progress_counts_chunks_and_tokens_and_prints_plain_lines() -> None:
    buffer = io.StringIO()
    ticks = iter(range(1000))
    progress = RunProgress(
        Console(file=buffer, force_terminal=False, width=200),
        clock=lambda: float(next(ticks)),
        every_s=1000,
    )
    assert not progress.live
    with progress:
        _feed(progress)
    assert (progress.chunks_done, progress.chunks_total, progress.cached_chunks) == (3, 3, 1)
    assert (progress.calls, progress.tokens) == (4, 480)
    lines = buffer.getvalue().splitlines()
    # a line per new node; during the map a line per tenth of the chunks (here each one)
    assert [line.split()[2] for line in lines] == [
        "split_transcript:",
        "index_chunks:",
        "summarize_chunk:",
        "summarize_chunk:",
        "summarize_chunk:",
        "write_section:",
    ]
    assert lines[-1].endswith("write_section: 3/3 chunks (1 cached), 3 LLM calls, 360 tokens")
    assert progress.status().endswith("4 LLM calls, 480 tokens")


def test_progress_on_a_terminal_draws_a_live_bar() -> None:
    buffer = io.StringIO()
    progress = RunProgress(Console(file=buffer, force_terminal=True, width=120))
    assert progress.live
    with progress:
        _feed(progress)
    drawn = buffer.getvalue()
    assert "3/3" in drawn and "480 tokens" in drawn


def test_options_reach_the_run_settings(seed: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[Settings] = []

    def build(settings: Settings, **_: Any) -> Any:
        seen.append(settings)
        return fake_services(settings, ScriptedResponder())

    monkeypatch.setattr("longsum.graphs.services.build_services", build)
    args = ["summarize", str(seed), "-m", "fake:x", "--map-model", "fake:y", "--concurrency", "2"]
    result = runner.invoke(app, [*args, "--max-tokens", "900", "--trace-content"])
    assert result.exit_code == 0, result.output
    (settings,) = seen
    assert (settings.model, settings.map_model) == ("fake:x", "fake:y")
    assert (settings.concurrency, settings.max_tokens, settings.trace_content) == (2, 900, True)


def test_a_thread_id_resumes_a_finished_run_without_calls(
    seed: Path, scripted: ScriptedResponder
) -> None:
    first = runner.invoke(app, ["summarize", str(seed), "--thread-id", "t1"])
    assert first.exit_code == 0, first.output
    calls = sum(scripted.kinds.values())
    again = runner.invoke(app, ["summarize", str(seed), "--thread-id", "t1"])
    assert again.exit_code == 0, again.output
    assert again.stdout == first.stdout
    assert sum(scripted.kinds.values()) == calls, "the finished run is returned, not redone"

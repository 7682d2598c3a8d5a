"""The CLI keeps its promises: --version, completion, -q, piped stdin, one-line usage errors,
an unwritable -o refused before the run, and options that mean one thing everywhere."""

from __future__ import annotations

import json
import re
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from fakes import ScriptedResponder, fake_services
from longsum.cli import app
from longsum.settings import Settings

runner = CliRunner()
pytestmark = pytest.mark.usefixtures("isolated_cli")
README = Path(__file__).resolve().parents[1] / "README.md"


@pytest.fixture
def seed(shared_dir: Path) -> Path:
    return shared_dir / "data/seed_transcripts/mixtral8x7b.txt"


def test_version_prints_the_package_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.strip() == f"longsum {version('longsum')}"


def test_shell_completion_options_are_offered() -> None:
    result = runner.invoke(app, ["--help"])
    assert "--install-completion" in result.stdout
    assert "--show-completion" in result.stdout


@pytest.mark.parametrize(
    ("args", "hint"),
    [
        (["summarize", "x.txt", "--bogus"], "see longsum summarize --help"),
        (["chunk"], "see longsum chunk --help"),
        (["sumarize"], "see longsum --help"),
        (["--bogus"], "see longsum --help"),
    ],
)
def test_a_bad_option_is_one_line_and_exit_2(args: list[str], hint: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("longsum: error: ")
    assert hint in lines[0]
    assert "Usage:" not in result.output


def test_piped_stdin_is_read_without_a_dash(seed: Path, scripted: ScriptedResponder) -> None:
    text = seed.read_text(encoding="utf-8")
    result = runner.invoke(
        app, ["summarize", "--model", "fake:x", "--format", "extended"], input=text
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["transcript"]["source"] == "<stdin>"


def test_no_file_on_a_terminal_is_a_usage_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("longsum.cli.summarize.stdin_is_terminal", lambda: True)
    result = runner.invoke(app, ["summarize"])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("longsum: error: missing FILE")


def test_quiet_prints_nothing_but_the_result(seed: Path, scripted: ScriptedResponder) -> None:
    result = runner.invoke(app, ["summarize", str(seed), "--model", "fake:x", "-q"])
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert json.loads(result.stdout)["introduction"]


def test_output_into_a_missing_folder_fails_before_the_run(
    tmp_path: Path, seed: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*_: Any, **__: Any) -> Any:
        raise AssertionError("the run started")

    monkeypatch.setattr("longsum.graphs.services.build_services", refuse)
    target = tmp_path / "nope" / "out.json"
    result = runner.invoke(app, ["summarize", str(seed), "-o", str(target)])
    assert result.exit_code == 2
    assert result.stderr.startswith("longsum: error: cannot write")
    assert result.stderr.count("\n") == 1


def test_format_never_means_the_input_format(tmp_path: Path) -> None:
    path = tmp_path / "t.txt"
    path.write_text("Ada: hello there.\n", encoding="utf-8")
    for flag in ("--format", "-f"):
        result = runner.invoke(app, ["chunk", str(path), flag, "speaker"])
        assert result.exit_code == 2, (flag, result.output)
        assert "No such option" in result.stderr


def test_help_defaults_agree_with_the_settings() -> None:
    fields = Settings.model_fields
    chunk_help = runner.invoke(app, ["chunk", "--help"]).stdout
    assert "not built yet" not in chunk_help
    flat = " ".join(chunk_help.split())
    assert f"LONGSUM_OVERLAP_TOKENS; {fields['overlap_tokens'].default}]" in flat
    assert f"LONGSUM_MAX_TOKENS; {fields['max_tokens'].default}]" in flat
    readme = README.read_text(encoding="utf-8")
    assert f"(default **{fields['overlap_tokens'].default}**)" in readme
    assert f"{fields['overlap_tokens'].default} tokens of overlap" in readme
    assert not re.search(r"\b150 tokens of overlap", readme)


def _record(
    runs: Path, run_id: str, started: str, status: str, events: list[dict[str, Any]]
) -> None:
    folder = runs / run_id
    folder.mkdir(parents=True)
    meta = {
        "started": started,
        "status": status,
        "source": "talk.txt",
        "engine": "extractive",
        "models": {"map": "extractive:all-MiniLM-L6-v2", "reduce": "extractive:all-MiniLM-L6-v2"},
    }
    (folder / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    lines = [json.dumps({"t": 0.1 * n, **e}) for n, e in enumerate(events)]
    (folder / "trace.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture
def runs_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LONGSUM_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache" / "runs"


def test_trace_last_is_the_last_run_that_ended(runs_dir: Path) -> None:
    ended = [{"event": "node_cached", "node": "summarize_chunk", "calls": 1}]
    _record(runs_dir, "ended-run", "2026-01-01T10:00:00", "ok", ended)
    _record(runs_dir, "running-run", "2026-01-01T11:00:00", "running", [{"event": "run_start"}])
    result = runner.invoke(app, ["trace", "last"])
    assert result.exit_code == 0, result.output
    assert "run ended-run" in result.stdout
    assert "note:" not in result.stderr
    # A node row without a span shows no dangling "#"; one naming its chunk shows the chunk.
    assert re.search(r"summarize_chunk\s+│ node_cached", result.stdout)


def test_trace_last_falls_back_to_a_running_run_with_a_note(runs_dir: Path) -> None:
    events = [
        {"event": "node_start", "node": "summarize_chunk", "span": "abcdef12", "chunk": "c004"},
        {"event": "node_start", "node": "index_chunks", "span": "9876abcd"},
    ]
    _record(runs_dir, "running-run", "2026-01-01T11:00:00", "running", events)
    result = runner.invoke(app, ["trace", "last"])
    assert result.exit_code == 0, result.output
    assert "run running-run" in result.stdout
    assert "still running" in result.stderr
    assert "summarize_chunk #c004" in result.stdout
    assert "index_chunks #9876" in result.stdout


def test_runs_names_the_offline_engine_once(runs_dir: Path) -> None:
    _record(runs_dir, "ended-run", "2026-01-01T10:00:00", "ok", [])
    result = runner.invoke(app, ["runs"])
    assert result.exit_code == 0, result.output
    assert "extractive:all-MiniLM-L6-v2" in result.stdout
    assert "extractive: extractive" not in result.stdout


def test_progress_shows_the_indexing_with_an_eta_in_plain_lines() -> None:
    import io

    from rich.console import Console

    from longsum.cli.progress import RunProgress

    buffer = io.StringIO()
    now = [0.0]
    progress = RunProgress(
        Console(file=buffer, force_terminal=False, width=200), clock=lambda: now[0], every_s=5
    )
    with progress:
        progress.update("split_transcript", {"update": {"chunks": [1] * 25}, "cached": False})
        for done, at in ((100, 10.0), (200, 20.0), (300, 30.0), (400, 40.0)):
            now[0] = at
            progress.update("index_chunks", {"progress": {"indexing": done, "total": 400}})
            if done == 200:
                assert progress.status().endswith("index_chunks: 200/400 spans embedded, ETA 20 s")
    lines = buffer.getvalue().splitlines()
    assert "index_chunks: 100/400 spans embedded, ETA 30 s" in lines[1]
    assert lines[-1].endswith("index_chunks: 400/400 spans embedded, ETA 0 s")


def test_a_run_streams_the_indexing_progress(seed: Path, scripted: ScriptedResponder) -> None:
    import asyncio

    from longsum.api import run_summary
    from longsum.graphs.services import build_services

    events: list[tuple[str, dict[str, Any]]] = []
    services = build_services(Settings(model="fake:x"))
    services.embedder.batch_size = 16  # type: ignore[attr-defined]
    # A text of its own: the in-memory index outlives a test, and holds the seed already.
    text = seed.read_text(encoding="utf-8") + "\nA closing line only this test has.\n"
    asyncio.run(run_summary(text, services=services, on_event=lambda n, e: events.append((n, e))))
    told = [e["progress"] for n, e in events if "progress" in e]
    assert len(told) > 1, "one report per batch"
    assert told[-1]["indexing"] == told[-1]["total"] > 16
    nodes = [n for n, e in events if "update" in e]
    first = next(i for i, (n, e) in enumerate(events) if "progress" in e)
    assert nodes.index("split_transcript") < first < [n for n, _ in events].index("summarize_chunk")


class _Recording(ScriptedResponder):
    """The scripted model, keeping every system message and every request it is sent."""

    def __init__(self) -> None:
        super().__init__()
        self.systems: list[str] = []
        self.asks: list[str] = []

    def __call__(self, messages: list[Any], schema: dict[str, Any] | None) -> str:
        self.systems.append(str(messages[0].content))
        self.asks.append(str(messages[-1].content))
        return super().__call__(messages, schema)


@pytest.mark.parametrize(
    ("option", "language"), [([], "German"), (["--language", "English"], "English")]
)
def test_the_model_writes_in_the_transcripts_language_unless_told(
    option: list[str], language: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    recording = _Recording()

    def build(settings: Settings, **_: Any) -> Any:
        return fake_services(settings, recording)

    monkeypatch.setattr("longsum.graphs.services.build_services", build)
    german = Path(__file__).parent / "fixtures" / "german_podcast.txt"
    result = runner.invoke(app, ["summarize", str(german), "-m", "fake:x", "-q", *option])
    assert result.exit_code == 0, result.output
    assert recording.systems
    # The language is asked after the material (the system message is the same whatever
    # the transcript's language: a prefix a provider can cache).
    assert all(f", in {language}" in ask for ask in recording.asks)
    assert not any(name in s for s in recording.systems for name in ("German", "English."))
    general = json.loads(result.stdout)["generalTopics"]
    from longsum.contract import GENERAL_TOPICS

    assert {topic["name"] for topic in general} <= set(GENERAL_TOPICS)

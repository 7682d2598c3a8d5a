"""The examples that need no real model run in CI, each as a user would run it.

Each runs as a subprocess with this venv's python, offline (the extractive engine, the
bundled MiniLM embedder), on the short zig seed transcript, with a fresh cache folder and
an in-memory vector store. Their output is checked against the summary the CLI writes for
the same transcript, so an example that printed something plausible but not the summary
would fail.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
VENV_BIN = Path(sys.executable).parent


def run(args: list[str], env: dict[str, str], timeout: float = 300) -> str:
    done = subprocess.run(args, capture_output=True, text=True, timeout=timeout, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def offline_env(cache_dir: Path) -> dict[str, str]:
    """The examples' environment: offline engine, a fresh cache, no persistent index."""
    environ = {
        key: value
        for key, value in os.environ.items()
        if key not in ("LONGSUM_MODEL", "LONGSUM_MAP_MODEL", "LONGSUM_TEST_GGUF")
    }
    environ["LONGSUM_CACHE_DIR"] = str(cache_dir)
    environ["LONGSUM_VECTOR_STORE"] = "memory"
    environ["PATH"] = f"{VENV_BIN}{os.pathsep}{environ.get('PATH', '')}"
    return environ


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    # A cache per example: each run computes its summary rather than reusing another's notes.
    return offline_env(tmp_path / "cache")


@pytest.fixture(scope="module")
def zig_titles(shared_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """The section titles of the contract summary `longsum summarize` writes for zig.txt."""
    zig = shared_dir / "data/seed_transcripts/zig.txt"
    environ = offline_env(tmp_path_factory.mktemp("cache"))
    summary = json.loads(run([str(VENV_BIN / "longsum"), "summarize", str(zig)], environ))
    titles = [section["title"] for section in summary["sections"]]
    assert [t.split(":")[0] for t in titles] == [f"Section {i}" for i in range(1, 6)]
    return titles


def test_chunk_a_transcript_runs() -> None:
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / "chunk_a_transcript.py")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "c000" in done.stdout


def test_cli_example_prints_the_summary_as_markdown(
    env: dict[str, str], zig_titles: list[str]
) -> None:
    out = run(["bash", str(EXAMPLES / "cli_on_a_seed_transcript.sh")], env)
    headings = [line.lstrip("#").strip() for line in out.splitlines() if line.startswith("#")]
    assert [h for h in headings if h.startswith("Section")] == zig_titles


def test_python_api_example_prints_every_section(
    env: dict[str, str], zig_titles: list[str]
) -> None:
    out = run([sys.executable, str(EXAMPLES / "python_api.py")], env)
    assert [line.split("  [")[0] for line in out.splitlines() if line[:8] == "Section "] == (
        zig_titles
    )
    assert len(re.findall(r"^  - \S", out, flags=re.M)) == 20, "4 bullets x 5 sections"
    assert re.search(r"^async, rust\.txt: Section 1: \S", out, flags=re.M)


def test_subgraph_example_announces_the_sections(
    env: dict[str, str], zig_titles: list[str]
) -> None:
    out = run([sys.executable, str(EXAMPLES / "subgraph.py")], env)
    titles, announcement = out.strip().split("\n\n")
    assert titles.splitlines() == zig_titles
    assert announcement.startswith("New episode")
    for title in zig_titles:
        assert title.split(": ", 1)[1] in announcement


def test_agent_loop_answers_from_the_tool_result(
    env: dict[str, str], zig_titles: list[str]
) -> None:
    out = run([sys.executable, str(EXAMPLES / "tool_agent_loop.py")], env)
    assert "[tool summarize_transcript: success" in out
    answer = out.split("]\n", 1)[1]
    assert all(title in answer for title in zig_titles)


def test_agent_loop_relays_a_tool_error(env: dict[str, str]) -> None:
    out = run([sys.executable, str(EXAMPLES / "tool_agent_loop.py"), "no/such/talk.txt"], env)
    assert "[tool summarize_transcript: error" in out
    assert "no/such/talk.txt not found" in out.split("]\n", 1)[1]


def test_local_gguf_example_without_a_model_says_how_to_get_one(env: dict[str, str]) -> None:
    out = run([sys.executable, str(EXAMPLES / "local_gguf.py")], env, timeout=60)
    assert "get-local-model 0.5b" in out

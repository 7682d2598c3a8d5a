"""A real provider's faults, through the real ``openai:`` path (langchain-openai, the openai
SDK, httpx) against the fault server on 127.0.0.1: what each fault does to a run."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import pytest

from fakes import ScriptedResponder, fake_services
from longsum.api import run_summary
from longsum.errors import ModelError
from longsum.graphs.services import Services, build_services
from longsum.memory.embeddings import HashingEmbedder
from longsum.settings import load_settings
from longsum.tools.tokens import get_tokenizer
from longsum.tools.validation import validate_summary
from longsum_eval.faults import FAULTS, FaultServer

pytest.importorskip("langchain_openai")

KEY = "fault-test-key-0123456789"


@pytest.fixture
def seed(shared_dir: Path) -> Path:
    return shared_dir / "data/seed_transcripts/mixtral8x7b.txt"


@pytest.fixture(autouse=True)
def _openai_on_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    """The real openai provider, allowed here: its server is the fault server on loopback."""
    monkeypatch.delenv("LONGSUM_BLOCK_REAL_MODELS", raising=False)
    monkeypatch.setenv("OPENAI_API_KEY", KEY)


def openai_services(tmp_path: Path, base_url: str, **options: Any) -> Services:
    settings = load_settings(
        cache_dir=tmp_path / "cache",
        vector_store="memory",
        openai_base_url=base_url,
        **options,
    )
    return build_services(
        settings, model="openai:gpt-test", embedder=HashingEmbedder(), tokenizer=get_tokenizer()
    )


def run(path: Path, services: Services) -> Any:
    return asyncio.run(run_summary(path, services=services))


def test_every_kind_of_transient_fault_is_retried_and_every_request_counted(
    tmp_path: Path, seed: Path
) -> None:
    # The first requests get one fault of each kind, in order (one call in flight at a
    # time), then the server answers well. A stall outlasts the 1 s timeout.
    with FaultServer(script=FAULTS, responder=ScriptedResponder(), stall_s=5) as server:
        services = openai_services(tmp_path, server.base_url, concurrency=1, llm_timeout=1)
        result = run(seed, services)
        sent = len(server.log)
    assert validate_summary(result.summary.model_dump(mode="json", by_alias=True)) == []
    ext = result.extended
    assert ext["degraded"] == [], "every fault was cured by a retry: no chunk fell back"
    usage = ext["usage"]
    assert usage["requests"] == sent, "every request sent is counted, failed ones included"
    assert usage["requests"] >= usage["llm_calls"] + len(FAULTS) - 1  # a cut-off regrows


def test_retry_after_is_honoured(tmp_path: Path, seed: Path) -> None:
    with FaultServer(
        script=["http429"], retry_after_s=1.5, responder=ScriptedResponder()
    ) as server:
        services = openai_services(tmp_path, server.base_url, concurrency=1, llm_backoff=0.01)
        run(seed, services)
        first, second = server.times[:2]
    assert server.log[:2] == ["http429", "ok"]
    assert second - first >= 1.4, "the retry came before the Retry-After the server asked"


def test_a_refused_key_stops_the_run_at_once_as_a_model_failure(tmp_path: Path, seed: Path) -> None:
    with FaultServer(always="auth") as server:
        services = openai_services(tmp_path, server.base_url, concurrency=2)
        with pytest.raises(ModelError) as caught:
            run(seed, services)
        sent = len(server.log)
    message = str(caught.value)
    assert "API key was refused" in message and "\n" not in message
    assert sent <= 2 * 2, "a 401 is not retried"
    assert caught.value.exit_code == 4


def test_a_dead_server_is_given_up_on_in_bounded_time(tmp_path: Path, seed: Path) -> None:
    with FaultServer(always="http500") as server:
        services = openai_services(tmp_path, server.base_url, llm_attempts=3, llm_give_up_after=9)
        began = time.monotonic()
        with pytest.raises(ModelError) as caught:
            run(seed, services)
        sent = len(server.log)
    message = str(caught.value)
    assert "9 requests in a row" in message and "500" in message
    # Given up on after 9 failed requests; the 4 calls in flight may each send one more.
    assert sent <= 9 + 4
    assert time.monotonic() - began < 30


def test_connection_refused_is_a_model_failure(tmp_path: Path, seed: Path) -> None:
    services = openai_services(tmp_path, "http://127.0.0.1:9/v1", llm_attempts=2)
    with pytest.raises(ModelError) as caught:
        run(seed, services)
    assert "Connection" in str(caught.value)
    assert caught.value.exit_code == 4


def test_a_timeout_bounds_the_call_not_its_wait_for_a_slot(tmp_path: Path, seed: Path) -> None:
    # One call in flight, each taking 0.3 s, a timeout of 1 s: the map's later chunks wait
    # far longer than 1 s for their slot, and must not be cut off for it.
    responder = ScriptedResponder()
    settings = load_settings(
        cache_dir=tmp_path / "cache", vector_store="memory", concurrency=1, llm_timeout=1
    )
    result = run(seed, fake_services(settings, responder, latency=0.3))
    chunks = len(result.extended["chunks"])
    assert chunks * 0.3 > 1.5, "the test needs a queue longer than the timeout"
    assert result.extended["degraded"] == []
    assert sorted(responder.notes_parts) == list(range(1, chunks + 1))


def test_a_failed_chunk_is_reported_and_not_cached(tmp_path: Path, seed: Path) -> None:
    failing = ScriptedResponder(fail_chunks=[2])
    settings = load_settings(cache_dir=tmp_path / "cache", vector_store="memory", llm_attempts=2)
    result = run(seed, fake_services(settings, failing))
    degraded = result.extended["degraded"]
    assert [d["chunk"] for d in degraded] == [result.extended["chunks"][1]["id"]]
    assert degraded[0]["error"]
    failed = [c for c in result.extended["calls"] if c.get("failed")]
    assert len(failed) == 1 and failed[0]["requests"] == 2
    assert result.extended["usage"]["failed_calls"] == 1
    # The trace says so too: the failed call, and the chunk taken without the model.
    trace = next((tmp_path / "cache" / "runs").glob("*/trace.jsonl")).read_text()
    events = [json.loads(line) for line in trace.splitlines()]
    assert [e["chunk"] for e in events if e["event"] == "repair" and e.get("degraded")] == [
        degraded[0]["chunk"]
    ]
    assert any(e["event"] == "llm_call" and e.get("failed") for e in events)
    # The next run on the same transcript asks for the failed chunk's notes again (the
    # finished ones come from the cache): a fallback is never cached as the model's notes.
    again = ScriptedResponder()
    second = run(seed, fake_services(settings, again))
    assert again.notes_parts == [2]
    assert second.extended["degraded"] == []


def test_the_fault_benchmark_runs_short(tmp_path: Path, seed: Path) -> None:
    """CI's short version of benchmarks/bench_faults.py: two seeded runs at 30% faults of
    every kind (stalls cut by a 1 s timeout) both end in a valid summary."""
    import subprocess
    import sys

    script = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_faults.py"
    args = ["--runs", "2", "--rate", "0.3", "--timeout", "1", "--stall", "3"]
    done = subprocess.run(
        [sys.executable, str(script), *args, "--transcript", str(seed)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "valid 2/2 (100%)" in done.stdout, done.stdout


def test_the_cli_says_what_failed_what_is_kept_and_how_to_resume(
    tmp_path: Path, seed: Path, isolated_cli: None
) -> None:
    from typer.testing import CliRunner

    from longsum.cli import app

    # The map's calls succeed; every later call fails: the chunks' notes are kept.
    with FaultServer(script=["ok"] * 12, always=None, rate=0.0) as server:
        server.rate, server.kinds = 1.0, ("http500",)  # after the script: every request fails
        args = ["summarize", str(seed), "--model", "openai:gpt-test", "-o", str(tmp_path / "o")]
        env = {"LONGSUM_OPENAI_BASE_URL": server.base_url, "LONGSUM_LLM_ATTEMPTS": "2"}
        done = CliRunner().invoke(app, args, env=env)
    assert done.exit_code == 4, done.output
    lines = [line for line in done.stderr.splitlines() if line.startswith("longsum: error:")]
    assert len(lines) == 1 and "Traceback" not in done.stderr
    assert "500" in lines[0] and "chunks' notes are kept" in lines[0]
    assert "run the same command again to resume" in lines[0]
    assert KEY not in done.stderr


def test_the_done_line_names_degraded_chunks(
    tmp_path: Path, seed: Path, isolated_cli: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from longsum.cli import app

    with FaultServer(responder=ScriptedResponder(fail_chunks=[3])) as server:
        args = ["summarize", str(seed), "--model", "openai:gpt-test", "-o", str(tmp_path / "o")]
        env = {"LONGSUM_OPENAI_BASE_URL": server.base_url, "LONGSUM_LLM_ATTEMPTS": "2"}
        done = CliRunner().invoke(app, args, env=env)
    assert done.exit_code == 0, done.output
    assert "note: 1 of " in done.stderr and "summarized without the model" in done.stderr
    assert "requests, retries included" in done.stderr


def test_a_cut_off_answer_then_an_error_counts_both_requests(tmp_path: Path, seed: Path) -> None:
    # The cut-off answer is asked again with a larger limit, and that request fails.
    with FaultServer(script=["cut_off", "http500"], responder=ScriptedResponder()) as server:
        result = run(seed, openai_services(tmp_path, server.base_url, concurrency=1))
        sent = len(server.log)
    assert result.extended["usage"]["requests"] == sent


def test_a_second_run_in_another_event_loop_reaches_the_provider(
    tmp_path: Path, seed: Path
) -> None:
    """Each ``summarize()`` is its own ``asyncio.run``: langchain-openai's shared client kept
    connections of the first loop, and the second run's every call failed ("Event loop is
    closed") once more calls were in flight than the first had left idle connections."""
    with FaultServer(responder=ScriptedResponder(), latency_s=0.02) as server:
        for run_number in range(2):
            settings = {"cache_dir": tmp_path / str(run_number), "vector_store": "memory"}
            result = asyncio.run(
                run_summary(
                    seed,
                    model="openai:gpt-test",
                    embedder="hashing",
                    openai_base_url=server.base_url,
                    concurrency=16,
                    llm_attempts=2,
                    **settings,
                )
            )
            assert result.extended["degraded"] == [], run_number

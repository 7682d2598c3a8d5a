"""The graph under ``langgraph dev`` (langgraph-cli[inmem]), as LangGraph Studio runs it.

The server runs every node's async code on one event loop and fails any blocking call made
on it (blockbuster), so a run that works in ``asummarize`` could fail there: a first run
lost every chunk to a blocking ``wordfreq`` import, and a run whose chunks all failed
returned ``{}`` as if it had succeeded (issue 15). The server is started once for the
module on a free loopback port, offline (no model: the extractive engine; the hashing
embedder; an in-memory vector store), and stopped, with its process group, at the end.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from langgraph.graph import START, StateGraph
from langgraph.runtime import Runtime
from typing_extensions import TypedDict

from longsum.graphs.context import DEFAULT_CONTEXT_KEY, Context, services_of
from longsum.memory.trace import TraceWriter
from longsum.tools.validation import validate_summary
from test_concurrent_runs import transcript

ROOT = Path(__file__).resolve().parents[1]
TESTS = Path(__file__).resolve().parent
LANGGRAPH = Path(sys.executable).with_name("langgraph")
INSTALLED = LANGGRAPH.is_file() and all(
    importlib.util.find_spec(name) is not None
    for name in ("langgraph_api", "langgraph_runtime_inmem")
)
needs_cli = pytest.mark.skipif(
    not INSTALLED, reason="langgraph-cli[inmem] is not installed (pip install -e '.[dev]')"
)

MAP_DOWN = f"""
# studio.py's graph on the scripted fake model ("fake:scripted"), answering as tests/fakes.py's
# ScriptedResponder does, except that every chunk's notes call fails. The default context
# is plain data: the server copies a graph's config, which ready-made services cannot be.
import sys

sys.path.insert(0, {str(TESTS)!r})

from fakes import ScriptedResponder
from longsum.agent import fake
from longsum.api import build_graph

fake.default_responder = ScriptedResponder(fail_chunks=range(1, 999))
graph = build_graph("fake:scripted", llm_attempts=1, llm_backoff=0.0)
"""


@dataclass
class Server:
    """A running ``langgraph dev`` and the file its output goes to."""

    url: str
    log: Path

    def call(self, method: str, path: str, body: Any = None) -> Any:
        """The JSON answer of one request (a run's wait may take a while)."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            self.url + path, data=data, method=method, headers={"content-type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as answer:
                return json.loads(answer.read())
        except urllib.error.HTTPError as error:
            raise AssertionError(f"{method} {path}: {error.code} {error.read()[:500]!r}") from None

    def tail(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")[-3000:]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``langgraph dev`` on the repository's langgraph.json (graph paths made absolute, so
    the server's working folder, where it keeps its state, is a temporary one), plus a
    graph whose map model fails."""
    folder = tmp_path_factory.mktemp("langgraph")
    config = json.loads((ROOT / "langgraph.json").read_text(encoding="utf-8"))
    config["dependencies"] = [str(ROOT)]
    config["graphs"] = {
        name: str((ROOT / spec.partition(":")[0]).resolve()) + ":" + spec.partition(":")[2]
        for name, spec in config["graphs"].items()
    }
    (folder / "map_down.py").write_text(MAP_DOWN, encoding="utf-8")
    config["graphs"]["map_down"] = f"{folder / 'map_down.py'}:graph"
    (folder / "langgraph.json").write_text(json.dumps(config), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LONGSUM_", "LANGSMITH_"))}
    env.update(
        LONGSUM_BLOCK_REAL_MODELS="1",
        LONGSUM_EMBEDDER="hashing",
        LONGSUM_VECTOR_STORE="memory",
        LONGSUM_CACHE_DIR=str(folder / "cache"),
        LANGGRAPH_CLI_NO_ANALYTICS="1",
        LANGSMITH_TRACING="false",
    )
    port = free_port()
    command = [str(LANGGRAPH), "dev", "--config", str(folder / "langgraph.json")]
    command += ["--host", "127.0.0.1", "--port", str(port), "--no-browser", "--no-reload"]
    log = folder / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, cwd=folder, env=env, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    running = Server(f"http://127.0.0.1:{port}", log)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                pytest.fail(f"langgraph dev exited with {process.returncode}:\n{running.tail()}")
            with contextlib.suppress(OSError, AssertionError):
                if running.call("GET", "/ok").get("ok"):
                    break
            if time.monotonic() > deadline:
                pytest.fail(f"langgraph dev not ready in 60 s:\n{running.tail()}")
            time.sleep(0.3)
        yield running
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)


def run_on_thread(server: Server, assistant: str, text: str) -> tuple[Any, dict[str, Any]]:
    """A run on a new thread (so its state is checkpointed, as Studio's are): the answer of
    ``/runs/wait`` and the run as the server lists it."""
    thread = server.call("POST", "/threads", {})["thread_id"]
    body = {"assistant_id": assistant, "input": {"text": text}}
    answer = server.call("POST", f"/threads/{thread}/runs/wait", body)
    (run,) = server.call("GET", f"/threads/{thread}/runs")
    return answer, run


def test_a_run_given_an_empty_context_uses_the_graphs_default() -> None:
    """A LangGraph server hands a run that passes no context ``Context()``, built from the
    graph's context schema: the default context the graph was built with still holds."""

    class State(TypedDict, total=False):
        model: str

    def probe(state: State, runtime: Runtime[Context]) -> State:
        return {"model": services_of(runtime).model_id("map")}

    built: Any = StateGraph(State, context_schema=Context)
    built.add_node(probe)
    built.add_edge(START, "probe")
    default = Context(model="fake:scripted", settings={"embedder": "hashing"})
    graph = built.compile().with_config(configurable={DEFAULT_CONTEXT_KEY: default})
    assert graph.invoke({}, context=Context())["model"] == "fake:scripted"
    assert graph.invoke({})["model"] == "fake:scripted"
    offline = Context(settings={"embedder": "hashing"})
    assert graph.invoke({}, context=offline)["model"] == "extractive:hashing-384"


def test_trace_events_cost_the_event_loop_no_file_write(tmp_path: Path) -> None:
    """The trace recorder writes from the event loop (its callbacks run inline there)."""
    blockbuster = pytest.importorskip("blockbuster", reason="comes with langgraph-cli[inmem]")

    path = tmp_path / "trace.jsonl"
    writer = TraceWriter(path, began=time.perf_counter())

    async def node_events() -> None:
        with blockbuster.blockbuster_ctx():  # raises on a blocking call made on this loop
            for step in range(200):
                writer.write("node_start", node=f"node{step}", span="s", step=step)

    asyncio.run(node_events())
    writer.close()
    writer.write("run_end", status="ok")  # after close: dropped, as before
    lines = path.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["node"] for line in lines] == [f"node{i}" for i in range(200)]


@needs_cli
def test_the_server_summarizes_a_transcript_with_no_blocking_call(server: Server) -> None:
    answer, run = run_on_thread(server, "longsum", transcript("sailing"))
    assert run["status"] == "success", server.tail()
    assert "__error__" not in answer, answer
    assert validate_summary(answer["summary"]) == []
    # A chunk whose notes failed (a blocking call refused by the server, say) is degraded.
    repairs = answer["extended"]["validation"]["repairs"]
    assert [r for r in repairs if r.get("degraded")] == []
    assert "Blocking call" not in server.tail()


@needs_cli
def test_a_stateless_run_returns_the_summary(server: Server) -> None:
    body = {"assistant_id": "longsum", "input": {"text": transcript("astronomy")}}
    answer = server.call("POST", "/runs/wait", body)
    assert validate_summary(answer["summary"]) == []
    assert "astronomy" in json.dumps(answer["summary"]).casefold()


@pytest.fixture(scope="module")
def map_down_run(server: Server) -> tuple[Any, dict[str, Any]]:
    return run_on_thread(server, "map_down", transcript("gardening"))


@needs_cli
def test_a_run_whose_every_chunk_failed_is_an_error(
    map_down_run: tuple[Any, dict[str, Any]],
) -> None:
    answer, run = map_down_run
    assert run["status"] == "error", answer
    assert answer["__error__"]["error"] == "ModelError", answer


@needs_cli
def test_the_error_of_a_run_whose_every_chunk_failed_names_its_cause(
    map_down_run: tuple[Any, dict[str, Any]],
) -> None:
    answer, _ = map_down_run
    assert "scripted failure on part" in answer["__error__"]["message"]


@needs_cli
def test_the_server_summarizes_a_german_transcript_with_no_blocking_call(server: Server) -> None:
    # Another language loads other word lists on first use: off the loop too.
    text = (Path(__file__).parent / "fixtures" / "german_podcast.txt").read_text(encoding="utf-8")
    answer, run = run_on_thread(server, "longsum", text)
    assert run["status"] == "success", server.tail()
    assert validate_summary(answer["summary"]) == []
    assert "Blocking call" not in server.tail()

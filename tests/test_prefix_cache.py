"""Prompt prefix caching: static parts first in every prompt family, the providers' caches
asked for and their cached tokens counted, in the result, the trace and the dry run."""

from __future__ import annotations

import asyncio
import json
import threading
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from langchain_core.runnables import RunnableLambda
from typer.testing import CliRunner

from fakes import ScriptedResponder, fake_services
from longsum.agent.llamacpp import LlamaCppChat, reused
from longsum.agent.models import load_llm
from longsum.agent.prefix_cache import (
    cache_min_tokens,
    marked_for_cache,
    sends_cache_prompt,
    shared_start,
)
from longsum.agent.prompts import CHUNK_NOTES, render
from longsum.agent.schemas import ChunkNotesDraft, schema_text
from longsum.api import run_summary
from longsum.cli import app
from longsum.graphs.estimate import estimate_calls
from longsum.graphs.nodes.split_transcript import split_chunks
from longsum.settings import load_settings
from longsum.tools.parsing import read_transcript
from longsum.tools.tokens import get_tokenizer

runner = CliRunner()


@pytest.fixture
def seed(shared_dir: Path) -> Path:
    return shared_dir / "data/seed_transcripts/mixtral8x7b.txt"


class Recorder(ScriptedResponder):
    """The scripted model, keeping every prompt it is sent with the kind it answered."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.sent: list[tuple[str, list[BaseMessage]]] = []
        self._mine = threading.Lock()

    def __call__(self, messages: list[BaseMessage], schema: dict[str, Any] | None) -> str:
        before = self.kinds.copy()
        answer = super().__call__(messages, schema)
        kind = next(iter((self.kinds - before).keys()))
        with self._mine:
            self.sent.append((kind, list(messages)))
        return answer


def flat(messages: list[BaseMessage]) -> str:
    """A prompt as a chat template lays it out: its messages' texts in order."""
    return "\n".join(f"<{m.type}>{m.content}" for m in messages)


def common_start(prompts: list[str]) -> str:
    start = prompts[0]
    for prompt in prompts[1:]:
        start = start[: shared_start(start, prompt)]
    return start


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory, shared_dir: Path) -> dict[str, Any]:
    """One run on the fake model (which plays a prefix cache), repairs included."""
    tmp = tmp_path_factory.mktemp("prefix")
    responder = Recorder(faults="dpo")
    settings = load_settings(cache_dir=tmp / "cache", vector_store="memory")
    seed = shared_dir / "data/seed_transcripts/mixtral8x7b.txt"
    result = asyncio.run(run_summary(seed, services=fake_services(settings, responder)))
    return {"sent": responder.sent, "result": result, "cache": tmp}


def test_map_prompts_of_a_run_share_a_byte_identical_static_prefix(
    recorded: dict[str, Any],
) -> None:
    maps = [messages for kind, messages in recorded["sent"] if kind == "notes"]
    assert len(maps) >= 5
    start = common_start([flat(m) for m in maps])
    # The whole system message (task and answer fields) is the shared start; nothing of a
    # chunk (its number, times, text, language) is in it.
    system = maps[0][0]
    assert isinstance(system, SystemMessage) and all(m[0] == system for m in maps)
    assert start.startswith(f"<system>{system.content}\n<human>")
    assert schema_text(ChunkNotesDraft) in start
    for messages in maps:
        human = str(messages[-1].content)
        excerpt = human.split("<excerpt>\n", 1)[1].split("\n</excerpt>", 1)[0]
        assert excerpt[:60] not in start and "Excerpt " in human[: len("Excerpt ")]
    assert "{" not in start.replace(schema_text(ChunkNotesDraft), "")  # no slot left open


@pytest.mark.parametrize(
    ("kinds", "shared"),
    [
        (("section",), "Answer with a JSON object"),
        (("repair_section",), "Answer with a JSON object"),
        # The overview's calls share the system message and the written sections too.
        (("intro", "topics", "repair_intro", "repair_topics"), "</sections>"),
    ],
)
def test_every_prompt_family_opens_with_what_its_calls_share(
    recorded: dict[str, Any], kinds: tuple[str, ...], shared: str
) -> None:
    family = [flat(m) for kind, m in recorded["sent"] if kind in kinds]
    assert len(family) >= 2, kinds
    assert shared in common_start(family)


def test_cached_tokens_are_counted_overall_and_per_node(recorded: dict[str, Any]) -> None:
    usage = recorded["result"].extended["usage"]
    prompt, cached = usage["prompt_tokens"], usage["cached_prompt_tokens"]
    assert 0 < cached < prompt
    assert usage["prompt_tokens_uncached"] == prompt - cached
    tokens = recorded["result"].extended["transcript"]["tokens"]
    assert usage["uncached_prompt_to_transcript"] == round((prompt - cached) / tokens, 3)
    assert usage["uncached_prompt_to_transcript"] < usage["prompt_to_transcript"]
    nodes = usage["by_node"]
    assert sum(n["cached_prompt_tokens"] for n in nodes.values()) == cached
    maps = nodes["summarize_chunk"]
    assert maps["prompt_tokens_uncached"] == maps["prompt_tokens"] - maps["cached_prompt_tokens"]
    # Every map call but one reads at least the system message from the cache.
    calls = [c for c in recorded["result"].extended["calls"] if c["node"] == "summarize_chunk"]
    system_words = len(str(CHUNK_NOTES.messages[0].prompt.template).split())  # type: ignore[attr-defined]
    assert sum(c["cached_prompt_tokens"] >= system_words - 5 for c in calls) >= len(calls) - 1


def test_the_trace_shows_cached_tokens(
    recorded: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LONGSUM_CACHE_DIR", str(recorded["cache"] / "cache"))
    result = runner.invoke(app, ["trace", "last", "--node", "summarize_chunk"])
    assert result.exit_code == 0, result.output
    assert "of the prompt cached)" in result.stdout


# --- llama.cpp in process: the tokens kept from the previous call ---


class PrefixLlama:
    """A ``Llama`` stand-in with llama-cpp-python's single-slot prefix cache: the tokens of
    the last prompt and answer stay in ``_input_ids``."""

    def __init__(self) -> None:
        self._input_ids: list[int] = []
        self.vocab: dict[str, int] = {}

    def create_chat_completion(self, messages: list[dict[str, str]], **_: Any) -> Any:
        text = " ".join(f"<{m['role']}> {m['content']}" for m in messages)
        prompt = [self.vocab.setdefault(word, len(self.vocab)) for word in text.split()]
        self._input_ids = [*prompt, 7, 8]
        answer = {"message": {"content": "{}"}, "finish_reason": "stop"}
        usage = {"prompt_tokens": len(prompt), "completion_tokens": 2}
        return {"choices": [answer], "usage": usage}


def test_llamacpp_reports_the_prefix_kept_from_its_previous_call() -> None:
    chat = LlamaCppChat(model_path="unused.gguf", client=PrefixLlama())
    first = [SystemMessage("one two three four"), HumanMessage("five six")]
    second = [SystemMessage("one two three four"), HumanMessage("seven eight nine")]
    usage = [chat.invoke(m).usage_metadata for m in (first, second, second)]
    assert [u["input_token_details"]["cache_read"] for u in usage if u] == [0, 6, 8]
    # A prompt held whole still has its last token evaluated again.
    assert reused([1, 2, 3, 4], [1, 2, 3, 9], 4) == 3
    assert reused([1, 2, 3, 4], [1, 2, 3, 4], 4) == 3
    assert reused([], [1, 2], 2) == 0


# --- API providers ---


def test_anthropic_gets_cache_control_on_the_static_system_message() -> None:
    from test_structured import GOOD, Note, stub_from

    seen: list[list[BaseMessage]] = []
    stub = stub_from("langchain_anthropic.chat_models")

    def answer(messages: list[BaseMessage]) -> dict[str, Any]:
        seen.append(messages)
        usage = {"input_tokens": 900, "output_tokens": 7, "total_tokens": 907}
        usage["input_token_details"] = {"cache_read": 850}  # type: ignore[assignment]
        raw = AIMessage(json.dumps(GOOD), usage_metadata=usage)  # type: ignore[arg-type]
        return {"raw": raw, "parsed": Note.model_validate(GOOD), "parsing_error": None}

    stub.__dict__["with_structured_output"] = lambda *a, **k: RunnableLambda(answer)
    llm = load_llm(stub)
    messages = [SystemMessage("static task"), HumanMessage("the excerpt")]
    _, record = asyncio.run(llm.call(messages, Note, node="summarize_chunk", max_tokens=50))
    system = seen[0][0]
    assert system.content == [
        {"type": "text", "text": "static task", "cache_control": {"type": "ephemeral"}}
    ]
    assert seen[0][1] == messages[1]
    assert (record.prompt_tokens, record.cached_prompt_tokens) == (900, 850)
    assert record.uncached_prompt_tokens == 50
    assert marked_for_cache([HumanMessage("x")]) == [HumanMessage("x")]


@pytest.mark.parametrize(
    ("url", "sent"),
    [
        ("http://127.0.0.1:8080/v1", True),
        ("http://localhost:8000/v1", True),
        ("http://192.168.1.20:8080/v1", True),
        ("http://[::1]:8080/v1", True),
        ("https://api.openai.com/v1", False),
        ("https://openrouter.ai/api/v1", False),
        ("", False),
        (None, False),
    ],
)
def test_cache_prompt_goes_only_to_servers_on_this_machine_or_network(
    url: str | None, sent: bool
) -> None:
    assert sends_cache_prompt(url) is sent
    assert cache_min_tokens("openai", url) == (1 if sent else 1024)


def test_an_openai_compatible_server_is_asked_to_cache_and_its_count_kept(
    tmp_path: Path, seed: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("langchain_openai")
    from longsum.graphs.services import build_services
    from longsum.memory.embeddings import HashingEmbedder
    from longsum_eval.faults import FaultServer

    monkeypatch.delenv("LONGSUM_BLOCK_REAL_MODELS", raising=False)
    monkeypatch.setenv("OPENAI_API_KEY", "prefix-test-key-0123456789")
    with FaultServer(responder=ScriptedResponder()) as server:
        settings = load_settings(
            cache_dir=tmp_path / "cache",
            vector_store="memory",
            openai_base_url=server.base_url,
            concurrency=1,
        )
        services = build_services(
            settings, model="openai:gpt-test", embedder=HashingEmbedder(), tokenizer=get_tokenizer()
        )
        result = asyncio.run(run_summary(seed, services=services))
        asked, sent = server.cache_prompt, len(server.log)
    usage = result.extended["usage"]
    assert asked == sent == usage["requests"], "every request asked the server to cache"
    assert 0 < usage["cached_prompt_tokens"] < usage["prompt_tokens"]


# --- the dry run ---


def test_the_dry_run_estimates_the_cached_part_per_provider(tmp_path: Path, seed: Path) -> None:
    tokenizer = get_tokenizer()

    def plan(model: str) -> list[Any]:
        settings = load_settings(cache_dir=tmp_path, model=model)
        chunks = split_chunks(read_transcript(seed), settings, tokenizer)[0]
        return estimate_calls(chunks, settings, tokenizer)

    local = plan("llamacpp:/models/m.gguf")
    maps = [c for c in local if c.node == "summarize_chunk"]
    values = {"number": 1, "total": 2, "span": "", "text": "x"}
    static = tokenizer.count(str(render(CHUNK_NOTES, ChunkNotesDraft, **values)[0].content))
    assert maps[0].cached_tokens == 0
    assert all(c.cached_tokens >= static for c in maps[1:])
    intro, topics = [c for c in local if c.node == "write_overview"]
    assert topics.cached_tokens > intro.cached_tokens + 400, "the sections are read once"
    # OpenAI caches prefixes of 1,024 tokens or more: the map's static part is shorter; the
    # sections the overview's calls share are longer.
    remote = plan("openai:gpt-4o-mini")
    assert all(c.cached_tokens == 0 for c in remote if c.node != "write_overview")
    assert [c.cached_tokens >= 1024 for c in remote if c.node == "write_overview"] == [False, True]


def test_the_dry_run_prints_the_cached_estimate(seed: Path, isolated_cli: None) -> None:
    args = ["summarize", str(seed), "--model", "llamacpp:/models/m.gguf", "--dry-run"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "of them cached" in result.stdout and "x uncached" in result.stdout


def test_the_report_shows_the_cached_part_per_node(recorded: dict[str, Any]) -> None:
    from longsum.memory.report import render_report

    folder = next((recorded["cache"] / "cache" / "runs").glob("*/"))
    page = render_report(folder)
    cached = recorded["result"].extended["usage"]["by_node"]["summarize_chunk"]
    assert "of it cached" in page
    assert f'<td class="num">{cached["cached_prompt_tokens"]}</td>' in page

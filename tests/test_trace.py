"""Run records and traces: what ``run_summary`` writes, and ``longsum runs`` / ``trace``."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import BaseMessage
from typer.testing import CliRunner

from fakes import ScriptedResponder
from longsum.api import RunResult, build_graph, run_summary
from longsum.cli import app
from longsum.errors import SummaryValidationError
from longsum.memory.runs import list_runs, read_trace
from longsum.memory.trace import PREVIEW_CHARS
from longsum.tools.tokens import WhitespaceTokenizer
from test_graph import services_for

runner = CliRunner()
SECRET = "sk-test-SECRET123456"


def summarize(seed: Path, cache: Path, responder: Any, **options: Any) -> RunResult:
    services = services_for(cache, responder, **options)
    return asyncio.run(run_summary(seed, services=services))


def only_run(cache: Path) -> tuple[Path, dict[str, Any], list[dict[str, Any]]]:
    (folder, meta), *others = list_runs(cache / "cache" / "runs")
    assert not others
    return folder, meta, read_trace(folder)


def kinds(events: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [e for e in events if e["event"] == kind]


@pytest.fixture(scope="module")
def seed(shared_dir: Path) -> Path:
    return shared_dir / "data/seed_transcripts/mixtral8x7b.txt"


@pytest.fixture(scope="module")
def dpo_run(seed: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One run whose first answers break the contract and are repaired; every section
    retrieves (no similarity floor)."""
    cache = tmp_path_factory.mktemp("dpo")
    result = summarize(seed, cache, ScriptedResponder(faults="dpo"), related_min_score=-1.0)
    folder, meta, events = only_run(cache)
    return {"cache": cache, "result": result, "folder": folder, "meta": meta, "events": events}


def test_every_node_run_has_a_start_and_an_end_with_its_duration(
    dpo_run: dict[str, Any], tmp_path: Path
) -> None:
    graph = build_graph(services=services_for(tmp_path, ScriptedResponder()))
    ran = {n for n in graph.nodes if not n.startswith("__")} - {"fail_summary"}
    events = dpo_run["events"]
    starts = {e["span"]: e for e in kinds(events, "node_start")}
    ends = {e["span"]: e for e in kinds(events, "node_end")}
    assert starts.keys() == ends.keys()
    assert {e["node"] for e in starts.values()} == ran
    assert all(e["status"] == "ok" and e["duration_s"] >= 0 for e in ends.values())
    assert all(ends[s]["t"] >= starts[s]["t"] for s in starts)
    chunks = len(dpo_run["result"].extended["chunks"])
    assert Counter(e["node"] for e in starts.values())["summarize_chunk"] == chunks
    # Each map task's start names its chunk (`longsum trace` labels its rows with it).
    named = sorted(e.get("chunk") for e in starts.values() if e["node"] == "summarize_chunk")
    assert named == [c["id"] for c in dpo_run["result"].extended["chunks"]]
    assert [e["event"] for e in (events[0], events[-1])] == ["run_start", "run_end"]


def test_one_llm_call_per_recorded_call_with_its_tokens(dpo_run: dict[str, Any]) -> None:
    recorded = dpo_run["result"].extended["calls"]
    traced = kinds(dpo_run["events"], "llm_call")

    def figures(calls: list[dict[str, Any]]) -> Counter[tuple[Any, ...]]:
        keys = ("node", "model", "prompt_tokens", "completion_tokens", "attempts")
        return Counter(tuple(c[k] for k in keys) for c in calls)

    assert figures(traced) == figures(recorded)
    assert all(c["latency_s"] >= 0 and c["finish_reason"] == "stop" for c in traced)
    usage = dpo_run["result"].extended["usage"]
    meta = dpo_run["meta"]
    assert meta["llm_calls"] == usage["llm_calls"] == len(traced)
    assert meta["tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]


def test_prompts_and_answers_are_summarised_by_default(dpo_run: dict[str, Any]) -> None:
    for call in kinds(dpo_run["events"], "llm_call"):
        prompt, output = call["prompt"], call["output"]
        assert "content" not in prompt and "content" not in output
        assert prompt["chars"] > len(prompt["preview"]) and prompt["messages"] == 2
        assert 0 < len(prompt["preview"]) <= PREVIEW_CHARS
        assert output["chars"] > 0 and len(output["preview"]) <= PREVIEW_CHARS
    notes = [c for c in kinds(dpo_run["events"], "llm_call") if c["node"] == "summarize_chunk"]
    parts = sorted(int(c["prompt"]["preview"].split()[1]) for c in notes)  # "Excerpt N of"
    assert parts == list(range(1, len(notes) + 1)), "each map call keeps its own prompt"


def test_retrieval_hits_are_the_sections_related_chunks(dpo_run: dict[str, Any]) -> None:
    (retrieval,) = kinds(dpo_run["events"], "retrieval")
    traced = [[(h["chunk_id"], h["score"]) for h in s["hits"]] for s in retrieval["sections"]]
    expected = [
        [(h["chunk_id"], h["score"]) for h in s["related"]]
        for s in dpo_run["result"].extended["sections"]
    ]
    assert traced == expected and all(traced)
    assert retrieval["hits"] == sum(map(len, traced))


def test_violations_and_repairs_are_traced(dpo_run: dict[str, Any]) -> None:
    validations = kinds(dpo_run["events"], "validation")
    assert validations[0]["count"] == len(validations[0]["violations"]) > 0
    assert validations[-1]["count"] == 0
    assert any(v["path"] == "$.sections[0].content" for v in validations[0]["violations"])
    repairs = kinds(dpo_run["events"], "repair")
    pieces = {r["piece"] for r in repairs if r.get("kind") == "llm"}
    assert pieces == {f"section {i}" for i in range(1, 6)} | {"overview"}
    recorded = dpo_run["result"].extended["validation"]["repairs"]
    traced = [
        {k: v for k, v in r.items() if k not in ("t", "event", "node", "span")} for r in repairs
    ]
    assert traced == recorded


def test_the_result_is_saved_beside_the_trace(dpo_run: dict[str, Any]) -> None:
    saved = json.loads((dpo_run["folder"] / "result.json").read_text(encoding="utf-8"))
    result = dpo_run["result"]
    assert saved["summary"] == result.summary.model_dump(mode="json", by_alias=True)
    assert saved["extended"]["usage"] == result.extended["usage"]
    meta = dpo_run["meta"]
    assert meta["status"] == "ok" and meta["source"].endswith("mixtral8x7b.txt")
    assert meta["models"] == {"map": "fake:scripted", "reduce": "fake:scripted"}
    assert meta["wall_s"] > 0 and meta["finished"] >= meta["started"]


def test_full_content_keeps_each_calls_own_prompt_and_answer(seed: Path, tmp_path: Path) -> None:
    summarize(seed, tmp_path, ScriptedResponder(faults="dpo"), trace_content=True)
    _, _, events = only_run(tmp_path)
    words = WhitespaceTokenizer()
    calls = kinds(events, "llm_call")
    assert calls
    for call in calls:  # the fake counts whitespace tokens of exactly what it was sent
        sent = " ".join(m["content"] for m in call["prompt"]["content"])
        assert words.count(sent) == call["prompt_tokens"]
        assert words.count(call["output"]["content"]) == call["completion_tokens"]
        assert call["prompt"]["chars"] == sum(len(m["content"]) for m in call["prompt"]["content"])


class LeakyResponder(ScriptedResponder):
    """Puts an API key in an answer, and in the error of part 2's calls."""

    def __call__(self, messages: list[BaseMessage], schema: dict[str, Any] | None) -> str:
        prompt = str(messages[-1].content)
        if prompt.startswith("Excerpt 2 of"):
            raise ConnectionError(f"401 for Authorization: Bearer {SECRET} (api_key={SECRET})")
        answer = super().__call__(messages, schema)
        if prompt.startswith("Excerpt 1 of"):
            notes = json.loads(answer)
            notes["key_points"].append(f"The speaker reads out the key {SECRET} aloud.")
            answer = json.dumps(notes)
        return answer


def test_no_secret_reaches_the_trace_or_meta(
    seed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    summarize(seed, tmp_path, LeakyResponder(), trace_content=True, llm_attempts=1)
    folder, _, events = only_run(tmp_path)
    for name in ("trace.jsonl", "meta.json"):
        assert SECRET[3:] not in (folder / name).read_text(encoding="utf-8")
    assert kinds(events, "llm_error"), "part 2's failed call is traced, masked"
    assert any("[redacted]" in json.dumps(e) for e in kinds(events, "llm_call"))


def test_a_failed_run_records_its_error_and_raises(seed: Path, tmp_path: Path) -> None:
    with pytest.raises(SummaryValidationError):
        summarize(seed, tmp_path, ScriptedResponder(faults="never"), max_repair_rounds=1)
    folder, meta, events = only_run(tmp_path)
    assert meta["status"] == "failed"
    assert meta["error"].startswith("SummaryValidationError: the summary still breaks")
    assert "\n" not in meta["error"]
    assert meta["llm_calls"] == len(kinds(events, "llm_call")) > 0
    assert not (folder / "result.json").exists()
    (end,) = kinds(events, "run_end")
    assert end["status"] == "failed" and end["error"] == meta["error"]
    last = kinds(events, "node_end")[-1]
    assert last["node"] == "fail_summary" and last["status"] == "error"


def test_a_thread_appends_to_its_run_and_cached_nodes_are_marked(
    seed: Path, tmp_path: Path
) -> None:
    services = services_for(tmp_path, ScriptedResponder())
    asyncio.run(run_summary(seed, services=services, thread_id="t1"))
    asyncio.run(run_summary(seed, services=services, thread_id="t1"))  # already finished
    asyncio.run(run_summary(seed, services=services_for(tmp_path, ScriptedResponder())))
    runs = {
        folder.name: (meta, read_trace(folder))
        for folder, meta in list_runs(tmp_path / "cache" / "runs")
    }
    meta, events = runs.pop("t1")
    assert meta["invocations"] == 2 and meta["status"] == "ok"
    assert [e["invocation"] for e in kinds(events, "run_start")] == [1, 2]
    ((_, second),) = runs.values()  # the third run: new id, notes from the node cache
    cached = kinds(second, "node_cached")
    assert {e["node"] for e in cached} == {"summarize_chunk"} and len(cached) >= 8
    assert not kinds(second, "llm_call") or all(
        c["node"] != "summarize_chunk" for c in kinds(second, "llm_call")
    )


def test_langsmith_tracing_still_sees_the_run(
    seed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from langsmith import Client, schemas, utils
    from langsmith.run_trees import RunTree

    def offline_info(client: Client) -> schemas.LangSmithInfo:
        client._info = schemas.LangSmithInfo()  # kept: no later GET /info either
        return client._info

    posted: list[tuple[str, str]] = []
    monkeypatch.setattr(RunTree, "post", lambda self, *a, **k: posted.append((self.name, "")))
    monkeypatch.setattr(RunTree, "patch", lambda self, *a, **k: None)
    monkeypatch.setattr(Client, "info", property(offline_info))
    monkeypatch.setenv("LANGSMITH_TRACING", "true")
    monkeypatch.setenv("LANGSMITH_API_KEY", "lsv2-fake")
    monkeypatch.setenv("LANGSMITH_ENDPOINT", "http://127.0.0.1:9")  # nothing listens
    utils.get_env_var.cache_clear()  # langsmith caches the environment it read
    try:
        summarize(seed, tmp_path, ScriptedResponder())
    finally:
        utils.get_env_var.cache_clear()
    names = {name for name, _ in posted}
    assert {"longsum", "summarize_chunk", "write_section", "FakeChatModel"} <= names
    _, meta, events = only_run(tmp_path)
    assert meta["status"] == "ok" and len(kinds(events, "llm_call")) == meta["llm_calls"]


def test_a_looping_answer_cut_off_at_its_cap_is_kept_in_part_and_traced_so(
    seed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    responder = ScriptedResponder(faults="loop")
    result = summarize(seed, tmp_path, responder)
    assert responder.notes_parts.count(2) == 1, "the chunk was not sent again"
    calls = [c for c in result.extended["calls"] if c["node"] == "summarize_chunk"]
    kept = [c for c in calls if c["kept_partial"]]
    assert len(kept) == 1 and kept[0]["attempts"] == 1 and kept[0]["finish_reason"] == "length"
    notes = next(n for n in result.extended["notes"] if n["first"] == 1)
    assert len(notes["key_points"]) == 3 and "the model is good" not in str(notes)
    _, _, events = only_run(tmp_path)
    assert sum(bool(e.get("kept_partial")) for e in kinds(events, "llm_call")) == 1
    shown = cli(tmp_path, monkeypatch, "trace", "last").stdout
    assert shown.count("cut off: its complete part kept") == 1


def cli(cache: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> Any:
    monkeypatch.setenv("LONGSUM_CACHE_DIR", str(cache / "cache"))
    return runner.invoke(app, list(args))


def test_runs_lists_the_run(dpo_run: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    result = cli(dpo_run["cache"], monkeypatch, "runs")
    assert result.exit_code == 0, result.output
    row = next(line for line in result.stdout.splitlines() if "mixtral8x7b.txt" in line)
    meta = dpo_run["meta"]
    assert dpo_run["folder"].name[:12] in row
    for text in ("fake:scripted", "ok", str(meta["llm_calls"]), f"{meta['tokens']:,}"):
        assert text in row


def test_trace_renders_a_timeline(dpo_run: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    result = cli(dpo_run["cache"], monkeypatch, "trace", dpo_run["folder"].name[:6])
    assert result.exit_code == 0, result.output
    for text in ("run_start", "retrieve_related", "retrieval", "llm_call", "violation(s)"):
        assert text in result.stdout
    assert "run_end" in cli(dpo_run["cache"], monkeypatch, "trace", "last").stdout


def test_trace_node_shows_each_call(
    dpo_run: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    result = cli(dpo_run["cache"], monkeypatch, "trace", "last", "--node", "write_overview")
    assert result.exit_code == 0, result.output
    assert "call 2 at" in result.stdout and "call 3" not in result.stdout
    assert "prompt (" in result.stdout and "The 5 sections of the summary" in result.stdout
    assert "summarize_chunk" not in result.stdout


def test_trace_json_prints_the_raw_events(
    dpo_run: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    result = cli(dpo_run["cache"], monkeypatch, "trace", "last", "--json")
    assert result.exit_code == 0, result.output
    assert [json.loads(line) for line in result.stdout.splitlines()] == dpo_run["events"]
    only = cli(dpo_run["cache"], monkeypatch, "trace", "last", "--json", "--node", "write_section")
    nodes = {json.loads(line)["node"] for line in only.stdout.splitlines()}
    assert nodes == {"write_section"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["trace", "no-such-run"], "`longsum runs` lists them"),
        (["trace", "last", "--node", "no_such_node"], "no node 'no_such_node'"),
    ],
)
def test_unknown_runs_and_nodes_exit_3(
    dpo_run: dict[str, Any], monkeypatch: pytest.MonkeyPatch, args: list[str], message: str
) -> None:
    result = cli(dpo_run["cache"], monkeypatch, *args)
    assert result.exit_code == 3
    (line,) = result.stderr.strip().splitlines()
    assert message in line and line.startswith("longsum: error:")


def test_no_runs_yet(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert "no runs recorded" in cli(tmp_path, monkeypatch, "runs").stdout
    result = cli(tmp_path, monkeypatch, "trace", "last")
    assert result.exit_code == 3 and "no runs recorded" in result.stderr

"""The graph gets its dependencies the LangGraph way: one compiled graph, and each run's
services from its context (a Python object, a JSON object as LangGraph Server sends it, a
parent graph's run, or the default a graph was built with)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any, TypedDict

import pytest
from langgraph.graph import END, START, StateGraph

from fakes import ScriptedResponder, fake_services
from longsum import Context, build_graph
from longsum.graphs.builder import build_summarize_graph
from longsum.graphs.writers.extractive import ExtractiveWriter
from longsum.settings import load_settings
from longsum.tools.parsing import read_transcript
from longsum.tools.validation import validate_summary


@pytest.fixture
def zig(shared_dir: Path) -> str:
    return str(shared_dir / "data/seed_transcripts/zig.txt")


def fakes(tmp_path: Path, responder: ScriptedResponder) -> Any:
    settings = load_settings(cache_dir=tmp_path / "cache", vector_store="memory")
    return fake_services(settings, responder)


def test_one_compiled_graph_serves_runs_with_different_contexts(tmp_path: Path, zig: str) -> None:
    graph = build_summarize_graph()
    scripted = ScriptedResponder()
    by_model = asyncio.run(
        graph.ainvoke({"path": zig}, context=Context(services=fakes(tmp_path, scripted)))
    )
    assert validate_summary(by_model["summary"]) == []
    assert by_model["extended"]["engine"] == "llm"
    assert scripted.kinds["notes"] == len(by_model["extended"]["chunks"])

    # The same graph, a JSON context as LangGraph Server passes it: no model, so offline.
    offline = {"settings": {"embedder": "hashing", "vector_store": "memory"}}
    offline["settings"]["cache_dir"] = str(tmp_path / "offline")
    by_engine = asyncio.run(graph.ainvoke({"path": zig}, context=offline))
    assert validate_summary(by_engine["summary"]) == []
    assert by_engine["extended"]["engine"] == "extractive"
    assert by_engine["extended"]["models"]["map"].startswith("extractive:hashing")
    assert by_engine["extended"]["usage"]["llm_calls"] == 0


def test_a_parent_graph_passes_its_context_down(tmp_path: Path, zig: str) -> None:
    class Episode(TypedDict, total=False):
        path: str
        summary: dict[str, Any]

    parent: Any = StateGraph(Episode)
    parent.add_node("longsum", build_graph())
    parent.add_edge(START, "longsum")
    parent.add_edge("longsum", END)
    scripted = ScriptedResponder()
    context = Context(services=fakes(tmp_path, scripted))
    final = asyncio.run(parent.compile().ainvoke({"path": zig}, context=context))
    assert validate_summary(final["summary"]) == []
    assert scripted.kinds["section"] == 5, "the parent's context chose the model"


def test_a_graph_built_with_a_model_keeps_it_as_its_default(tmp_path: Path, zig: str) -> None:
    scripted = ScriptedResponder()
    graph = build_graph(services=fakes(tmp_path, scripted))
    final = asyncio.run(graph.ainvoke({"path": zig}))
    assert final["extended"]["engine"] == "llm" and scripted.kinds["section"] == 5
    # A run's own context still wins over the default.
    other = ScriptedResponder()
    asyncio.run(graph.ainvoke({"path": zig}, context=Context(services=fakes(tmp_path, other))))
    assert other.kinds["section"] == 5 and scripted.kinds["section"] == 5


def test_the_context_schema_is_plain_json_for_langgraph_server() -> None:
    schema = build_summarize_graph().get_context_jsonschema()
    assert set(schema["properties"]) == {"model", "map_model", "settings", "services"}
    json.dumps(schema)  # serialisable as the server shows it


def test_a_failing_chunk_falls_back_to_the_extractive_writers_notes(
    tmp_path: Path, zig: str
) -> None:
    responder = ScriptedResponder(fail_chunks=[2])
    services = fakes(tmp_path, responder)
    settings = services.settings.model_copy(update={"llm_attempts": 1})
    services.settings = settings
    final = asyncio.run(build_graph(services=services).ainvoke({"path": zig}))
    (degraded,) = [n for n in final["extended"]["notes"] if n["degraded"]]
    chunk = next(c for c in services_chunks(services, zig) if c.id == degraded["chunk_ids"][0])
    offline = ExtractiveWriter(services.embedder).notes_of(chunk)
    assert degraded["key_points"] == offline.key_points, "the offline engine's own notes"
    assert degraded["topic"] == offline.topic


def services_chunks(services: Any, path: str) -> list[Any]:
    from longsum.graphs.nodes.split_transcript import split_chunks

    return split_chunks(read_transcript(path), services.settings, services.tokenizer)[0]

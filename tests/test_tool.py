"""longsum as a LangChain tool (``as_tool``) and as a LangGraph Studio graph (langgraph.json)."""

from __future__ import annotations

import asyncio
import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import ToolMessage
from langchain_core.tools import StructuredTool
from langchain_core.utils.function_calling import convert_to_openai_tool

import longsum
from fakes import ScriptedResponder, fake_services
from longsum.api import build_graph
from longsum.errors import ConfigError
from longsum.graphs.services import Services
from longsum.settings import load_settings
from longsum.tool import as_tool
from longsum.tools.validation import validate_summary

ROOT = Path(__file__).resolve().parents[1]


def services_for(tmp_path: Path) -> Services:
    settings = load_settings(cache_dir=tmp_path / "cache", vector_store="memory")
    return fake_services(settings, ScriptedResponder())


@pytest.fixture
def zig(shared_dir: Path) -> Path:
    return shared_dir / "data/seed_transcripts/zig.txt"


def call(transcript: str) -> dict[str, Any]:
    """A tool call as a chat model emits it."""
    return {
        "type": "tool_call",
        "id": "call_1",
        "name": "summarize_transcript",
        "args": {"transcript": transcript},
    }


def test_tool_describes_its_one_argument(tmp_path: Path) -> None:
    tool = as_tool(services=services_for(tmp_path))
    assert isinstance(tool, StructuredTool)
    assert tool.name == "summarize_transcript"
    assert tool.coroutine is not None and tool.func is not None
    schema = convert_to_openai_tool(tool)["function"]["parameters"]  # what a model is shown
    assert schema["required"] == ["transcript"]
    described = schema["properties"]["transcript"]["description"]
    assert "path" in described and "text" in described
    assert "5 sections" in tool.description
    assert as_tool(services=services_for(tmp_path), name="digest").name == "digest"


def test_tool_call_returns_the_summary_as_json_and_as_artifact(tmp_path: Path, zig: Path) -> None:
    message = as_tool(services=services_for(tmp_path)).invoke(call(str(zig)))
    assert isinstance(message, ToolMessage)
    assert message.status == "success" and message.tool_call_id == "call_1"
    assert isinstance(message.content, str)
    assert json.loads(message.content) == message.artifact
    assert validate_summary(message.artifact) == []
    assert set(message.artifact) == {"introduction", "sections", "topics", "generalTopics"}


def test_tool_takes_the_transcript_text_itself(tmp_path: Path, zig: Path) -> None:
    text = zig.read_text(encoding="utf-8")
    content = as_tool(services=services_for(tmp_path)).invoke({"transcript": text})
    assert len(json.loads(content)["sections"]) == 5


def test_async_tool_call(tmp_path: Path, zig: Path) -> None:
    tool = as_tool(services=services_for(tmp_path))
    message = asyncio.run(tool.ainvoke(call(str(zig))))
    assert message.status == "success"
    assert validate_summary(message.artifact) == []


def test_sync_call_from_inside_a_running_loop(tmp_path: Path, zig: Path) -> None:
    tool = as_tool(services=services_for(tmp_path))

    async def agent() -> Any:
        return tool.invoke(call(str(zig)))  # sync API, but a loop is running here

    assert asyncio.run(agent()).status == "success"


@pytest.mark.parametrize(
    ("transcript", "says"),
    [
        ("no/such/talk.txt", "no/such/talk.txt not found"),
        ("missing.vtt", "missing.vtt not found"),
        ("Hello there, just one line.", "too short"),
    ],
)
def test_bad_input_becomes_an_error_message_for_the_model(
    tmp_path: Path, transcript: str, says: str
) -> None:
    message = as_tool(services=services_for(tmp_path)).invoke(call(transcript))
    assert message.status == "error"
    assert says in message.content and "longsum cannot summarize" in message.content


def test_bad_configuration_fails_when_the_tool_is_built() -> None:
    with pytest.raises(ConfigError, match="unknown model provider"):
        as_tool("nosuch:model")


def test_as_tool_is_public() -> None:
    assert "as_tool" in longsum.__all__
    assert longsum.as_tool is as_tool


# ------------------------------------------------------------------ LangGraph Studio


@pytest.fixture
def studio_graph(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The graph langgraph.json names, loaded the way `langgraph dev` loads it: by file path,
    with settings from the environment (no model configured: the offline engine)."""
    config = json.loads((ROOT / "langgraph.json").read_text(encoding="utf-8"))
    assert config["dependencies"] == ["."]
    env = config.get("env")
    assert env is None or isinstance(env, dict) or (ROOT / env).is_file()
    file, _, attr = config["graphs"]["longsum"].partition(":")
    path = ROOT / file
    assert path.is_file() and attr
    monkeypatch.delenv("LONGSUM_MODEL", raising=False)
    monkeypatch.setenv("LONGSUM_CACHE_DIR", str(tmp_path))
    spec = importlib.util.spec_from_file_location("longsum_studio_under_test", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, attr)


def test_langgraph_json_points_at_the_compiled_pipeline(tmp_path: Path, studio_graph: Any) -> None:
    pipeline = build_graph(services=services_for(tmp_path))
    assert set(studio_graph.nodes) == set(pipeline.nodes)
    assert {"split_transcript", "summarize_chunk", "finish_summary"} <= set(studio_graph.nodes)
    assert studio_graph.checkpointer is None, "the platform supplies persistence"


def test_studio_can_draw_the_graph_and_its_input_form(studio_graph: Any) -> None:
    assert set(studio_graph.get_input_jsonschema()["properties"]) >= {"path", "text"}
    assert "summary" in studio_graph.get_output_jsonschema()["properties"]
    assert "summarize_chunk" in studio_graph.get_graph().draw_mermaid()

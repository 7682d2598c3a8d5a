"""longsum.masking: secret masking, one-line previews, the text of an answer; and the
direction of imports it exists for (memory/ and masking/ never import agent/)."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
from langchain_core.messages import AIMessage

from longsum.masking import REDACTED, mask_secrets, one_line, text_of

SRC = Path(__file__).resolve().parents[1] / "src/longsum"


@pytest.mark.parametrize(
    "secret",
    ["sk-abcdefghijklmnop", "Bearer eyJhbGciOi.xyz", "api_key=12345abc", "API-KEY: 12345abc"],
)
def test_secrets_are_masked(secret: str) -> None:
    masked = mask_secrets(f"failed with {secret} at the gateway")
    assert secret not in masked and REDACTED in masked
    assert masked.startswith("failed with ") and masked.endswith(" at the gateway")


def test_plain_text_is_left_alone() -> None:
    assert mask_secrets("a skill, a sketch, bearer bonds") == "a skill, a sketch, bearer bonds"


def test_one_line_flattens_shortens_and_masks() -> None:
    assert one_line("a\n\n b\t c ") == "a b c"
    assert one_line("x" * 50, 10) == "xxxxxxx..."
    assert len(one_line("word " * 200)) == 300
    assert one_line("key sk-abcdefghijklmnop\nthen") == f"key {REDACTED} then"


def test_text_of_an_answer() -> None:
    assert text_of(AIMessage(content="plain")) == "plain"
    assert text_of(AIMessage(content=["a", {"type": "text", "text": "b"}])) == "ab"
    called = AIMessage(content="", tool_calls=[{"name": "Note", "args": {"x": 1}, "id": "1"}])
    assert json.loads(text_of(called)) == {"x": 1}


def _imports(path: Path) -> set[str]:
    modules: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module)
        elif isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
    return modules


def test_masking_sits_below_agent_graphs_and_memory() -> None:
    ours = {m for m in _imports(SRC / "masking.py") if m.split(".")[0] == "longsum"}
    assert ours <= {"longsum.errors"}


@pytest.mark.parametrize("path", sorted((SRC / "memory").glob("*.py")), ids=lambda p: p.name)
def test_memory_does_not_import_the_agent(path: Path) -> None:
    upward = sorted(m for m in _imports(path) if m.startswith("longsum.agent"))
    assert not upward, f"memory/{path.name} imports {upward}"

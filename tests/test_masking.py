"""longsum.masking: secret masking, one-line previews, the text of an answer; and the
direction of imports it exists for (memory/ and masking/ never import agent/)."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
from langchain_core.messages import AIMessage

from longsum import masking
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


KEY = "abcdEFGH12345678zz"  # no sk- prefix: nothing but the configuration says it is a key


@pytest.fixture
def clean_registry(monkeypatch: pytest.MonkeyPatch) -> object:
    """Secrets registered in a test are forgotten after it."""
    monkeypatch.setattr(masking, "_registered", set())
    masking._compiled.cache_clear()
    yield
    masking._compiled.cache_clear()


@pytest.mark.parametrize(
    "variable", ["OPENAI_API_KEY", "ANTHROPIC_API_KEY", "HF_TOKEN", "ACME_TOKEN", "X_SECRET"]
)
def test_a_configured_key_is_masked_whatever_it_looks_like(
    variable: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(variable, KEY)
    assert mask_secrets(f"401: key {KEY} rejected") == f"401: key {REDACTED} rejected"
    assert one_line(f"401:\nkey {KEY}") == f"401: key {REDACTED}"


def test_a_changed_environment_is_honoured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    assert KEY not in mask_secrets(KEY)
    monkeypatch.setenv("OPENAI_API_KEY", "zyxwVUTS87654321")
    assert mask_secrets("zyxwVUTS87654321") == REDACTED


def test_short_or_unnamed_values_are_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OLLAMA_API_KEY", "ollama")  # too short to be a secret worth a blank
    monkeypatch.setenv("LONGSUM_MODEL", "openai:gpt-4o-mini")  # not a secret's name
    text = "ollama served openai:gpt-4o-mini"
    assert mask_secrets(text) == text


@pytest.mark.parametrize("variable", ["OPENAI_BASE_URL", "LONGSUM_OPENAI_BASE_URL"])
def test_credentials_of_a_configured_base_url_are_masked(
    variable: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = "http://user:s3cretpass@127.0.0.1:9/v1?api-version=2024-02-01&key=QQQQwwww1234"
    monkeypatch.setenv(variable, url)
    said = mask_secrets("auth s3cretpass failed, key QQQQwwww1234, api-version 2024-02-01")
    assert said == f"auth {REDACTED} failed, key {REDACTED}, api-version 2024-02-01"
    assert "s3cretpass" not in mask_secrets(f"GET {url}")


def test_credentials_in_any_url_are_masked() -> None:
    said = mask_secrets("GET https://bob:hunter22@example.com/v1?token=zzz&x=1 failed")
    assert said == f"GET https://{REDACTED}@example.com/v1?token={REDACTED}&x=1 failed"
    half = "Incorrect API key provided: abcdEFGH************78zz."
    assert mask_secrets(half) == f"Incorrect API key provided: {REDACTED}."


def test_a_registered_url_masks_its_credentials_not_its_host(clean_registry: object) -> None:
    masking.register_secrets("http://admin:pa55word99@10.0.0.7:11434", None)
    assert mask_secrets("pa55word99 at 10.0.0.7:11434") == f"{REDACTED} at 10.0.0.7:11434"

"""The contract models and their JSON schema: gold answers pass, each field rule bites."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from longsum.contract import (
    GENERAL_TOPICS,
    RULES_ERROR_TYPE,
    SCHEMA_PATH,
    GeneralTopic,
    Summary,
    contract_violations,
    is_placeholder,
    summary_json_schema,
    write_schema,
)
from shared_data import load_json


@pytest.fixture
def full_stack(shared_dir: Path) -> dict[str, Any]:
    return load_json(shared_dir, "gold/full-stack.json")


@pytest.fixture
def mixtral(shared_dir: Path) -> dict[str, Any]:
    return load_json(shared_dir, "gold/mixtral8x7b.json")


def test_general_topics_are_the_twelve_of_the_spec(shared_dir: Path) -> None:
    spec = (shared_dir / "SPEC.md").read_text(encoding="utf-8")
    block = spec.split("## The twelve general topics", 1)[1].split("##", 1)[0]
    listed = re.findall(r"^\d+\. (.+?)\s*$", block, flags=re.MULTILINE)
    assert tuple(listed) == GENERAL_TOPICS
    assert len(GENERAL_TOPICS) == 12


@pytest.mark.parametrize("name", ["full-stack", "mixtral8x7b"])
def test_gold_answers_are_valid_summaries(shared_dir: Path, name: str) -> None:
    data = load_json(shared_dir, f"gold/{name}.json")
    summary = Summary.model_validate(data)
    assert len(summary.sections) == 5
    assert contract_violations(data) == []


def test_string_complexities_become_numbers(mixtral: dict[str, Any]) -> None:
    summary = Summary.model_validate(mixtral)
    assert [g.complexity for g in summary.general_topics] == [0.87, 0.68, 0.65]
    assert all(type(g.complexity) is float for g in summary.general_topics)
    for dumped in (
        summary.model_dump(by_alias=True),
        summary.model_dump(),
        json.loads(summary.model_dump_json()),
    ):
        assert set(dumped) == {"introduction", "sections", "topics", "generalTopics"}
        assert [type(g["complexity"]) for g in dumped["generalTopics"]] == [float] * 3
    assert '"complexity":0.87' in summary.model_dump_json()


def test_dump_round_trips_to_the_input(full_stack: dict[str, Any]) -> None:
    summary = Summary.model_validate(full_stack)
    assert json.loads(summary.model_dump_json()) == full_stack
    assert Summary.model_validate_json(summary.model_dump_json()) == summary


@pytest.mark.parametrize(
    ("value", "expected"),
    [("0.87", 0.87), (" 0.5 ", 0.5), (1, 1.0), (0, 0.0), (0.3, 0.3), ("1", 1.0)],
)
def test_complexity_accepts_numbers_and_numeric_strings(value: object, expected: float) -> None:
    assert GeneralTopic.model_validate({"name": "Quantum Computing", "complexity": value}) == (
        GeneralTopic(name="Quantum Computing", complexity=expected)
    )


@pytest.mark.parametrize(
    ("value", "error_type"),
    [
        (True, "type"),
        ("high", "type"),
        ("87%", "type"),
        (None, "float_type"),
        (0.875, "decimals"),
        (1.01, "less_than_equal"),
        (-0.1, "greater_than_equal"),
        (7, "less_than_equal"),
    ],
)
def test_complexity_rejects(value: object, error_type: str) -> None:
    with pytest.raises(ValidationError) as caught:
        GeneralTopic.model_validate({"name": "Quantum Computing", "complexity": value})
    assert [e["type"] for e in caught.value.errors()] == [error_type]


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d["sections"][0]["content"].__setitem__(1, d["sections"][0]["content"][0]),
        lambda d: d["sections"][2].__setitem__("title", "Section 4: Backend"),
        lambda d: d["sections"][4].__setitem__("content", list(d["sections"][1]["content"])),
        lambda d: d["generalTopics"][2].__setitem__("name", d["generalTopics"][0]["name"]),
        lambda d: d["topics"].__setitem__(0, "Topic1"),
    ],
    ids=["duplicate-bullet", "numbering", "same-bullets", "same-general-topic", "template"],
)
def test_every_summary_instance_obeys_the_cross_field_rules(
    full_stack: dict[str, Any], mutate: Any
) -> None:
    mutate(full_stack)
    with pytest.raises(ValidationError) as caught:
        Summary.model_validate(full_stack)
    assert [e["type"] for e in caught.value.errors()] == [RULES_ERROR_TYPE]
    # the model's error names the same violation the rule functions find
    assert str(contract_violations(full_stack)[0]) in str(caught.value)


def test_forbidden_texts_reach_the_model_through_the_context(full_stack: dict[str, Any]) -> None:
    bullet = full_stack["sections"][3]["content"][2]
    Summary.model_validate(full_stack, context={"forbidden_texts": ["something else"]})
    with pytest.raises(ValidationError, match=r"\$\.sections\[3\]\.content\[2\]"):
        Summary.model_validate(full_stack, context={"forbidden_texts": [bullet.upper()]})


def test_strings_are_stripped_and_blank_ones_rejected(full_stack: dict[str, Any]) -> None:
    full_stack["topics"][0] = "  React \n"
    assert Summary.model_validate(full_stack).topics[0] == "React"
    broken = copy.deepcopy(full_stack)
    broken["sections"][1]["topics"][0] = "   "
    with pytest.raises(ValidationError, match="string_too_short"):
        Summary.model_validate(broken)


def test_generaltopics_is_the_only_accepted_spelling(full_stack: dict[str, Any]) -> None:
    full_stack["general_topics"] = full_stack.pop("generalTopics")
    with pytest.raises(ValidationError) as caught:
        Summary.model_validate(full_stack)
    assert {e["type"] for e in caught.value.errors()} == {"missing", "extra_forbidden"}


@pytest.mark.parametrize(
    "text",
    [
        "Bullet point 1",
        "bullet 3",
        "Topic1",
        "Topic 2",
        "topic #3",
        "Descriptor1",
        "High level synopsis here",
        "High-level synopsis of the whole transcript.",
        "<short title>",
        "<bullet 1>",
        "Section title",
        "Short title",
        "Lorem ipsum dolor sit amet.",
        "...",
        "…",
        "-",
        "TBD",
        "N/A",
        "n/a",
        "Insert the summary here",
        "Item 4",
    ],
)
def test_template_text_is_a_placeholder(text: str) -> None:
    assert is_placeholder(text)


@pytest.mark.parametrize(
    "text",
    [
        "Topic modelling with LDA",
        "Topic Modelling",
        "Key",
        "Bullet points in Markdown lists",
        "Section headers and the HTML <section> element",
        "Handling N/A values in pandas data frames.",
        "Summary",
        "Content",
        "Items",
        "Key points of the Raft consensus algorithm",
        "Descriptors in SIFT feature matching",
        "",
    ],
)
def test_real_content_is_not_a_placeholder(text: str) -> None:
    assert not is_placeholder(text)


def walk(node: object) -> list[dict[str, Any]]:
    """Every sub-schema (dict) inside a JSON schema."""
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        found.append(node)
        for value in node.values():
            found.extend(walk(value))
    elif isinstance(node, list):
        for value in node:
            found.extend(walk(value))
    return found


def test_schema_is_fit_for_constrained_decoding() -> None:
    schema = summary_json_schema()
    general = schema["$defs"]["GeneralTopic"]
    assert general["properties"]["name"]["enum"] == list(GENERAL_TOPICS)
    objects = [s for s in walk(schema) if s.get("type") == "object"]
    assert len(objects) == 3
    assert all(s["additionalProperties"] is False for s in objects)
    assert all(set(s["required"]) == set(s["properties"]) for s in objects)
    props = schema["properties"]
    counts = {
        "sections": props["sections"],
        "topics": props["topics"],
        "generalTopics": props["generalTopics"],
        "content": schema["$defs"]["Section"]["properties"]["content"],
        "section topics": schema["$defs"]["Section"]["properties"]["topics"],
    }
    assert {k: (v["minItems"], v["maxItems"]) for k, v in counts.items()} == {
        "sections": (5, 5),
        "topics": (5, 5),
        "generalTopics": (3, 3),
        "content": (4, 4),
        "section topics": (3, 3),
    }
    assert general["properties"]["complexity"] == general["properties"]["complexity"] | {
        "type": "number",
        "minimum": 0,
        "maximum": 1,
    }
    # llama.cpp's converter wants anchored patterns without (?...) groups or \S-style classes
    patterns = [s["pattern"] for s in walk(schema) if "pattern" in s]
    assert len(patterns) == 2
    for pattern in patterns:
        assert pattern.startswith("^") and pattern.endswith("$")
        assert "(?" not in pattern and not re.search(r"\\[sSdDwW]", pattern)
    keywords = {key for s in walk(schema) for key in s}
    assert not keywords & {"anyOf", "oneOf", "allOf", "not", "if", "multipleOf", "const"}


def test_every_field_carries_an_instruction() -> None:
    schema = summary_json_schema()
    fields = [p for s in walk(schema) for p in s.get("properties", {}).values()]
    items = [p["items"] for p in fields if p.get("type") == "array"]
    assert len(fields) == 9
    for field in [*fields, *[i for i in items if "$ref" not in i]]:
        assert len(field.get("description", "")) > 20, field


def test_schema_file_is_in_sync(tmp_path: Path) -> None:
    assert json.loads(SCHEMA_PATH.read_text(encoding="utf-8")) == summary_json_schema()
    written = tmp_path / "sub" / "summary.schema.json"
    write_schema(written)
    assert written.read_text(encoding="utf-8") == SCHEMA_PATH.read_text(encoding="utf-8")


def test_schema_accepts_gold_and_rejects_broken(shared_dir: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    validator = jsonschema.Draft202012Validator(summary_json_schema())
    assert list(validator.iter_errors(load_json(shared_dir, "gold/full-stack.json"))) == []
    assert list(validator.iter_errors(load_json(shared_dir, "invalid/dpo_model_output.json")))

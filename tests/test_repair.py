"""Deterministic repair: fixes what needs no model, reports each change, leaves the rest."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from longsum.contract import GENERAL_TOPICS, Summary
from longsum.tools.repair import RepairResult, closest_general_topic, repair_summary
from longsum.tools.validation import validate_summary
from shared_data import load_json

Doc = dict[str, Any]


@pytest.fixture
def gold(shared_dir: Path) -> Doc:
    return load_json(shared_dir, "gold/full-stack.json")


@pytest.fixture
def dpo(shared_dir: Path) -> Doc:
    return load_json(shared_dir, "invalid/dpo_model_output.json")


def found(data: object) -> set[tuple[str, str]]:
    return {(v.path, v.code) for v in validate_summary(data)}


def repaired(data: object) -> RepairResult:
    """Repair, checking on the way that the input is untouched and a second pass is a no-op."""
    before = copy.deepcopy(data)
    result = repair_summary(data)
    assert data == before, "repair_summary mutated its input"
    again = repair_summary(result.data)
    assert (again.data, again.changes) == (result.data, []), "repair is not idempotent"
    assert all(line.startswith("$") and ": " in line for line in result.changes)
    return result


MODEL_MUST_FIX = {
    *{(f"$.sections[{i}].topics", "count") for i in range(5)},
    ("$.sections[2].content", "count"),
    ("$.topics", "count"),
    *{(f"$.topics[{i}]", "words") for i in range(4)},
}


def test_dpo_output_keeps_only_what_a_model_must_fix(dpo: Doc) -> None:
    result = repaired(dpo)
    assert result.changes == [
        "$.generalTopics[0]: renamed key 'topic' to 'name'",
        "$.generalTopics[0].name: mapped 'Artificial Intelligence and Machine Learning' to "
        "'Artificial Intelligence (AI) and Machine Learning'",
        "$.generalTopics[1]: renamed key 'topic' to 'name'",
        "$.generalTopics[2]: renamed key 'topic' to 'name'",
    ]
    assert isinstance(result.data, dict)
    assert result.data["generalTopics"] == [
        {"name": "Artificial Intelligence (AI) and Machine Learning", "complexity": 0.75},
        {"name": "Computer Architecture", "complexity": 0.3},
        {"name": "Programming Languages and Software Development", "complexity": 0.6},
    ]
    assert found(result.data) == MODEL_MUST_FIX


def test_wrapped_dpo_output_is_unwrapped(dpo: Doc) -> None:
    result = repaired({"summary": dpo})
    assert result.changes[0] == "$: unwrapped the summary from its outer key 'summary'"
    assert result.data == repair_summary(dpo).data
    twice = repaired({"response": {"output": dpo}})
    assert twice.changes[0] == "$: unwrapped the summary from its outer keys 'response' > 'output'"
    assert twice.data == result.data


CASES: list[tuple[str, Callable[[Doc], None], str]] = [
    ("wrapped", lambda d: d.update({"result": dict(d)}) or None, "$: unwrapped"),
    (
        "string-complexity",
        lambda d: d["generalTopics"][0].update(complexity="0.59"),
        "$.generalTopics[0].complexity: parsed '0.59' to 0.59",
    ),
    (
        "percent-complexity",
        lambda d: d["generalTopics"][1].update(complexity=" 61% "),
        "$.generalTopics[1].complexity: parsed '61%' to 0.61",
    ),
    (
        "three-decimals",
        lambda d: d["generalTopics"][2].update(complexity=0.5301),
        "$.generalTopics[2].complexity: rounded 0.5301 to 0.53",
    ),
    (
        "topic-key",
        lambda d: d["generalTopics"][0].update(topic=d["generalTopics"][0].pop("name")),
        "$.generalTopics[0]: renamed key 'topic' to 'name'",
    ),
    (
        "category-key",
        lambda d: d["generalTopics"][2].update(category=d["generalTopics"][2].pop("name")),
        "$.generalTopics[2]: renamed key 'category' to 'name'",
    ),
    (
        "near-miss-name",
        lambda d: d["generalTopics"][1].update(name="Software Engineering & Systems Design"),
        "$.generalTopics[1].name: mapped 'Software Engineering & Systems Design' to "
        "'Software Engineering and System Design'",
    ),
    (
        "wrong-number",
        lambda d: d["sections"][0].update(title="Section 3: Project Setup and Initial Planning"),
        "$.sections[0].title: rewrote 'Section 3: Project Setup and Initial Planning' as "
        "'Section 1: Project Setup and Initial Planning'",
    ),
    (
        "whitespace",
        lambda d: d["topics"].__setitem__(0, "  React\n"),
        "$.topics[0]: stripped surrounding whitespace",
    ),
    (
        "extra-keys",
        lambda d: d.update(notes="draft") or d["sections"][2].update(id=3),
        "$.sections[2]: dropped unexpected key 'id'",
    ),
    (
        "extra-general-key",
        lambda d: d["generalTopics"][0].update(level="College"),
        "$.generalTopics[0]: dropped unexpected key 'level'",
    ),
    (
        "snake-case-key",
        lambda d: d.update(general_topics=d.pop("generalTopics")),
        "$: renamed key 'general_topics' to 'generalTopics'",
    ),
    (
        "singular-key",
        lambda d: d["sections"][4].update(topic=d["sections"][4].pop("topics")),
        "$.sections[4]: renamed key 'topic' to 'topics'",
    ),
    (
        "bullets-key",
        lambda d: d["sections"][1].update(bullets=d["sections"][1].pop("content")),
        "$.sections[1]: renamed key 'bullets' to 'content'",
    ),
]


@pytest.mark.parametrize(("case", "mutate", "change"), CASES, ids=[c[0] for c in CASES])
def test_each_repairable_fault_is_fixed_and_reported(
    gold: Doc, case: str, mutate: Callable[[Doc], None], change: str
) -> None:
    broken = copy.deepcopy(gold)
    mutate(broken)
    if case == "wrapped":
        broken = {"result": broken.pop("result")}
    # a numeric string and surrounding spaces are accepted as they are, the rest is a fault
    assert (validate_summary(broken) == []) == (case in {"string-complexity", "whitespace"})
    result = repaired(broken)
    assert any(line.startswith(change) for line in result.changes), result.changes
    assert validate_summary(result.data) == []
    assert result.data == gold
    assert result.changed


@pytest.mark.parametrize(
    "title",
    [
        "Section 3: Project Setup and Initial Planning",
        "Project Setup and Initial Planning",
        "Section 1 - Project Setup and Initial Planning",
        "Section One: Project Setup and Initial Planning",
        "section 1:Project Setup and Initial Planning",
        "1. Project Setup and Initial Planning",
        "1) Project Setup and Initial Planning",
        "Chapter 1: Project Setup and Initial Planning",
        "Part I - Project Setup and Initial Planning",
        "  Section 2 — Project Setup and Initial Planning ",
    ],
)
def test_titles_are_renumbered_by_position(gold: Doc, title: str) -> None:
    gold["sections"][0]["title"] = title
    result = repaired(gold)
    assert isinstance(result.data, dict)
    assert result.data["sections"][0]["title"] == "Section 1: Project Setup and Initial Planning"
    assert validate_summary(result.data) == []


def test_titles_that_merely_start_with_a_number_keep_it(gold: Doc) -> None:
    gold["sections"][3]["title"] = "5 Job Board APIs"
    result = repaired(gold)
    assert isinstance(result.data, dict)
    assert result.data["sections"][3]["title"] == "Section 4: 5 Job Board APIs"


def test_exact_duplicates_are_dropped_leaving_the_count_to_the_model(gold: Doc) -> None:
    first = gold["sections"][0]["content"][0]
    gold["sections"][0]["content"][2] = first
    gold["topics"][4] = "React"
    gold["generalTopics"][2] = dict(gold["generalTopics"][0])
    result = repaired(gold)
    assert result.changes == [
        "$.sections[0].content[2]: dropped an exact duplicate of $.sections[0].content[0]",
        "$.topics[4]: dropped an exact duplicate of $.topics[0]",
        "$.generalTopics[2]: dropped an exact duplicate of $.generalTopics[0]",
    ]
    assert found(result.data) == {
        ("$.sections[0].content", "count"),
        ("$.topics", "count"),
        ("$.generalTopics", "count"),
    }


UNREPAIRABLE: list[tuple[str, Callable[[Doc], None], set[tuple[str, str]]]] = [
    (
        "complexity-7",
        lambda d: d["generalTopics"][0].update(complexity=7),
        {("$.generalTopics[0].complexity", "range")},
    ),
    (
        "complexity-word",
        lambda d: d["generalTopics"][0].update(complexity="high"),
        {("$.generalTopics[0].complexity", "type")},
    ),
    (
        "far-off-name",
        lambda d: d["generalTopics"][1].update(name="Natural Language Processing"),
        {("$.generalTopics[1].name", "not_allowed")},
    ),
    (
        "three-bullets",
        lambda d: d["sections"][2]["content"].pop(),
        {("$.sections[2].content", "count")},
    ),
    ("empty-introduction", lambda d: d.update(introduction=""), {("$.introduction", "empty")}),
    (
        "title-without-text",
        lambda d: d["sections"][1].update(title="Section 2:"),
        {("$.sections[1].title", "format")},
    ),
    (
        "misspelt-sections",
        lambda d: d.update(sectoins=d.pop("sections")),
        {("$", "missing"), ("$", "extra_key")},
    ),
    (
        "case-duplicate",
        lambda d: d["topics"].__setitem__(4, "react"),
        {("$.topics[4]", "duplicate")},
    ),
    (
        "placeholder",
        lambda d: d["sections"][0]["content"].__setitem__(1, "Bullet point 2"),
        {("$.sections[0].content[1]", "placeholder")},
    ),
]


@pytest.mark.parametrize(("case", "mutate", "left"), UNREPAIRABLE, ids=[c[0] for c in UNREPAIRABLE])
def test_unrepairable_faults_stay_violations(
    gold: Doc, case: str, mutate: Callable[[Doc], None], left: set[tuple[str, str]]
) -> None:
    mutate(gold)
    result = repaired(gold)
    assert found(result.data) == left
    assert result.data == gold  # nothing changed, nothing clamped or deleted


def test_misspelt_key_is_kept_with_its_content(gold: Doc) -> None:
    gold["sectoins"] = gold.pop("sections")
    result = repaired(gold)
    assert isinstance(result.data, dict)
    assert len(result.data["sectoins"]) == 5


@pytest.mark.parametrize("data", [None, "text", 3, [], [{"summary": {}}], {"summary": "x"}])
def test_non_summaries_are_returned_unchanged(data: object) -> None:
    result = repaired(data)
    assert result.data == data
    assert result.changes == []
    assert not result.changed


def test_the_repaired_copy_shares_nothing_with_the_input(gold: Doc) -> None:
    result = repair_summary(gold)
    assert result.data == gold and result.changes == []
    assert isinstance(result.data, dict)
    result.data["sections"][0]["content"].append("x")
    assert len(gold["sections"][0]["content"]) == 4


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Artificial Intelligence and Machine Learning", GENERAL_TOPICS[1]),
        ("artificial intelligence (AI) & machine learning", GENERAL_TOPICS[1]),
        ("AI", GENERAL_TOPICS[1]),
        ("Machine Learning", GENERAL_TOPICS[1]),
        ("AI/ML", GENERAL_TOPICS[1]),
        ("Human Computer Interaction", GENERAL_TOPICS[5]),
        ("HCI", GENERAL_TOPICS[5]),
        ("Data Science", GENERAL_TOPICS[3]),
        ("Databases", GENERAL_TOPICS[4]),
        ("Web Development", GENERAL_TOPICS[8]),
        ("Web Development and Internet Technology", GENERAL_TOPICS[8]),
        ("Computer Graphics & Visualisation", GENERAL_TOPICS[9]),
        ("Quantum", GENERAL_TOPICS[11]),
        ("Theoretical Computer Sciences", GENERAL_TOPICS[10]),
        ("Data Structures & Algorithms", GENERAL_TOPICS[0]),
        ("Software Engineering and Systems Design", GENERAL_TOPICS[7]),
        ("Natural Language Processing", None),
        ("Computer Science", None),
        ("Cloud Computing", None),
        ("Operating Systems", None),
        ("", None),
        ("(AI)", None),
    ],
)
def test_closest_general_topic(name: str, expected: str | None) -> None:
    assert closest_general_topic(name) == expected


def test_every_allowed_name_maps_to_itself() -> None:
    assert [closest_general_topic(t) for t in GENERAL_TOPICS] == list(GENERAL_TOPICS)


DAMAGE = st.sampled_from(
    [
        *(None, True, 1, 7, 0.555, "0.5", "50%", "", "  x  ", "Topic1", "Artificial Intelligence"),
        *([], {}, ["a"], {"topic": "AI", "complexity": "1"}, "Section 9: X", "Section One - X"),
    ]
)


def locations(node: object, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    items = (
        node.items()
        if isinstance(node, dict)
        else enumerate(node)
        if isinstance(node, list)
        else []
    )
    for key, value in items:
        found += locations(value, (*path, key))
    return found


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_random_damage_is_handled_consistently(shared_dir: Path, data: st.DataObject) -> None:
    """Whatever the damage: no crash, repair is pure and idempotent, and the validator
    agrees with the model on what is valid."""
    name = data.draw(st.sampled_from(["gold/full-stack.json", "invalid/dpo_model_output.json"]))
    doc: Any = load_json(shared_dir, name)
    for _ in range(data.draw(st.integers(1, 4))):
        *parent_path, key = data.draw(st.sampled_from(locations(doc)[1:]))
        parent = doc
        for step in parent_path:
            parent = parent[step]
        action = data.draw(st.sampled_from(["set", "delete", "duplicate"]))
        if action == "set":
            parent[key] = copy.deepcopy(data.draw(DAMAGE))
        elif action == "delete":
            del parent[key]
        elif isinstance(parent, list):
            parent.append(copy.deepcopy(parent[key]))
        else:
            parent[f"{key}_copy"] = copy.deepcopy(parent[key])
    result = repaired(doc)
    for candidate in (doc, result.data):
        try:
            Summary.model_validate(candidate)
            model_accepts = True
        except ValueError:
            model_accepts = False
        assert model_accepts == (validate_summary(candidate) == [])

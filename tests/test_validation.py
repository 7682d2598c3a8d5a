"""The validator names every violation, precisely, for each rule of SPEC.md."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from longsum.tools.validation import Violation, format_violations, is_valid, validate_summary
from shared_data import load_json

Doc = dict[str, Any]


@pytest.fixture
def gold(shared_dir: Path) -> Doc:
    """A fresh copy of the full-stack reference answer, to break one rule at a time."""
    return load_json(shared_dir, "gold/full-stack.json")


def found(data: object, **kwargs: Any) -> set[tuple[str, str]]:
    return {(v.path, v.code) for v in validate_summary(data, **kwargs)}


@pytest.mark.parametrize("name", ["full-stack", "mixtral8x7b"])
def test_gold_answers_have_no_violations(shared_dir: Path, name: str) -> None:
    data = load_json(shared_dir, f"gold/{name}.json")
    assert validate_summary(data) == []
    assert is_valid(data)


DPO_FAULTS = {
    *{(f"$.sections[{i}].topics", "count") for i in range(5)},
    ("$.sections[2].content", "count"),
    ("$.topics", "count"),
    *{(f"$.topics[{i}]", "words") for i in range(4)},
    *{(f"$.generalTopics[{i}]", "extra_key") for i in range(3)},
    *{(f"$.generalTopics[{i}]", "missing") for i in range(3)},
}


def test_dpo_output_fails_with_each_real_fault_named(shared_dir: Path) -> None:
    violations = validate_summary(load_json(shared_dir, "invalid/dpo_model_output.json"))
    assert {(v.path, v.code) for v in violations} == DPO_FAULTS
    assert len(violations) == len(DPO_FAULTS)
    messages = {v.path + ": " + v.message for v in violations}
    assert "$.sections[2].content: has 3 bullets; exactly 4 are required" in messages
    assert "$.sections[0].topics: has 4 topics; exactly 3 are required" in messages
    assert "$.topics: has 4 topics; exactly 5 are required" in messages
    assert (
        "$.generalTopics[0]: unexpected key 'topic' (allowed: name, complexity); its value "
        '"Artificial Intelligence and Machine Learning" is not one of the twelve general topics'
        " either" in messages
    )
    assert "$.generalTopics[1]: unexpected key 'topic' (allowed: name, complexity)" in messages
    assert "$.generalTopics[0]: missing required key 'name'" in messages
    assert any("'Hugging Face Trainer'" in m or '"Hugging Face Trainer"' in m for m in messages)
    assert not is_valid(load_json(shared_dir, "invalid/dpo_model_output.json"))


def section(title: str, tag: str) -> Doc:
    bullets = [f"The speaker explains {tag} point number {n} in detail." for n in range(4)]
    return {"title": title, "content": bullets, "topics": [f"{tag} A", f"{tag} B", f"{tag} C"]}


def setter(*path: Any) -> Callable[[Any], Callable[[Doc], None]]:
    """setter("sections", 0, "title")(value) mutates doc["sections"][0]["title"] = value."""

    def with_value(value: Any) -> Callable[[Doc], None]:
        def mutate(doc: Doc) -> None:
            target: Any = doc
            for key in path[:-1]:
                target = target[key]
            target[path[-1]] = value

        return mutate

    return with_value


def drop(*path: Any) -> Callable[[Doc], None]:
    def mutate(doc: Doc) -> None:
        target: Any = doc
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]

    return mutate


def append(*path: Any, value: Any) -> Callable[[Doc], None]:
    def mutate(doc: Doc) -> None:
        target: Any = doc
        for key in path:
            target = target[key]
        target.append(value)

    return mutate


def copy_from(dst: tuple[Any, ...], src: tuple[Any, ...], transform: Any = None) -> Any:
    def mutate(doc: Doc) -> None:
        value: Any = doc
        for key in src:
            value = value[key]
        value = json.loads(json.dumps(value))
        setter(*dst)(transform(value) if transform else value)(doc)

    return mutate


CASES: list[tuple[str, Callable[[Doc], None], set[tuple[str, str]]]] = [
    # counts, at every level
    ("4-sections", drop("sections", 4), {("$.sections", "count")}),
    (
        "6-sections",
        append("sections", value=section("Section 6: Extra Material", "cache")),
        {("$.sections", "count"), ("$.sections[5].title", "format")},
    ),
    ("3-bullets", drop("sections", 1, "content", 3), {("$.sections[1].content", "count")}),
    (
        "5-bullets",
        append("sections", 1, "content", value="A fifth and different bullet sentence."),
        {("$.sections[1].content", "count")},
    ),
    ("2-section-topics", drop("sections", 3, "topics", 0), {("$.sections[3].topics", "count")}),
    (
        "4-section-topics",
        append("sections", 3, "topics", value="Rate Limits"),
        {("$.sections[3].topics", "count")},
    ),
    ("4-topics", drop("topics", 2), {("$.topics", "count")}),
    ("6-topics", append("topics", value="Nginx"), {("$.topics", "count")}),
    ("2-general", drop("generalTopics", 1), {("$.generalTopics", "count")}),
    (
        "4-general",
        append("generalTopics", value={"name": "Quantum Computing", "complexity": 0.1}),
        {("$.generalTopics", "count")},
    ),
    # titles
    (
        "wrong-number",
        setter("sections", 1, "title")("Section 3: Frontend"),
        {("$.sections[1].title", "numbering")},
    ),
    (
        "no-prefix",
        setter("sections", 0, "title")("Project Setup"),
        {("$.sections[0].title", "format")},
    ),
    (
        "dash-prefix",
        setter("sections", 0, "title")("Section 1 - Setup"),
        {("$.sections[0].title", "format")},
    ),
    ("empty-title", setter("sections", 2, "title")(""), {("$.sections[2].title", "format")}),
    # general topics
    (
        "complexity-above-1",
        setter("generalTopics", 0, "complexity")(1.5),
        {("$.generalTopics[0].complexity", "range")},
    ),
    (
        "complexity-negative",
        setter("generalTopics", 0, "complexity")(-0.2),
        {("$.generalTopics[0].complexity", "range")},
    ),
    (
        "three-decimals",
        setter("generalTopics", 1, "complexity")(0.595),
        {("$.generalTopics[1].complexity", "decimals")},
    ),
    (
        "complexity-word",
        setter("generalTopics", 1, "complexity")("high"),
        {("$.generalTopics[1].complexity", "type")},
    ),
    (
        "name-off-list",
        setter("generalTopics", 2, "name")("Cloud Computing"),
        {("$.generalTopics[2].name", "not_allowed")},
    ),
    (
        "same-general-topic",
        copy_from(("generalTopics", 2, "name"), ("generalTopics", 0, "name")),
        {("$.generalTopics[2].name", "duplicate")},
    ),
    # strings
    ("3-word-topic", setter("topics", 3)("Third Party APIs"), {("$.topics[3]", "words")}),
    ("empty-introduction", setter("introduction")(""), {("$.introduction", "empty")}),
    ("blank-introduction", setter("introduction")("  \n "), {("$.introduction", "empty")}),
    (
        "empty-bullet",
        setter("sections", 0, "content", 2)(""),
        {("$.sections[0].content[2]", "empty")},
    ),
    ("empty-topic", setter("topics", 1)(""), {("$.topics[1]", "empty")}),
    # duplicates
    (
        "duplicate-bullet",
        copy_from(("sections", 0, "content", 1), ("sections", 0, "content", 0), str.upper),
        {("$.sections[0].content[1]", "duplicate")},
    ),
    (
        "duplicate-section-topic",
        copy_from(("sections", 2, "topics", 2), ("sections", 2, "topics", 0)),
        {("$.sections[2].topics[2]", "duplicate")},
    ),
    (
        "duplicate-topic",
        setter("topics", 4)("react"),
        {("$.topics[4]", "duplicate")},
    ),
    (
        "same-bullets-reordered",
        copy_from(("sections", 3, "content"), ("sections", 0, "content"), lambda b: b[::-1]),
        {("$.sections[3].content", "duplicate")},
    ),
    # keys and types
    ("extra-top-key", setter("notes")("x"), {("$", "extra_key")}),
    ("extra-section-key", setter("sections", 2, "summary")("x"), {("$.sections[2]", "extra_key")}),
    (
        "extra-general-key",
        setter("generalTopics", 1, "level")("Advanced"),
        {("$.generalTopics[1]", "extra_key")},
    ),
    ("missing-introduction", drop("introduction"), {("$", "missing")}),
    ("missing-topics-key", drop("sections", 4, "topics"), {("$.sections[4]", "missing")}),
    ("sections-not-list", setter("sections")({"a": 1}), {("$.sections", "type")}),
    (
        "bullet-not-string",
        setter("sections", 1, "content", 0)(42),
        {("$.sections[1].content[0]", "type")},
    ),
]

PLACEHOLDERS = [
    (("sections", 0, "content", 0), "Bullet point 1"),
    (("sections", 1, "topics", 0), "Topic1"),
    (("sections", 1, "topics", 1), "Topic 2"),
    (("topics", 0), "Descriptor1"),
    (("introduction",), "High level synopsis here"),
    (("sections", 0, "title"), "Section 1: <short title>"),
    (("sections", 2, "content", 1), "<bullet 1>"),
    (("sections", 1, "title"), "Section 2: Section title"),
    (("sections", 4, "content", 3), "Lorem ipsum dolor sit amet."),
    (("sections", 3, "content", 0), "..."),
    (("topics", 2), "TBD"),
    (("sections", 2, "topics", 2), "N/A"),
]
for where, text in PLACEHOLDERS:
    json_path = "$" + "".join(f"[{k}]" if isinstance(k, int) else f".{k}" for k in where)
    CASES.append((f"placeholder-{text}", setter(*where)(text), {(json_path, "placeholder")}))


@pytest.mark.parametrize(("case", "mutate", "expected"), CASES, ids=[c[0] for c in CASES])
def test_each_rule_has_a_failing_case(
    gold: Doc, case: str, mutate: Callable[[Doc], None], expected: set[tuple[str, str]]
) -> None:
    mutate(gold)
    assert found(gold) == expected
    assert not is_valid(gold)


def test_messages_are_plain_english(gold: Doc) -> None:
    gold["generalTopics"][0]["name"] = "Artificial Intelligence and Machine Learning"
    gold["topics"][3] = "Third Party APIs"
    gold["sections"][1]["title"] = "Section 3: Frontend"
    gold["generalTopics"][1]["complexity"] = 0.595
    text = format_violations(validate_summary(gold))
    assert text.splitlines() == [
        "$.sections[1].title: is numbered 3 but is section 2; start it 'Section 2: '",
        '$.topics[3]: "Third Party APIs" has 3 words; a global topic is 1 or 2 words',
        '$.generalTopics[0].name: "Artificial Intelligence and Machine Learning" is not one of '
        "the twelve general topics",
        "$.generalTopics[1].complexity: has more than two decimals (0.595); round it, e.g. 0.87",
    ]


def test_copied_example_text_is_reported(gold: Doc) -> None:
    bullet = gold["sections"][2]["content"][1]
    example = [
        "  " + bullet.upper().rstrip(".") + "!",  # case, spacing and end punctuation differ
        "Section 5: Project Setup and Initial Planning",  # another section number
        "A bullet of the example that this summary does not use.",
    ]
    assert found(gold, forbidden_texts=example) == {
        ("$.sections[2].content[1]", "copied"),
        ("$.sections[0].title", "copied"),
    }
    assert found(gold, forbidden_texts=example[2:]) == set()


def test_several_violations_are_reported_at_once(gold: Doc) -> None:
    gold["sections"][0]["content"].append(gold["sections"][0]["content"][0])  # 5th, a duplicate
    gold["sections"][1]["title"] = "Frontend"
    gold["sections"][2].pop("content")
    gold["generalTopics"][2]["complexity"] = 7
    gold["topics"] = ["React"] * 4 + ["A very long topic"]
    assert found(gold) == {
        ("$.sections[0].content", "count"),
        ("$.sections[0].content[4]", "duplicate"),
        ("$.sections[1].title", "format"),
        ("$.sections[2]", "missing"),
        ("$.topics[1]", "duplicate"),
        ("$.topics[2]", "duplicate"),
        ("$.topics[3]", "duplicate"),
        ("$.topics[4]", "words"),
        ("$.generalTopics[2].complexity", "range"),
    }


def test_counts_and_item_faults_are_both_reported(gold: Doc) -> None:
    """pydantic alone hides one behind the other; the validator reports both."""
    gold["topics"] = ["One Two Three", "", "Redis"]  # too few, and bad items
    gold["sections"][3]["content"] += ["", "Another bullet here now."]  # too many, and bad items
    assert found(gold) == {
        ("$.topics", "count"),
        ("$.topics[0]", "words"),
        ("$.topics[1]", "empty"),
        ("$.sections[3].content", "count"),
        ("$.sections[3].content[4]", "empty"),
    }


@pytest.mark.parametrize("data", [None, [], "a summary", 3, True])
def test_a_non_object_is_one_type_violation(data: object) -> None:
    [violation] = validate_summary(data)
    assert (violation.path, violation.code) == ("$", "type")
    assert violation.message.startswith("must be a JSON object")


def test_empty_object_names_every_missing_key() -> None:
    assert [v.message for v in validate_summary({})] == [
        f"missing required key '{key}'"
        for key in ("introduction", "sections", "topics", "generalTopics")
    ]


def test_violations_come_in_document_order(shared_dir: Path) -> None:
    paths = [
        v.path for v in validate_summary(load_json(shared_dir, "invalid/dpo_model_output.json"))
    ]
    assert paths[0] == "$.sections[0].topics"
    assert paths.index("$.sections[2].content") < paths.index("$.sections[2].topics")
    assert (
        paths.index("$.sections[4].topics") < paths.index("$.topics") < paths.index("$.topics[0]")
    )
    assert paths[-1] == "$.generalTopics[2]"


def test_format_violations_is_one_line_each() -> None:
    violations = [Violation("$.a", "first", "x"), Violation("$.b[0]", "second", "y")]
    assert format_violations(violations) == "$.a: first\n$.b[0]: second"
    assert format_violations([]) == ""

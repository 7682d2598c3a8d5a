"""The graph's deterministic parts: chunk bounds, planning, grouping, grounding, echo checks."""

from __future__ import annotations

import numpy as np
import pytest

from longsum.agent.prompts import instruction_texts
from longsum.agent.schemas import ChunkNotesDraft, SectionDraft
from longsum.graphs.nodes.collapse_notes import group_notes
from longsum.graphs.nodes.plan_sections import segment
from longsum.graphs.nodes.summarize_chunk import grounded, unlooped
from longsum.graphs.sections import clean_title, with_distinct_bullets
from longsum.graphs.services import chunk_bounds
from longsum.graphs.state import ChunkNotes, SectionPlan, SectionTask
from longsum.settings import load_settings
from longsum.tools.rules import contract_violations


def topic_vectors(sizes: list[int], dim: int = 16, noise: float = 0.05) -> np.ndarray:
    rng = np.random.default_rng(7)
    rows = []
    for topic, size in enumerate(sizes):
        base = np.zeros(dim)
        base[topic] = 1.0
        for _ in range(size):
            v = base + noise * rng.standard_normal(dim)
            rows.append(v / np.linalg.norm(v))
    return np.array(rows)


def test_segment_finds_topic_shifts() -> None:
    starts = segment(topic_vectors([4, 6, 5, 3, 6]))
    assert starts == [0, 4, 10, 15, 18]


def test_segment_never_leaves_a_section_empty_and_covers_all() -> None:
    vectors = topic_vectors([12])  # one topic all along: balance decides
    starts = segment(vectors)
    sizes = np.diff([*starts, len(vectors)])
    assert len(starts) == 5 and starts[0] == 0 and all(sizes >= 1)
    assert max(sizes) - min(sizes) <= 1
    with pytest.raises(ValueError):
        segment(topic_vectors([4]))


def test_short_transcripts_get_finer_chunks() -> None:
    settings = load_settings()
    assert chunk_bounds(69_000, settings) == (3000, settings.overlap_tokens)
    bound, overlap = chunk_bounds(3000, settings)
    assert bound < 3000 / 5 and overlap <= bound // 6
    assert chunk_bounds(100, settings)[0] == 48


def note(i: int) -> ChunkNotes:
    return ChunkNotes(
        chunk_ids=[f"c{i:03d}"],
        first=i,
        last=i,
        start=None,
        end=None,
        topic=f"t{i}",
        key_points=["p"],
        terms=[],
        names=[],
    )


def test_group_notes_keeps_order_and_leaves_five_groups() -> None:
    notes = [note(i) for i in range(12)]
    groups = group_notes(notes, [100] * 12, budget=10_000)
    assert [n for g in groups for n in g] == notes
    assert len(groups) >= 5 and all(len(g) >= 1 for g in groups)
    tight = group_notes(notes, [100] * 12, budget=150)
    assert all(len(g) == 1 for g in tight)


def test_grounded_drops_names_the_text_never_mentions() -> None:
    text = "Lex Fridman talks with Lisa Randall about dark matter."
    assert grounded(["Lisa Randall", "John Doe", "dark matter", " "], text) == [
        "Lisa Randall",
        "dark matter",
    ]


def test_unlooped_says_a_looping_phrase_once_and_keeps_real_repetition() -> None:
    loop = "Pieter sells the product, " * 9 + "Pieter se"
    points = [f"He says that {loop}", "Revenue is $3M, up 20% in 2023.", "Yes yes yes."]
    assert unlooped(points) == [
        "He says that Pieter sells the product",
        "Revenue is $3M, up 20% in 2023.",
        "Yes yes yes.",
    ]
    tail = "the model is good, " * 3
    assert unlooped([f"First, {tail}and then it ships.", f"First, {tail}and then it ships"]) == [
        "First, the model is good and then it ships.",
        "First, the model is good and then it ships",
    ]
    assert unlooped(["Same point.", "same point."]) == ["Same point."]


def test_every_string_of_the_notes_schema_is_bounded_for_a_grammar() -> None:
    # An unbounded string lets a looping small model run to the token cap; a bound makes
    # the grammar close the string so the answer can end (or be kept in part).
    schema = ChunkNotesDraft.model_json_schema()
    for name, prop in schema["properties"].items():
        string = prop["items"] if prop.get("type") == "array" else prop
        assert string["type"] == "string" and 0 < string["maxLength"] <= 400, name


def test_clean_title_removes_a_models_own_numbering() -> None:
    assert clean_title("Section 3: Dark Matter") == "Dark Matter"
    assert clean_title("Part 2 - Inflation") == "Inflation"
    assert clean_title("Sectioning data") == "Sectioning data"


def section_task_with(points: list[str], related: list[str] | None = None) -> SectionTask:
    def notes(chunk: str, key_points: list[str]) -> ChunkNotes:
        return ChunkNotes(
            chunk_ids=[chunk],
            first=0,
            last=0,
            start=None,
            end=None,
            topic="t",
            key_points=key_points,
            terms=["alpha", "beta", "gamma"],
            names=[],
        )

    plan = SectionPlan(index=1, chunk_ids=["c1"], start=None, end=None, working_title="w")
    return {
        "plan": plan,
        "notes": [notes("c1", points)],
        "related": [notes("c9", related)] if related else [],
        "theme": [1.0],
        "related_theme": None,
        "background": [1.0],
        "own_text": "",
        "run_id": "r",
    }


def test_bullets_another_section_holds_are_replaced_from_the_notes() -> None:
    other = [
        "The budget is tight this year.",
        "The team picks yellow for the case.",
        "Kim runs the demo for the client.",
        "They ship the remote in May.",
    ]
    copied = [
        "The budget is TIGHT this year",
        "The team picks yellow for the case.",
        "Kim runs the demo for the client!",
        "They ship the remote in May",
    ]
    task = section_task_with(
        ["The remote gets a volume dial.", "Kim runs the demo for the client."],
        ["The batteries last a whole year."],
    )
    draft = SectionDraft(title="Remote design", bullets=copied, topics=["alpha", "beta", "gamma"])
    fixed = with_distinct_bullets(draft, task, taken=other)
    # Own points first, then the related chunks'; the last resort is a taken bullet.
    assert fixed.bullets == [
        "The remote gets a volume dial.",
        "The batteries last a whole year.",
        "The budget is TIGHT this year",
        "The team picks yellow for the case.",
    ]
    assert contract_violations({"sections": [{"content": other}, {"content": fixed.bullets}]}) == []
    points = [
        "The remote gets a volume dial.",
        "Batteries last a whole year.",
        "Marketing wants a yellow case.",
        "The chip supports speech input.",
    ]
    enough = section_task_with([*points, other[0]])
    assert with_distinct_bullets(draft, enough, taken=other).bullets == points
    assert with_distinct_bullets(draft, enough).bullets == copied, "nothing taken, all kept"


def test_a_title_for_a_bullet_gives_way_to_a_note_point() -> None:
    task = section_task_with(["The remote gets a volume dial.", "Marketing Plan"])
    labels = ["Marketing and User Interface Design", "Related Notes from Elsewhere"]
    sentences = ["Kim runs the demo for the client.", "They ship the remote in May."]
    draft = SectionDraft(title="Remote", bullets=[*labels, *sentences], topics=["a", "b", "c"])
    fixed = with_distinct_bullets(draft, task)
    assert fixed.bullets == [*sentences, "The remote gets a volume dial.", labels[0]], (
        "its own sentences, a note point, and a label only as the last resort"
    )


def test_echoed_instructions_are_copied_text(shared_dir: object) -> None:
    import json
    from pathlib import Path

    gold = json.loads((Path(str(shared_dir)) / "data/gold/full-stack.json").read_text())
    assert contract_violations(gold, forbidden_texts=instruction_texts()) == []
    gold["introduction"] = (
        "This transcript is a summary with a focus on the main points and how they conclude; "
        "the general topics are presented in a list of exactly 3 objects with names."
    )
    found = contract_violations(gold, forbidden_texts=instruction_texts())
    assert [(v.path, v.code) for v in found] == [("$.introduction", "copied")]


def test_a_bullet_that_repeats_the_instructions_gives_way_to_a_note_point() -> None:
    # Seen with the 0.5B model: a repair answered the prompt's own sentences as bullets.
    task = section_task_with(
        ["The remote gets a volume dial.", "Kim runs the demo for the client."]
    )
    copied = (
        "The section as written: every bullet a different point, every topic a different topic."
    )
    sentences = ["They ship the remote in May.", "Marketing wants a yellow case for it."]
    draft = SectionDraft(title="Remote", bullets=[copied, *sentences], topics=["a", "b", "c"])
    fixed = with_distinct_bullets(draft, task)
    assert copied not in fixed.bullets
    assert fixed.bullets == [
        *sentences,
        "The remote gets a volume dial.",
        "Kim runs the demo for the client.",
    ]

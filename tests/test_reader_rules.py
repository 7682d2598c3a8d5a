"""A reader's rules in the graph: violations beyond the schema are repaired like the
contract's; when the rounds are spent with only those left, the summary (which meets the
contract) is returned and what is left is reported, never silently dropped."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from fakes import ScriptedResponder, fake_services
from longsum.agent.prompts import CHUNK_NOTES, WRITE_SECTION, prompt_labels, render
from longsum.agent.schemas import ChunkNotesDraft, SectionDraft
from longsum.api import run_summary
from longsum.errors import SummaryValidationError
from longsum.settings import load_settings
from longsum.tools.quality import reader_violations


@pytest.fixture
def seed(shared_dir: Path) -> Path:
    return shared_dir / "data/seed_transcripts/mixtral8x7b.txt"


def run(tmp_path: Path, seed: Path, responder: ScriptedResponder, rounds: int = 2) -> Any:
    settings = load_settings(
        cache_dir=tmp_path / "cache", vector_store="memory", max_repair_rounds=rounds
    )
    return asyncio.run(run_summary(seed, services=fake_services(settings, responder)))


def test_a_title_for_a_bullet_is_repaired(tmp_path: Path, seed: Path) -> None:
    responder = ScriptedResponder(faults="title")
    result = run(tmp_path, seed, responder)
    validation = result.extended["validation"]
    llm_rounds = [r for r in validation["repairs"] if r["kind"] == "llm"]
    assert llm_rounds and all("reads like a title" in " ".join(r["violations"]) for r in llm_rounds)
    assert responder.kinds["repair_section"] == 5
    assert validation["unresolved"] == []
    bullets = [b for s in result.summary.sections for b in s.content]
    assert "Marketing and User Interface Design" not in bullets


def test_a_label_written_on_every_round_gives_way_to_a_note_point(
    tmp_path: Path, seed: Path
) -> None:
    responder = ScriptedResponder(faults="scaffold")
    result = run(tmp_path, seed, responder)
    assert result.extended["validation"]["unresolved"] == []
    assert responder.kinds["repair_section"] == 5  # asked once; the notes held sentences
    points = {p for n in result.extended["notes"] for p in n["key_points"]}
    for section in result.summary.sections:
        assert not any("Related Notes" in b for b in section.content)
        assert section.content[3] in points


def test_placeholders_left_after_the_rounds_are_reported_not_fatal(
    tmp_path: Path, seed: Path
) -> None:
    result = run(tmp_path, seed, ScriptedResponder(faults="flat"), rounds=1)
    left = result.extended["validation"]["unresolved"]
    assert result.extended["validation"]["repair_rounds"] == 1
    assert [(v["path"], v["code"], v["kind"]) for v in left] == [
        ("$.generalTopics", "placeholder_number", "reader")
    ]
    assert all(g.complexity == 0.0 for g in result.summary.general_topics)


def test_a_contract_violation_still_fails_and_is_named_first(tmp_path: Path, seed: Path) -> None:
    with pytest.raises(SummaryValidationError) as caught:
        run(tmp_path, seed, ScriptedResponder(faults="never"), rounds=1)
    kinds = {v["kind"] for v in caught.value.violations}
    assert "contract" in kinds
    first_contract = next(v for v in caught.value.violations if v["kind"] == "contract")
    assert first_contract["path"] in str(caught.value)


def test_the_prompts_wrap_material_in_labels_no_bullet_could_be() -> None:
    # The labels a 0.5B model copied ("Related Notes from Elsewhere", "part 6 of 8 of a
    # transcript") are gone from what the model sees.
    section = render(
        WRITE_SECTION, SectionDraft, number=2, span="", working_title="x", notes="n", related="r"
    )
    notes = render(CHUNK_NOTES, ChunkNotesDraft, number=6, total=8, span="", text="t")
    shown = " ".join(str(m.content) for m in [*section, *notes]).casefold()
    assert "related notes" not in shown and "notes on this section" not in shown
    assert "part 6 of 8" not in shown and "transcript_part" not in shown
    assert prompt_labels() == [], "every tag is one word"


def test_a_copied_label_is_a_reader_violation() -> None:
    summary = {
        "introduction": "An introduction that says something real about the talk.",
        "sections": [
            {
                "title": "Section 1: Related Notes from Elsewhere",
                "content": ["The speakers compare two databases on write speed."] * 1,
                "topics": ["Databases"],
            }
        ],
    }
    codes = {v.code for v in reader_violations(summary, scaffold=["notes from elsewhere"])}
    assert "scaffold" in codes


def test_the_cli_says_what_the_rounds_left(tmp_path: Path, seed: Path) -> None:
    from longsum.cli.summarize import _left_line

    result = run(tmp_path, seed, ScriptedResponder(faults="flat"), rounds=1)
    line = _left_line(result)
    assert line.startswith("note: 1 reader problem(s) left after the repair rounds, first ")
    assert "$.generalTopics" in line and "validation.unresolved" in line and "\n" not in line
    clean = run(tmp_path / "clean", seed, ScriptedResponder())
    assert _left_line(clean) == ""


def test_an_introduction_about_its_instructions_is_composed_instead(
    tmp_path: Path, seed: Path
) -> None:
    responder = ScriptedResponder(faults="meta")
    result = run(tmp_path, seed, responder)
    validation = result.extended["validation"]
    assert responder.kinds["repair_intro"] == 1, "asked once, then composed"
    assert validation["composed"] == ["introduction"] and validation["unresolved"] == []
    intro = result.summary.introduction
    assert "breaks these rules" not in intro and intro.startswith("This ")
    assert all(s.title.split(": ", 1)[1] in intro for s in result.summary.sections)
    from longsum.cli.summarize import _left_line

    assert _left_line(result).startswith("note: the introduction composed from the sections")

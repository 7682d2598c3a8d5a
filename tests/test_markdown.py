"""The Markdown rendering of a summary: titles, section times, complexity levels."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from longsum.contract import Summary
from longsum.tools.markdown import complexity_level, humanise_name, render_markdown


@pytest.fixture
def gold(shared_dir: Path) -> dict[str, Any]:
    raw = json.loads((shared_dir / "data/gold/mixtral8x7b.json").read_text(encoding="utf-8"))
    # as a run returns it: the contract's own types (the file writes complexity as text)
    data: dict[str, Any] = Summary.model_validate(raw).model_dump(mode="json", by_alias=True)
    return data


@pytest.mark.parametrize(
    ("complexity", "level"),
    [
        (0.0, "Elementary"),
        (0.09, "Elementary"),
        (0.1, "Middle School"),
        (0.3, "Advanced High School"),
        (0.57, "Average College Lecture"),
        (0.6, "Advanced College"),
        (0.7, "Graduate Level"),
        (0.89, "Advanced Graduate Level"),
        (0.9, "PhD Level Lecture"),
        (1.0, "PhD Level Lecture"),
    ],
)
def test_complexity_levels_follow_the_spec_scale(complexity: float, level: str) -> None:
    assert complexity_level(complexity) == level


def test_names_are_humanised() -> None:
    assert humanise_name("/data/mlops_llm-eval.txt") == "MLOps LLM Eval"
    assert humanise_name("<stdin>") == "Summary"


def test_timed_sections_get_their_ranges_and_untimed_none(gold: dict[str, Any]) -> None:
    sections = [{"index": i, "start": 600.0 * i, "end": 600.0 * (i + 1)} for i in range(5)]
    extended = {
        "transcript": {
            "source": "talks/deep_dive.vtt",
            "has_times": True,
            "duration": 3000.0,
            "speakers": ["Ada", "Lin"],
        },
        "sections": sections,
    }
    timed = render_markdown(gold, extended)
    lines = timed.splitlines()
    assert lines[0] == "# Deep Dive (00:50:00)"
    headings = [line for line in lines if line.startswith("## Section")]
    assert len(headings) == 5
    assert headings[1].endswith("(00:10:00–00:20:00)")
    assert headings[1].startswith(f"## {gold['sections'][1]['title']}")
    assert sum(line.startswith("- ") for line in lines) == 5 * 4 + 3
    first = gold["generalTopics"][0]
    assert f"- {first['name']}: complexity {first['complexity']:.2f} (" in timed
    assert ", ".join(gold["topics"]) in lines

    untimed = render_markdown(gold, {"transcript": {"source": "<stdin>", "has_times": False}})
    assert untimed.startswith("# Summary\n")
    assert [line for line in untimed.splitlines() if line.startswith("## Section")] == [
        f"## {s['title']}" for s in gold["sections"]
    ]

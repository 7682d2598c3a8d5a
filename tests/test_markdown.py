"""The Markdown rendering of a summary: titles, section times, complexity levels."""

from __future__ import annotations

import json
import re
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


PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    "![x](http://evil/x.png)",
    "<javascript:alert(1)>",
    "`rm -rf` and ``code``",
    "&lt;script&gt; &#60;b>",
]


def hostile(n: int) -> str:
    """Every payload in one field, after a leading "#" that would make it a heading, with a
    newline and a list marker that would start blocks of their own."""
    return f"# heading {n} " + " ".join(PAYLOADS) + f"\n- item {n}\n> quote <b>{n}</b>"


def hostile_summary() -> tuple[dict[str, Any], dict[str, Any]]:
    count = iter(range(1000))
    summary = {
        "introduction": hostile(next(count)),
        "sections": [
            {
                "title": hostile(next(count)),
                "content": [hostile(next(count)) for _ in range(4)],
                "topics": [hostile(next(count)) for _ in range(3)],
            }
            for _ in range(5)
        ],
        "topics": [hostile(next(count)) for _ in range(5)],
        "generalTopics": [{"name": hostile(next(count)), "complexity": 0.5} for _ in range(3)],
    }
    extended = {
        "transcript": {
            "title": hostile(next(count)),
            "speakers": [hostile(next(count)), "[Lin](javascript:x)"],
            "has_times": True,
            "duration": 60.0,
        },
        "sections": [{"index": i, "start": 10.0 * i, "end": 10.0 * i + 5} for i in range(5)],
    }
    return summary, extended


def test_hostile_fields_render_as_their_literal_text() -> None:
    from html import unescape

    from markdown_it import MarkdownIt

    summary, extended = hostile_summary()
    html = MarkdownIt("commonmark").render(render_markdown(summary, extended))
    tags = re.findall(r"<(/?)([a-zA-Z0-9]+)([^>]*)>", html)
    assert {name for _, name, _ in tags} == {"h1", "h2", "p", "ul", "li", "strong", "em"}
    # No attribute anywhere: no href="javascript:...", no src, no onerror handler. Those
    # words are left only as escaped text, which is what the transcript said.
    assert all(attributes == "" for _, _, attributes in tags)
    for marker in ("<script", "<img", "<a ", "<code", "<blockquote", 'href="javascript'):
        assert marker not in html
    assert html.count("<h1>") == 1 and html.count("<h2>") == 5 + 2
    assert html.count("<li>") == 5 * 4 + 3
    text = unescape(re.sub(r"<[^>]+>", "", html))
    for payload in PAYLOADS:  # each reads as written, once per field
        assert text.count(payload) == 1 + 5 * 8 + 5 + 3 + 2
    assert text.count("# heading") == text.count(PAYLOADS[0])


def test_plain_fields_are_written_as_they_are() -> None:
    summary, extended = hostile_summary()
    plain = "Kim weighs the cost of a C# port (2x slower) against snake_case APIs: 3 < 4."
    summary["introduction"] = plain
    summary["sections"][0]["content"][0] = plain
    lines = render_markdown(summary, extended).splitlines()
    written = plain.replace("<", "&lt;")  # the one character a renderer could take for HTML
    assert written in lines and f"- {written}" in lines

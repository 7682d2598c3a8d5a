"""The complete part of a cut-off JSON answer."""

from __future__ import annotations

import json

import pytest

from longsum.agent.partial_json import complete_prefix

WHOLE = {
    "topic": 'Pricing, and "tiers"',
    "key_points": ["First point, with a comma.", "Second [bracketed] point."],
    "terms": ["a {b}", "c"],
    "scores": [0.5, 1],
    "nested": {"ok": True, "list": [{"k": "v"}]},
}


@pytest.mark.parametrize(
    ("cut", "expected"),
    [
        ('{"a": "x", "b": ["y", "z and z and', {"a": "x", "b": ["y"]}),
        ('{"a": "x", "b": ["y", "z"], "c": 0.5', {"a": "x", "b": ["y", "z"]}),
        ('{"a": "x", "b": ["y", "z"], "c": 0.55}', {"a": "x", "b": ["y", "z"], "c": 0.55}),
        ('{"a": "x", "b": [', {"a": "x"}),
        ('{"a": "x", "b"', {"a": "x"}),
        ('{"a": {"b": [{"c": "d"}, {"c": "e', {"a": {"b": [{"c": "d"}]}}),
        ('Here: {"a": "x, \\"y\\", z", "b": "w', {"a": 'x, "y", z'}),
        ('{"a": "unfinished', None),
        ("no json here", None),
    ],
)
def test_the_unfinished_value_is_dropped_and_the_rest_closed(cut: str, expected: object) -> None:
    assert complete_prefix(cut) == expected


def test_every_cut_of_an_answer_gives_a_sub_answer() -> None:
    text = json.dumps(WHOLE)
    for end in range(len(text) + 1):
        part = complete_prefix(text[:end])
        if part is None:
            continue
        for key, value in part.items():
            if isinstance(value, list):
                assert value == WHOLE[key][: len(value)], (end, part)
            elif key != "nested":
                assert value == WHOLE[key], (end, part)
    assert complete_prefix(text) == WHOLE

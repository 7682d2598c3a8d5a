"""Readability measures of ``longsum eval``: defect shares, duplicates, speaker quotes,
and their place in the rows, the means and the chart."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from longsum_eval.dataset import EvalItem
from longsum_eval.locate import locate_quote, speaker_grams
from longsum_eval.positions import TranscriptIndex
from longsum_eval.readability import (
    duplicate_flags,
    readability,
    speaker_attribution,
    speaker_of,
    summary_bullets,
)
from longsum_eval.report import DEFECT_MEASURES, score, summary_rows, write_chart
from longsum_eval.runner import SystemOutput

SPOKEN = """\
[00:00:01] Pieter Levels: I ship products fast because I build everything alone on one server.
[00:00:09] Lex Fridman: Why do you use PHP and jQuery instead of a modern framework?
[00:00:15] Pieter Levels: PHP is fast enough and jQuery just works, so I never needed anything else.
[00:00:24] Lex Fridman: Photo AI makes a lot of money every month from a small number of users.
"""


def _summary(bullets: list[str]) -> dict[str, Any]:
    sections = [
        {"title": f"Section {i + 1}: Part {i + 1}", "content": bullets[4 * i : 4 * i + 4]}
        for i in range(max(1, len(bullets) // 4))
    ]
    return {"introduction": "A talk.", "sections": sections}


def _transcript(tmp_path: Path, text: str = SPOKEN) -> Path:
    path = tmp_path / "talk.txt"
    path.write_text(text, encoding="utf-8")
    return path


def test_duplicates_are_the_later_copy_or_the_bullet_contained_in_another() -> None:
    bullets = [
        "The team cut the marketing budget by half in May.",
        "the team cut the marketing budget by half in may",  # the same words
        "Marketing budget cut by half.",  # its content words are all in the first
        "The team hired two engineers for the search project.",
        "The team hired two designers for the search project.",  # 5 of 6 content words
        "The team hired two designers for the new mobile app.",  # 3 of 7
    ]
    assert duplicate_flags(bullets) == [False, True, True, False, True, False]
    assert duplicate_flags(["Yes.", "Yes."]) == [False, True]
    assert duplicate_flags([]) == []


def test_readability_shares_are_over_all_bullets(tmp_path: Path) -> None:
    bullets = [
        "The team cut the marketing budget by half in May.",
        "What do you think about the budget?",
        "Yeah.",
        "The team cut the marketing budget by half in May.",
    ]
    row = readability(_summary(bullets), _transcript(tmp_path, "plain text line one.\n"))
    assert row["bullets"] == 4 and row["defects"] == 0.75
    assert row["defect_question"] == 0.25 and row["defect_backchannel"] == 0.25
    assert row["defect_duplicate"] == 0.25 and row["defect_markup"] == 0.0
    assert row["speaker_named"] is None and row["speaker_attribution"] is None


def test_a_summary_without_bullets_has_no_shares(tmp_path: Path) -> None:
    row = readability({"introduction": "x", "sections": "broken"}, _transcript(tmp_path))
    assert row["bullets"] == 0 and row["defects"] is None and row["speaker_attribution"] is None
    assert summary_bullets({"sections": [None, {"content": ["a", 3]}]}) == ["a"]


def test_speaker_names_match_in_full_or_by_a_unique_part() -> None:
    speakers = ["Pieter Levels", "Lex Fridman", "The Chair (Hon. Anthony Rota)"]
    assert speaker_of("Pieter Levels: I ship.", speakers) == ("Pieter Levels", "I ship.")
    assert speaker_of("levels: I ship.", speakers) is None  # a name starts with a capital
    assert speaker_of("Levels: I ship.", speakers) == ("Pieter Levels", "I ship.")
    assert speaker_of("The Chair: Order.", speakers) == ("The Chair (Hon. Anthony Rota)", "Order.")
    assert speaker_of("Budget: it grew.", speakers) is None
    assert speaker_of("No prefix here.", speakers) is None


def test_a_quote_is_located_only_in_its_speakers_lines(tmp_path: Path) -> None:
    grams = speaker_grams(TranscriptIndex.read(_transcript(tmp_path)))
    assert set(grams) == {"Pieter Levels", "Lex Fridman"}
    quote = "I ship products fast because I build everything alone."
    assert locate_quote(quote, grams["Pieter Levels"])
    assert not locate_quote(quote, grams["Lex Fridman"])
    assert not locate_quote("He prefers to work by himself on his apps.", grams["Pieter Levels"])
    assert not locate_quote("I ship", grams["Pieter Levels"])  # too short to tell


def test_speaker_attribution_counts_named_and_quoted_bullets(tmp_path: Path) -> None:
    index = TranscriptIndex.read(_transcript(tmp_path))
    bullets = [
        'Pieter Levels: "I ship products fast because I build everything alone."',
        "Levels: PHP is fast enough and jQuery just works.",
        "Pieter Levels: Photo AI makes a lot of money every month.",  # Lex said it
        "Levels prefers PHP and jQuery to modern frameworks.",  # names him, no prefix
    ]
    measured = speaker_attribution(_summary(bullets), index)
    assert measured == {"speaker_named": 0.75, "speaker_attribution": 0.5}


def test_score_rows_carry_readability_and_the_means_average_it(tmp_path: Path) -> None:
    path = _transcript(tmp_path)
    item = EvalItem(name="talk", transcript=path, reference=None, words=60, minutes=1.0)
    bullets = ["Levels: I ship products fast because I build everything alone.", "Yeah."] * 2
    output = SystemOutput(
        system="offline",
        item="talk",
        model="extractive",
        summary=_summary(bullets),
        valid_first=True,
        valid_final=True,
        repair_rounds=0,
    )
    row = score(output, item, embedder=None, transcript_tokens=60)  # type: ignore[arg-type]
    assert row["defects"] == 0.75 and row["speaker_attribution"] == 0.5  # the copy too
    means = summary_rows([row, {**row, "defects": 0.25}], ["offline"])[0]
    assert means["defects"] == 0.5 and means["defects_n"] == 2
    assert set(DEFECT_MEASURES) <= set(means)


@pytest.mark.parametrize("with_defects", [True, False])
def test_the_chart_draws_with_or_without_defect_shares(tmp_path: Path, with_defects: bool) -> None:
    means: dict[str, Any] = {"system": "offline", "coverage": 0.4, "rouge1": 0.3}
    if with_defects:
        means |= {key: 0.1 for key in DEFECT_MEASURES} | {"speaker_attribution": 0.2}
    write_chart(tmp_path / "eval.png", [means, {**means, "system": "longsum"}])
    assert (tmp_path / "eval.png").read_bytes()[:4] == b"\x89PNG"


def test_one_person_under_two_labels_is_one_speaker() -> None:
    from longsum_eval.readability import speaker_of

    speakers = ["Ms. Jenny Kwan (Vancouver East, NDP)", "Ms. Jenny Kwan", "Mr. Garnett Genuis"]
    assert speaker_of("Kwan: The petitioners call for action.", speakers) == (
        "Ms. Jenny Kwan (Vancouver East, NDP)",
        "The petitioners call for action.",
    )
    assert speaker_of("Jenny: hello there.", ["Jenny Kwan", "Jenny Smith"]) is None

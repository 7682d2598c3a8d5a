"""The evaluation dataset loader: the shared real/ set read in place (each genre's marks,
titles and summaries, and positions checked against an independent count), the documented
user format on hand-made folders, and ordering, limits and errors."""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path
from typing import Any

import pytest

from longsum.errors import InputError
from longsum.tools.markup import clean_markup
from longsum_eval.dataset import EvalItem, load_dataset, load_item
from longsum_eval.positions import TranscriptIndex

# ---------------------------------------------------------------- the shared real/ set


@pytest.fixture(scope="module")
def real(shared_dir: Path) -> dict[str, EvalItem]:
    folder = shared_dir / "data" / "real"
    if not folder.is_dir():
        pytest.skip(f"{folder} is absent")
    return {item.name: item for item in load_dataset(folder)}


def _ref(item: EvalItem) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        item.transcript.with_name(f"{item.name}.ref.json").read_text()
    )
    return data["reference"]


def _spoken_before(path: Path, line: int, *, labelled: bool = True) -> float:
    """Fraction of spoken words before ``line``, counted independently of the loader: the
    text after an optional ``[HH:MM:SS]`` and (``labelled``) the first ``Name:`` label,
    without the mark-up nobody said."""
    counts = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        text = raw.split("] ", 1)[1] if raw.startswith("[") else raw
        if labelled:
            text = text.split(":", 1)[1]
        counts.append(len(clean_markup(text).split()))
    return sum(counts[:line]) / sum(counts)


def _check_marks(item: EvalItem) -> list[float]:
    assert item.reference is not None
    positions = [m.position for m in item.reference.marks]
    assert all(0.0 <= p < 1.0 for p in positions)
    assert all(a < b for a, b in itertools.pairwise(positions))
    return positions


def test_real_set_loads_every_item_shortest_first(real: dict[str, EvalItem]) -> None:
    items = list(real.values())
    assert len(items) == 9
    assert [i.words for i in items] == sorted(i.words for i in items)
    assert all(i.reference is not None and i.minutes for i in items)


@pytest.mark.parametrize(
    "name",
    [
        "podcast_lex_lisa_randall",
        "podcast_lex_roman_yampolskiy",
        "podcast_lex_aravind_srinivas",
        "podcast_lex_pieter_levels",
    ],
)
def test_lex_chapters_sit_on_the_line_under_their_heading(
    real: dict[str, EvalItem], name: str
) -> None:
    item = real[name]
    chapters = _ref(item)["chapters"]
    positions = _check_marks(item)
    assert item.reference is not None
    assert item.reference.kinds == ["chapters"]
    assert len(positions) == len(chapters)
    assert item.reference.titles == [c["title"] for c in chapters]
    assert item.reference.summaries == []
    assert positions[0] == 0.0
    # The first line stamped with transcript_first_timestamp is where the chapter starts.
    lines = item.transcript.read_text(encoding="utf-8").splitlines()
    for chapter, mark in zip(chapters[1:], item.reference.marks[1:], strict=True):
        stamp = chapter["transcript_first_timestamp"] or chapter["start"]
        line = next(i for i, raw in enumerate(lines) if raw[1:9] >= stamp)
        assert mark.position == pytest.approx(_spoken_before(item.transcript, line))
        assert mark.title == chapter["title"]


def test_lenny_has_chapters_key_topics_and_abstract(real: dict[str, EvalItem]) -> None:
    item = real["podcast_lenny_reganti_badam"]
    ref = _ref(item)
    assert item.reference is not None
    assert item.reference.kinds == ["chapters", "key_topics", "abstract"]
    assert len(_check_marks(item)) == len(ref["chapters"]) == 15
    assert item.reference.titles == [c["title"] for c in ref["chapters"]] + ref["key_topics"]
    assert item.reference.summaries == [ref["abstract"]]
    assert item.minutes == pytest.approx(5154 / 60)  # first to last timestamp


@pytest.mark.parametrize(
    ("name", "topics"),
    [("meeting_ami_IS1004c", 4), ("meeting_icsi_Bmr024", 4), ("meeting_parl_covid_3", 8)],
)
def test_meeting_topic_spans_start_at_their_turn(
    real: dict[str, EvalItem], name: str, topics: int
) -> None:
    item = real[name]
    ref = _ref(item)
    positions = _check_marks(item)
    assert item.reference is not None
    assert item.reference.kinds == ["topics", "general_summaries"]
    assert len(positions) == topics
    assert item.reference.titles == [t["topic"] for t in ref["topics"]]
    assert item.reference.summaries == [g["answer"] for g in ref["general_summaries"]]
    for topic, position in zip(ref["topics"], positions, strict=True):
        turn = int(topic["relevant_text_span"][0][0])
        assert position == pytest.approx(_spoken_before(item.transcript, turn))
    # Untimed: minutes is the dataset's own estimate (meta), not ours.
    meta = json.loads(item.transcript.with_name(f"{name}.ref.json").read_text())["meta"]
    assert item.minutes == pytest.approx(meta["duration_estimated_seconds"] / 60)


def test_icsi_empty_turns_keep_line_numbers_aligned(real: dict[str, EvalItem]) -> None:
    # 3 of its 1007 lines are empty turns ("Grad F: ") that the parser drops; line numbers
    # must still address lines of the file, not utterances.
    index = TranscriptIndex.read(real["meeting_icsi_Bmr024"].transcript)
    assert len(index.utterance_offsets) == 1004
    assert len(index.line_offsets) == 1007
    assert index.at_line(974) == pytest.approx(
        _spoken_before(real["meeting_icsi_Bmr024"].transcript, 974)
    )


def test_lecture_segments_and_extractive_summary(real: dict[str, EvalItem]) -> None:
    item = real["lecture_vtssum_intro_ml"]
    ref = _ref(item)
    positions = _check_marks(item)
    assert item.reference is not None
    assert item.reference.kinds == ["segments", "extractive_summaries"]
    assert len(positions) == len(ref["segments"]) == 46
    assert item.reference.titles == []
    sentences = [s for clip in ref["extractive_summaries"] for s in clip["summary_sentences"]]
    assert item.reference.summaries == [" ".join(sentences)]
    # One sentence per line: segment starts are line shares of the words.
    assert positions[1] == pytest.approx(
        _spoken_before(item.transcript, ref["segments"][1][0], labelled=False)
    )


def test_real_limit_and_max_minutes(shared_dir: Path, real: dict[str, EvalItem]) -> None:
    folder = shared_dir / "data" / "real"
    three = load_dataset(folder, limit=3)
    assert [i.name for i in three] == list(real)[:3]
    short = load_dataset(folder, max_minutes=60)
    assert {i.name for i in short} == {n for n, i in real.items() if i.minutes and i.minutes <= 60}
    assert "podcast_lex_lisa_randall" in {i.name for i in short}
    assert "podcast_lex_pieter_levels" not in {i.name for i in short}


# ---------------------------------------------------------------- the user format


def _podcast(lines: int = 10, words: int = 10) -> str:
    """``lines`` timestamped lines a minute apart, each with ``words`` spoken words."""
    return "\n".join(
        f"[00:{i:02d}:00] Host: " + " ".join(f"w{i}x{j}" for j in range(words))
        for i in range(lines)
    )


def _write(folder: Path, name: str, text: str, ref: object | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.txt"
    path.write_text(text, encoding="utf-8")
    if ref is not None:
        (folder / f"{name}.ref.json").write_text(json.dumps(ref), encoding="utf-8")
    return path


def test_user_chapters_by_time_in_every_spelling(tmp_path: Path) -> None:
    ref = {
        "reference": {
            "chapters": [
                {"title": "Opening", "start": "00:00:00"},
                {"title": "Two", "start": "2:00"},  # MM:SS
                {"title": "Half", "start": 300},  # seconds
                {"title": "Between", "start": "00:07:30"},  # no line then: the next one
                {"title": "Late", "start_seconds": 540},
                {"title": "After the end", "start": "01:00:00"},  # dropped, title kept
            ],
            "summaries": ["A summary.", "  "],
        }
    }
    item = load_item(_write(tmp_path, "show", _podcast(), ref))
    assert item.reference is not None
    assert [(m.title, m.position) for m in item.reference.marks] == [
        ("Opening", 0.0),
        ("Two", 0.2),
        ("Half", 0.5),
        ("Between", 0.8),
        ("Late", 0.9),
    ]
    assert item.reference.titles[-1] == "After the end"
    assert item.reference.summaries == ["A summary."]
    assert item.reference.kinds == ["chapters", "summaries"]
    assert item.words == 100
    assert item.minutes == pytest.approx(9.0)


def test_user_topics_by_line_and_span_and_dedup(tmp_path: Path) -> None:
    text = "\n".join(f"Speaker {'AB'[i % 2]}: " + "word " * 5 for i in range(20))
    ref = {
        "reference": {
            "topics": [
                {"topic": "Budget", "start_line": 4},
                {"topic": "Hiring", "relevant_text_span": [["10", "12"], ["15", "19"]]},
                {"topic": "Hiring again", "relevant_text_span": [10, 14]},  # same start
            ],
            "key_topics": ["Money"],
            "segments": [[0, 3], [4, 9]],
        }
    }
    item = load_item(_write(tmp_path, "meet", text, ref))
    assert item.reference is not None
    assert [(m.title, m.position) for m in item.reference.marks] == [
        ("", 0.0),
        ("Budget", 0.2),
        ("Hiring", 0.5),
        ("Hiring", 0.75),
    ]
    assert item.reference.titles == ["Budget", "Hiring", "Hiring again", "Money"]
    assert item.reference.kinds == ["topics", "key_topics", "segments"]
    assert item.minutes == pytest.approx(100 / 150)  # untimed, no meta: words / 150


def test_blank_lines_count_and_untimed_chapters_are_dropped(tmp_path: Path) -> None:
    text = "alpha beta\n\ngamma delta\nepsilon zeta\n"
    ref = {"chapters": [{"title": "Timed", "start": 10}, {"title": "Lined", "start_line": 2}]}
    item = load_item(_write(tmp_path, "talk", text, ref))  # no "reference" key: the object
    assert item.reference is not None
    assert [(m.title, m.position) for m in item.reference.marks] == [("Lined", 1 / 3)]
    assert item.reference.titles == ["Timed", "Lined"]


def test_meta_duration_and_missing_or_empty_reference(tmp_path: Path) -> None:
    untimed = "one two three\nfour five six\n"
    assert load_item(_write(tmp_path, "bare", untimed)).reference is None
    item = load_item(_write(tmp_path, "meta", untimed, {"meta": {"duration_seconds": 90}}))
    assert item.reference is None  # a reference object with no known part
    assert item.minutes == pytest.approx(1.5)


@pytest.mark.parametrize(
    ("ref", "message"),
    [
        ({"reference": {"chapters": [{"start": "00:01:00"}]}}, "chapters[0]: needs"),
        ({"reference": {"chapters": [{"title": "x", "start": "1:75"}]}}, "chapters[0].start"),
        ({"reference": {"topics": [{"topic": "x", "start_line": "two"}]}}, "start_line"),
        ({"reference": {"summaries": [3]}}, "summaries"),
        ({"reference": "text"}, "must be an object"),
        ([1, 2], "expected a JSON object"),
    ],
)
def test_malformed_references_name_the_field(tmp_path: Path, ref: object, message: str) -> None:
    with pytest.raises(InputError, match=re.escape(message)):
        load_item(_write(tmp_path, "bad", _podcast(), ref))


def test_broken_json_is_an_input_error(tmp_path: Path) -> None:
    path = _write(tmp_path, "bad", _podcast())
    path.with_name("bad.ref.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(InputError, match=r"bad\.ref\.json cannot be read as JSON"):
        load_item(path)


def test_order_limit_and_max_minutes(tmp_path: Path) -> None:
    _write(tmp_path, "long", _podcast(lines=40))  # 39 minutes, 400 words
    _write(tmp_path, "short", _podcast(lines=5))  # 4 minutes, 50 words
    _write(tmp_path, "mid", "word " * 300)  # untimed: 2 minutes, 300 words
    (tmp_path / "notes.md").write_text("ignored", encoding="utf-8")
    (tmp_path / "manifest.json").write_text("[]", encoding="utf-8")
    names = [i.name for i in load_dataset(tmp_path)]
    assert names == ["short", "mid", "long"]  # by words, not minutes
    assert [i.name for i in load_dataset(tmp_path, limit=2)] == ["short", "mid"]
    assert [i.name for i in load_dataset(tmp_path, max_minutes=10)] == ["short", "mid"]
    assert [i.name for i in load_dataset(tmp_path, max_minutes=3, limit=5)] == ["mid"]
    assert load_dataset(tmp_path, limit=0) == []


def test_folder_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not a folder"):
        load_dataset(tmp_path / "absent")
    with pytest.raises(InputError, match="holds no transcript"):
        load_dataset(tmp_path)
    _write(tmp_path, "same", "a b c")
    (tmp_path / "same.vtt").write_text("WEBVTT\n\n00:00.000 --> 00:01.000\nhi\n")
    with pytest.raises(InputError, match="more than one transcript named 'same'"):
        load_dataset(tmp_path)


def test_index_aligns_lines_with_merged_and_empty_turns() -> None:
    text = "Alice: one two\ncontinued three\nBob: \nBob: four five six\n"
    index = TranscriptIndex.from_text(text)
    assert index.words == ("one", "two", "continued", "three", "four", "five", "six")
    assert len(index.utterance_offsets) == 2  # the continuation joined Alice's turn
    assert index.line_offsets == (0, 2, 4, 4)
    assert index.at_line(3) == pytest.approx(4 / 7)
    assert index.at_line(4) is None
    assert index.at_utterance(1) == pytest.approx(4 / 7)
    assert index.at_time(0) is None  # untimed

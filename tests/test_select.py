"""Choosing sentences (``extractive.select``: unit rows, centrality, maximal marginal
relevance) and the calibrated complexity heuristic (``extractive.complexity``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from longsum.agent.extractive.complexity import FIELD_SLOPE, complexities, rare_share
from longsum.agent.extractive.select import centrality, mmr, unit
from shared_data import load_json

# --- unit and centrality --------------------------------------------------------------------


def test_unit_scales_rows_to_length_one_and_keeps_zero_rows() -> None:
    rows = unit(np.array([[3.0, 4.0], [0.0, 0.0], [-2.0, 0.0]]))
    assert np.allclose(np.linalg.norm(rows, axis=1), [1.0, 0.0, 1.0])
    assert np.allclose(rows[0], [0.6, 0.8]) and np.allclose(rows[2], [-1.0, 0.0])
    assert np.allclose(unit(np.array([0.0, 5.0])), [0.0, 1.0])


def test_centrality_defaults_to_the_cosine_to_the_centroid() -> None:
    rng = np.random.default_rng(7)
    rows = rng.normal(size=(6, 5))
    centre = unit(rows).mean(axis=0)
    expected = unit(rows) @ (centre / np.linalg.norm(centre))
    assert np.allclose(centrality(rows), expected)
    assert np.all(np.abs(centrality(rows)) <= 1.0 + 1e-9)


def test_centrality_to_a_theme_ranks_the_row_along_it_first() -> None:
    rows = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [1.0, 1.0, 0.0]])
    scores = centrality(rows, theme=np.array([0.0, 2.0, 0.0]))
    assert scores[1] == pytest.approx(1.0)
    assert list(np.argsort(-scores)) == [1, 2, 0]


# --- mmr ------------------------------------------------------------------------------------


def _cluster_rows() -> np.ndarray:
    """Row 0 central, row 1 a near-copy of it, row 2 a different but relevant point, row 3
    off-topic."""
    return np.array(
        [
            [1.0, 0.30, 0.0, 0.0],
            [1.0, 0.32, 0.01, 0.0],
            [0.6, -0.20, 0.8, 0.0],
            [0.0, 0.0, 0.0, 1.0],
        ]
    )


def test_mmr_prefers_a_different_point_over_a_near_duplicate() -> None:
    rows = _cluster_rows()
    relevance = centrality(rows)
    assert relevance[1] > relevance[2], "the near-copy is the more central one"
    chosen = mmr(rows, 2, relevance=relevance)
    assert chosen[0] in (0, 1)
    assert chosen[1] == 2


def test_mmr_without_diversity_is_ranking_by_relevance() -> None:
    rows = _cluster_rows()
    relevance = np.array([0.9, 0.8, 0.5, 0.1])
    assert mmr(rows, 4, relevance=relevance, diversity=0.0) == [0, 1, 2, 3]


def test_mmr_first_pick_is_the_most_relevant_row() -> None:
    rows = _cluster_rows()
    relevance = np.array([0.1, 0.2, 0.9, 0.3])
    assert mmr(rows, 1, relevance=relevance) == [2]
    assert mmr(rows, 1) == [int(np.argmax(centrality(rows)))]


def test_mmr_honours_exclude_and_k() -> None:
    rows = _cluster_rows()
    assert mmr(rows, 0) == [] and mmr(np.zeros((0, 4)), 3) == []
    picked = mmr(rows, 3, exclude=[0, 2])
    assert set(picked) == {1, 3}, "only two rows are left"
    assert 0 not in mmr(rows, 1, exclude=[0])


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(1, 12),
    k=st.integers(0, 15),
    seed=st.integers(0, 10_000),
    excluded=st.sets(st.integers(0, 11), max_size=5),
)
def test_mmr_picks_distinct_allowed_rows(n: int, k: int, seed: int, excluded: set[int]) -> None:
    rows = np.random.default_rng(seed).normal(size=(n, 6))
    exclude = sorted(i for i in excluded if i < n)
    picked = mmr(rows, k, exclude=exclude)
    assert len(picked) == len(set(picked)) == min(k, n - len(exclude))
    assert not set(picked) & set(exclude)


# --- complexity -----------------------------------------------------------------------------


def test_rare_share_counts_content_words_rarer_than_common_english() -> None:
    assert rare_share("the memory allocator") == pytest.approx(0.5)  # "the" is no content
    assert rare_share("uh, um, you know, the allocator") == pytest.approx(1.0)
    assert rare_share("memory and language and people") == 0.0
    assert rare_share("") == 0.0 and rare_share("uh the and") == 0.0


def test_rare_share_ignores_words_glued_together() -> None:
    assert rare_share("allocator containerslike memory") == pytest.approx(0.5)
    assert rare_share("containerslike") == 0.0


@pytest.mark.parametrize("name", ["full-stack", "mixtral8x7b"])
def test_level_is_calibrated_on_the_reference_answers(shared_dir: Path, name: str) -> None:
    """SPEC.md's two references: a transcript's level (its fields equally similar) is the
    reference's mean complexity (the calibration of the module docstring)."""
    text = (shared_dir / "data" / "seed_transcripts" / f"{name}.txt").read_text(encoding="utf-8")
    reference = load_json(shared_dir, f"gold/{name}.json")["generalTopics"]
    mean = sum(float(g["complexity"]) for g in reference) / len(reference)
    assert complexities(rare_share(text), [0.4, 0.4, 0.4]) == [pytest.approx(mean, abs=0.011)] * 3


def test_level_rises_with_the_rare_share() -> None:
    levels = [complexities(rare, [0.3])[0] for rare in (0.1, 0.15, 0.2, 0.25)]
    assert levels == sorted(levels) and levels[0] < levels[-1]


def test_fields_spread_around_the_level_by_similarity() -> None:
    level = complexities(0.2, [0.5])[0]
    scores = complexities(0.2, [0.6, 0.5, 0.4])
    assert scores[0] > scores[1] > scores[2]
    assert scores[1] == pytest.approx(level, abs=0.005)
    assert scores[0] - scores[1] == pytest.approx(FIELD_SLOPE * 0.1, abs=0.011)
    assert sum(scores) / 3 == pytest.approx(level, abs=0.01)


def test_complexities_are_clipped_and_have_two_decimals() -> None:
    assert complexities(1.0, [0.2, 0.5, 0.9]) == [0.95, 0.95, 0.95]
    assert complexities(0.0, [0.2, 0.5, 0.9]) == [0.05, 0.05, 0.05]
    for rare in np.linspace(0.0, 0.4, 17):
        for score in complexities(float(rare), [0.13, 0.471, 0.9]):
            assert 0.05 <= score <= 0.95
            assert score == round(score, 2)
    assert complexities(0.2, []) == []

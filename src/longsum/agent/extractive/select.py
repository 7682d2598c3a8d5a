"""Choosing sentences: central to their stretch, different from each other.

A span's centrality is its cosine to the stretch's centroid (the mean of all its spans'
unit vectors: for unit vectors this is the span's mean similarity to every other span, the
degree centrality of LexRank without a threshold). Maximal marginal relevance then takes,
one at a time, the span that best trades centrality against similarity to those already
taken, so four bullets are four different points, not one point four times.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

__all__ = ["centrality", "mmr", "unit"]

DIVERSITY = 0.35
"""MMR's weight on novelty: at 0.35 a near-duplicate of a taken span (cosine 0.9) loses to
any span of at least two thirds of its centrality."""


def unit(vectors: NDArray[np.floating]) -> NDArray[np.float64]:
    """Rows scaled to length 1 (zero rows stay zero)."""
    rows = np.asarray(vectors, dtype=np.float64)
    scaled: NDArray[np.float64] = rows / np.clip(
        np.linalg.norm(rows, axis=-1, keepdims=True), 1e-12, None
    )
    return scaled


def centrality(
    vectors: NDArray[np.floating], theme: NDArray[np.floating] | None = None
) -> NDArray[np.float64]:
    """Cosine of each row to ``theme`` (default: the rows' own centroid)."""
    rows = unit(vectors)
    centre = unit(rows.mean(axis=0) if theme is None else np.asarray(theme, dtype=np.float64))
    scores: NDArray[np.float64] = rows @ centre
    return scores


def mmr(
    vectors: NDArray[np.floating],
    k: int,
    *,
    relevance: NDArray[np.floating] | None = None,
    diversity: float = DIVERSITY,
    exclude: Sequence[int] = (),
) -> list[int]:
    """Up to ``k`` row indices chosen by maximal marginal relevance, in the order chosen.

    ``relevance`` defaults to :func:`centrality`; rows in ``exclude`` are never chosen.
    """
    rows = unit(vectors)
    if len(rows) == 0 or k <= 0:
        return []
    score = centrality(rows) if relevance is None else np.asarray(relevance, dtype=np.float64)
    allowed = np.ones(len(rows), dtype=bool)
    allowed[list(exclude)] = False
    chosen: list[int] = []
    closest = np.full(len(rows), -1.0)
    while len(chosen) < k and allowed.any():
        value = (1 - diversity) * score - (diversity * closest if chosen else 0.0)
        value[~allowed] = -np.inf
        best = int(np.argmax(value))
        chosen.append(best)
        allowed[best] = False
        closest = np.maximum(closest, rows @ rows[best])
    return chosen

"""The embedder seam: what every part that embeds text relies on, and nothing else.

It sits below both ``memory/`` (the embedders and the vector index that implement and use
it) and ``agent/`` (the extractive engine, which ranks sentences by it), so neither imports
the other for it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import numpy as np
from numpy.typing import NDArray

__all__ = ["Embedder"]


@runtime_checkable
class Embedder(Protocol):
    """Anything that turns texts into L2-normalised float32 rows, one per whole text."""

    @property
    def name(self) -> str:
        """Stable name (part of the vector index's key), e.g. ``"all-MiniLM-L6-v2"``."""
        ...

    @property
    def dim(self) -> int:
        """Length of each embedding row."""
        ...

    def embed(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """Array of shape ``(len(texts), dim)``; each row represents the WHOLE text."""
        ...

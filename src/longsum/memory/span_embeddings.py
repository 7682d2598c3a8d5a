"""Embedders built on an embedder: a memo, and chunk vectors as the mean of their spans.

The graph embeds each sentence-sized span of the transcript once (:class:`CachedEmbedder`):
a chunk's vector is the mean of its spans' vectors (:class:`SpanMeanEmbedder`), and the
offline engine picks central sentences from the very same vectors, so the cost of
embedding a transcript is paid once whatever reads it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

import numpy as np
from numpy.typing import NDArray

from longsum.embedding import Embedder
from longsum.tools.sentences import informative_spans

__all__ = ["CachedEmbedder", "Progress", "SpanMeanEmbedder"]

Progress = Callable[[int, int], None]
"""Told ``(done, total)`` texts embedded after each batch of a call."""


class CachedEmbedder:
    """``base`` with a memo of the last ``max_items`` texts' vectors (exact text match).

    New texts reach ``base`` in batches of ``batch_size``; while :meth:`reporting`, each
    batch done is told to its hook (``done, total`` of the texts new to this call).

    One is shared by every run of a process (a batch, a LangGraph server), from several
    threads at once: the hook is the calling thread's own (another run's block ending
    reset a shared one mid-embedding), and the memo is read and changed under a lock.
    """

    def __init__(self, base: Embedder, max_items: int = 200_000, batch_size: int = 256) -> None:
        self.base = base
        self.max_items = max_items
        self.batch_size = batch_size
        self._memo: OrderedDict[str, NDArray[np.float32]] = OrderedDict()
        self._lock = threading.Lock()
        self._local = threading.local()

    @contextmanager
    def reporting(self, progress: Progress) -> Iterator[None]:
        """Tell ``progress`` each batch embedded by the calls made inside the block."""
        before = getattr(self._local, "progress", None)
        self._local.progress = progress
        try:
            yield
        finally:
            self._local.progress = before

    def _embed_new(self, texts: list[str]) -> list[NDArray[np.float32]]:
        progress: Progress | None = getattr(self._local, "progress", None)
        if progress is None:
            return list(self.base.embed(texts))
        rows: list[NDArray[np.float32]] = []
        for start in range(0, len(texts), self.batch_size):
            rows.extend(self.base.embed(texts[start : start + self.batch_size]))
            progress(len(rows), len(texts))
        return rows

    @property
    def name(self) -> str:
        """The base embedder's name: the memo does not change a vector."""
        return self.base.name

    @property
    def dim(self) -> int:
        """The base embedder's dimension."""
        return self.base.dim

    def embed(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """Vectors of ``texts``; only texts not seen before reach the base embedder."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            known = {t: self._memo[t] for t in texts if t in self._memo}
            for text in known:  # most recently used last
                self._memo.move_to_end(text)
        missing = list(dict.fromkeys(t for t in texts if t not in known))
        fresh = dict(zip(missing, self._embed_new(missing), strict=True)) if missing else {}
        rows = np.vstack([fresh[t] if t in fresh else known[t] for t in texts])
        with self._lock:
            self._memo.update(fresh)
            while len(self._memo) > self.max_items:
                self._memo.popitem(last=False)
        return rows.astype(np.float32, copy=False)


class SpanMeanEmbedder:
    """A long text's vector: the re-normalised, length-weighted mean of its informative
    spans' vectors (:func:`~longsum.tools.sentences.informative_spans`), all spans of all
    texts in one call. Back-channel spans ("yeah, I know, right") say nothing about what a
    chunk is about, and skipping them saves a third of the embedding time of a podcast."""

    def __init__(self, spans: Embedder) -> None:
        self.spans = spans

    @property
    def name(self) -> str:
        """``<span embedder>/content-spans``: the index is keyed by how its vectors were made."""
        return f"{self.spans.name}/content-spans"

    @property
    def dim(self) -> int:
        """The span embedder's dimension."""
        return self.spans.dim

    def embed(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """One row per text (a text without words gets its own, whole-text vector)."""
        pieces = [informative_spans(t) or [t] for t in texts]
        flat = [span for spans in pieces for span in spans]
        vectors = self.spans.embed(flat) if flat else np.zeros((0, self.dim), np.float32)
        rows = np.zeros((len(texts), self.dim), dtype=np.float32)
        at = 0
        for i, spans in enumerate(pieces):
            weights = np.array([len(s.split()) or 1 for s in spans], dtype=np.float32)
            block = vectors[at : at + len(spans)]
            rows[i] = (block * weights[:, None]).sum(axis=0)
            at += len(spans)
        norms = np.linalg.norm(rows, axis=1, keepdims=True)
        scaled: NDArray[np.float32] = rows / np.clip(norms, 1e-12, None)
        return scaled

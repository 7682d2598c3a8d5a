"""The graph's external dependencies, behind one object: each is a seam with a fake.

Nodes reach a :class:`Services` through the run's context (:mod:`longsum.graphs.context`);
tests give it a scripted chat model, the hashing embedder and an in-memory index, and
nothing real is ever called.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from longsum.errors import ConfigError
from longsum.settings import Settings
from longsum.tools.tokens import Tokenizer, get_tokenizer

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from longsum.agent.answers import CallRecord
    from longsum.agent.retrying import CallGate
    from longsum.embedding import Embedder
    from longsum.graphs.writers.base import Writer
    from longsum.graphs.writers.extractive import ExtractiveWriter
    from longsum.memory.vectorstore import ChunkIndex

__all__ = ["OFFLINE", "Services", "build_services", "chunk_bounds", "record"]

OFFLINE = "extractive"
"""The model name that asks for the offline extractive engine explicitly."""


@dataclass
class Services:
    """What the nodes call out to: a writer for the map and one for the reduce, the
    embedder, the vector index, the tokenizer, the settings."""

    settings: Settings
    """The run's settings."""
    tokenizer: Tokenizer
    """Counts tokens for chunking and budgets."""
    embedder: Embedder
    """Embeds sentence-sized spans (memoised: each span is embedded once per process)."""
    map_writer: Writer
    """Writes chunk notes (``--map-model``'s writer, or the reduce writer)."""
    reduce_writer: Writer
    """Collapses notes, writes sections and the overview, repairs."""
    _indexes: dict[str, ChunkIndex] = field(default_factory=dict, repr=False)
    _fallback: ExtractiveWriter | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        from longsum.memory.span_embeddings import CachedEmbedder

        if not isinstance(self.embedder, CachedEmbedder):
            self.embedder = CachedEmbedder(self.embedder)

    @property
    def engine(self) -> str:
        """``"extractive"`` (offline, no model) or ``"llm"``."""
        return self.reduce_writer.engine

    def model_id(self, step: str) -> str:
        """What writes the ``"map"`` or ``"reduce"`` step: a model id, or the offline
        engine and the embedder it reads with."""
        return (self.map_writer if step == "map" else self.reduce_writer).model_id

    @property
    def chunk_embedder(self) -> Embedder:
        """Embeds a chunk as the mean of its spans' vectors (see :mod:`span_embeddings`)."""
        from longsum.memory.span_embeddings import SpanMeanEmbedder

        return SpanMeanEmbedder(self.embedder)

    @property
    def fallback(self) -> ExtractiveWriter:
        """The extractive writer that takes a chunk's notes when its model calls keep
        failing (the offline writer itself, when the run is offline)."""
        from longsum.graphs.writers.extractive import ExtractiveWriter

        if isinstance(self.map_writer, ExtractiveWriter):
            return self.map_writer
        if self._fallback is None:
            self._fallback = ExtractiveWriter(self.embedder)
        return self._fallback

    def index(self, collection: str) -> ChunkIndex:
        """The vector index collection ``collection`` (opened once per run)."""
        if collection not in self._indexes:
            from longsum.memory.vectorstore import ChunkIndex

            self._indexes[collection] = ChunkIndex.open(
                embedder=self.chunk_embedder,
                location=self.settings.vector_store_location(),
                collection=collection,
            )
        return self._indexes[collection]


def build_services(
    settings: Settings,
    *,
    model: str | BaseChatModel | None = None,
    map_model: str | BaseChatModel | None = None,
    embedder: Embedder | None = None,
    tokenizer: Tokenizer | None = None,
    call_gate: CallGate | None = None,
) -> Services:
    """Services from settings: ``model`` (or ``settings.model``) for every LLM step,
    ``map_model`` (or ``settings.map_model``) for the map step if different. With no model
    at all (or ``model="extractive"``) every step runs on the offline extractive engine.
    ``call_gate`` bounds the API models' calls together with other processes (a batch's
    workers); each writer's own bound, ``settings.concurrency``, applies too."""
    from longsum.agent.models import load_llm
    from longsum.graphs.writers.extractive import ExtractiveWriter
    from longsum.graphs.writers.llm import LLMWriter
    from longsum.memory.embeddings import load_embedder
    from longsum.memory.span_embeddings import CachedEmbedder

    reduce_spec = model if model is not None else settings.model
    map_spec = map_model if map_model is not None else settings.map_model
    base = embedder or load_embedder(settings.embedder)
    preload = getattr(base, "preload", None)
    if callable(preload):  # its seconds of loading overlap the tokenizer, parsing, chunking
        preload()
    spans = CachedEmbedder(base)
    tokens = tokenizer or get_tokenizer(settings.encoding, settings.tokenizer_timeout)
    if reduce_spec is None or reduce_spec == OFFLINE:
        if map_spec is not None and map_spec != OFFLINE:
            raise ConfigError("--map-model needs --model too (the offline engine has no map model)")
        offline = ExtractiveWriter(spans)
        return Services(settings, tokens, spans, map_writer=offline, reduce_writer=offline)
    reduce = LLMWriter(load_llm(reduce_spec, settings), settings, tokens, spans, call_gate)
    # One writer (so one bound on calls in flight) when map and reduce are the same model.
    mapper = (
        LLMWriter(load_llm(map_spec, settings), settings, tokens, spans, call_gate)
        if map_spec not in (None, reduce_spec)
        else reduce
    )
    return Services(settings, tokens, spans, map_writer=mapper, reduce_writer=reduce)


def chunk_bounds(total_tokens: int, settings: Settings) -> tuple[int, int]:
    """The chunk bound and overlap for a transcript of ``total_tokens``.

    Long transcripts use ``settings.max_tokens``. A short one is cut finer, into about
    ``settings.min_chunks`` chunks, so that five sections can be planned at chunk
    boundaries with room to place them where the topic shifts; the overlap shrinks with it.
    """
    target = math.ceil(total_tokens * 1.15 / settings.min_chunks)
    bound = max(48, min(settings.max_tokens, target))
    overlap = min(settings.overlap_tokens, bound // 6)
    return bound, overlap


def record(rec: CallRecord, run_id: str) -> dict[str, Any]:
    """A call record as stored in the state's ``calls``."""
    return {**dataclasses.asdict(rec), "run_id": run_id}

"""The graph's external dependencies, behind one object: each is a seam with a fake.

Nodes are built from a :class:`Services`; tests give it a scripted chat model, the hashing
embedder and an in-memory index, and nothing real is ever called.
"""

from __future__ import annotations

import asyncio
import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel

from longsum.errors import ConfigError
from longsum.settings import Settings
from longsum.tools.tokens import Tokenizer, get_tokenizer

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel
    from langchain_core.messages import BaseMessage

    from longsum.agent.extractive.engine import ExtractiveEngine
    from longsum.agent.structured import CallRecord, StructuredLLM
    from longsum.memory.embeddings import Embedder
    from longsum.memory.vectorstore import ChunkIndex

__all__ = ["OFFLINE", "Services", "build_services", "chunk_bounds", "record"]

MIN_SECTIONS = 5
OFFLINE = "extractive"
"""The model name that asks for the offline extractive engine explicitly."""
T = TypeVar("T", bound=BaseModel)


@dataclass
class Services:
    """What the nodes call out to: models (or the offline engine), embedder, index,
    tokenizer, settings."""

    settings: Settings
    """The run's settings."""
    tokenizer: Tokenizer
    """Counts tokens for chunking and budgets."""
    embedder: Embedder
    """Embeds sentence-sized spans (memoised: each span is embedded once per process)."""
    map_llm: StructuredLLM | None
    """Writes chunk notes; None with the offline engine."""
    reduce_llm: StructuredLLM | None
    """Collapses notes, writes sections and the overview, repairs; None offline."""
    extractive: ExtractiveEngine | None = None
    """The offline extractive engine, which stands in for both models when set."""
    _indexes: dict[str, ChunkIndex] = field(default_factory=dict, repr=False)
    _gates: dict[int, asyncio.Semaphore] = field(default_factory=dict, repr=False)
    _field_vectors: Any = field(default=None, repr=False)

    def __post_init__(self) -> None:
        from longsum.memory.span_embeddings import CachedEmbedder

        if not isinstance(self.embedder, CachedEmbedder):
            self.embedder = CachedEmbedder(self.embedder)
        if self.extractive is None and (self.map_llm is None or self.reduce_llm is None):
            raise ValueError("Services needs both LLMs, or the extractive engine")

    @property
    def engine(self) -> str:
        """``"extractive"`` (offline, no model) or ``"llm"``."""
        return "extractive" if self.extractive is not None else "llm"

    def model_id(self, step: str) -> str:
        """What writes the ``"map"`` or ``"reduce"`` step: a model id, or the offline
        engine and the embedder it reads with."""
        if self.extractive is not None:
            return f"{self.extractive.model_id}:{self.embedder.name}"
        llm = self.map_llm if step == "map" else self.reduce_llm
        assert llm is not None
        return llm.model_id

    @property
    def chunk_embedder(self) -> Embedder:
        """Embeds a chunk as the mean of its spans' vectors (see :mod:`span_embeddings`)."""
        from longsum.memory.span_embeddings import SpanMeanEmbedder

        return SpanMeanEmbedder(self.embedder)

    def field_vectors(self) -> Any:
        """Embeddings of the twelve general topics' descriptions (computed once)."""
        if self._field_vectors is None:
            from longsum.agent.fields import field_vectors

            self._field_vectors = field_vectors(self.embedder)
        return self._field_vectors

    async def ask(
        self,
        llm: StructuredLLM | None,
        messages: Sequence[BaseMessage],
        schema: type[T],
        *,
        node: str,
        max_tokens: int,
        temperature: float | None = None,
    ) -> tuple[T, CallRecord]:
        """One structured call, at most ``settings.concurrency`` of them in flight.

        The bound sits here, on the model calls themselves, rather than in LangGraph's
        ``max_concurrency``: that one also queues the checkpoint writes of finished tasks
        behind running ones, so a run killed mid-map would lose finished chunks. An
        in-process llama.cpp model runs one call at a time whatever the bound, so it gets a
        bound of 1 (and its calls' latencies are not inflated by waiting on each other).
        """
        if llm is None:
            raise ConfigError(f"{node} asked a model, but this run has none (offline engine)")
        gate = self._gates.get(id(llm))
        if gate is None:
            width = 1 if llm.provider == "llamacpp" else self.settings.concurrency
            gate = self._gates[id(llm)] = asyncio.Semaphore(width)
        async with gate:
            return await llm.call(
                messages, schema, node=node, max_tokens=max_tokens, temperature=temperature
            )

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
) -> Services:
    """Services from settings: ``model`` (or ``settings.model``) for every LLM step,
    ``map_model`` (or ``settings.map_model``) for the map step if different. With no model
    at all (or ``model="extractive"``) every step runs on the offline extractive engine."""
    from longsum.agent.models import load_llm
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
        from longsum.agent.extractive.engine import ExtractiveEngine

        return Services(
            settings=settings,
            tokenizer=tokens,
            embedder=spans,
            map_llm=None,
            reduce_llm=None,
            extractive=ExtractiveEngine(spans),
        )
    reduce_llm = load_llm(reduce_spec, settings)
    map_llm = load_llm(map_spec, settings) if map_spec is not None else reduce_llm
    return Services(
        settings=settings, tokenizer=tokens, embedder=spans, map_llm=map_llm, reduce_llm=reduce_llm
    )


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

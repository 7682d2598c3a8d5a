"""The chunk index over chromadb: nearest neighbours, exclusion, persistence, no-op and
replacing re-index, collection names, client selection and telemetry (all offline)."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray

from longsum.errors import ConfigError
from longsum.memory import vectorstore
from longsum.memory.embeddings import HashingEmbedder
from longsum.memory.vectorstore import ChunkIndex, Hit, collection_name
from longsum.settings import Settings

IDS = ["c000", "c001", "c002", "c003"]
TEXTS = [
    "We talked about training neural networks on GPUs and the cost of compute.",
    "Then the conversation moved to cooking pasta with tomato sauce and basil.",
    "Bootstrapping a startup alone, without investors, and shipping products fast.",
    "Learning new programming languages and the joy of shipping small products.",
]
METAS: list[dict[str, Any]] = [{"index": i, "speakers": ["Lex", "Pieter"]} for i in range(4)]


class CountingEmbedder:
    """HashingEmbedder that counts its calls and the texts it embedded."""

    def __init__(self) -> None:
        self.inner = HashingEmbedder()
        self.name = self.inner.name
        self.dim = self.inner.dim
        self.calls = 0
        self.texts = 0

    def embed(self, texts: Sequence[str]) -> NDArray[np.float32]:
        self.calls += 1
        self.texts += len(texts)
        return self.inner.embed(texts)


def _memory(embedder: Any) -> ChunkIndex:
    # The in-memory store is shared by the whole process: one fresh collection per test.
    return ChunkIndex.open(embedder=embedder, location=None, collection=f"t-{uuid.uuid4().hex}")


def _forget_open_stores() -> None:
    """Drop chromadb's per-process cache of systems, so the next open reads from disk."""
    from chromadb.api.shared_system_client import SharedSystemClient

    for system in SharedSystemClient._identifier_to_system.values():
        system.stop()
    SharedSystemClient.clear_system_cache()


def test_query_returns_the_nearest_chunk_first_and_honours_exclude() -> None:
    embedder = CountingEmbedder()
    index = _memory(embedder)
    assert index.ensure(IDS, TEXTS, METAS) is True
    assert index.count() == 4
    query = embedder.inner.embed(["cooking pasta with basil"])[0]

    hits = index.query(query, k=2)
    assert hits[0].id == "c001"
    assert len(hits) == 2 and hits[0].score > hits[1].score
    assert hits[0].metadata == {"index": 1, "speakers": ["Lex", "Pieter"]}
    expected = float(query @ embedder.inner.embed([TEXTS[1]])[0])
    assert hits[0].score == pytest.approx(expected, abs=1e-5)  # cosine similarity

    shipping = embedder.inner.embed(["shipping products"])[0]
    assert {h.id for h in index.query(shipping, k=2)} == {"c002", "c003"}
    kept = index.query(shipping, k=2, exclude={"c002", "c003"})
    assert len(kept) == 2 and not {h.id for h in kept} & {"c002", "c003"}
    assert index.query(shipping, k=10, exclude=["c003"])[0].id == "c002"
    assert len(index.query(shipping, k=10)) == 4
    assert index.query(shipping, k=0) == []


def test_query_on_an_empty_collection_is_empty() -> None:
    index = _memory(HashingEmbedder())
    assert index.count() == 0
    assert index.query(np.ones(384, dtype=np.float32), k=3) == []


def test_embeddings_come_back_in_the_order_asked() -> None:
    embedder = HashingEmbedder()
    index = _memory(embedder)
    index.ensure(IDS, TEXTS, METAS)
    got = index.embeddings(["c003", "c000", "c003"])
    assert got.dtype == np.float32 and got.shape == (3, 384)
    assert np.allclose(got, embedder.embed([TEXTS[3], TEXTS[0], TEXTS[3]]), atol=1e-6)
    assert index.embeddings([]).shape == (0, 384)
    with pytest.raises(KeyError, match="c999"):
        index.embeddings(["c000", "c999"])


def test_reindexing_the_same_chunks_embeds_nothing() -> None:
    embedder = CountingEmbedder()
    index = _memory(embedder)
    assert index.ensure(IDS, TEXTS, METAS) is True
    assert (embedder.calls, embedder.texts) == (1, 4)
    assert index.ensure(IDS, TEXTS, METAS) is False
    assert (embedder.calls, embedder.texts) == (1, 4)
    assert index.count() == 4


def test_different_ids_or_texts_replace_the_collection() -> None:
    embedder = CountingEmbedder()
    index = _memory(embedder)
    index.ensure(IDS, TEXTS, METAS)
    # A different chunking: fewer, other ids.
    assert index.ensure(["k0", "k1"], TEXTS[:2], METAS[:2]) is True
    assert index.count() == 2
    assert {h.id for h in index.query(embedder.inner.embed(TEXTS[2:3])[0], k=5)} == {"k0", "k1"}
    with pytest.raises(KeyError):
        index.embeddings(["c000"])
    # Same ids, changed text: re-embedded too.
    assert index.ensure(["k0", "k1"], [TEXTS[0], TEXTS[3]], METAS[:2]) is True
    assert np.allclose(index.embeddings(["k1"])[0], embedder.inner.embed([TEXTS[3]])[0])
    assert embedder.calls == 3


def test_persistent_index_survives_reopening(tmp_path: Path) -> None:
    folder = tmp_path / "chroma"
    name = collection_name("abc123", embedder="hashing-384", max_tokens=3000, overlap_tokens=150)
    first = CountingEmbedder()
    index = ChunkIndex.open(
        embedder=first, location=folder, collection=name, metadata={"content_hash": "abc123"}
    )
    assert index.ensure(IDS, TEXTS, METAS) is True
    stored = index.embeddings(IDS)
    del index
    _forget_open_stores()

    second = CountingEmbedder()
    again = ChunkIndex.open(embedder=second, location=str(folder), collection=name)
    assert again.count() == 4
    assert again.metadata["content_hash"] == "abc123"
    assert again.metadata["embedder"] == "hashing-384"
    assert again.ensure(IDS, TEXTS, METAS) is False
    assert second.calls == 0
    assert np.allclose(again.embeddings(IDS), stored)
    best = again.query(stored[2], k=1)[0]
    assert isinstance(best, Hit) and (best.id, best.metadata) == ("c002", METAS[2])
    assert best.score == pytest.approx(1.0, abs=1e-5)


def test_a_collection_of_another_embedder_is_refused() -> None:
    name = f"t-{uuid.uuid4().hex}"
    ChunkIndex.open(embedder=HashingEmbedder(), location="memory", collection=name)
    with pytest.raises(ConfigError, match="hashing-384 embeddings, not hashing-64"):
        ChunkIndex.open(embedder=HashingEmbedder(64), location="memory", collection=name)


def test_chromadb_embeds_text_queries_with_our_embedder_not_its_default() -> None:
    embedder = CountingEmbedder()
    index = _memory(embedder)
    index.ensure(IDS, TEXTS, METAS)
    collection = index._collection
    found = collection.query(query_texts=["cooking pasta with basil"], n_results=1)
    assert found["ids"][0] == ["c001"]
    assert embedder.calls == 2  # chromadb called our adapter, never its ONNX default
    assert collection.configuration["hnsw"]["space"] == "cosine"


def test_ensure_rejects_mismatched_or_duplicate_input() -> None:
    index = _memory(HashingEmbedder())
    with pytest.raises(ValueError, match="same length"):
        index.ensure(IDS, TEXTS[:2], METAS)
    with pytest.raises(ValueError, match="unique"):
        index.ensure(["a", "a"], TEXTS[:2], METAS[:2])


def test_collection_names_are_legal_deterministic_and_distinct() -> None:
    def name(
        content: str = "f" * 64, embedder: str = "all-MiniLM-L6-v2", mt: int = 3000, ot: int = 150
    ) -> str:
        return collection_name(content, embedder=embedder, max_tokens=mt, overlap_tokens=ot)

    assert re.fullmatch(r"ls-[0-9a-f]{16}", name())
    assert re.fullmatch(r"[a-zA-Z0-9][a-zA-Z0-9._-]{1,510}[a-zA-Z0-9]", name())
    assert name() == name()
    variants = {name("e" * 64), name(embedder="hashing-384"), name(mt=2000), name(ot=0)}
    assert name() not in variants and len(variants) == 4
    ChunkIndex.open(embedder=HashingEmbedder(), location="memory", collection=name())


@pytest.mark.parametrize("bad", ["ab", "-abc", "abc-", "a b c", "x" * 513, "a..b"])
def test_illegal_collection_names_are_config_errors(bad: str) -> None:
    with pytest.raises(ConfigError, match="illegal vector collection name"):
        ChunkIndex.open(embedder=HashingEmbedder(), location="memory", collection=bad)


def test_telemetry_is_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANONYMIZED_TELEMETRY", raising=False)
    client = vectorstore._client("memory")
    assert os.environ["ANONYMIZED_TELEMETRY"] == "False"
    assert client.get_settings().anonymized_telemetry is False


@pytest.mark.parametrize(
    ("url", "host", "port", "ssl"),
    [
        ("http://chroma.internal:9000", "chroma.internal", 9000, False),
        ("https://vectors.example.com", "vectors.example.com", 443, True),
        ("http://10.0.0.5", "10.0.0.5", 8000, False),
    ],
)
def test_urls_select_the_http_client(
    monkeypatch: pytest.MonkeyPatch, url: str, host: str, port: int, ssl: bool
) -> None:
    import chromadb

    calls: list[dict[str, Any]] = []
    ephemeral = chromadb.EphemeralClient

    def fake_http_client(**kwargs: Any) -> Any:
        calls.append(kwargs)
        return ephemeral(settings=chromadb.config.Settings(anonymized_telemetry=False))

    monkeypatch.setattr(chromadb, "HttpClient", fake_http_client)
    index = ChunkIndex.open(
        embedder=HashingEmbedder(), location=url, collection=f"t-{uuid.uuid4().hex}"
    )
    assert index.count() == 0
    assert len(calls) == 1
    assert (calls[0]["host"], calls[0]["port"], calls[0]["ssl"]) == (host, port, ssl)
    assert calls[0]["settings"].anonymized_telemetry is False


def test_bad_url_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="port"):
        ChunkIndex.open(embedder=HashingEmbedder(), location="http://h:notaport", collection="abc")


def test_settings_vector_store_location(tmp_path: Path) -> None:
    assert Settings(cache_dir=tmp_path).vector_store_location() == str(tmp_path / "chroma")
    assert Settings(vector_store="memory").vector_store_location() == "memory"
    url = "http://localhost:8000"
    assert Settings(vector_store=url).vector_store_location() == url
    assert Settings().embedder == "all-MiniLM-L6-v2"

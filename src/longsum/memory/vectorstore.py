"""The chunk index: a transcript's chunk embeddings in a chromadb collection.

One collection per (transcript content, embedder, chunking) — see :func:`collection_name` —
so indexing the same transcript again is a no-op and a persistent folder (or a Chroma
server) doubles as a cache of embeddings across runs.

We embed the chunks ourselves (:mod:`longsum.memory.embeddings`) and hand chromadb the
vectors; the collection still gets an explicit embedding function over our embedder, so
chromadb never falls back to its default ONNX model (which would try to download).
Distances are cosine; :class:`Hit` scores are cosine similarities.

chromadb is imported lazily, after its telemetry is switched off.

Concurrent runs share one client per location, made under a lock: chromadb caches one
system per path (and one for all in-memory clients) without a lock, so clients made at
once saw a system not yet started ("Could not connect to tenant default_tenant").
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import threading
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np
from numpy.typing import NDArray

from longsum.embedding import Embedder
from longsum.errors import ConfigError
from longsum.memory.embeddings import load_embedder

__all__ = ["ChunkIndex", "Hit", "collection_name"]

_EF_NAME = "longsum"
"""Name under which our embedding-function adapter is registered with chromadb."""
_COLLECTION_NAME = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9._-]{1,510}[a-zA-Z0-9]")
_CLIENTS: dict[str, tuple[Any, Any]] = {}  # "memory" or a folder: (client, its system)
_INDEXING: dict[str, threading.Lock] = {}  # by collection: one run at a time indexes it
_LOCK = threading.Lock()  # guards both dicts and the making of a client


@dataclass(frozen=True)
class Hit:
    """One nearest chunk: its id, cosine similarity in [-1, 1] (higher is closer), metadata."""

    id: str
    score: float
    metadata: dict[str, Any]


def collection_name(
    content_hash: str, *, embedder: str, max_tokens: int, overlap_tokens: int
) -> str:
    """Chroma-legal, deterministic collection name for one transcript, embedder and chunking.

    ``"ls-"`` plus 16 hex digits of a sha256 over the four values; record the values
    themselves in the collection's metadata (``ChunkIndex.open(..., metadata=...)``).
    """
    key = "\x1f".join((content_hash, embedder, str(max_tokens), str(overlap_tokens)))
    return "ls-" + hashlib.sha256(key.encode()).hexdigest()[:16]


class ChunkIndex:
    """The chunks of one transcript in one chromadb collection (see module doc)."""

    def __init__(self, client: Any, collection: Any, embedder: Embedder) -> None:
        """Wrap an open chromadb ``collection``; use :meth:`open` instead."""
        self._client = client
        self._collection = collection
        self._embedder = embedder

    @classmethod
    def open(
        cls,
        *,
        embedder: Embedder,
        location: str | Path | None,
        collection: str,
        metadata: Mapping[str, str | int | float | bool] | None = None,
    ) -> ChunkIndex:
        """Open (creating if needed) ``collection`` at ``location``.

        ``location``: ``None`` or ``"memory"`` for an in-process store (shared by every
        in-memory index of the process), ``"http://host:port"`` / ``"https://..."`` for a
        Chroma server, anything else for a folder of a persistent store. ``metadata`` is
        recorded on a new collection (with the embedder's name), e.g. the content hash and
        the chunking parameters. Raises :class:`~longsum.errors.ConfigError` for an illegal
        name or a collection built with another embedder.
        """
        if not _COLLECTION_NAME.fullmatch(collection) or ".." in collection:
            raise ConfigError(f"illegal vector collection name {collection!r}")
        client = _client(location)
        chroma_metadata: dict[str, Any] = {**(metadata or {}), "embedder": embedder.name}
        try:
            handle = client.get_or_create_collection(
                name=collection,
                configuration={"hnsw": {"space": "cosine"}},
                metadata=chroma_metadata,
                embedding_function=_adapter_class()(embedder),
            )
        except ValueError as exc:  # chromadb's embedding-function conflict, among others
            raise ConfigError(f"cannot open vector collection {collection}: {exc}") from None
        recorded = (handle.metadata or {}).get("embedder")
        if recorded is not None and recorded != embedder.name:
            raise ConfigError(
                f"vector collection {collection} holds {recorded} embeddings, not {embedder.name}"
            )
        return cls(client, handle, embedder)

    @property
    def name(self) -> str:
        """The collection's name."""
        return str(self._collection.name)

    @property
    def metadata(self) -> dict[str, Any]:
        """The collection's metadata (embedder name and whatever :meth:`open` recorded)."""
        return dict(self._collection.metadata or {})

    def count(self) -> int:
        """Number of chunks in the collection."""
        return int(self._collection.count())

    def ensure(
        self, ids: Sequence[str], texts: Sequence[str], metadatas: Sequence[Mapping[str, Any]]
    ) -> bool:
        """Index these chunks; ``False`` (embedding nothing) when the collection already holds
        exactly these ids with these texts, ``True`` when it (re)indexed them, replacing
        whatever the collection held before."""
        ids, texts = list(ids), list(texts)
        if not len(ids) == len(texts) == len(metadatas):
            raise ValueError("ids, texts and metadatas must have the same length")
        if len(set(ids)) != len(ids):
            raise ValueError("chunk ids must be unique")
        with _LOCK:
            lock = _INDEXING.setdefault(self.name, threading.Lock())
        with lock:  # a second run on the same chunks waits, then finds them indexed
            held = self._collection.get(include=["documents"])
            if dict(zip(held["ids"], held["documents"] or [], strict=True)) == dict(
                zip(ids, texts, strict=True)
            ):
                return False
            vectors = self._embedder.embed(texts) if texts else None
            batch = max(1, int(self._client.get_max_batch_size()))
            old = list(held["ids"])
            for start in range(0, len(old), batch):
                self._collection.delete(ids=old[start : start + batch])
            for start in range(0, len(ids), batch):
                assert vectors is not None
                self._collection.add(
                    ids=ids[start : start + batch],
                    embeddings=vectors[start : start + batch],
                    documents=texts[start : start + batch],
                    metadatas=[dict(m) or None for m in metadatas[start : start + batch]],
                )
            return True

    def embeddings(self, ids: Sequence[str]) -> NDArray[np.float32]:
        """The stored embeddings of ``ids``, one row each in the order given.

        Raises :class:`KeyError` naming the ids the collection does not hold.
        """
        ids = list(ids)
        if not ids:
            return np.zeros((0, self._embedder.dim), dtype=np.float32)
        got = self._collection.get(ids=list(dict.fromkeys(ids)), include=["embeddings"])
        rows = dict(zip(got["ids"], got["embeddings"], strict=True))
        missing = [i for i in ids if i not in rows]
        if missing:
            raise KeyError(f"chunks not in {self.name}: {', '.join(missing[:5])}")
        return np.asarray([rows[i] for i in ids], dtype=np.float32)

    def query(
        self, embedding: NDArray[np.floating[Any]], *, k: int, exclude: Collection[str] = ()
    ) -> list[Hit]:
        """The ``k`` chunks nearest ``embedding`` (one row), none of ``exclude``, best first."""
        size = self.count()
        if k <= 0 or size == 0:
            return []
        vector = np.asarray(embedding, dtype=np.float32).reshape(-1)
        wanted = min(size, k + len(exclude))
        found = self._collection.query(
            query_embeddings=[vector], n_results=wanted, include=["metadatas", "distances"]
        )
        metadatas = (found.get("metadatas") or [[]])[0] or [None] * len(found["ids"][0])
        distances = (found.get("distances") or [[]])[0]
        hits = [
            Hit(id=i, score=1.0 - float(d), metadata=dict(m or {}))
            for i, d, m in zip(found["ids"][0], distances, metadatas, strict=True)
            if i not in exclude
        ]
        return hits[:k]


def _client(location: str | Path | None) -> Any:
    """A chromadb client for ``location`` (see :meth:`ChunkIndex.open`), telemetry off: a
    local store's is made once per process (see the module doc), and again only once
    chromadb's own cache of systems was cleared (as a test reopening a folder does)."""
    chromadb = _chromadb()
    settings = chromadb.config.Settings(anonymized_telemetry=False)
    where = str(location) if location is not None else "memory"
    if where.startswith(("http://", "https://")):
        return _http_client(chromadb, where, settings)
    key = where if where == "memory" else str(Path(where).expanduser().resolve())
    with _LOCK:
        cached = _CLIENTS.get(key)
        if cached is not None and _system_of(cached[0]) is cached[1]:
            return cached[0]
        if key == "memory":
            client = chromadb.EphemeralClient(settings=settings)
        else:
            try:
                Path(key).mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise ConfigError(f"cannot create vector store folder {key}: {exc}") from None
            client = chromadb.PersistentClient(path=key, settings=settings)
        _CLIENTS[key] = (client, _system_of(client))
        return client


def _system_of(client: Any) -> Any:
    """The chromadb system ``client`` reads through now (None once chromadb forgot it)."""
    try:
        return client._system
    except (AttributeError, KeyError):
        return None


def _http_client(chromadb: Any, where: str, settings: Any) -> Any:
    """A client of the Chroma server at URL ``where`` (each has a system of its own)."""
    url = urlsplit(where)
    ssl = url.scheme == "https"
    try:
        port = url.port or (443 if ssl else 8000)
    except ValueError:
        raise ConfigError(f"bad port in vector store URL {where!r}") from None
    if not url.hostname:
        raise ConfigError(f"no host in vector store URL {where!r}")
    return chromadb.HttpClient(host=url.hostname, port=port, ssl=ssl, settings=settings)


def _chromadb() -> Any:
    """Import chromadb with its anonymous telemetry switched off."""
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    import chromadb
    import chromadb.config

    return chromadb


@functools.cache
def _adapter_class() -> type[Any]:
    """Our embedder as a chromadb ``EmbeddingFunction``, registered as ``"longsum"``.

    Built on first use so that chromadb is imported only when an index is opened.
    Registration lets chromadb rebuild it from a persisted collection's configuration
    without a warning; the rebuilt adapter loads its embedder only if it is ever called.
    """
    _chromadb()
    from chromadb.api.types import Documents, EmbeddingFunction, Embeddings, Space
    from chromadb.utils.embedding_functions import register_embedding_function

    class LongsumEmbeddingFunction(EmbeddingFunction[Documents]):
        """chromadb's view of a longsum :class:`Embedder` (cosine space)."""

        def __init__(self, embedder: Embedder | None = None, name: str | None = None) -> None:
            self._embedder = embedder
            self._name = embedder.name if embedder is not None else (name or "")

        def __call__(self, input: Documents) -> Embeddings:
            if self._embedder is None:
                self._embedder = load_embedder(self._name or None)
            return list(self._embedder.embed(list(input)))

        @staticmethod
        def name() -> str:
            return _EF_NAME

        def default_space(self) -> Space:
            return "cosine"

        def supported_spaces(self) -> list[Space]:
            return ["cosine"]

        def get_config(self) -> dict[str, Any]:
            return {"embedder": self._name}

        @staticmethod
        def build_from_config(config: dict[str, Any]) -> LongsumEmbeddingFunction:
            return LongsumEmbeddingFunction(name=str(config.get("embedder") or ""))

    register_embedding_function(LongsumEmbeddingFunction)  # type: ignore[no-untyped-call]
    return LongsumEmbeddingFunction

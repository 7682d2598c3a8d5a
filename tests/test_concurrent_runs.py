"""Runs at once in one process: four ``asummarize`` calls gathered on one event loop share
the real chromadb store (a folder, or the in-memory one), and every one gets its summary.

chromadb caches one system per store in the process and used to be opened by every run
for itself; runs that opened it at once failed with "Could not connect to tenant
default_tenant" (issue 15).
"""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest

import longsum
from longsum.memory import vectorstore
from longsum.memory.embeddings import HashingEmbedder
from longsum.memory.vectorstore import ChunkIndex
from longsum.tools.validation import validate_summary

TOPICS = {
    "gardening": ["tomatoes", "compost", "seedlings", "watering", "greenhouse", "pruning"],
    "sailing": ["rigging", "harbour", "tides", "anchor", "keel", "navigation"],
    "databases": ["indexes", "transactions", "replication", "schemas", "caching", "backups"],
    "astronomy": ["telescopes", "galaxies", "comets", "orbits", "nebulae", "eclipses"],
}
"""Four transcripts, each about its own thing in its own words."""
SAYINGS = [
    "My first teacher of {t} told me that {a} decide everything.",
    "We argued for an hour about whether {a} or {b} come first.",
    "The books on {t} never explain how tiring the {b} can be.",
    "A friend of mine ruined a whole season by ignoring the {a}.",
    "Nobody believes me, but the {b} taught me patience.",
    "Money spent on {a} is never wasted, in my experience.",
    "The hardest week I remember was all about {b} and bad luck.",
    "Beginners in {t} usually copy experts and skip the {a}.",
    "There is a quiet joy in checking the {b} every morning.",
    "Mistakes with {a} show up months later, which is cruel.",
    "I keep a notebook where every change to the {b} is written.",
    "Young people ask me whether {t} is still worth learning.",
]


def transcript(topic: str) -> str:
    """A two-speaker conversation of about 900 words on ``topic``, no sentence said twice."""
    words = TOPICS[topic]
    lines = []
    for i in range(len(SAYINGS) * 2):
        pair = [
            SAYINGS[(i + k) % len(SAYINGS)].format(
                t=topic, a=words[(i + k) % 6], b=words[(i * 5 + k + 1) % 6]
            )
            for k in range(3)
        ]
        lines.append(f"{'Alice' if i % 2 == 0 else 'Bob'}: {' '.join(pair)} That was turn {i + 1}.")
    return "\n".join(lines)


def forget_open_stores() -> None:
    """Drop chromadb's systems, so the runs below open the store cold, as a new process."""
    from chromadb.api.shared_system_client import SharedSystemClient

    for system in SharedSystemClient._identifier_to_system.values():
        system.stop()
    SharedSystemClient.clear_system_cache()


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("LONGSUM_MODEL", "LONGSUM_MAP_MODEL", "LONGSUM_VECTOR_STORE"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize("store", ["folder", "memory"])
def test_four_gathered_runs_share_the_store(tmp_path: Path, store: str) -> None:
    location = str(tmp_path / "chroma") if store == "folder" else "memory"
    forget_open_stores()

    async def all_four() -> list[longsum.Summary]:
        return await asyncio.gather(
            *(
                longsum.asummarize(
                    transcript(topic),
                    embedder="hashing",
                    cache_dir=tmp_path / "cache",
                    vector_store=location,
                )
                for topic in TOPICS
            )
        )

    summaries = asyncio.run(all_four())
    assert len(summaries) == 4
    for topic, summary in zip(TOPICS, summaries, strict=True):
        data = summary.model_dump(mode="json", by_alias=True)
        assert validate_summary(data) == []
        said = " ".join(b for s in data["sections"] for b in s["content"]).casefold()
        # Each run summarized its own transcript, not another's chunks.
        assert topic in said
        others = [w for t, ws in TOPICS.items() if t != topic for w in ws]
        assert not [w for w in others if w in said]


def test_a_store_opened_from_many_threads_at_once_is_one_client(tmp_path: Path) -> None:
    forget_open_stores()
    folder = tmp_path / "chroma"
    start = threading.Barrier(8)
    opened: list[ChunkIndex] = []
    errors: list[Exception] = []

    def open_one(n: int) -> None:
        start.wait()
        try:
            index = ChunkIndex.open(
                embedder=HashingEmbedder(), location=folder, collection=f"t-{n:04d}"
            )
            index.ensure([f"c{n}"], [f"text number {n} about {n} things"], [{"n": n}])
            opened.append(index)
        except Exception as exc:  # every thread's failure is reported, not just the first
            errors.append(exc)

    threads = [threading.Thread(target=open_one, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len({id(index._client) for index in opened}) == 1
    assert sorted(index.count() for index in opened) == [1] * 8
    assert vectorstore._client(str(folder)) is opened[0]._client


def test_a_client_is_made_again_once_chromadb_forgot_its_system(tmp_path: Path) -> None:
    folder = tmp_path / "chroma"
    first = vectorstore._client(folder)
    assert vectorstore._client(folder) is first
    forget_open_stores()
    again = vectorstore._client(folder)
    assert again is not first
    assert again.heartbeat() > 0

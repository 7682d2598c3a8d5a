"""One bound on LLM calls in flight for a whole batch, however many processes run it.

Each writer bounds its own calls (``settings.concurrency``); a batch spread over processes
or machines needs one more bound they all share, or eight workers against one API key make
eight times the calls its rate allows. A :data:`~longsum.agent.retrying.CallGate` is that
bound: :class:`ProcessGate` over a multiprocessing manager's semaphore for the local pool,
:class:`RayGate` over one named Ray actor for a Ray cluster. Every request takes a slot, its
retries each take one again, and the backoff between them holds none.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from typing import Any

__all__ = ["GateActor", "ProcessGate", "RayGate"]

POLL_S = 0.01
"""How often a call waiting on a :class:`ProcessGate` asks again."""


class ProcessGate:
    """A gate over a ``multiprocessing`` manager's semaphore, passed to worker processes.

    The proxy's ``acquire`` blocks its thread, so a waiting call polls it without blocking
    instead (every :data:`POLL_S`): a blocked thread per waiting call would starve the
    worker's thread pool, which also runs its graph's sync nodes.
    """

    def __init__(self, semaphore: Any) -> None:
        self._semaphore = semaphore

    @contextlib.asynccontextmanager
    async def __call__(self) -> AsyncIterator[None]:
        """Hold one slot for the ``async with`` body."""
        while not self._semaphore.acquire(False):
            await asyncio.sleep(POLL_S)
        try:
            yield
        finally:
            self._semaphore.release()


class GateActor:
    """The Ray actor behind :class:`RayGate`: an asyncio semaphore of ``width`` slots.

    Slots are granted and given back by token, so a caller cancelled while it waits can
    release a slot it has not been granted yet: the grant then gives it back at once.
    """

    def __init__(self, width: int) -> None:
        self._slots = asyncio.Semaphore(width)
        self._held: set[str] = set()
        self._dropped: set[str] = set()
        self.peak = 0
        """The most slots ever held at once (for tests and benchmarks)."""

    async def acquire(self, token: str) -> bool:
        """Wait for a slot for ``token``; False if ``token`` was released meanwhile."""
        await self._slots.acquire()
        if token in self._dropped:
            self._dropped.discard(token)
            self._slots.release()
            return False
        self._held.add(token)
        self.peak = max(self.peak, len(self._held))
        return True

    async def release(self, token: str) -> None:
        """Give ``token``'s slot back (or, not granted yet, give it back when it is)."""
        if token in self._held:
            self._held.discard(token)
            self._slots.release()
        else:
            self._dropped.add(token)

    async def stats(self) -> dict[str, int]:
        """Slots held now, and the most ever held at once."""
        return {"held": len(self._held), "peak": self.peak}


class RayGate:
    """A gate over a :class:`GateActor` found by name: every worker of a Ray batch, on any
    node, takes its slots from the same actor (one round trip per request it bounds)."""

    def __init__(self, name: str, namespace: str) -> None:
        self.name = name
        self.namespace = namespace
        self._actor: Any = None

    @contextlib.asynccontextmanager
    async def __call__(self) -> AsyncIterator[None]:
        """Hold one slot for the ``async with`` body."""
        if self._actor is None:
            import ray

            self._actor = ray.get_actor(self.name, namespace=self.namespace)
        token = uuid.uuid4().hex
        try:
            await self._actor.acquire.remote(token)
            yield
        finally:  # also when cancelled while waiting: see GateActor
            self._actor.release.remote(token)

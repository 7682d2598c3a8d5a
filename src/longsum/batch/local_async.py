"""The local engine for an API model: this process, many transcripts at once.

An API model's runs spend their time waiting on the network, so processes buy nothing but
more copies of the embedder. One event loop runs up to ``in_flight`` transcripts together,
and because they share one set of services, they share each writer's bound of
``settings.concurrency`` calls in flight: the bound is the batch's, exactly, with no
machinery. The loop runs in a thread of its own so that :meth:`LocalAsync.run` can yield
each line as it is known, like the other engines.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
from collections.abc import Iterator, Sequence
from typing import Any

from longsum.batch.engine import Job, finish_job, summarize_job
from longsum.graphs.services import Services
from longsum.settings import Settings

__all__ = ["LocalAsync"]

_DONE = object()


class LocalAsync:
    """Summarizes jobs in this process, ``in_flight`` at a time (default: as many as the
    calls ``settings.concurrency`` allows in flight, so that no slot waits for work), with
    ``services`` (default: built from ``settings`` when the batch starts)."""

    def __init__(
        self, settings: Settings, in_flight: int | None = None, services: Services | None = None
    ) -> None:
        self.settings = settings
        self.in_flight = max(1, in_flight or settings.concurrency)
        self.services = services

    def run(self, jobs: Sequence[Job]) -> Iterator[dict[str, Any]]:
        """Summarize ``jobs``; yield their lines as they finish."""
        if not jobs:
            return
        from longsum.graphs.services import build_services  # the embedder's import, once

        services = self.services or build_services(self.settings)
        lines: queue.Queue[Any] = queue.Queue()
        loop = asyncio.new_event_loop()

        async def one(job: Job, slots: asyncio.Semaphore) -> None:
            async with slots:
                outcome = await summarize_job(job, services)
            lines.put(finish_job(job, outcome))

        async def every() -> None:
            slots = asyncio.Semaphore(self.in_flight)
            await asyncio.gather(*(one(job, slots) for job in jobs))

        task = loop.create_task(every())

        def drive() -> None:
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(task)
            except asyncio.CancelledError:
                pass  # stopped by the caller
            finally:
                loop.close()
                lines.put(_DONE)

        thread = threading.Thread(target=drive, name="longsum-batch", daemon=True)
        thread.start()
        try:
            while (line := lines.get()) is not _DONE:
                yield line
        finally:  # interrupted (Ctrl-C, the caller stopped): cancel what still runs
            with contextlib.suppress(RuntimeError):  # the loop may have closed meanwhile
                loop.call_soon_threadsafe(task.cancel)
            thread.join(timeout=30)

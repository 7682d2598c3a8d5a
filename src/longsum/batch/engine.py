"""Where a batch's transcripts are summarized: the :class:`Engine` seam and the local pool.

:func:`longsum.batch.run.batch` decides what to run and keeps the manifest; an engine only
runs :class:`Job` s and yields one manifest line each, in the order they finish.
:class:`LocalPool` runs them in worker processes on this machine. A Ray engine (the next
slice of issue 17) fits the same protocol; it will also bound LLM calls across every
worker at once, which the local pool only approximates (see :func:`worker_settings`).
"""

from __future__ import annotations

import asyncio
import math
import multiprocessing
import os
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from longsum.batch.manifest import record
from longsum.errors import LongsumError
from longsum.settings import Settings
from longsum.tools.chapters import KINDS

__all__ = ["Engine", "Job", "LocalPool", "default_workers", "run_job", "worker_settings"]


@dataclass(frozen=True)
class Job:
    """One transcript to summarize and where its result goes."""

    path: str
    """The source's absolute path (the manifest's ``path``)."""
    output: Path
    """The result file to write."""
    out_format: str
    """One of :data:`longsum.batch.render.FORMATS`."""
    content_hash: str
    key: str
    """See :func:`longsum.batch.run.result_key`."""


class Engine(Protocol):
    """Runs jobs; yields one manifest line (see :mod:`longsum.batch.manifest`) per job,
    as each finishes. A job that fails yields a ``failed`` line: it never stops the rest."""

    def run(self, jobs: Sequence[Job]) -> Iterator[dict[str, Any]]:
        """Summarize ``jobs``; yield their lines in the order they finish."""
        ...


def default_workers(jobs: int, settings: Settings) -> int:
    """Worker processes for ``jobs`` transcripts: one per CPU this process may use, never
    more than the jobs; one for an in-process llama.cpp model (it already uses every core,
    and each worker would load its own copy of the weights).

    One per core, not more: the offline engine, embedding and chunking are CPU-bound, so
    more processes only contend; an API model's waiting is already overlapped inside each
    worker (``concurrency`` calls in flight).
    """
    if settings.model is not None and settings.model.startswith("llamacpp:"):
        return 1
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min(jobs, cpus or 1))


def worker_settings(settings: Settings, workers: int) -> Settings:
    """``settings`` for one of ``workers`` workers: ``concurrency`` divided among them
    (``ceil(concurrency / workers)`` each), so that four workers do not make four times
    the LLM calls in flight a single run would. The bound is per worker, not global: the
    Ray engine's shared limiter will make it one number for the whole batch."""
    share = math.ceil(settings.concurrency / max(1, workers))
    return settings.model_copy(update={"concurrency": share})


_SERVICES: Any = None
"""The worker process's services (embedder, models, tokenizer), loaded once."""


def _init_worker(settings: Settings) -> None:
    from longsum.graphs.services import build_services

    global _SERVICES
    _SERVICES = build_services(settings)


def run_job(job: Job, services: Any) -> dict[str, Any]:
    """Summarize ``job`` with ``services``, write its result; its manifest line. Never
    raises for a failing transcript: the failure is the line's one-line ``error``."""
    from longsum.api import run_summary
    from longsum.batch.render import render_result

    began = time.perf_counter()
    fields: dict[str, Any] = {"content_hash": job.content_hash, "key": job.key}
    try:
        if job.out_format in KINDS:  # chapters need times: no run for an untimed transcript
            _require_times(job.path, services.settings)
        result = asyncio.run(run_summary(Path(job.path), services=services))
        text = render_result(result, job.out_format)
        partial = job.output.with_name(job.output.name + ".partial")
        partial.write_text(text, encoding="utf-8")
        partial.replace(job.output)  # whole or absent: a kill never leaves half a result
    except Exception as exc:  # any failure of one transcript is that transcript's alone
        error = str(exc) if isinstance(exc, LongsumError) else f"{type(exc).__name__}: {exc}"
        wall = round(time.perf_counter() - began, 2)
        return record(job.path, "failed", wall_s=wall, error=error or type(exc).__name__, **fields)
    usage = result.extended.get("usage", {})
    return record(
        job.path,
        "ok",
        output=job.output.name,
        wall_s=round(result.wall_s, 2),
        calls=int(usage.get("llm_calls", 0)),
        tokens=int(usage.get("prompt_tokens", 0)) + int(usage.get("completion_tokens", 0)),
        degraded=len(result.extended.get("degraded", [])),
        **fields,
    )


def _require_times(path: str, settings: Settings) -> None:
    from longsum.tools.chapters import require_times
    from longsum.tools.parsing import read_transcript

    transcript = read_transcript(
        path,
        format=settings.input_format,
        encoding=settings.text_encoding,
        max_bytes=int(settings.max_input_mb * 1024 * 1024),
    )
    require_times(transcript.has_times, transcript.source)


def _run_in_worker(job: Job) -> dict[str, Any]:
    return run_job(job, _SERVICES)


class LocalPool:
    """A pool of ``workers`` processes on this machine: each loads the embedder and models
    once (its initializer) and summarizes its transcripts one after another.

    Processes are started with ``spawn``, not ``fork``: a forked copy of a process that
    already holds threads (tokenizers, torch, an event loop) can deadlock. They get
    ``settings`` as an object, not through the environment, with ``concurrency`` divided
    among them (see :func:`worker_settings`).
    """

    def __init__(self, settings: Settings, workers: int) -> None:
        self.settings = settings
        self.workers = max(1, workers)

    def run(self, jobs: Sequence[Job]) -> Iterator[dict[str, Any]]:
        """Summarize ``jobs`` in the pool; yield their lines as they finish."""
        if not jobs:
            return
        workers = min(self.workers, len(jobs))
        settings = worker_settings(self.settings, workers)
        with ProcessPoolExecutor(
            max_workers=workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_worker,
            initargs=(settings,),
        ) as pool:
            futures: dict[Future[dict[str, Any]], Job] = {
                pool.submit(_run_in_worker, job): job for job in jobs
            }
            try:
                for future in as_completed(futures):
                    yield _outcome(future, futures[future])
            finally:  # interrupted (Ctrl-C, the caller stopped): start no queued transcript
                pool.shutdown(wait=False, cancel_futures=True)


def _outcome(future: Future[dict[str, Any]], job: Job) -> dict[str, Any]:
    try:
        return future.result()
    except Exception as exc:  # a worker that died (out of memory, killed) or failed to start
        return record(
            job.path,
            "failed",
            content_hash=job.content_hash,
            key=job.key,
            error=f"the worker process failed: {type(exc).__name__}: {exc}",
        )

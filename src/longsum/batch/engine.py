"""Where a batch's transcripts are summarized: the :class:`Engine` seam and the local pool.

:func:`longsum.batch.run.batch` decides what to run and keeps the manifest; an engine only
runs :class:`Job` s and yields one manifest line each, in the order they finish. Engines:
:class:`LocalPool` (worker processes on this machine, for the CPU-bound offline engine and
in-process models), :class:`~longsum.batch.local_async.LocalAsync` (one process, many
transcripts at once, for an API model) and :class:`~longsum.batch.ray_engine.RayEngine`.
Every engine summarizes with :func:`summarize_job` and writes with :func:`finish_job`.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from longsum.batch.gates import ProcessGate
from longsum.batch.manifest import record
from longsum.errors import LongsumError
from longsum.graphs.services import OFFLINE
from longsum.settings import Settings
from longsum.tools.chapters import KINDS

__all__ = [
    "Engine",
    "Job",
    "LocalPool",
    "Outcome",
    "default_workers",
    "failed_line",
    "finish_job",
    "run_job",
    "summarize_job",
    "uses_api_model",
]


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
    node: str | None = None
    """The Ray node it last ran on (its chunk notes are cached there), if any."""


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
    return max(1, min(jobs, _cpus()))


def uses_api_model(settings: Settings) -> bool:
    """Whether a model outside this process writes (any but the offline engine and an
    in-process llama.cpp model): its calls wait on the network, not on this machine."""
    specs = [spec for spec in (settings.model, settings.map_model) if spec]
    return any(spec != OFFLINE and not spec.startswith("llamacpp:") for spec in specs)


_SERVICES: Any = None
"""The worker process's services (embedder, models, tokenizer), loaded once."""
_LOOP: asyncio.AbstractEventLoop | None = None
"""The worker process's one event loop: an API model's client keeps pooled connections
that belong to the loop they were opened in, so every job runs in the same one."""


def _init_worker(settings: Settings, gate: Any, threads: int) -> None:
    # The worker's share of the CPUs for torch's compute threads (read when torch is
    # imported): its default, a thread per core in every worker, made two workers on two
    # cores slower than one. Ray does the same for its actors. A user's own setting wins.
    os.environ.setdefault("OMP_NUM_THREADS", str(threads))
    from longsum.graphs.services import build_services

    global _SERVICES, _LOOP
    _SERVICES = build_services(settings, call_gate=gate)
    _LOOP = asyncio.new_event_loop()


Outcome = tuple[dict[str, Any], str | None]
"""A summarized job: its manifest line, and its result's text (none when it failed). The
text goes back to the caller, which writes it: a Ray worker may be on another machine."""


async def summarize_job(job: Job, services: Any, source: Path | None = None) -> Outcome:
    """Summarize ``job`` (read from ``source``, else ``job.path``) with ``services``. Never
    raises for a failing transcript: the failure is the line's one-line ``error``."""
    from longsum.api import run_summary
    from longsum.batch.render import render_result

    began = time.perf_counter()
    path = source or Path(job.path)
    try:
        if job.out_format in KINDS:  # chapters need times: no run for an untimed transcript
            _require_times(str(path), services.settings)
        result = await run_summary(path, services=services)
        text = render_result(result, job.out_format)
    except Exception as exc:  # any failure of one transcript is that transcript's alone
        return _failed(job, exc, time.perf_counter() - began), None
    usage = result.extended.get("usage", {})
    line = record(
        job.path,
        "ok",
        output=job.output.name,
        wall_s=round(result.wall_s, 2),
        calls=int(usage.get("llm_calls", 0)),
        tokens=int(usage.get("prompt_tokens", 0)) + int(usage.get("completion_tokens", 0)),
        degraded=len(result.extended.get("degraded", [])),
        content_hash=job.content_hash,
        key=job.key,
    )
    return line, text


def finish_job(job: Job, outcome: Outcome) -> dict[str, Any]:
    """Write ``outcome``'s result to ``job.output`` (whole or absent: a kill never leaves
    half a result); its manifest line, ``failed`` if the result cannot be written."""
    line, text = outcome
    if text is None:
        return line
    partial = job.output.with_name(job.output.name + ".partial")
    try:
        partial.write_text(text, encoding="utf-8")
        partial.replace(job.output)
    except OSError as exc:
        return _failed(job, exc, float(line.get("wall_s") or 0.0))
    return line


def run_job(job: Job, services: Any) -> dict[str, Any]:
    """Summarize ``job`` with ``services`` and write its result; its manifest line."""
    return finish_job(job, asyncio.run(summarize_job(job, services)))


def _failed(job: Job, exc: BaseException, wall_s: float) -> dict[str, Any]:
    if isinstance(exc, LongsumError):
        error = str(exc)
    elif isinstance(exc, OSError):
        error = f"cannot write {job.output}: {exc.strerror or exc}"
    else:
        error = f"{type(exc).__name__}: {exc}"
    spent = (getattr(exc, "extended", None) or {}).get("usage", {})  # what it cost all the same
    return failed_line(
        job,
        error or type(exc).__name__,
        wall_s=round(wall_s, 2),
        calls=int(spent.get("llm_calls", 0)),
        tokens=int(spent.get("prompt_tokens", 0)) + int(spent.get("completion_tokens", 0)),
    )


def failed_line(job: Job, error: str, **fields: Any) -> dict[str, Any]:
    """The manifest line of ``job`` failed with ``error`` (one line), and any ``fields``."""
    return record(
        job.path, "failed", error=error, content_hash=job.content_hash, key=job.key, **fields
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


def _run_in_worker(job: Job) -> Outcome:
    assert _LOOP is not None, "the worker's initializer has not run"
    return _LOOP.run_until_complete(summarize_job(job, _SERVICES))


def _cpus() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


class LocalPool:
    """A pool of ``workers`` processes on this machine: each loads the embedder and models
    once (its initializer) and summarizes its transcripts one after another.

    Processes are started with ``spawn``, not ``fork``: a forked copy of a process that
    already holds threads (tokenizers, torch, an event loop) can deadlock. They get
    ``settings`` as an object, not through the environment. With an API model they share
    one bound of ``settings.concurrency`` calls in flight (a
    :class:`~longsum.batch.gates.ProcessGate`), not one each.
    """

    def __init__(self, settings: Settings, workers: int) -> None:
        self.settings = settings
        self.workers = max(1, workers)

    def run(self, jobs: Sequence[Job]) -> Iterator[dict[str, Any]]:
        """Summarize ``jobs`` in the pool; yield their lines as they finish."""
        if not jobs:
            return
        workers = min(self.workers, len(jobs))
        spawn = multiprocessing.get_context("spawn")
        with contextlib.ExitStack() as stack:
            gate = None
            if uses_api_model(self.settings) and workers > 1:
                manager = stack.enter_context(spawn.Manager())
                gate = ProcessGate(manager.BoundedSemaphore(self.settings.concurrency))
            pool = stack.enter_context(
                ProcessPoolExecutor(
                    max_workers=workers,
                    mp_context=spawn,
                    initializer=_init_worker,
                    initargs=(self.settings, gate, max(1, _cpus() // workers)),
                )
            )
            futures: dict[Future[Outcome], Job] = {
                pool.submit(_run_in_worker, job): job for job in jobs
            }
            try:
                for future in as_completed(futures):
                    yield _outcome(future, futures[future])
            finally:  # interrupted (Ctrl-C, the caller stopped): start no queued transcript
                pool.shutdown(wait=False, cancel_futures=True)


def _outcome(future: Future[Outcome], job: Job) -> dict[str, Any]:
    try:
        outcome = future.result()
    except Exception as exc:  # a worker that died (out of memory, killed) or failed to start
        return failed_line(job, f"the worker process failed: {type(exc).__name__}: {exc}")
    return finish_job(job, outcome)

"""The Ray engine: a batch's transcripts on Ray actors, on this machine or a cluster.

- **Actors, loaded once.** One :class:`Summarizer` actor per worker (``num_cpus=1``) builds
  its services (embedder, tokenizer, models, an in-process llama.cpp model among them) when
  it starts and keeps them for every transcript it is given.
- **Transcripts travel, results come back.** The driver reads each transcript and sends its
  bytes; the actor returns the result's text and the driver writes it: no folder needs to
  be shared between the machines.
- **One bound on calls.** With an API model, every actor takes a slot from one named
  :class:`~longsum.batch.gates.GateActor` per request, so ``concurrency`` is the batch's
  bound across every node; each actor runs up to that many transcripts at once (an offline
  or in-process model: one at a time, it is CPU-bound).
- **Caches stay on their node.** Each actor keeps chunk notes and embeddings under its
  node's ``cache_dir`` (or a Chroma server named by ``vector_store``); a rerun sends a
  transcript back to the node it last ran on when that node has a worker, so its finished
  chunk notes are found again.

Ray is the ``[ray]`` extra, imported only here and only when this engine runs.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
import uuid
from collections import deque
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from longsum.batch.engine import (
    Job,
    Outcome,
    failed_line,
    finish_job,
    summarize_job,
    uses_api_model,
)
from longsum.batch.gates import GateActor, RayGate
from longsum.errors import ConfigError
from longsum.settings import Settings

__all__ = ["NAMESPACE", "RayEngine", "Summarizer", "import_ray"]

NAMESPACE = "longsum"
"""The Ray namespace of a batch's actors (the gate is found in it by name)."""


def import_ray() -> Any:
    """The ``ray`` module, or a :class:`~longsum.errors.ConfigError` saying how to get it."""
    try:
        import ray
    except ImportError:
        raise ConfigError(
            "--ray needs Ray: pip install 'longsum[ray]' (or run without --ray: the local pool)"
        ) from None
    return ray


class Summarizer:
    """A Ray actor that summarizes transcripts with services it loaded once."""

    def __init__(self, settings: Settings, gate_name: str | None) -> None:
        import ray

        from longsum.graphs.services import build_services

        gate = RayGate(gate_name, NAMESPACE) if gate_name else None
        self._services = build_services(settings, call_gate=gate)
        self.node = ray.get_runtime_context().get_node_id()
        self._scratch = Path(tempfile.mkdtemp(prefix="longsum-batch-"))

    async def summarize(self, job: Job, data: bytes) -> tuple[Outcome, str]:
        """``job`` summarized from ``data`` (the transcript's bytes); and this node's id."""
        folder = self._scratch / uuid.uuid4().hex
        folder.mkdir()
        source = folder / Path(job.path).name  # its own name: titles come from it
        try:
            source.write_bytes(data)
            return await summarize_job(job, self._services, source), self.node
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def where(self) -> str:
        """This actor's node id."""
        return str(self.node)


class RayEngine:
    """Runs jobs on ``workers`` Ray actors (default: one per CPU of the cluster).

    ``address`` is an existing cluster's (``ray start --head`` prints it; ``"auto"`` finds
    the one on this machine); without it a local Ray instance is started for the batch and
    stopped after it. A driver that has already called ``ray.init`` keeps its own.
    """

    def __init__(
        self, settings: Settings, workers: int | None = None, address: str | None = None
    ) -> None:
        self.settings = settings
        self.workers = workers
        self.address = address
        self.nodes: dict[str, int] = {}
        """Transcripts finished per node id, for the last :meth:`run`."""
        self.calls_peak: int | None = None
        """The most LLM calls in flight at once across the cluster, for the last
        :meth:`run` with an API model."""

    def run(self, jobs: Sequence[Job]) -> Iterator[dict[str, Any]]:
        """Summarize ``jobs`` on the actors; yield their lines as they finish."""
        if not jobs:
            return
        ray = import_ray()
        owned = not ray.is_initialized()
        if owned:
            ray.init(
                address=self.address,
                namespace=NAMESPACE,
                include_dashboard=False,
                log_to_driver=False,
                logging_level="ERROR",
            )
        try:
            yield from self._run(ray, jobs)
        finally:
            if owned:
                ray.shutdown()

    def _run(self, ray: Any, jobs: Sequence[Job]) -> Iterator[dict[str, Any]]:
        api = uses_api_model(self.settings)
        cpus = int(ray.cluster_resources().get("CPU", 1))
        count = max(1, min(len(jobs), self.workers or cpus))
        gate_name = None
        gate = None
        if api:
            gate_name = f"longsum-gate-{uuid.uuid4().hex[:12]}"
            gate = (
                ray.remote(GateActor)
                .options(name=gate_name, namespace=NAMESPACE, num_cpus=0)
                .remote(self.settings.concurrency)
            )
        in_flight = self.settings.concurrency if api else 1
        make = ray.remote(Summarizer).options(num_cpus=1, max_concurrency=in_flight)
        actors = [make.remote(self.settings, gate_name) for _ in range(count)]
        node_of = dict(
            zip(map(id, actors), ray.get([a.where.remote() for a in actors]), strict=True)
        )
        free = {id(actor): in_flight for actor in actors}
        waiting = deque(jobs)
        running: dict[Any, tuple[Job, Any]] = {}
        self.nodes = {}

        def next_for(actor: Any) -> Job:
            for job in waiting:  # a job that last ran on this actor's node first
                if job.node is not None and job.node == node_of[id(actor)]:
                    waiting.remove(job)
                    return job
            for job in waiting:  # else one whose node has no worker now
                if job.node not in node_of.values():
                    waiting.remove(job)
                    return job
            return waiting.popleft()

        def fill(actor: Any) -> Iterator[dict[str, Any]]:
            while waiting and free[id(actor)] > 0:
                job = next_for(actor)
                try:
                    data = Path(job.path).read_bytes()
                except OSError as exc:
                    yield failed_line(job, f"cannot read {job.path}: {exc.strerror or exc}")
                    continue
                running[actor.summarize.remote(job, data)] = (job, actor)
                free[id(actor)] -= 1

        try:
            for actor in actors:
                yield from fill(actor)
            while running:
                [ref], _ = ray.wait(list(running), num_returns=1)
                job, actor = running.pop(ref)
                free[id(actor)] += 1
                try:
                    outcome, node = ray.get(ref)
                except ray.exceptions.RayError as exc:  # the actor died (out of memory...)
                    free[id(actor)] = -len(jobs)  # so it is given nothing more
                    yield failed_line(job, f"the Ray worker failed: {type(exc).__name__}: {exc}")
                else:
                    self.nodes[node] = self.nodes.get(node, 0) + 1
                    line = finish_job(job, outcome)
                    yield {**line, "node": node}
                yield from fill(actor)
                if waiting and not running:  # every actor has died
                    for job in list(waiting):
                        yield failed_line(job, "every Ray worker failed: see the Ray logs")
                    waiting.clear()
        finally:  # interrupted, or done: nothing left running on the cluster
            for actor in actors:
                ray.kill(actor)
            if gate is not None:
                with contextlib.suppress(ray.exceptions.RayError):
                    self.calls_peak = ray.get(gate.stats.remote(), timeout=10)["peak"]
                ray.kill(gate)

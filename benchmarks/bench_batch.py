"""Benchmark: ``longsum batch``'s engines, offline and against an API model.

Part 1, offline: the 22 shared transcripts (13 seeds, 9 real), extractive engine, real
MiniLM embedder, each engine cold (an empty cache folder, vector store in memory): one
worker process (seq), the local pool of 2, Ray with 2 actors. Prints wall time,
transcripts a minute, speedup over seq (target: pool >= 1.6x on 2 cores), failures and
the largest peak RSS (VmHWM from /proc, every 0.2 s) of one worker (target < 1 GB).

Part 2, API: 20 transcripts (seeds, then real ones) against the fault server on 127.0.0.1
answering each request after ``--latency`` s, ``concurrency`` 16, the ``hashing``
embedder so that this machine's CPU does not dominate the waiting. First each transcript
runs alone (64 in flight): its wall time is its chain, which no scheduler shortens. The
critical path is the longest chain or requests x latency / 16, whichever is longer; per
engine (LocalAsync, Ray): wall, requests, the server's peak in flight (must be <= 16) and
wall / critical path (target <= 1.3x). Asserts nothing.

    .venv/bin/python benchmarks/bench_batch.py [--only offline|api] [--limit N]
        [--engines seq,pool,ray,async] [--api-transcripts 20] [--latency 2]
        [--chain-sample K]   (--engines: part 1's seq, pool, ray; part 2's async, ray)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from longsum.api import run_summary
from longsum.batch import LocalPool, batch
from longsum.batch.local_async import LocalAsync
from longsum.settings import load_settings
from longsum_eval.faults import FaultServer
from longsum_eval.scripted import ScriptedResponder

DATA = Path(__file__).resolve().parents[2] / "shared/data"
SPEEDUP_TARGET, RSS_TARGET_MB, CRITICAL_TARGET, SLOTS = 1.6, 1024, 1.3, 16
MODEL = "openai:gpt-bench"


def transcripts() -> list[Path]:
    """The 13 seed transcripts, then the 9 real ones (only their .txt files)."""
    seeds = sorted((DATA / "seed_transcripts").glob("*.txt"))
    return seeds + sorted((DATA / "real").glob("*.txt"))


def _processes() -> dict[int, tuple[int, str]]:
    """Every process now: pid -> (parent pid, command line)."""
    table = {}
    for name in filter(str.isdigit, os.listdir("/proc")):
        try:
            stat = Path(f"/proc/{name}/stat").read_text()
            cmdline = Path(f"/proc/{name}/cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:  # gone meanwhile
            continue
        ppid = int(stat.rpartition(")")[2].split()[1])
        table[int(name)] = (ppid, cmdline.decode(errors="replace"))
    return table


class PeakRss:
    """Samples (every 0.2 s, in a thread) the peak RSS (VmHWM) of the processes started
    since that ``match`` picks (descendants of this one or not); :attr:`peaks`: MB a pid."""

    def __init__(self, match: Callable[[str, bool], bool]) -> None:
        self.match = match
        self.peaks: dict[int, float] = {}
        self._before = set(_processes())  # an earlier engine's worker still exiting: not ours
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _loop(self) -> None:
        self._sample()
        while not self._stop.wait(0.2):
            self._sample()

    def _sample(self) -> None:
        table = _processes()
        children: dict[int, list[int]] = {}
        for pid, (ppid, _) in table.items():
            children.setdefault(ppid, []).append(pid)
        mine, todo = set(), [os.getpid()]
        while todo:
            for child in children.get(todo.pop(), []):
                mine.add(child)
                todo.append(child)
        for pid, (_, cmdline) in table.items():
            if pid not in self._before and self.match(cmdline, pid in mine):
                hwm = _vm_hwm_mb(pid)
                if hwm is not None:
                    self.peaks[pid] = max(self.peaks.get(pid, 0.0), hwm)


def _vm_hwm_mb(pid: int) -> float | None:
    with contextlib.suppress(OSError):  # gone meanwhile
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return None


def pool_worker(cmdline: str, descendant: bool) -> bool:
    return descendant and "spawn_main" in cmdline


def ray_worker(cmdline: str, descendant: bool) -> bool:
    return "ray::Summarizer" in cmdline


def failures(lines: list[dict[str, Any]]) -> list[str]:
    """One line per failed transcript: its name and error."""
    failed = [line for line in lines if line["status"] == "failed"]
    return [f"  failed {Path(line['path']).name}: {line.get('error')}" for line in failed]


def import_ray(name: str) -> Any:
    """The ``ray`` module, or None (and the row skipped) when it cannot be imported."""
    try:
        import ray
    except ImportError as exc:
        print(f"{name:<10}skipped: {exc}")
        return None
    return ray


@contextlib.contextmanager
def fresh_cache() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="longsum-bench-batch-") as tmp:
        yield Path(tmp)


def offline(args: argparse.Namespace, engines: list[str]) -> None:
    paths = transcripts()[: args.limit]
    print(f"part 1, offline: {len(paths)} transcripts, MiniLM, {os.cpu_count()} cores")
    print(f"{'engine':<10}{'wall s':>8}{'per min':>9}{'vs seq':>8}{'failed':>8}{'RSS MB':>8}")
    seq_wall = None
    for name in [e for e in ("seq", "pool", "ray") if e in engines]:
        with fresh_cache() as cache:
            settings = load_settings(cache_dir=cache / "cache", vector_store="memory")
            engine: Any
            if name == "ray":
                if import_ray(name) is None:
                    continue
                from longsum.batch.ray_engine import RayEngine

                engine = RayEngine(settings, workers=2)
            else:
                engine = LocalPool(settings, 1 if name == "seq" else 2)
            with PeakRss(ray_worker if name == "ray" else pool_worker) as rss:
                began = time.perf_counter()
                lines = batch(paths, cache / "out", engine=engine, settings=settings)
                wall = time.perf_counter() - began
        seq_wall = wall if name == "seq" else seq_wall
        speed = f"{seq_wall / wall:.2f}x" if seq_wall else "-"
        peak, failed = f"{max(rss.peaks.values(), default=0):.0f}", failures(lines)
        print(
            f"{name:<10}{wall:>8.1f}{len(paths) / wall * 60:>9.1f}{speed:>8}{len(failed):>8}"
            f"{peak:>8}  ({len(rss.peaks)} workers)",
            *failed,
            sep="\n",
            flush=True,
        )
    print(f"targets: pool >= {SPEEDUP_TARGET}x seq; each worker's peak RSS < {RSS_TARGET_MB} MB")


def api_fields(server: FaultServer, cache: Path, concurrency: int) -> dict[str, Any]:
    return {
        "openai_base_url": server.base_url,
        "concurrency": concurrency,
        "embedder": "hashing",
        "vector_store": "memory",
        "cache_dir": cache,
    }


def chains(paths: list[Path], args: argparse.Namespace) -> float:
    """Each of the ``--chain-sample`` largest transcripts alone; the longest wall time.

    One event loop for them all: langchain-openai caches its httpx client per base URL,
    bound to the loop that first used it, so a second ``asyncio.run`` would find it closed.
    The smallest transcript runs first, untimed: imports and loading are no chain's.
    """
    sample = sorted(paths, key=lambda p: p.stat().st_size, reverse=True)[: args.chain_sample]
    walls = []

    async def every(server: FaultServer) -> None:
        with fresh_cache() as cache:  # warm-up
            small = min(paths, key=lambda p: p.stat().st_size)
            await run_summary(small, model=MODEL, **api_fields(server, cache, 64))
        for path in sample:
            before = len(server.log)
            with fresh_cache() as cache:
                began = time.perf_counter()
                await run_summary(path, model=MODEL, **api_fields(server, cache, 64))
                walls.append(time.perf_counter() - began)
            print(
                f"  chain {path.name:<34}{path.stat().st_size / 1024:>7.0f} KB"
                f"{len(server.log) - before:>6} requests{walls[-1]:>8.1f} s",
                flush=True,
            )

    with FaultServer(responder=ScriptedResponder(), latency_s=args.latency) as server:
        asyncio.run(every(server))
    return max(walls, default=0.0)


def api(args: argparse.Namespace, engines: list[str]) -> None:
    os.environ["OPENAI_API_KEY"] = "bench-key"
    os.environ["LONGSUM_BLOCK_REAL_MODELS"] = "0"
    paths = transcripts()[: args.api_transcripts]
    print(
        f"part 2, API model at {args.latency:g} s a request: {len(paths)} transcripts, "
        f"concurrency {SLOTS}, hashing embedder; chains of the "
        f"{min(args.chain_sample, len(paths))} largest alone (64 in flight):"
    )
    chain = chains(paths, args)
    print(f"{'engine':<10}{'wall s':>8}{'requests':>10}{'peak':>6}{'critical s':>12}{'ratio':>7}")
    for name in [e for e in ("async", "ray") if e in engines]:
        ray: Any = None
        if name == "ray":
            if (ray := import_ray(name)) is None:
                continue
            from longsum.batch.ray_engine import RayEngine

            env = {"OPENAI_API_KEY": "bench-key", "LONGSUM_BLOCK_REAL_MODELS": "0"}
            ray.init(
                num_cpus=2,
                include_dashboard=False,
                log_to_driver=False,
                namespace="longsum",
                runtime_env={"env_vars": env},
            )
        try:
            with (
                FaultServer(responder=ScriptedResponder(), latency_s=args.latency) as server,
                fresh_cache() as cache,
            ):
                settings = load_settings(model=MODEL, **api_fields(server, cache, SLOTS))
                engine: Any = RayEngine(settings, workers=2) if ray else LocalAsync(settings)
                began = time.perf_counter()
                lines = batch(paths, cache / "out", engine=engine, settings=settings)
                wall = time.perf_counter() - began
        finally:
            if ray is not None:
                ray.shutdown()
        requests = len(server.log)
        critical = max(chain, requests * args.latency / SLOTS)
        gate = f"  gate peak {engine.calls_peak}" if ray else ""
        print(
            f"{name:<10}{wall:>8.1f}{requests:>10}{server.peak:>6}{critical:>12.1f}"
            f"{wall / critical:>6.2f}x  failed {len(failures(lines))}{gate}",
            *failures(lines),
            sep="\n",
            flush=True,
        )
    print(f"targets: peak <= {SLOTS} in flight; wall <= {CRITICAL_TARGET}x the critical path")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=("offline", "api"), help="run one part only")
    parser.add_argument("--limit", type=int, default=None, help="part 1: first N transcripts")
    parser.add_argument("--engines", default="seq,pool,ray,async")
    parser.add_argument("--api-transcripts", type=int, default=20)
    parser.add_argument("--latency", type=float, default=2.0, help="seconds a request")
    parser.add_argument("--chain-sample", type=int, default=20, help="largest K alone")
    args = parser.parse_args()
    if not (DATA / "seed_transcripts").is_dir():
        print(f"skipped: {DATA} not found (../shared beside the repo?)")
        return 0
    for name in ("LONGSUM_MODEL", "LONGSUM_MAP_MODEL"):
        os.environ.pop(name, None)
    engines = args.engines.split(",")
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    if args.only != "api":
        offline(args, engines)
    if args.only != "offline":
        api(args, engines)
    return 0


if __name__ == "__main__":
    sys.exit(main())

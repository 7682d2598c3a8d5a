"""Benchmark: how many runs survive a faulty provider.

Each run summarizes one transcript through the real ``openai:`` path (langchain-openai, the
openai SDK, httpx) against the fault server on 127.0.0.1 (:mod:`longsum_eval.faults`), its
faults drawn from a schedule seeded by the run's number. Prints, per run, how it ended and
what it cost, then the survival rate. Asserts nothing.

    .venv/bin/python benchmarks/bench_faults.py [--runs 20] [--rate 0.3] [--kinds all]
        [--transcript FILE] [--timeout 10] [--stall 20] [--parallel 2] [--cli]

``--rate 1`` is the dead provider: every run must end in a model failure (exit 4), fast;
``--cli`` runs ``longsum summarize`` itself and prints what it said on stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from longsum.api import run_summary
from longsum.errors import LongsumError
from longsum.graphs.services import build_services
from longsum.settings import load_settings
from longsum.tools.validation import validate_summary
from longsum_eval.faults import FAULTS, FaultServer
from longsum_eval.scripted import ScriptedResponder

SEED = Path(__file__).resolve().parents[2] / "shared/data/seed_transcripts/mixtral8x7b.txt"


async def one_run(number: int, args: argparse.Namespace) -> dict[str, Any]:
    """One seeded run; how it ended, its wall time, requests and degraded chunks."""
    kinds = FAULTS if args.kinds == "all" else tuple(args.kinds.split(","))
    server = FaultServer(
        args.rate,
        kinds=kinds,
        seed=number,
        responder=ScriptedResponder(),
        stall_s=args.stall,
        retry_after_s=args.retry_after,
    )
    with server, tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(
            cache_dir=Path(tmp),
            vector_store="memory",
            openai_base_url=server.base_url,
            llm_timeout=args.timeout,
        )
        began = time.perf_counter()
        outcome: dict[str, Any] = {"run": number}
        if args.cli:
            outcome.update(await _cli_run(args, server.base_url, Path(tmp)))
            outcome.update(wall_s=time.perf_counter() - began, sent=len(server.log))
            outcome["faults"] = sum(n for kind, n in server.counts().items() if kind != "ok")
            return outcome
        services = build_services(settings, model="openai:bench-faults")
        try:
            result = await run_summary(args.transcript, services=services)
        except LongsumError as exc:
            outcome.update(status=f"exit {exc.exit_code}", cause=str(exc)[:160])
        else:
            summary = result.summary.model_dump(mode="json", by_alias=True)
            valid = not validate_summary(summary)
            outcome.update(
                status="valid" if valid else "INVALID",
                degraded=len(result.extended["degraded"]),
                counted=result.extended["usage"]["requests"],
            )
        outcome.update(wall_s=time.perf_counter() - began, sent=len(server.log))
        outcome["faults"] = sum(n for kind, n in server.counts().items() if kind != "ok")
        return outcome


async def _cli_run(args: argparse.Namespace, base_url: str, tmp: Path) -> dict[str, Any]:
    """The run as a user makes it: ``longsum summarize``, its exit code and error line."""
    env = {
        **os.environ,
        "LONGSUM_OPENAI_BASE_URL": base_url,
        "LONGSUM_LLM_TIMEOUT": str(args.timeout),
        "LONGSUM_CACHE_DIR": str(tmp),
        "LONGSUM_VECTOR_STORE": "memory",
    }
    command = [str(Path(sys.executable).parent / "longsum"), "summarize", str(args.transcript)]
    process = await asyncio.create_subprocess_exec(
        *command,
        "--model",
        "openai:bench-faults",
        "-o",
        str(tmp / "out.json"),
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    _, stderr = await process.communicate()
    lines = stderr.decode().splitlines()
    said = [line for line in lines if line.startswith(("longsum: error", "done in", "note:"))]
    return {"status": f"exit {process.returncode}", "said": " | ".join(said)}


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--rate", type=float, default=0.3)
    parser.add_argument("--kinds", default="all", help=f"comma list of {','.join(FAULTS)}")
    parser.add_argument("--transcript", type=Path, default=SEED)
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per request")
    parser.add_argument("--stall", type=float, default=20.0, help="seconds a stall holds")
    parser.add_argument("--retry-after", type=float, default=1.0)
    parser.add_argument("--parallel", type=int, default=2, help="runs at once")
    parser.add_argument("--cli", action="store_true", help="run `longsum summarize` itself")
    args = parser.parse_args()
    os.environ.setdefault("OPENAI_API_KEY", "bench-faults-key")
    os.environ.pop("LONGSUM_BLOCK_REAL_MODELS", None)
    print(
        f"{args.runs} runs of {args.transcript.name} at {args.rate:.0%} faults "
        f"({args.kinds}), request timeout {args.timeout:g} s, stalls {args.stall:g} s; "
        f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores"
    )
    gate = asyncio.Semaphore(args.parallel)

    async def bounded(number: int) -> dict[str, Any]:
        async with gate:
            outcome = await one_run(number, args)
        line = "  ".join(
            f"{k}={v:.1f}" if isinstance(v, float) else f"{k}={v}" for k, v in outcome.items()
        )
        print(line, flush=True)
        return outcome

    outcomes = await asyncio.gather(*(bounded(n) for n in range(args.runs)))
    valid = sum(o["status"] == "valid" for o in outcomes)
    walls = [o["wall_s"] for o in outcomes]
    sent, faults = sum(o["sent"] for o in outcomes), sum(o["faults"] for o in outcomes)
    print(
        f"valid {valid}/{args.runs} ({valid / args.runs:.0%}); wall median "
        f"{statistics.median(walls):.1f} s, max {max(walls):.1f} s; requests sent "
        f"{sent}, faults injected {faults}; "
        f"runs with degraded chunks {sum(1 for o in outcomes if o.get('degraded'))}; "
        f"load average now {os.getloadavg()[0]:.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))

"""``longsum batch`` on Ray: a local Ray instance (``ray.init(num_cpus=2)``) runs the batch
on actors, gives what single runs give, and keeps one bound on LLM calls for the cluster."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import longsum
from longsum.api import run_summary
from longsum.batch.ray_engine import RayEngine
from longsum.settings import Settings
from longsum_eval.faults import FaultServer
from longsum_eval.scripted import ScriptedResponder

ray = pytest.importorskip("ray")

KEY = "ray-test-key-0123456789"


@pytest.fixture(scope="module")
def local_ray() -> Iterator[Any]:
    """A local Ray instance of two CPUs for this module. Its workers may use the openai
    provider: the only server they are given is the fault server on loopback."""
    ray.init(
        num_cpus=2,
        include_dashboard=False,
        log_to_driver=False,
        namespace="longsum",
        runtime_env={"env_vars": {"OPENAI_API_KEY": KEY, "LONGSUM_BLOCK_REAL_MODELS": "0"}},
    )
    yield ray
    ray.shutdown()


def offline(tmp_path: Path, **fields: Any) -> dict[str, Any]:
    return {
        "cache_dir": tmp_path / "cache",
        "embedder": "hashing",
        "vector_store": "memory",
        **fields,
    }


def seeds(shared_dir: Path, *names: str) -> list[Path]:
    return [shared_dir / "data" / "seed_transcripts" / f"{name}.txt" for name in names]


def test_ray_actors_give_single_runs_results_and_a_bad_file_fails_alone(
    local_ray: Any, shared_dir: Path, tmp_path: Path
) -> None:
    paths = seeds(shared_dir, "rust", "zig")
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    settings = Settings(**offline(tmp_path))
    engine = RayEngine(settings, workers=2)
    out = tmp_path / "out"

    lines = longsum.batch([*paths, empty], out, engine=engine, settings=settings)

    assert [line["status"] for line in lines] == ["ok", "ok", "failed"], [
        line["error"] for line in lines
    ]
    assert "empty" in lines[2]["error"]
    node = ray.get_runtime_context().get_node_id()
    assert [line["node"] for line in lines[:2]] == [node, node]
    assert engine.nodes == {node: 3}
    for path, line in zip(paths, lines, strict=False):
        single = asyncio.run(run_summary(path, **offline(tmp_path, cache_dir=tmp_path / "single")))
        written = json.loads((out / line["output"]).read_text(encoding="utf-8"))
        assert written == single.summary.model_dump(mode="json", by_alias=True)


def test_ray_keeps_one_bound_on_calls_for_every_actor(
    local_ray: Any, shared_dir: Path, tmp_path: Path
) -> None:
    paths = seeds(shared_dir, "rust", "zig", "react")
    with FaultServer(responder=ScriptedResponder(), latency_s=0.05) as server:
        settings = Settings(
            **offline(
                tmp_path, model="openai:gpt-test", openai_base_url=server.base_url, concurrency=3
            )
        )
        engine = RayEngine(settings, workers=2)
        lines = longsum.batch(paths, tmp_path / "out", engine=engine, settings=settings)

    assert [line["status"] for line in lines] == ["ok"] * 3, [line["error"] for line in lines]
    assert sum(line["calls"] for line in lines) == len(server.log)
    assert server.peak <= 3 and engine.calls_peak is not None and engine.calls_peak <= 3
    assert server.peak >= 2  # more than one call was in flight: the actors overlapped

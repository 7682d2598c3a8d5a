"""``longsum batch --ray-address`` on a two-node Ray cluster started on this machine: the
head (``ray start --head`` on 127.0.0.1) and a second node joining it, one CPU each, with
token authentication on a token of the test's own. The batch runs on both nodes; both are
stopped after, and only they (``ray stop`` would stop every Ray on the machine)."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("ray")

RAY = Path(sys.executable).with_name("ray")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def session_processes(sid: int) -> list[int]:
    """Every process of session ``sid`` (the daemons ``ray start`` left, reparented)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.getsid(int(entry)) == sid:
                    found.append(int(entry))
            except OSError:  # gone meanwhile
                continue
    return found


def stop_session(sid: int) -> None:
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in session_processes(sid):
            with contextlib.suppress(OSError):
                os.kill(pid, sig)
        deadline = time.monotonic() + 10
        while session_processes(sid) and time.monotonic() < deadline:
            time.sleep(0.2)
        if not session_processes(sid):
            return


@pytest.fixture
def two_nodes(tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """The cluster's address and the environment that may talk to it."""
    token = tmp_path / "token"
    token.write_text(secrets.token_hex(32), encoding="utf-8")
    env = {**os.environ, "RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN_PATH": str(token)}
    env.pop("LONGSUM_BLOCK_REAL_MODELS", None)  # no model here: the offline engine
    address = f"127.0.0.1:{free_port()}"
    temp = tempfile.mkdtemp(prefix="lsr-", dir="/tmp")  # short: Ray's socket paths
    common = ["--node-ip-address", "127.0.0.1", "--num-cpus", "1", "--disable-usage-stats"]
    common += ["--temp-dir", temp]
    head = [str(RAY), "start", "--head", "--port", address.split(":")[1]]
    head += ["--include-dashboard", "false", *common]
    second = [str(RAY), "start", "--address", address, *common]
    # Each in a session of its own: the daemons it leaves are found (and stopped) by it.
    sessions: list[int] = []
    try:
        for command in (head, second):
            started = subprocess.Popen(
                command,
                env=env,
                start_new_session=True,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            sessions.append(started.pid)  # a session leader's pid is its session's id
            said, _ = started.communicate(timeout=120)
            assert started.returncode == 0, said[-2000:]
        yield address, env
    finally:
        for sid in sessions:
            stop_session(sid)


def test_a_batch_runs_on_both_nodes_of_a_cluster(
    two_nodes: tuple[str, dict[str, str]], shared_dir: Path, tmp_path: Path
) -> None:
    address, env = two_nodes
    seeds = [shared_dir / "data" / "seed_transcripts" / f"{n}.txt" for n in ("rust", "zig")]
    seeds += [
        shared_dir / "data" / "seed_transcripts" / f"{n}.txt"
        for n in ("react", "typescript_fireship")
    ]
    out = tmp_path / "out"
    env = {**env, "LONGSUM_EMBEDDER": "hashing", "LONGSUM_VECTOR_STORE": "memory"}
    env["LONGSUM_CACHE_DIR"] = str(tmp_path / "cache")
    longsum = Path(sys.executable).with_name("longsum")
    command = [str(longsum), "batch", *map(str, seeds), "-o", str(out)]
    done = subprocess.run(
        [*command, "--ray-address", address], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    lines = [json.loads(line) for line in (out / "batch.jsonl").read_text().splitlines()]
    assert [line["status"] for line in lines] == ["ok"] * 4
    assert len({line["node"] for line in lines}) == 2, "the work should be on both nodes"
    assert done.stderr.strip().splitlines()[-1].startswith("longsum: 4 transcripts summarized")

    # A rerun sends each transcript to do again back to the node that has its notes cached.
    homes = {line["path"]: line["node"] for line in lines}
    for line in {line["node"]: line for line in lines}.values():  # one of each node's
        (out / line["output"]).unlink()
    again = subprocess.run(
        [*command, "--ray-address", address], env=env, capture_output=True, text=True, timeout=300
    )
    assert again.returncode == 0, again.stderr[-3000:]
    rerun = [json.loads(line) for line in (out / "batch.jsonl").read_text().splitlines()[4:]]
    redone = [line for line in rerun if line["status"] == "ok"]
    assert len(redone) == 2 and all(line["node"] == homes[line["path"]] for line in redone)

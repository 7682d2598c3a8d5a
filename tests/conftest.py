"""Shared fixtures: where the shared data folder is, and skipping when it is absent."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from fakes import ScriptedResponder, fake_services
from longsum.settings import Settings

SHARED_DIR = Path(__file__).resolve().parents[2] / "shared"
"""The shared folder beside the repository (``../shared``), read in place, never copied."""


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The shared folder; tests that use it are skipped when it is absent."""
    if not (SHARED_DIR / "data").is_dir():
        pytest.skip(f"shared data folder {SHARED_DIR} is absent (it sits beside the repository)")
    return SHARED_DIR


class NetworkBlocked(RuntimeError):
    """Raised when a unit test tries to reach a host other than this machine."""


@pytest.fixture(autouse=True, scope="session")
def _no_network() -> object:
    """Unit tests never reach the network: a connection to anything but loopback fails.

    So a model or a download that a test forgot to fake fails loudly instead of hanging or
    depending on the machine; tiktoken's download, for one, falls back to its offline copy.
    """
    import socket

    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: object) -> None:
        host = address[0] if isinstance(address, tuple) else address
        outside = isinstance(host, str) and host not in ("127.0.0.1", "::1", "localhost")
        if outside and self.family in (socket.AF_INET, socket.AF_INET6):
            raise NetworkBlocked(f"unit tests may not connect to {address!r}")
        real_connect(self, address)  # type: ignore[arg-type]

    socket.socket.connect = guarded  # type: ignore[method-assign]
    yield
    socket.socket.connect = real_connect  # type: ignore[method-assign]


@pytest.fixture(autouse=True, scope="session")
def _block_real_models() -> object:
    """Unit tests load only fake chat models: ``LONGSUM_BLOCK_REAL_MODELS=1`` for the session.

    An opt-in real-model test clears it for itself (``monkeypatch.delenv``).
    """
    import os

    # Retries back off for hundredths of a second, not seconds (a test of the backoff
    # itself sets its own).
    # And no developer's own config file reaches a test.
    forced = {
        "LONGSUM_BLOCK_REAL_MODELS": "1",
        "LONGSUM_LLM_BACKOFF": "0.01",
        "LONGSUM_CONFIG": "/nonexistent/longsum-tests/config.toml",
    }
    previous = {name: os.environ.get(name) for name in forced}
    os.environ.update(forced)
    yield
    for name, value in previous.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture
def isolated_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """CLI runs with caches in tmp, an in-memory vector store, the hashing embedder (no
    MiniLM if the offline engine runs) and no model from the environment."""
    monkeypatch.setenv("LONGSUM_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("LONGSUM_VECTOR_STORE", "memory")
    monkeypatch.setenv("LONGSUM_EMBEDDER", "hashing")
    monkeypatch.delenv("LONGSUM_MODEL", raising=False)
    monkeypatch.delenv("LONGSUM_MAP_MODEL", raising=False)


@pytest.fixture
def scripted(monkeypatch: pytest.MonkeyPatch) -> ScriptedResponder:
    """Every CLI run in the test uses the scripted fake model (a test asks for it by name)."""
    responder = ScriptedResponder()

    def build(settings: Settings, **_: Any) -> Any:
        return fake_services(settings, responder)

    monkeypatch.setattr("longsum.graphs.services.build_services", build)
    return responder

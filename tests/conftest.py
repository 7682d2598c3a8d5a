"""Shared fixtures: where the shared data folder is, and skipping when it is absent."""

from __future__ import annotations

from pathlib import Path

import pytest

SHARED_DIR = Path(__file__).resolve().parents[2] / "shared"
"""The shared folder beside the repository (``../shared``), read in place, never copied."""


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The shared folder; tests that use it are skipped when it is absent."""
    if not (SHARED_DIR / "data").is_dir():
        pytest.skip(f"shared data folder {SHARED_DIR} is absent (it sits beside the repository)")
    return SHARED_DIR

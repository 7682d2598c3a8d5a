"""Reading ../shared's JSON files in place (never copying them into the project)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def load_json(shared_dir: Path, name: str) -> dict[str, Any]:
    """A fresh copy of ``shared/data/<name>``, so a test can break it at will."""
    data: dict[str, Any] = json.loads((shared_dir / "data" / name).read_text(encoding="utf-8"))
    return data

"""The batch manifest: ``OUT_DIR/batch.jsonl``, one JSON line per transcript handled.

Lines are appended as transcripts finish, so a batch killed midway leaves every finished
transcript's line (a half-written last line is ignored on reading). A rerun reads the
latest line of each source path to know what is done: see :func:`longsum.batch.run.batch`.

A line holds ``path`` (the source's absolute path), ``output`` (the result's file name in
OUT_DIR, or null), ``content_hash`` (SHA-256 of the decoded text, see
:func:`~longsum.tools.parsing.content_hash`), ``key`` (what the result depends on, see
:func:`~longsum.batch.run.result_key`), ``status`` (``ok``, ``failed`` or ``skipped``: done
by an earlier run for the same key), ``wall_s``, ``calls`` (LLM calls), ``tokens`` (prompt
plus completion), ``degraded`` (chunks summarized without the model, its calls having
failed), ``error`` (one line, for a failed one) and ``node`` (the Ray node that summarized
it; null on the local engines).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from longsum.masking import one_line

__all__ = [
    "MANIFEST_NAME",
    "STATUSES",
    "append_record",
    "manifest_path",
    "read_manifest",
    "record",
]

MANIFEST_NAME = "batch.jsonl"
STATUSES = ("ok", "failed", "skipped")
FIELDS = (
    "path",
    "output",
    "content_hash",
    "key",
    "status",
    "wall_s",
    "calls",
    "tokens",
    "degraded",
    "error",
    "node",
)
"""A line's fields, in the order they are written."""


def manifest_path(out_dir: Path) -> Path:
    """Where the manifest of a batch writing to ``out_dir`` is."""
    return out_dir / MANIFEST_NAME


def record(path: str, status: str, **fields: Any) -> dict[str, Any]:
    """A manifest line for ``path``: every field present (missing ones null or 0)."""
    if status not in STATUSES:
        raise ValueError(f"unknown status {status!r}")
    line: dict[str, Any] = {name: None for name in FIELDS}
    line.update({"calls": 0, "tokens": 0, "degraded": 0, "wall_s": 0.0})
    line.update(fields, path=path, status=status)
    if line["error"] is not None:  # masked: a provider's error may echo a key
        line["error"] = one_line(str(line["error"]), 500)
    return line


def append_record(out_dir: Path, line: Mapping[str, Any]) -> None:
    """Append ``line`` to the manifest, flushed at once (the batch may be killed next)."""
    with manifest_path(out_dir).open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(dict(line), ensure_ascii=False) + "\n")
        handle.flush()


def read_manifest(out_dir: Path) -> dict[str, dict[str, Any]]:
    """The latest line of each source path in ``out_dir``'s manifest (none: empty)."""
    latest: dict[str, dict[str, Any]] = {}
    try:
        text = manifest_path(out_dir).read_text(encoding="utf-8")
    except FileNotFoundError:
        return latest
    for raw in text.splitlines():
        try:
            line = json.loads(raw)
        except json.JSONDecodeError:  # the last line of a batch killed while writing it
            continue
        if isinstance(line, dict) and isinstance(line.get("path"), str):
            latest[line["path"]] = line
    return latest

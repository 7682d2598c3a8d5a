"""Run records: one folder per run under ``settings.runs_dir()``, and finding them again.

``<runs_dir>/<run_id>/`` holds ``trace.jsonl`` (the events, see :mod:`longsum.memory.trace`),
``meta.json`` (what ran and how it ended), ``chunks.json`` (each chunk's own text, capped,
for the run report's excerpts) and, for a finished run, ``result.json`` (the summary and the
extended result). The run id is the thread id of a checkpointed run, so a
resumed thread appends to the same trace and updates the same ``meta.json``.
"""

from __future__ import annotations

import json
import os
import time
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from longsum.errors import InputError
from longsum.masking import one_line
from longsum.memory.trace import TraceWriter
from longsum.memory.tracer import TraceRecorder
from longsum.settings import Settings

__all__ = [
    "CHUNKS",
    "META",
    "RESULT",
    "TRACE",
    "RunRecord",
    "find_run",
    "list_runs",
    "read_chunk_texts",
    "read_trace",
]

TRACE, META, RESULT, CHUNKS = "trace.jsonl", "meta.json", "result.json", "chunks.json"
EXCERPT_CHARS = 16_000
"""A chunk's text is kept up to here (a 3000-token chunk is about 12k characters): enough
for the report to find a bullet's passage, bounded whatever the chunk size."""


def _now() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")


def read_json(path: Path) -> dict[str, Any]:
    """The JSON object in ``path``; ``{}`` when it is missing, unreadable or not an object."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write_json(path: Path, data: Any) -> None:
    # Written aside and renamed, so a reader never sees half a file.
    part = path.with_suffix(path.suffix + ".part")
    part.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(part, path)


class _ChunkKeeper(TraceRecorder):
    """The trace recorder, also keeping the chunks' texts as the graph hands them over.

    The extended result holds no chunk text; the report's excerpts need it. The chunks
    pass through here anyway (the split node's update, the graph's final state), so no
    file is read again and a transcript from standard input gets excerpts too.
    """

    chunk_texts: dict[str, str] | None = None

    def on_chain_end(self, outputs: Any, **kwargs: Any) -> None:
        """Keep the texts of any output that carries the chunks, then trace as usual."""
        chunks = outputs.get("chunks") if isinstance(outputs, dict) else None
        if self.chunk_texts is None and isinstance(chunks, list) and chunks:
            texts = {
                str(c.id): str(c.own_text)[:EXCERPT_CHARS]
                for c in chunks
                if hasattr(c, "id") and hasattr(c, "own_text")
            }
            self.chunk_texts = texts or None
        super().on_chain_end(outputs, **kwargs)


class RunRecord:
    """One invocation of a run, recorded while it runs: a context manager.

    Entering writes ``meta.json`` (status ``running``) and a ``run_start`` event and makes
    :attr:`tracer`, the callback handler for the graph config. :meth:`finished` stores the
    result; leaving writes ``run_end`` and the final ``meta.json`` (status ``ok``, or
    ``failed`` with the error when an exception is on its way out, which goes on).
    """

    def __init__(
        self,
        settings: Settings,
        run_id: str,
        *,
        source: str,
        engine: str,
        models: dict[str, str],
        thread_id: str | None = None,
    ) -> None:
        self.folder = settings.runs_dir() / run_id
        self.run_id = run_id
        self.settings = settings
        self.meta: dict[str, Any] = {
            "run_id": run_id,
            "thread_id": thread_id,
            "source": source,
            "engine": engine,
            "models": models,
        }
        self.tracer: TraceRecorder  # made on entering, with the trace file
        self._usage: dict[str, Any] | None = None
        self._before: dict[str, Any] = {}
        self._began = 0.0

    def __enter__(self) -> RunRecord:
        self.folder.mkdir(parents=True, exist_ok=True)
        before = read_json(self.folder / META)
        self._began = time.perf_counter()
        self.meta = {
            **self.meta,
            "started": before.get("started") or _now(),
            "finished": None,
            "status": "running",
            "invocations": int(before.get("invocations", 0)) + 1,
            "wall_s": float(before.get("wall_s", 0.0)),
        }
        self._before = before
        _write_json(self.folder / META, self.meta)
        writer = TraceWriter(self.folder / TRACE, self._began)
        self.tracer = _ChunkKeeper(
            writer, run_id=self.run_id, full_content=self.settings.trace_content
        )
        writer.write(
            "run_start",
            run_id=self.run_id,
            started=_now(),
            source=self.meta["source"],
            invocation=self.meta["invocations"],
            engine=self.meta["engine"],
            models=self.meta["models"],
            trace_content=self.settings.trace_content,
        )
        return self

    def finished(self, summary: dict[str, Any], extended: dict[str, Any]) -> None:
        """Store the run's result; its usage becomes the run's accounting."""
        _write_json(self.folder / RESULT, {"summary": summary, "extended": extended})
        self._usage = extended.get("usage")
        self.meta["engine"] = extended.get("engine", self.meta["engine"])
        self.meta["models"] = extended.get("models", self.meta["models"])

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        wall = time.perf_counter() - self._began
        tracer = self.tracer
        if self._usage is not None:  # the state's usage counts earlier invocations too
            calls = int(self._usage.get("llm_calls", 0))
            prompt = int(self._usage.get("prompt_tokens", 0))
            completion = int(self._usage.get("completion_tokens", 0))
        else:
            calls = int(self._before.get("llm_calls", 0)) + tracer.llm_calls
            prompt = int(self._before.get("prompt_tokens", 0)) + tracer.prompt_tokens
            completion = int(self._before.get("completion_tokens", 0)) + tracer.completion_tokens
        ok = exc is None and self._usage is not None
        self.meta.update(
            finished=_now(),
            status="ok" if ok else "failed",
            wall_s=round(self.meta["wall_s"] + wall, 3),
            llm_calls=calls,
            prompt_tokens=prompt,
            completion_tokens=completion,
            tokens=prompt + completion,
        )
        self.meta.pop("error", None)
        if not ok:
            reason = f"{type(exc).__name__}: {one_line(str(exc))}" if exc else "no result"
            self.meta["error"] = reason.rstrip(": ")
        tracer.writer.write(
            "run_end",
            status=self.meta["status"],
            wall_s=round(wall, 3),
            llm_calls=calls,
            tokens=prompt + completion,
            **({"error": self.meta["error"]} if not ok else {}),
        )
        tracer.writer.close()
        texts = getattr(tracer, "chunk_texts", None)
        if texts:  # a resumed run that did not split again keeps the earlier file
            _write_json(self.folder / CHUNKS, texts)
        _write_json(self.folder / META, self.meta)


def list_runs(runs_dir: Path) -> list[tuple[Path, dict[str, Any]]]:
    """Every run folder with its meta (``{}`` when unreadable), newest start first."""
    if not runs_dir.is_dir():
        return []
    found = [(d, read_json(d / META)) for d in runs_dir.iterdir() if d.is_dir()]

    def started(item: tuple[Path, dict[str, Any]]) -> float:
        try:
            return datetime.fromisoformat(str(item[1]["started"])).timestamp()
        except (KeyError, ValueError):
            return item[0].stat().st_mtime

    return sorted(found, key=started, reverse=True)


def find_run(runs_dir: Path, ref: str) -> Path:
    """The folder of run ``ref``: a full id, a unique prefix of one, or ``last``.

    ``last`` is the newest run that has ended (``ok`` or ``failed``), so that another
    process's run still going is not taken for it; the newest run when none has ended.

    Raises :class:`~longsum.errors.InputError` naming how to list the runs.
    """
    runs = list_runs(runs_dir)
    hint = "`longsum runs` lists them"
    if not runs:
        raise InputError(f"no runs recorded in {runs_dir} yet (`longsum summarize` records one)")
    if ref == "last":
        ended = [folder for folder, meta in runs if meta.get("status") in ("ok", "failed")]
        return ended[0] if ended else runs[0][0]
    ref = ref.rstrip("…")  # as `longsum runs` shortens a long id
    names = [folder.name for folder, _ in runs]
    if ref in names:
        return runs_dir / ref
    matches = [name for name in names if ref and name.startswith(ref)]
    if len(matches) == 1:
        return runs_dir / matches[0]
    if matches:
        shown = ", ".join(matches[:3]) + (", ..." if len(matches) > 3 else "")
        raise InputError(f"run {ref!r} is ambiguous: it starts {shown}; give more of it")
    raise InputError(f"no run {ref!r} in {runs_dir}: {hint} (a unique prefix or 'last' works)")


def read_trace(folder: Path) -> list[dict[str, Any]]:
    """The events of a run's trace, in the order written (a torn last line is skipped)."""
    path = folder / TRACE
    if not path.is_file():
        raise InputError(f"run {folder.name} has no trace ({path} is missing)")
    events = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if isinstance(event, dict):
            events.append(event)
    return events


def read_chunk_texts(folder: Path) -> dict[str, str]:
    """Each chunk's own text (capped) as the run recorded it; ``{}`` for a run recorded
    before chunk texts were kept, or when the file is unreadable."""
    data = read_json(folder / CHUNKS)
    return {str(k): str(v) for k, v in data.items() if isinstance(v, str)}

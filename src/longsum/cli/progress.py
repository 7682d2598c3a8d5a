"""Progress of a summarization run, fed by the graph's node updates.

On a terminal it is a live rich bar (chunks done of total, the current node, tokens so far,
elapsed time) on stderr; anywhere else (a log file, a pipe, a test runner) it prints a plain
line when the run moves to another node, and during the map now and then.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

__all__ = ["RunProgress"]


class RunProgress:
    """What a run has done so far, shown on ``console`` while it runs.

    Use it as a context manager around the run and pass :meth:`update` as ``on_event`` to
    :func:`~longsum.api.run_summary`. ``live`` forces the bar on or off (default: on when
    ``console`` is an interactive terminal); plain mode also prints a map line at least every
    ``every_s`` seconds and at every tenth of the chunks.
    """

    def __init__(
        self,
        console: Console,
        *,
        live: bool | None = None,
        every_s: float = 15.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.console = console
        self.live = (console.is_terminal and not console.is_dumb_terminal) if live is None else live
        self.chunks_done = 0
        """Chunks whose notes are written (cached ones included)."""
        self.chunks_total: int | None = None
        """Chunks in the transcript, once ``split_transcript`` has run (unknown on resume)."""
        self.cached_chunks = 0
        """Chunks whose notes came from the cache."""
        self.node: str | None = None
        """The node that reported last."""
        self.calls = 0
        """LLM calls made by this run (cached answers cost nothing now, so are not counted)."""
        self.tokens = 0
        """Prompt plus completion tokens of those calls."""
        self.indexing: tuple[int, int] | None = None
        """Spans embedded of those to embed, while ``index_chunks`` runs."""
        self._indexing_since: float | None = None
        self._every_s = every_s
        self._clock = clock
        self._began = clock()
        self._updated = self._began
        """When the last node update came."""
        self._last_line = self._began
        self._progress: Progress | None = None
        self._task: TaskID | None = None

    @property
    def elapsed(self) -> float:
        """Seconds since the display was made."""
        return self._clock() - self._began

    def __enter__(self) -> RunProgress:
        if self.live:
            self._progress = Progress(
                SpinnerColumn(),
                TextColumn("[bold]map"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn(
                    "chunks · {task.fields[node]} · {task.fields[tokens]} tokens", markup=False
                ),
                TimeElapsedColumn(),
                console=self.console,
                transient=True,
            )
            self._progress.start()
            self._task = self._progress.add_task("map", total=None, node="starting", tokens="0")
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None

    def eta(self) -> float | None:
        """Seconds the indexing still needs at its pace so far (None when unknown)."""
        if self.indexing is None or self._indexing_since is None or not self.indexing[0]:
            return None
        done, total = self.indexing
        return (self._clock() - self._indexing_since) / done * (total - done)

    def _indexing_text(self) -> str:
        if self.indexing is None:
            return ""
        eta = self.eta()
        left = f", ETA {eta:.0f} s" if eta is not None else ""
        return f"{self.indexing[0]}/{self.indexing[1]} spans embedded{left}"

    def status(self) -> str:
        """One line: elapsed time, node, chunks done of total, tokens (and, while indexing,
        spans embedded of total with an ETA)."""
        if self.node == "index_chunks" and self.indexing is not None:
            return f"{self.elapsed:7.1f} s  index_chunks: {self._indexing_text()}"
        total = "?" if self.chunks_total is None else str(self.chunks_total)
        cached = f" ({self.cached_chunks} cached)" if self.cached_chunks else ""
        calls = f", {self.calls} LLM calls, {self.tokens:,} tokens" if self.calls else ""
        return (
            f"{self.elapsed:7.1f} s  {self.node or '-'}: {self.chunks_done}/{total} chunks"
            f"{cached}{calls}"
        )

    def update(self, node: str, event: Mapping[str, Any]) -> None:
        """Take one node update (``{"update": ..., "cached": bool}``), or a node's progress
        (``{"progress": {"indexing": done, "total": n}}``), and show it."""
        progress = event.get("progress")
        if isinstance(progress, Mapping) and "indexing" in progress:
            self._indexed(int(progress["indexing"]), int(progress.get("total", 0)))
            return
        self._updated = self._clock()
        update = event.get("update")
        update = update if isinstance(update, Mapping) else {}
        cached = bool(event.get("cached"))
        moved = node != self.node
        self.node = node
        if node.endswith("split_transcript") and "chunks" in update:
            self.chunks_total = len(update["chunks"])
        mapped = node.endswith("summarize_chunk")
        if mapped:
            self.chunks_done += 1
            self.cached_chunks += cached
        if not cached:
            for call in update.get("calls") or []:
                self.calls += 1
                self.tokens += int(call.get("prompt_tokens", 0)) + int(
                    call.get("completion_tokens", 0)
                )
        if self._progress is not None and self._task is not None:
            self._progress.update(
                self._task,
                total=self.chunks_total,
                completed=self.chunks_done,
                node=node,
                tokens=f"{self.tokens:,}",
            )
        elif moved or (mapped and self._map_milestone()):
            self._line()

    def _indexed(self, done: int, total: int) -> None:
        first = self._indexing_since is None
        if first:  # indexing began when the node before it reported
            self._indexing_since = self._updated
        self.node = "index_chunks"
        self.indexing = (done, total)
        if self._progress is not None and self._task is not None:
            self._progress.update(self._task, node=f"index_chunks {self._indexing_text()}")
        elif first or done == total or self._clock() - self._last_line >= self._every_s:
            self._line()

    def _map_milestone(self) -> bool:
        if self._clock() - self._last_line >= self._every_s:
            return True
        if not self.chunks_total:
            return False
        step = max(1, self.chunks_total // 10)
        return self.chunks_done % step == 0 or self.chunks_done == self.chunks_total

    def _line(self) -> None:
        self._last_line = self._clock()
        self.console.print(self.status(), highlight=False, markup=False)

"""Progress of ``longsum batch`` across the corpus, on stderr.

On a terminal, a live Rich bar: transcripts done of total, failures, tokens, ETA. Anywhere
else (a log, a pipe, a test runner), one plain line per transcript as it finishes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn

__all__ = ["BatchProgress"]


class BatchProgress:
    """Counts of a batch so far, shown on ``console``; pass :meth:`update` as ``on_record``
    to :func:`longsum.batch.run.batch`. ``live`` forces the bar on or off (default: on when
    ``console`` is an interactive terminal)."""

    def __init__(
        self,
        console: Console,
        *,
        live: bool | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.console = console
        self.live = (console.is_terminal and not console.is_dumb_terminal) if live is None else live
        self.total = 0
        self.counts = {"ok": 0, "failed": 0, "skipped": 0}
        self.tokens = 0
        """Prompt plus completion tokens of the transcripts run now (not the skipped)."""
        self._clock = clock
        self._began = clock()
        self._progress: Progress | None = None
        self._task: TaskID | None = None

    @property
    def done(self) -> int:
        """Transcripts finished, skipped ones included."""
        return sum(self.counts.values())

    def eta(self) -> float | None:
        """Seconds the rest needs at the pace of the transcripts run so far (None: unknown).
        Skipped ones cost nothing, so they are left out of the pace."""
        run = self.counts["ok"] + self.counts["failed"]
        if not run:
            return None
        return (self._clock() - self._began) / run * (self.total - self.done)

    def status(self) -> str:
        """One line: done of total, failed, skipped, tokens, ETA."""
        eta = self.eta()
        left = f", ETA {eta:.0f} s" if eta is not None and self.done < self.total else ""
        skipped = f", {self.counts['skipped']} skipped" if self.counts["skipped"] else ""
        tokens = f", {self.tokens:,} tokens" if self.tokens else ""  # none offline
        return (
            f"{self.done}/{self.total} transcripts, {self.counts['failed']} failed{skipped}"
            f"{tokens}{left}"
        )

    def __enter__(self) -> BatchProgress:
        if self.live:
            self._progress = Progress(
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[status]}", markup=False),
                console=self.console,
                transient=True,
            )
            self._progress.start()
            self._task = self._progress.add_task("batch", total=None, status="starting")
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

    def update(self, line: Mapping[str, Any], total: int) -> None:
        """Take one manifest line (and the batch's size) and show it."""
        self.total = total
        self.counts[line["status"]] += 1
        if line["status"] != "skipped":
            self.tokens += int(line.get("tokens") or 0)
        if self._progress is not None and self._task is not None:
            self._progress.update(
                self._task, total=total, completed=self.done, status=self.status()
            )
            return
        what = line["status"] if line["status"] != "failed" else f"failed: {line['error']}"
        self.console.print(
            f"[{self.done}/{total}] {line['path']}: {what} ({self.status()})",
            highlight=False,
            markup=False,
        )

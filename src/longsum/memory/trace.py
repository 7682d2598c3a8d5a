"""The trace file of a run: ``trace.jsonl``, one JSON object a line, one line an event.

Every event has ``t`` (seconds since this invocation of the run started) and ``event``
(see :data:`EVENT_KINDS`); :class:`longsum.memory.tracer.TraceRecorder` writes them. Every
string written passes the secret mask of :func:`longsum.masking.mask_secrets`, and
prompts and answers are kept as sizes and a preview unless full content is asked for.

Events (``node`` and ``span``, the node run's short id, wherever a node is concerned):

- ``run_start``: ``run_id``, ``started`` (ISO time), ``source``, ``invocation`` (a resumed
  thread appends a second one), ``engine``, ``models``, ``trace_content``.
- ``node_start``: ``step``. ``node_end``: ``duration_s``, ``status`` (ok|error), ``error``.
- ``node_cached``: a node answered from the node cache (it did not run): ``calls`` reused.
- ``llm_call``: ``model``, ``prompt_tokens``, ``cached_prompt_tokens`` (of them, read from
  the provider's prefix cache), ``completion_tokens``, ``latency_s``,
  ``attempts``, ``finish_reason``, ``estimated``, ``prompt`` (``chars``, ``messages``,
  ``preview``, and ``content`` when traced in full), ``output`` (``chars``, ``preview``,
  ``content``); ``t`` is when its first request started.
- ``llm_error``: requests of a node run that failed: ``model``, ``attempts``,
  ``latency_s``, ``error``, ``prompt``, ``output``.
- ``retrieval``: ``hits`` and ``sections`` (``section``, ``hits`` of ``chunk_id``, ``score``).
- ``validation``: ``count`` and ``violations`` (``path``, ``message``, ``code``).
- ``repair``: one repair of the update's ``repairs`` as the node wrote it (``round``,
  ``kind`` and ``changes`` or ``piece`` and ``violations``; or ``chunk``, ``degraded``).
- ``run_end``: ``status`` (ok|failed), ``wall_s``, ``llm_calls``, ``tokens``, ``error``.
"""

from __future__ import annotations

import json
import queue
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

from langchain_core.messages import BaseMessage

from longsum.masking import mask_secrets, one_line

__all__ = [
    "EVENT_KINDS",
    "PREVIEW_CHARS",
    "TraceWriter",
    "masked",
    "message_text",
    "output_info",
    "prompt_info",
]

PREVIEW_CHARS = 160
"""Length of the prompt and answer previews kept when full content is not traced."""

EVENT_KINDS = (
    "run_start",
    "node_start",
    "node_end",
    "node_cached",
    "llm_call",
    "llm_error",
    "retrieval",
    "validation",
    "repair",
    "run_end",
)
"""Every ``event`` a trace holds."""


def masked(value: Any) -> Any:
    """``value`` with every secret-looking substring of its strings replaced."""
    if isinstance(value, str):
        return mask_secrets(value)
    if isinstance(value, Mapping):
        return {str(k): masked(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [masked(v) for v in value]
    return value


class TraceWriter:
    """Appends events to a ``trace.jsonl``, one flushed line each, from any thread.

    :meth:`write` only queues the line; a thread of the writer's own writes and flushes it,
    so the trace recorder's callbacks, which run on the event loop, never block it on a
    file write. Lines are flushed as soon as written, so a run killed midway leaves a
    readable trace; :meth:`close` writes what is queued, then closes the file.
    """

    def __init__(self, path: Path, began: float) -> None:
        self.began = began
        self._lines: queue.SimpleQueue[str | None] = queue.SimpleQueue()
        self._closed = False
        self._file: IO[str] = path.open("a", encoding="utf-8")
        self._thread = threading.Thread(target=self._drain, name="longsum-trace", daemon=True)
        self._thread.start()

    def offset(self, moment: float | None = None) -> float:
        """Seconds from the start of this invocation to ``moment`` (default: now)."""
        return round((time.perf_counter() if moment is None else moment) - self.began, 3)

    def write(self, event: str, *, at: float | None = None, **fields: Any) -> None:
        """One event; ``at`` is its ``perf_counter`` moment when it is not now."""
        if self._closed:
            return
        line = json.dumps(
            masked({"t": self.offset(at), "event": event, **fields}),
            ensure_ascii=False,
            default=str,
        )
        self._lines.put(line)

    def close(self) -> None:
        """Write the queued events and close the file; later events are dropped."""
        if not self._closed:
            self._closed = True
            self._lines.put(None)
            self._thread.join()

    def _drain(self) -> None:
        """The writer thread: each queued line written and flushed, in order, until None."""
        with self._file:
            while (line := self._lines.get()) is not None:
                self._file.write(line + "\n")
                if self._lines.empty():  # a burst of events costs one flush
                    self._file.flush()


def message_text(message: BaseMessage) -> str:
    """A message's content as text (structured content as its JSON)."""
    content = message.content
    return content if isinstance(content, str) else json.dumps(content, ensure_ascii=False)


def prompt_info(messages: list[BaseMessage], full: bool) -> dict[str, Any]:
    """A prompt as traced: sizes and a preview of its last message, all of it if ``full``."""
    texts = [(m.type, message_text(m)) for m in messages]
    # The last message is the request itself; earlier ones are shared instructions.
    info: dict[str, Any] = {
        "chars": sum(len(text) for _, text in texts),
        "messages": len(texts),
        "preview": one_line(texts[-1][1], PREVIEW_CHARS) if texts else "",
    }
    if full:
        info["content"] = [{"role": role, "content": text} for role, text in texts]
    return info


def output_info(text: str, full: bool) -> dict[str, Any]:
    """An answer as traced: its size and a preview, all of it if ``full``."""
    info: dict[str, Any] = {"chars": len(text), "preview": one_line(text, PREVIEW_CHARS)}
    if full:
        info["content"] = text
    return info

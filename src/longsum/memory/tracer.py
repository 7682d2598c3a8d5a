"""The trace recorder: a LangChain callback handler that writes a run's events.

A callback handler sees what no state update holds: when each node run started and how
long it took, and the exact prompt and answer of every model request. It rides in the
graph config's ``callbacks`` beside any LangSmith tracer, which keeps working unchanged.

The accounting fields of an ``llm_call`` (tokens, latency, attempts) come from the node's
own call records (:class:`longsum.agent.answers.CallRecord`), so the trace agrees with
the extended result; its prompt and answer come from the chat-model callbacks of the same
node run, matched by run id (map and section calls run concurrently).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, LLMResult

from longsum.masking import one_line, text_of
from longsum.memory.trace import TraceWriter, message_text, output_info, prompt_info

__all__ = ["TraceRecorder"]


def _field(item: Any, name: str) -> Any:
    return item.get(name) if isinstance(item, Mapping) else getattr(item, name, None)


@dataclass
class _Request:
    """One chat-model request seen through the callbacks."""

    key: str
    model: str
    prompt: dict[str, Any]
    started: float
    ended: float | None = None
    output: dict[str, Any] | None = None
    tokens: tuple[int, int] | None = None
    error: str | None = None


@dataclass
class _Span:
    """One run of one graph node (a retried task gets a new span per attempt)."""

    node: str
    span: str
    started: float
    requests: list[_Request] = field(default_factory=list)


def _match(record: Mapping[str, Any], calls: list[list[_Request]]) -> list[_Request]:
    """Take the requests behind ``record`` out of ``calls``: the ones whose tokens add up
    to the record's (concurrent calls finish in any order), else the first left."""
    tokens = (record.get("prompt_tokens"), record.get("completion_tokens"))
    for i, requests in enumerate(calls):
        used = [r.tokens for r in requests if r.tokens is not None]
        if len(used) == len(requests) and tuple(map(sum, zip(*used, strict=True))) == tokens:
            return calls.pop(i)
    return calls.pop(0) if calls else []


def _error(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {one_line(str(exc))}".rstrip(": ")


class TraceRecorder(BaseCallbackHandler):
    """Writes node runs, LLM calls, retrieval hits, validation and repairs to a trace.

    ``run_id`` is the graph run's own id (call records of other runs, reused from the
    notes cache, are not this run's calls); ``full_content`` keeps prompts and answers
    whole instead of their sizes and a preview.
    """

    # Called in the event loop itself rather than in an executor thread, so the events stay
    # in order; each only queues a line for the writer's thread (no file write on the loop).
    run_inline = True

    def __init__(self, writer: TraceWriter, *, run_id: str, full_content: bool = False) -> None:
        super().__init__()
        self.writer = writer
        self.run_id = run_id
        self.full_content = full_content
        self.llm_calls = self.prompt_tokens = self.completion_tokens = 0
        self._root: UUID | None = None
        self._parents: dict[UUID, UUID | None] = {}
        self._spans: dict[UUID, _Span] = {}
        self._requests: dict[UUID, _Request] = {}
        self._lock = threading.Lock()  # sync nodes run in worker threads

    # --- node runs -----------------------------------------------------------------------
    def on_chain_start(
        self,
        serialized: dict[str, Any],
        inputs: dict[str, Any],
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        """Open a span when a node of the graph starts (routers and inner runnables are
        children of a node run and only remembered for finding their node)."""
        node = (metadata or {}).get("langgraph_node")
        with self._lock:
            if self._root is None:
                self._root = run_id  # the first run this handler sees is the graph's own
            self._parents[run_id] = parent_run_id
            if parent_run_id != self._root or not node or kwargs.get("name") != node:
                return
            span = _Span(node=str(node), span=run_id.hex[-8:], started=time.perf_counter())
            self._spans[run_id] = span
        step = (metadata or {}).get("langgraph_step")
        # A map task names its chunk, so `longsum trace` rows read "summarize_chunk #c004".
        chunk = _field(inputs.get("chunk"), "id") if isinstance(inputs, Mapping) else None
        extra = {"chunk": chunk} if chunk else {}
        self.writer.write("node_start", node=span.node, span=span.span, step=step, **extra)

    def on_chain_end(self, outputs: Any, *, run_id: UUID, **kwargs: Any) -> None:
        """Close a node's span and write what its update holds."""
        span = self._close(run_id)
        if span is None:
            return
        # An error handler answers with a Command: its update is what it wrote.
        outputs = (
            getattr(outputs, "update", outputs) if type(outputs).__name__ == "Command" else outputs
        )
        update = outputs if isinstance(outputs, Mapping) else {}
        self._write_calls(span, update.get("calls") or [])
        self._write_update(span, update)
        self._write_end(span, status="ok")

    def on_chain_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        """Close a failed node's span; its requests are written as ``llm_error``."""
        span = self._close(run_id)
        if span is None:
            return
        for requests in self._grouped(span):
            self._write_request_error(span, requests, _error(error))
        self._write_end(span, status="error", error=_error(error))

    def cached(self, node: str, update: Mapping[str, Any]) -> None:
        """A node whose update came from the node cache: it did not run."""
        self.writer.write("node_cached", node=node, calls=len(update.get("calls") or []))

    # --- model requests ------------------------------------------------------------------
    def on_chat_model_start(
        self,
        serialized: dict[str, Any],
        messages: list[list[BaseMessage]],
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        """Remember a request's prompt under the node run it belongs to."""
        # Only the model's name is kept from the call: invocation parameters may hold keys.
        model = str((metadata or {}).get("ls_model_name") or kwargs.get("name") or "?")
        batch = messages[0] if messages else []
        request = _Request(
            key="\n".join(f"{m.type}:{message_text(m)}" for m in batch),
            model=model,
            prompt=prompt_info(batch, self.full_content),
            started=time.perf_counter(),
        )
        with self._lock:
            span = self._span_of(parent_run_id)
            if span is not None:
                span.requests.append(request)
                self._requests[run_id] = request

    def on_llm_end(self, response: LLMResult, *, run_id: UUID, **kwargs: Any) -> None:
        """Keep a request's answer and token usage."""
        with self._lock:
            request = self._requests.pop(run_id, None)
        if request is None:
            return
        request.ended = time.perf_counter()
        generation = response.generations[0][0] if response.generations else None
        message = generation.message if isinstance(generation, ChatGeneration) else None
        if isinstance(message, AIMessage):
            request.output = output_info(text_of(message), self.full_content)
            usage = message.usage_metadata
            if usage:
                request.tokens = (int(usage["input_tokens"]), int(usage["output_tokens"]))
        elif generation is not None:
            request.output = output_info(generation.text, self.full_content)

    def on_llm_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        """Keep a request's error (the node decides whether it is retried)."""
        with self._lock:
            request = self._requests.pop(run_id, None)
        if request is not None:
            request.ended = time.perf_counter()
            request.error = _error(error)

    # --- helpers -------------------------------------------------------------------------
    def _span_of(self, run_id: UUID | None) -> _Span | None:
        seen = 0
        while run_id is not None and seen < 64:  # bounded: a cycle would be a bug upstream
            if run_id in self._spans:
                return self._spans[run_id]
            run_id = self._parents.get(run_id)
            seen += 1
        return None

    def _close(self, run_id: UUID) -> _Span | None:
        with self._lock:
            self._parents.pop(run_id, None)
            return self._spans.pop(run_id, None)

    @staticmethod
    def _grouped(span: _Span) -> list[list[_Request]]:
        """The span's requests as calls: a regrowth asks again with the same messages."""
        calls: dict[str, list[_Request]] = {}
        for request in span.requests:
            calls.setdefault(request.key, []).append(request)
        return list(calls.values())

    def _write_end(self, span: _Span, **fields: Any) -> None:
        duration = round(time.perf_counter() - span.started, 3)
        self.writer.write("node_end", node=span.node, span=span.span, duration_s=duration, **fields)

    def _write_calls(self, span: _Span, records: list[Mapping[str, Any]]) -> None:
        calls = self._grouped(span)
        for record in records:
            if record.get("run_id", self.run_id) != self.run_id:
                continue
            requests = _match(record, calls)
            self.llm_calls += 1
            self.prompt_tokens += int(record.get("prompt_tokens", 0))
            self.completion_tokens += int(record.get("completion_tokens", 0))
            fields = {
                key: record.get(key)
                for key in (
                    "model",
                    "prompt_tokens",
                    "cached_prompt_tokens",
                    "completion_tokens",
                    "latency_s",
                    "attempts",
                    "finish_reason",
                    "estimated",
                    "kept_partial",
                    "requests",
                    "failed",
                    "error",
                )
            }
            fields["latency_s"] = round(float(fields["latency_s"] or 0.0), 3)
            if requests:
                fields["prompt"] = requests[0].prompt
                fields["output"] = requests[-1].output
            at = requests[0].started if requests else None
            self.writer.write("llm_call", at=at, node=span.node, span=span.span, **fields)

    def _write_request_error(self, span: _Span, requests: list[_Request], error: str) -> None:
        first, last = requests[0], requests[-1]
        self.writer.write(
            "llm_error",
            at=first.started,
            node=span.node,
            span=span.span,
            model=first.model,
            attempts=len(requests),
            latency_s=round((last.ended or time.perf_counter()) - first.started, 3),
            error=last.error or error,
            prompt=first.prompt,
            output=last.output,
        )

    def _write_update(self, span: _Span, update: Mapping[str, Any]) -> None:
        where: dict[str, Any] = {"node": span.node, "span": span.span}
        if span.node == "retrieve_related" and update.get("plan"):
            sections: list[dict[str, Any]] = [
                {
                    "section": int(_field(plan, "index") or 0) + 1,
                    "hits": [
                        {"chunk_id": _field(hit, "chunk_id"), "score": _field(hit, "score")}
                        for hit in _field(plan, "related") or []
                    ],
                }
                for plan in update["plan"]
            ]
            hits = sum(len(s["hits"]) for s in sections)
            self.writer.write("retrieval", **where, hits=hits, sections=sections)
        if "violations" in update:
            violations = list(update["violations"] or [])
            self.writer.write("validation", **where, count=len(violations), violations=violations)
        for repair in update.get("repairs") or []:
            # A fallback's repair names the node it stands in for; that name wins.
            self.writer.write("repair", **{**where, **dict(repair)})

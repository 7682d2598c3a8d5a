"""A fake OpenAI-compatible chat server on 127.0.0.1 that injects faults on a seeded schedule.

longsum's provider path is tested and benchmarked against it through the real ``openai:``
integration (langchain-openai, the openai SDK, httpx), so what is exercised is what a real
API's failures do to a run: ``FaultServer(rate=0.3, seed=7)`` answers 30% of requests with
one of :data:`FAULTS`, drawn from a ``random.Random(seed)``; the rest are answered by a
:data:`~longsum.agent.fake.Responder` (messages and the bound JSON schema in, answer text out).

``FaultServer(always="auth")`` answers every request with one fixed failure (a 401, a
400), for the permanent cases. Every request is logged in :attr:`FaultServer.log` as the
fault it got (``"ok"`` when none).
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from langchain_core.messages import BaseMessage, convert_to_messages

from longsum.agent.fake import Responder, default_responder
from longsum.agent.prefix_cache import shared_start

__all__ = ["FAULTS", "PERMANENT", "FaultServer"]

FAULTS = ("http500", "http429", "stall", "not_json", "cut_off", "refusal", "empty")
"""The transient faults: an HTTP 500, a 429 with ``Retry-After``, a stall (the answer comes
after ``stall_s``), a 200 whose body is not JSON, a completion cut off at its token limit, a
refusal, and an empty answer."""

PERMANENT = ("auth", "bad_request")
"""Failures no retry cures: a 401 (bad key) and a 400 (a request the API will not take)."""


class FaultServer:
    """The server; a context manager that starts it on a free loopback port and stops it.

    ``rate`` is the share of requests that get a fault of ``kinds``; ``always`` gives every
    request that one failure instead; ``script`` gives the first requests these faults
    (``"ok"``: none), in order, before the schedule starts. A 429 asks the client to wait
    ``retry_after_s``; a stall holds the answer for ``stall_s``; every answer takes at
    least ``latency_s`` (an API model's time to answer). :attr:`base_url` is what
    ``openai_base_url`` is set to; :attr:`peak` is the most requests it ever held at once.
    A request that asks ``cache_prompt`` is answered as llama.cpp's server does: the words
    its prompt shares, from the start, with the request before it are reported as cached
    (``prompt_tokens_details.cached_tokens``).
    """

    def __init__(
        self,
        rate: float = 0.0,
        *,
        kinds: Sequence[str] = FAULTS,
        seed: int = 0,
        always: str | None = None,
        script: Sequence[str] = (),
        responder: Responder | None = None,
        stall_s: float = 20.0,
        retry_after_s: float = 1.0,
        latency_s: float = 0.0,
    ) -> None:
        known = set(FAULTS + PERMANENT + ("ok",))
        unknown = (set(kinds) - set(FAULTS)) | ({always, *script} - known - {None})
        if unknown:
            raise ValueError(f"unknown fault kind(s): {sorted(map(str, unknown))}")
        self.rate, self.kinds, self.always = rate, tuple(kinds), always
        self.responder = responder or default_responder
        self.stall_s, self.retry_after_s, self.latency_s = stall_s, retry_after_s, latency_s
        self.in_flight = 0
        self.peak = 0
        """The most requests in flight at once (what a bound on calls must keep)."""
        self.log: list[str] = []
        self.cache_prompt = 0
        """Requests that asked the server to keep their prompt's prefix (``cache_prompt``)."""
        self._previous: list[str] = []
        self.times: list[float] = []
        """When each request arrived (``time.monotonic()``), in the order of :attr:`log`."""
        self._script = list(script)
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        """The OpenAI-style base URL, ``http://127.0.0.1:PORT/v1``."""
        if self._server is None:
            raise RuntimeError("the fault server is not running")
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def __enter__(self) -> FaultServer:
        handler = type("Handler", (_Handler,), {"fault_server": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._closing.set()  # stalled answers give up at once
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def counts(self) -> dict[str, int]:
        """How many requests got each fault (``"ok"``: none)."""
        with self._lock:
            tally: dict[str, int] = {}
            for kind in self.log:
                tally[kind] = tally.get(kind, 0) + 1
            return tally

    def draw(self) -> str:
        """The next request's fault, from the seeded schedule (``"ok"`` for none)."""
        with self._lock:
            if self.always is not None:
                kind = self.always
            elif self._script:
                kind = self._script.pop(0)
            elif self.kinds and self._random.random() < self.rate:
                kind = self._random.choice(self.kinds)
            else:
                kind = "ok"
            self.log.append(kind)
            self.times.append(time.monotonic())
            return kind

    def count_cached(self, request: dict[str, Any], answer: dict[str, Any]) -> None:
        """Report the prompt's words shared with the previous request as cached, when the
        request asked ``cache_prompt`` (one slot, as a llama.cpp server with one)."""
        words = " ".join(str(m.get("content")) for m in request.get("messages", [])).split()
        with self._lock:
            shared = shared_start(self._previous, words)
            self._previous = words
            if request.get("cache_prompt") is True:
                self.cache_prompt += 1
                answer["usage"]["prompt_tokens_details"] = {"cached_tokens": shared}

    def entered(self, change: int) -> None:
        """A request arrived (``+1``) or was answered (``-1``)."""
        with self._lock:
            self.in_flight += change
            self.peak = max(self.peak, self.in_flight)

    def stall(self) -> None:
        """Hold a stalled answer for ``stall_s`` (less when the server is stopping)."""
        self._closing.wait(self.stall_s)


class _Handler(BaseHTTPRequestHandler):
    fault_server: FaultServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet: a benchmark makes hundreds of requests

    def do_POST(self) -> None:
        request = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        server = self.fault_server
        server.entered(+1)
        self._held = True
        try:
            self._answer(request, server)
        finally:
            self._leave()

    def _leave(self) -> None:
        # Counted out before the answer is written: once the client has read it, its
        # next request may arrive before this thread would get here.
        if getattr(self, "_held", False):
            self._held = False
            self.fault_server.entered(-1)

    def _answer(self, request: dict[str, Any], server: FaultServer) -> None:
        kind = server.draw()
        if server.latency_s:
            server._closing.wait(server.latency_s)
        if kind == "http500":
            self._json(500, {"error": {"message": "internal server error", "type": "server_error"}})
        elif kind == "http429":
            headers = {"Retry-After": f"{server.retry_after_s:g}"}
            error = {"message": "rate limit reached, slow down", "type": "rate_limit"}
            self._json(429, {"error": error}, headers)
        elif kind == "auth":
            error = {"message": "Incorrect API key provided", "type": "invalid_request_error"}
            self._json(401, {"error": {**error, "code": "invalid_api_key"}})
        elif kind == "bad_request":
            self._json(400, {"error": {"message": "unsupported parameter: response_format"}})
        elif kind == "not_json":
            self._send(200, b"<html><body>502 Bad Gateway</body></html>", "text/html")
        else:
            if kind == "stall":
                server.stall()
            try:
                answer = _completion(request, kind, server.responder)
                server.count_cached(request, answer)
            except Exception as exc:  # the responder's own failure, answered as a 500
                self._json(500, {"error": {"message": str(exc), "type": "server_error"}})
            else:
                self._json(200, answer)

    def _json(
        self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
    ) -> None:
        self._send(status, json.dumps(body).encode(), "application/json", headers)

    def _send(
        self, status: int, body: bytes, kind: str, headers: dict[str, str] | None = None
    ) -> None:
        self._leave()
        try:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (its timeout cut a stall)


def _completion(request: dict[str, Any], kind: str, responder: Responder) -> dict[str, Any]:
    """A chat completion answering ``request``, spoilt as ``kind`` asks."""
    messages: list[BaseMessage] = convert_to_messages(request.get("messages", []))
    text = responder(messages, _schema(request))
    finish, refusal = "stop", None
    if kind == "cut_off":
        text, finish = text[: max(1, len(text) // 3)], "length"
    elif kind == "empty":
        text = ""
    elif kind == "refusal":
        text, refusal = "", "I'm sorry, I can't help with that request."
    prompt_tokens = sum(len(str(m.content).split()) for m in messages)
    completion_tokens = len(text.split())
    message = {"role": "assistant", "content": text or None, "refusal": refusal}
    return {
        "id": f"chatcmpl-fault-{time.monotonic_ns()}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": request.get("model", "fault-server"),
        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


def _schema(request: dict[str, Any]) -> dict[str, Any] | None:
    """The JSON schema a request binds (``response_format`` json_schema, or a tool's)."""
    response_format = request.get("response_format") or {}
    if response_format.get("type") == "json_schema":
        schema = response_format.get("json_schema", {}).get("schema")
        return schema if isinstance(schema, dict) else None
    tools = request.get("tools") or []
    if tools:
        parameters = tools[0].get("function", {}).get("parameters")
        return parameters if isinstance(parameters, dict) else None
    return None

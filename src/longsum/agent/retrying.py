"""One model call, retried the way a real provider's faults need: the one place that knows.

- **A slot, then a timed attempt.** Each attempt first waits for one of the writer's slots
  (its bound on calls in flight), then is timed on its own: the timeout bounds the call, never
  the wait for a slot or the backoff before it. (A node-level timeout counted both: queued
  chunks were cancelled and silently fell back.)
- **Backoff.** Exponential with jitter (tenacity's ``wait_exponential_jitter``), and never
  shorter than the provider's ``Retry-After``. The backoff is slept without a slot, so other
  calls go on meanwhile, except after a ``Retry-After``: a rate limit is the key's, so no
  call of the writer is sent before it has passed.
- **What is retried.** :class:`~longsum.agent.answers.RetryableModelError`: transient
  provider errors, timeouts, and answers that are garbage, empty, refused or cut off. A 401,
  403 or 404 (:class:`~longsum.agent.answers.FatalModelError`) and any other 4xx are not.
- **Giving up.** A provider that failed ``give_up_after`` requests in a row, across calls
  (18 by default: three calls' worth of attempts; at a 30% fault rate that happens once in
  ~10^9 runs), or refused the key, is given up on: every further call fails at once with a
  :class:`FatalModelError` naming the cause, so a run against a dead provider ends in
  bounded time and requests.
- **Accounting.** Every request sent is counted in the call's record (``requests``), failed
  attempts included; a call that gives up carries a record too (``failed=True``).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import weakref
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential_jitter,
)

from longsum.agent.answers import CallRecord, FatalModelError, RetryableModelError
from longsum.errors import ModelError
from longsum.masking import one_line
from longsum.settings import Settings

__all__ = ["CallGate", "CallPolicy", "ProviderGivenUp", "Retrier", "call_policy"]

T = TypeVar("T")

CallGate = Callable[[], AbstractAsyncContextManager[Any]]
"""A slot shared beyond one process: ``async with gate():`` around each request. A batch
spread over worker processes or Ray nodes bounds its calls in flight with one."""

RETRY_AFTER_CAP_S = 120.0
"""The longest ``Retry-After`` honoured; a provider asking more is asked again after this."""


@dataclass(frozen=True)
class CallPolicy:
    """How one model call is bounded and retried (from :class:`~longsum.settings.Settings`)."""

    attempts: int
    """Attempts per call, the first included."""
    timeout_s: float
    """Seconds one attempt may take, from the moment it has its slot."""
    backoff_s: float = 1.0
    """The first backoff; it doubles per attempt, plus up to ``backoff_s`` of jitter."""
    backoff_max_s: float = 30.0
    """The longest backoff (a ``Retry-After`` may ask longer, up to two minutes)."""
    give_up_after: int = 18
    """Failed requests in a row (across calls) after which the provider is given up on."""
    give_up_for_s: float = 60.0
    """How long it stays given up on: later runs of a long-lived process (a LangGraph
    server, an agent) try it again."""


def call_policy(settings: Settings) -> CallPolicy:
    """The call policy ``settings`` ask for."""
    return CallPolicy(
        attempts=settings.llm_attempts,
        timeout_s=settings.llm_timeout,
        backoff_s=settings.llm_backoff,
        backoff_max_s=settings.llm_backoff_max,
        give_up_after=settings.llm_give_up_after,
    )


class ProviderGivenUp(FatalModelError):
    """Raised, without a request, for a call to a provider given up on."""


class _Wait:
    """tenacity wait: exponential backoff with jitter, at least what ``Retry-After`` asks."""

    def __init__(self, policy: CallPolicy) -> None:
        self._backoff = wait_exponential_jitter(
            multiplier=policy.backoff_s, max=policy.backoff_max_s, jitter=policy.backoff_s
        )

    def __call__(self, state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome is not None else None
        asked = getattr(error, "retry_after", None) or 0.0
        return max(float(self._backoff(state)), min(float(asked), RETRY_AFTER_CAP_S))


class Retrier:
    """Runs a writer's model calls under a :class:`CallPolicy`, at most ``width`` at once.

    One per writer, shared by every run of a process: its slots are kept per event loop (a
    semaphore belongs to the loop it first waited in; ``asyncio.run`` after ``asyncio.run``
    gets fresh ones). Once it has given up on its provider it stays so for
    ``policy.give_up_for_s``; a later call tries the provider again.
    """

    def __init__(
        self, policy: CallPolicy, *, model_id: str, width: int, gate: CallGate | None = None
    ) -> None:
        self.policy = policy
        self.model_id = model_id
        self.width = width
        self.gate = gate
        """Taken after the writer's own slot, for a bound shared with other processes."""
        self.failed_in_row = 0
        self.given_up: str | None = None
        """Why the provider was given up on (every further call fails at once)."""
        self._not_before = 0.0
        self._given_up_at = 0.0
        self._gates: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
            weakref.WeakKeyDictionary()
        )

    def _gate(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        gate = self._gates.get(loop)
        if gate is None:
            gate = self._gates[loop] = asyncio.Semaphore(self.width)
        return gate

    async def _attempt(self, call: Callable[[], Awaitable[tuple[T, CallRecord]]]) -> Any:
        shared = self.gate() if self.gate is not None else contextlib.nullcontext()
        async with self._gate(), shared:
            # Checked once a slot is had: the calls queued behind the ones that gave up
            # must not each try the dead provider again.
            if self.given_up is not None:
                if time.monotonic() - self._given_up_at < self.policy.give_up_for_s:
                    raise ProviderGivenUp(self.given_up)
                self.given_up, self.failed_in_row = None, 0
            # A rate limit is the key's, not the call's: after a Retry-After nothing is
            # sent before it has passed (waited with the slot held, before the timer starts).
            pause = self._not_before - time.monotonic()
            if pause > 0:
                await asyncio.sleep(pause)
            try:
                async with asyncio.timeout(self.policy.timeout_s):
                    return await call()
            except RetryableModelError as exc:
                if exc.retry_after:
                    wait = min(exc.retry_after, RETRY_AFTER_CAP_S)
                    self._not_before = max(self._not_before, time.monotonic() + wait)
                raise
            except TimeoutError:
                raise RetryableModelError(
                    f"{self.model_id} gave no answer within {self.policy.timeout_s:g} s"
                ) from None

    async def run(
        self, call: Callable[[], Awaitable[tuple[T, CallRecord]]], *, node: str
    ) -> tuple[T, CallRecord]:
        """``call()`` (one structured call) retried under the policy; its answer and its
        record, with every request sent. Raises the last failure, with a ``failed`` record
        as its ``record``, when the call gives up."""
        failures: list[CallRecord] = []
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.policy.attempts),
            wait=_Wait(self.policy),
            retry=retry_if_exception_type(RetryableModelError),
            reraise=True,
        )
        try:
            async for attempt in retrying:
                with attempt:
                    try:
                        value, record = await self._attempt(call)
                    except ProviderGivenUp:
                        raise  # no request was sent
                    except ModelError as exc:
                        failures.append(self._failed(exc, node))
                        self._count_failure(exc)
                        raise
        except FatalModelError as exc:
            exc.record = _total(failures, failed=True) if failures else None
            if self.given_up is None:  # a refused key: no call of this writer will do better
                self.given_up, self._given_up_at = one_line(str(exc), 300), time.monotonic()
            raise
        except ModelError as exc:
            exc.record = _total(failures, failed=True)
            raise
        self.failed_in_row = 0
        if failures:
            spent = _total(failures, failed=False)
            record = replace(
                record,
                prompt_tokens=record.prompt_tokens + spent.prompt_tokens,
                completion_tokens=record.completion_tokens + spent.completion_tokens,
                requests=record.sent + spent.sent,
                error=spent.error,
            )
        return value, record

    def _count_failure(self, exc: ModelError) -> None:
        """One more request failed; give up on the provider after too many in a row."""
        self.failed_in_row += 1
        if self.failed_in_row >= self.policy.give_up_after and self.given_up is None:
            self._given_up_at = time.monotonic()
            self.given_up = (
                f"{self.model_id} failed {self.failed_in_row} requests in a row; "
                f"the last: {one_line(str(exc), 240)}"
            )

    def _failed(self, exc: ModelError, node: str) -> CallRecord:
        """The record of one failed attempt (its tokens when the model did answer)."""
        known = getattr(exc, "record", None)
        cause = one_line(str(exc), 240)
        if isinstance(known, CallRecord):
            return replace(known, failed=True, error=cause, requests=known.sent)
        return CallRecord(
            node=node,
            model=self.model_id,
            prompt_tokens=0,
            completion_tokens=0,
            latency_s=0.0,
            finish_reason=None,
            attempts=1,
            estimated=True,
            failed=True,
            error=cause,
        )


def _total(records: list[CallRecord], *, failed: bool) -> CallRecord:
    """Failed attempts' records as one: their requests and tokens summed, the last cause."""
    last = records[-1]
    return replace(
        last,
        prompt_tokens=sum(r.prompt_tokens for r in records),
        completion_tokens=sum(r.completion_tokens for r in records),
        latency_s=round(sum(r.latency_s for r in records), 3),
        requests=sum(r.sent for r in records),
        attempts=len(records),
        failed=failed,
    )

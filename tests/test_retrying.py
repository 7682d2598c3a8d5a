"""The retrier on its own: slots, timeouts, giving up and trying again."""

from __future__ import annotations

import asyncio
import time

import pytest

from longsum.agent.answers import CallRecord, RetryableModelError
from longsum.agent.retrying import CallPolicy, ProviderGivenUp, Retrier

RECORD = CallRecord(
    node="n",
    model="m",
    prompt_tokens=1,
    completion_tokens=1,
    latency_s=0.0,
    finish_reason="stop",
    attempts=1,
    estimated=False,
)


def test_the_timeout_bounds_a_call_not_its_wait_for_a_slot() -> None:
    retrier = Retrier(CallPolicy(attempts=1, timeout_s=0.4), model_id="m", width=1)

    async def slow() -> tuple[str, CallRecord]:
        await asyncio.sleep(0.3)
        return "ok", RECORD

    async def three() -> list[tuple[str, CallRecord]]:
        return await asyncio.gather(*(retrier.run(slow, node="n") for _ in range(3)))

    # The third call waits 0.6 s for its slot, longer than the timeout, and still answers.
    assert [value for value, _ in asyncio.run(three())] == ["ok", "ok", "ok"]


def test_a_provider_given_up_on_is_tried_again_later() -> None:
    policy = CallPolicy(attempts=2, timeout_s=1, backoff_s=0.0, give_up_after=2, give_up_for_s=0.2)
    retrier = Retrier(policy, model_id="m", width=1)
    sent: list[str] = []
    down = [True]

    async def call() -> tuple[str, CallRecord]:
        sent.append("request")
        if down[0]:
            raise RetryableModelError("HTTP 500")
        return "ok", RECORD

    async def scenario() -> None:
        with pytest.raises(RetryableModelError):
            await retrier.run(call, node="n")
        with pytest.raises(ProviderGivenUp, match="failed 2 requests in a row"):
            await retrier.run(call, node="n")
        assert len(sent) == 2, "a call to a provider given up on sends nothing"
        down[0] = False
        await asyncio.sleep(0.25)
        value, record = await retrier.run(call, node="n")
        assert value == "ok" and record.sent == 1

    began = time.monotonic()
    asyncio.run(scenario())
    assert time.monotonic() - began < 5

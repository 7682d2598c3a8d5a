"""Baseline 1: the one-call few-shot prompt longsum replaces.

The whole transcript goes into one :data:`~longsum_eval.baseline_prompts.SINGLE_PASS`
prompt after the worked examples, and the answer is the summary. What does not fit the
context is handled as a user of that prompt would have to: the examples go first (last
first), then the transcript loses its end. Both are recorded in the run.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage

from longsum.errors import ConfigError
from longsum.tools.tokens import Tokenizer
from longsum_eval.baseline_prompts import SINGLE_PASS, shot_messages
from longsum_eval.baselines.common import (
    BaselineRun,
    call_model,
    estimate_prompt_tokens,
    parse_json_object,
    prepare_model,
)

__all__ = ["MIN_TRANSCRIPT_TOKENS", "run_single_pass"]

MIN_TRANSCRIPT_TOKENS = 512
"""Examples are dropped until the transcript gets at least this many tokens (or all of
itself, if shorter): examples that crowd out the transcript make a summary of nothing."""


def _messages(shots: Sequence[tuple[str, dict[str, Any]]], transcript: str) -> list[BaseMessage]:
    return SINGLE_PASS.format_messages(shots=shot_messages(shots), transcript=transcript)


async def run_single_pass(
    model: BaseChatModel,
    text: str,
    *,
    shots: Sequence[tuple[str, dict[str, Any]]],
    tokenizer: Tokenizer,
    context_tokens: int,
    max_output_tokens: int = 1500,
) -> BaselineRun:
    """Summarize ``text`` in one call of the few-shot prompt.

    ``shots`` are ``(transcript, gold answer)`` pairs; one whose transcript is ``text``
    itself is skipped, since its answer would be the answer. The prompt (counted with
    ``tokenizer``, plus a few tokens per message for the chat template) and
    ``max_output_tokens`` together fit in ``context_tokens``: examples are dropped last
    first while the transcript would get fewer than :data:`MIN_TRANSCRIPT_TOKENS`, then
    the transcript is cut from its end. A model whose own tokenizer counts more than
    ``tokenizer`` needs a ``context_tokens`` below its real window.
    Raises :class:`~longsum.errors.ConfigError` when not even the instruction fits.
    """
    started = time.perf_counter()
    notes: list[str] = []
    budget = context_tokens - max_output_tokens
    kept: list[tuple[str, dict[str, Any]]] = []
    for number, (shot_text, answer) in enumerate(shots, 1):
        if shot_text.strip() == text.strip():
            notes.append(f"example {number} skipped: it is the transcript being summarized")
        else:
            kept.append((shot_text, answer))

    total = tokenizer.count(text)
    dropped = 0
    room = budget - estimate_prompt_tokens(_messages(kept, ""), tokenizer)
    while kept and room < min(total, MIN_TRANSCRIPT_TOKENS):
        kept.pop()
        dropped += 1
        room = budget - estimate_prompt_tokens(_messages(kept, ""), tokenizer)
    if dropped:
        notes.append(f"{dropped} example(s) dropped (last first) to fit {context_tokens} tokens")
    if room <= 0:
        raise ConfigError(
            f"the single-pass instruction alone needs {budget - room} tokens, leaving nothing "
            f"for the transcript within {context_tokens} tokens minus {max_output_tokens} "
            "for the answer"
        )

    transcript = text if total <= room else tokenizer.truncate(text, room)
    messages = _messages(kept, transcript)
    # Token counts of parts do not add up exactly across their seams: recount the whole and
    # cut further until the real prompt fits.
    excess = estimate_prompt_tokens(messages, tokenizer) - budget
    while excess > 0 and transcript:
        transcript = tokenizer.truncate(transcript, tokenizer.count(transcript) - excess)
        messages = _messages(kept, transcript)
        excess = estimate_prompt_tokens(messages, tokenizer) - budget
    cut = total - tokenizer.count(transcript)
    if cut > 0:
        notes.append(f"transcript cut from {total} to {total - cut} tokens to fit the context")

    calls: list[dict[str, Any]] = []
    raw = await call_model(
        prepare_model(model, max_output_tokens),
        messages,
        node="single_pass",
        tokenizer=tokenizer,
        calls=calls,
        notes=notes,
    )
    summary = parse_json_object(raw)
    if summary is None:
        notes.append("the answer holds no JSON object")
    return BaselineRun(
        summary=summary,
        raw=raw,
        calls=calls,
        wall_s=time.perf_counter() - started,
        truncated_tokens=max(cut, 0),
        shots_used=len(kept),
        dropped_shots=dropped,
        notes=notes,
    )

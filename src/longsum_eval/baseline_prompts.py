"""The prompts of the two baselines longsum is compared against, as named templates.

:data:`SINGLE_PASS` is the one-call few-shot prompt longsum replaces: the whole contract
(shape, rules, the twelve general topics, the complexity scale) as the system message,
worked examples as human (transcript) / ai (gold JSON) turns, then the transcript.
:data:`MAP_SUMMARY` and :data:`REDUCE_SUMMARIES` are the map and collapse prompts of
LangGraph's summarization tutorial, word for word; :data:`FINAL_CONTRACT` turns the
consolidated summaries into the contract JSON with the same instruction as the single pass.

The contract text is rendered from :mod:`longsum.contract`'s constants, so a change to the
contract reaches the baselines too. These prompts are deliberately *not* tuned: a baseline
must be what a user would write without longsum.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from langchain_core.prompts import ChatPromptTemplate, MessagesPlaceholder

from longsum.contract import (
    BULLET_COUNT,
    GENERAL_TOPIC_COUNT,
    GENERAL_TOPICS,
    SECTION_COUNT,
    SECTION_TOPIC_COUNT,
    TOPIC_COUNT,
)
from longsum.tools.markdown import COMPLEXITY_LEVELS

__all__ = [
    "CONTRACT_INSTRUCTION",
    "FINAL_CONTRACT",
    "MAP_SUMMARY",
    "REDUCE_SUMMARIES",
    "SINGLE_PASS",
    "TRANSCRIPT_REQUEST",
    "shot_messages",
]


def _shape() -> str:
    """SPEC.md's JSON shape, with its counts taken from the contract."""
    shape = {
        "introduction": "High-level synopsis of the whole transcript.",
        "sections": [
            {
                "title": "Section 1: <short title>",
                "content": [f"<bullet {i}>" for i in range(1, BULLET_COUNT + 1)],
                "topics": [f"<topic {i}>" for i in range(1, SECTION_TOPIC_COUNT + 1)],
            }
        ],
        "topics": [f"<descriptor {i}>" for i in range(1, TOPIC_COUNT + 1)],
        "generalTopics": [{"name": "<one of the twelve fields below>", "complexity": 0.87}],
    }
    return json.dumps(shape, indent=2)


def _rules() -> str:
    """SPEC.md's rules table, with its counts taken from the contract."""
    rows = [
        (
            "introduction",
            "non-empty prose synopsis of the whole transcript, not of its first minutes",
        ),
        (
            "sections",
            f"exactly {SECTION_COUNT}, in the order the transcript covers them, "
            "together covering all of it",
        ),
        (
            "sections[i].title",
            f"starts with `Section N` where N = i+1 (1..{SECTION_COUNT}), "
            "followed by `: ` and a short descriptive title",
        ),
        (
            "sections[i].content",
            f"exactly {BULLET_COUNT} bullets; each a complete sentence, "
            "specific (names, numbers, terms the speakers used), not a copy of transcript text",
        ),
        (
            "sections[i].topics",
            f"exactly {SECTION_TOPIC_COUNT} short topic names, the "
            f"{SECTION_TOPIC_COUNT} most important in that section",
        ),
        (
            "topics",
            f"exactly {TOPIC_COUNT} key descriptors of the whole transcript, 1 to 2 words each",
        ),
        (
            "generalTopics",
            f"exactly {GENERAL_TOPIC_COUNT} distinct entries; `name` exactly one "
            "of the list below (closest one when none fits); `complexity` a number in [0, 1] "
            "with two decimals, judged on the scale below",
        ),
        (
            "",
            "no extra keys in the output; no empty strings; no duplicate bullets "
            "or topics within a list; no two sections with the same bullets; no template text "
            "copied from the shape above",
        ),
    ]
    # The last row is about the whole object, not a field: no code quotes for it.
    lines = [f"| {f'`{field}`' if field else 'everything'} | {rule} |" for field, rule in rows]
    return "\n".join(["| field | rule |", "|---|---|", *lines])


def _scale() -> str:
    """SPEC.md's complexity scale: level ``i`` spans ``i/10`` to ``i/10 + 0.09``."""
    last = len(COMPLEXITY_LEVELS) - 1
    rows = [
        f"| {i / 10:.2f}-{1.0 if i == last else i / 10 + 0.09:.2f} | {level} |"
        for i, level in enumerate(COMPLEXITY_LEVELS)
    ]
    return "\n".join(["| range | level |", "|---|---|", *rows])


CONTRACT_INSTRUCTION = (
    "You summarize transcripts (podcasts, lectures, talks, meetings). Answer with one JSON "
    "object of exactly this shape, and nothing else:\n\n"
    f"{_shape()}\n\n"
    f"Rules the summary obeys:\n{_rules()}\n\n"
    f"The {len(GENERAL_TOPICS)} general topics:\n"
    + "\n".join(f"{i}. {name}" for i, name in enumerate(GENERAL_TOPICS, 1))
    + f"\n\nComplexity scale:\n{_scale()}"
)
"""The whole contract as plain text (literal braces: escape it before using it in a template)."""

_INSTRUCTION_TEMPLATE = CONTRACT_INSTRUCTION.replace("{", "{{").replace("}", "}}")

TRANSCRIPT_REQUEST = "Summarize this transcript.\n\n<transcript>\n{transcript}\n</transcript>"
"""The human turn of :data:`SINGLE_PASS`, for the transcript and for each example's."""

SINGLE_PASS = ChatPromptTemplate.from_messages(
    [
        ("system", _INSTRUCTION_TEMPLATE),
        MessagesPlaceholder("shots", optional=True),
        ("human", TRANSCRIPT_REQUEST),
    ]
)
"""The few-shot single-call baseline: contract instruction, ``shots`` (see
:func:`shot_messages`), then ``transcript``."""

MAP_SUMMARY = ChatPromptTemplate.from_messages(
    [("human", "Write a concise summary of the following:\n\n{context}")]
)
"""Map step of LangGraph's summarization tutorial: one chunk (``context``) in, its summary
out. (A human turn rather than the tutorial's system turn: some chat APIs, Anthropic's
among them, refuse a prompt without one.)"""

REDUCE_SUMMARIES = ChatPromptTemplate.from_messages(
    [
        (
            "human",
            "The following is a set of summaries:\n{docs}\nTake these and distill it into a "
            "final, consolidated summary\nof the main themes.",
        )
    ]
)
"""Collapse step of the tutorial: a group of summaries (``docs``) in, one summary out."""

FINAL_CONTRACT = ChatPromptTemplate.from_messages(
    [
        ("system", _INSTRUCTION_TEMPLATE),
        (
            "human",
            "The following is a set of summaries of consecutive parts of one transcript, in "
            "order:\n\n{summaries}\n\nTake these and write the summary of the whole "
            "transcript.",
        ),
    ]
)
"""Final step of the map-reduce baseline: the consolidated summaries in, the contract JSON
out; the same instruction as :data:`SINGLE_PASS`, no examples."""


def shot_messages(shots: Sequence[tuple[str, dict[str, Any]]]) -> list[BaseMessage]:
    """The worked examples for :data:`SINGLE_PASS`: per ``(transcript, gold answer)`` a
    human turn asking as the real request does, and an ai turn with the answer's JSON."""
    messages: list[BaseMessage] = []
    for transcript, answer in shots:
        messages.append(HumanMessage(TRANSCRIPT_REQUEST.format(transcript=transcript)))
        messages.append(AIMessage(json.dumps(answer, indent=2, ensure_ascii=False)))
    return messages

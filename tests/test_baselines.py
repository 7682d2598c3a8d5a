"""The two baselines (single-pass few-shot, tutorial map-reduce) on recording fake models."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import pytest
from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import Field

from longsum.agent.fake import FakeChatModel
from longsum.agent.llamacpp import LlamaCppChat
from longsum.contract import GENERAL_TOPICS
from longsum.errors import ConfigError
from longsum.tools.tokens import WhitespaceTokenizer
from longsum_eval.baseline_prompts import CONTRACT_INSTRUCTION
from longsum_eval.baselines import (
    BaselineRun,
    context_tokens,
    parse_json_object,
    run_map_reduce,
    run_single_pass,
)
from longsum_eval.baselines.common import estimate_prompt_tokens
from longsum_eval.baselines.map_reduce import group_summaries, split_chunks

WORDS = WhitespaceTokenizer()
ANSWER = {"introduction": "The answer.", "sections": [], "topics": [], "generalTopics": []}


class RecordingChat(BaseChatModel):
    """Answers through ``respond(prompt messages)``; records every prompt, the settings it
    was called with, and the most calls in flight at once. Lists and ``stats`` are shared
    with the copies the baselines make to set temperature and the length limit."""

    respond: Callable[[list[BaseMessage]], str]
    latency: Callable[[list[BaseMessage]], float] = lambda _messages: 0.0
    report_usage: bool = True
    finish: str = "stop"
    temperature: float = 0.7
    max_tokens: int | None = None
    prompts: list[list[BaseMessage]] = Field(default_factory=list)
    settings: list[tuple[float, int | None]] = Field(default_factory=list)
    stats: dict[str, int] = Field(default_factory=lambda: {"in_flight": 0, "peak": 0})

    @property
    def _llm_type(self) -> str:
        return "recording"

    def _result(self, messages: list[BaseMessage]) -> ChatResult:
        self.prompts.append(list(messages))
        self.settings.append((self.temperature, self.max_tokens))
        text = self.respond(list(messages))
        usage = {
            "input_tokens": estimate_prompt_tokens(messages, WORDS),
            "output_tokens": WORDS.count(text),
            "total_tokens": 0,
        }
        message = AIMessage(
            content=text,
            usage_metadata=usage if self.report_usage else None,
            response_metadata={"finish_reason": self.finish},
        )
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        return self._result(messages)

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        self.stats["in_flight"] += 1
        self.stats["peak"] = max(self.stats["peak"], self.stats["in_flight"])
        try:
            await asyncio.sleep(self.latency(messages))
            return self._result(messages)
        finally:
            self.stats["in_flight"] -= 1


def kind(messages: list[BaseMessage]) -> str:
    last = messages[-1].text
    if last.startswith("Write a concise summary"):
        return "map"
    if last.startswith("The following is a set of summaries:"):
        return "reduce"
    if last.startswith("The following is a set of summaries of consecutive parts"):
        return "final"
    return "single"


def words(prefix: str, n: int) -> str:
    return " ".join(f"{prefix}{i}" for i in range(n))


def transcript(lines: int, per_line: int = 30) -> str:
    return "\n".join(words(f"l{i}w", per_line) + "." for i in range(lines))


def single(model: RecordingChat, text: str, **kwargs: Any) -> BaselineRun:
    kwargs.setdefault("shots", [])
    kwargs.setdefault("context_tokens", 100_000)
    return asyncio.run(run_single_pass(model, text, tokenizer=WORDS, **kwargs))


def mapreduce(model: RecordingChat, text: str, **kwargs: Any) -> BaselineRun:
    return asyncio.run(run_map_reduce(model, text, tokenizer=WORDS, **kwargs))


# --- single pass -------------------------------------------------------------------------


def test_single_pass_prompt_has_every_shot_answer_as_an_ai_turn() -> None:
    model = RecordingChat(respond=lambda _m: "```json\n" + json.dumps(ANSWER) + "\n```")
    shots = [("first shot transcript", {"introduction": "ONE"}), ("second one", {"x": "TWO"})]
    run = single(model, "the real transcript here", shots=shots, max_output_tokens=321)

    (prompt,) = model.prompts
    assert [type(m) for m in prompt] == [
        SystemMessage,
        HumanMessage,
        AIMessage,
        HumanMessage,
        AIMessage,
        HumanMessage,
    ]
    assert prompt[0].text == CONTRACT_INSTRUCTION
    assert all(name in prompt[0].text for name in GENERAL_TOPICS)
    assert "first shot transcript" in prompt[1].text and "second one" in prompt[3].text
    assert json.loads(prompt[2].text) == {"introduction": "ONE"}
    assert json.loads(prompt[4].text) == {"x": "TWO"}
    assert "the real transcript here" in prompt[5].text
    assert run.summary == ANSWER and run.shots_used == 2 and run.truncated_tokens == 0
    assert model.settings == [(0.0, 321)]  # temperature 0, the answer's limit
    assert [c["node"] for c in run.calls] == ["single_pass"]


def test_single_pass_never_shows_the_current_transcripts_own_answer() -> None:
    model = RecordingChat(respond=lambda _m: "{}")
    text = words("t", 50)
    shots = [("other talk", {"gold": "OTHER"}), (text + "\n", {"gold": "LEAK"})]
    run = single(model, text, shots=shots)
    ai_turns = [m.text for m in model.prompts[0] if isinstance(m, AIMessage)]
    assert ai_turns == [json.dumps({"gold": "OTHER"}, indent=2)]
    assert "LEAK" not in " ".join(m.text for m in model.prompts[0])
    assert run.shots_used == 1 and any("skipped" in note for note in run.notes)


def test_single_pass_cuts_a_long_transcript_from_its_end_to_fit() -> None:
    model = RecordingChat(respond=lambda _m: json.dumps(ANSWER))
    text = words("t", 5000)
    run = single(model, text, context_tokens=2000, max_output_tokens=300)
    (prompt,) = model.prompts
    assert estimate_prompt_tokens(prompt, WORDS) <= 2000 - 300
    assert run.calls[0]["prompt_tokens"] <= 2000 - 300
    body = prompt[-1].text
    assert "t0 " in body and "t4999" not in body  # the start is kept, the end cut
    kept = WORDS.count(body.split("<transcript>")[1].split("</transcript>")[0])
    assert run.truncated_tokens == 5000 - kept > 0
    assert any("cut" in note for note in run.notes)


def test_single_pass_drops_shots_last_first_when_they_do_not_fit() -> None:
    model = RecordingChat(respond=lambda _m: "{}")
    shots = [(words("a", 800), {"n": 1}), (words("b", 800), {"n": 2})]
    instruction = estimate_prompt_tokens([SystemMessage(CONTRACT_INSTRUCTION)], WORDS)
    context = instruction + 900 + 600 + 200  # room for one shot and the transcript
    run = single(model, words("t", 500), shots=shots, context_tokens=context, max_output_tokens=200)
    assert run.shots_used == 1 and run.dropped_shots == 1 and run.truncated_tokens == 0
    ai_turns = [json.loads(m.text) for m in model.prompts[0] if isinstance(m, AIMessage)]
    assert ai_turns == [{"n": 1}]
    assert run.calls[0]["prompt_tokens"] <= context - 200


def test_single_pass_refuses_a_context_without_room_for_the_instruction() -> None:
    model = RecordingChat(respond=lambda _m: "{}")
    with pytest.raises(ConfigError, match="instruction alone"):
        single(model, "text", context_tokens=400, max_output_tokens=300)
    assert model.prompts == []


def test_single_pass_without_json_gives_no_summary_but_keeps_the_text() -> None:
    run = single(RecordingChat(respond=lambda _m: "I cannot do that."), "some text")
    assert run.summary is None and run.raw == "I cannot do that."
    assert not any("length limit" in note for note in run.notes)
    cut = single(RecordingChat(respond=lambda _m: '{"a": "cu', finish="length"), "some text")
    assert cut.summary is None and cut.raw == '{"a": "cu'
    assert any("cut at its length limit" in note for note in cut.notes)


# --- map-reduce --------------------------------------------------------------------------


def respond_by_kind(map_words: int = 20, reduce_words: int = 10) -> Callable[..., str]:
    def respond(messages: list[BaseMessage]) -> str:
        step = kind(messages)
        if step == "map":
            first = messages[-1].text.split("\n\n", 1)[1].split()[0]
            return f"summary-of-{first} " + words("m", map_words - 1)
        if step == "reduce":
            return "merged " + words("r", reduce_words - 1)
        return "Here it is:\n```json\n" + json.dumps(ANSWER) + "\n```\nDone."

    return respond


def test_map_reduce_maps_each_chunk_once_and_makes_one_final_call() -> None:
    text = transcript(12)
    chunks = split_chunks(text, WORDS, 100)
    model = RecordingChat(respond=respond_by_kind())
    run = mapreduce(model, text, chunk_tokens=100, token_max=4000)

    maps = [p for p in model.prompts if kind(p) == "map"]
    assert len(chunks) > 1 and len(maps) == len(chunks)
    assert sorted(p[-1].text.split("\n\n", 1)[1] for p in maps) == sorted(chunks)
    assert [kind(p) for p in model.prompts].count("final") == 1 and kind(
        model.prompts[-1]
    ) == "final"
    assert "reduce" not in [kind(p) for p in model.prompts]  # the summaries fit token_max
    assert model.prompts[-1][0].text == CONTRACT_INSTRUCTION
    assert run.summary == ANSWER and run.collapse_levels == 0
    assert [c["node"] for c in run.calls].count("generate_summary") == len(chunks)
    assert all(model_settings == (0.0, 1500) for model_settings in model.settings)


def test_map_reduce_collapses_in_several_levels_for_a_tiny_token_max() -> None:
    model = RecordingChat(respond=respond_by_kind(map_words=20, reduce_words=10))
    run = mapreduce(model, transcript(16), chunk_tokens=70, token_max=25)
    kinds = [kind(p) for p in model.prompts]
    assert kinds.count("map") == 8  # two 31-word lines per chunk
    # 8 x 20 words: each alone (160) -> 8 x 10 -> pairs (80) -> 4 x 10 -> pairs (40) -> 2 x 10
    assert run.collapse_levels == 3
    assert kinds.count("reduce") == 8 + 4 + 2 and kinds.count("final") == 1
    final = model.prompts[-1][-1].text
    assert WORDS.count(final.split("in order:\n\n")[1].split("\n\nTake these")[0]) == 20
    assert [c["node"] for c in run.calls].count("collapse_summaries") == 14


def test_map_reduce_reads_summaries_in_chunk_order_whatever_finishes_first() -> None:
    def later_chunks_first(messages: list[BaseMessage]) -> float:
        if kind(messages) != "map":
            return 0.0
        line = int(messages[-1].text.split("\n\n", 1)[1].split("w", 1)[0].removeprefix("l"))
        return 0.05 / (line + 1)

    model = RecordingChat(respond=respond_by_kind(), latency=later_chunks_first)
    mapreduce(model, transcript(10), chunk_tokens=70, token_max=4000)
    final = model.prompts[-1][-1].text
    positions = [final.index(f"summary-of-l{i}w0") for i in range(0, 10, 2)]
    assert positions == sorted(positions)


def test_map_reduce_respects_its_concurrency() -> None:
    model = RecordingChat(respond=respond_by_kind(), latency=lambda _m: 0.03)
    run = mapreduce(model, transcript(20), chunk_tokens=70, concurrency=3)
    assert model.stats["peak"] == 3
    assert len(run.calls) == 10 + 1


def test_map_reduce_stops_collapsing_when_summaries_do_not_shrink() -> None:
    model = RecordingChat(respond=respond_by_kind(map_words=20, reduce_words=50))
    run = mapreduce(model, transcript(8), chunk_tokens=70, token_max=25)
    assert run.collapse_levels == 1 and [kind(p) for p in model.prompts].count("final") == 1


def test_group_summaries_packs_consecutive_summaries_within_token_max() -> None:
    assert group_summaries([10, 10, 10, 30, 5, 5], 20) == [[0, 1], [2], [3], [4, 5]]
    assert group_summaries([], 20) == []


# --- parsing and accounting --------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"a": 1}', {"a": 1}),
        ('```json\n{"a": 1}\n```', {"a": 1}),
        (
            'Sure! Here is the summary:\n\n```\n{"a": {"b": [1]}}\n```\nHope it helps.',
            {"a": {"b": [1]}},
        ),
        ('Use {curly} braces: {"a": "x } y {"}', {"a": "x } y {"}),
        ('{"a": 1} and then {"b": 2}', {"a": 1}),
        ('{"a": "quote \\" and brace }"}', {"a": 'quote " and brace }'}),
        ('{"outer": {"inner": 1}, "cut": "off', None),
        ("[1, 2, 3]", None),
        ("no json here", None),
        ("", None),
    ],
)
def test_parse_json_object(text: str, expected: dict[str, Any] | None) -> None:
    assert parse_json_object(text) == expected


def test_token_accounting_sums_provider_counts_or_marks_estimates() -> None:
    model = RecordingChat(respond=respond_by_kind())
    run = mapreduce(model, transcript(6), chunk_tokens=70)
    assert not run.estimated and len(run.calls) == 4
    assert run.prompt_tokens == sum(estimate_prompt_tokens(p, WORDS) for p in model.prompts)
    assert run.completion_tokens == 3 * 20 + WORDS.count(respond_by_kind()([HumanMessage("x")]))
    assert all(c["latency_s"] >= 0 for c in run.calls)

    silent = RecordingChat(respond=respond_by_kind(), report_usage=False)
    estimated = mapreduce(silent, transcript(6), chunk_tokens=70)
    assert estimated.estimated and all(c["estimated"] for c in estimated.calls)
    assert estimated.prompt_tokens == run.prompt_tokens  # the same tokenizer estimate


def test_a_model_without_temperature_or_limit_fields_is_used_as_it_is() -> None:
    fake = FakeChatModel(lambda _m, _s: json.dumps(ANSWER), report_usage=False)
    run = asyncio.run(
        run_single_pass(fake, "short talk", shots=[], tokenizer=WORDS, context_tokens=5000)
    )
    assert run.summary == ANSWER and len(fake.calls) == 1 and run.calls[0]["estimated"]


def test_context_tokens_reads_the_window_where_it_can() -> None:
    assert context_tokens(LlamaCppChat(model_path="x.gguf", n_ctx=4096, client=object())) == 4096
    assert context_tokens(FakeChatModel()) is None

"""A minimal tool-calling agent loop with ``longsum.as_tool()`` as the agent's tool.

    .venv/bin/python examples/tool_agent_loop.py [FILE] [--model provider:model]

The chat model, bound to the tool, asks for a summary of FILE (a tool call); the loop runs
the tool and feeds its ``ToolMessage`` (the contract summary as JSON) back, until the model
answers in plain text. Without ``--model`` the chat model is a scripted stand-in (no real
model, no network) that calls the tool once and then answers from the tool's JSON; with
``--model openai:gpt-4o-mini`` (any ``provider:model`` longsum knows) a real model drives
the loop. The tool itself summarizes with ``LONGSUM_MODEL``, or offline when that is unset.
FILE defaults to the zig seed transcript in ../shared.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from langchain_core.outputs import ChatGeneration, ChatResult

import longsum

SEED = Path(__file__).resolve().parents[2] / "shared" / "data" / "seed_transcripts" / "zig.txt"


class ScriptedChatModel(BaseChatModel):
    """Acts like a tool-calling model: asks for the path in the question, then answers."""

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def bind_tools(self, tools: Any, **kwargs: Any) -> Any:
        return self  # it knows its one tool already

    def _generate(self, messages: list[BaseMessage], *args: Any, **kwargs: Any) -> ChatResult:
        last = messages[-1]
        if isinstance(last, ToolMessage) and last.status == "error":
            reply = AIMessage(content=f"The summarizer failed: {last.content}")
        elif isinstance(last, ToolMessage):
            titles = [s["title"] for s in json.loads(str(last.content))["sections"]]
            reply = AIMessage(content="The talk covers, in order:\n" + "\n".join(titles))
        else:
            path = re.search(r"\S+\.\w+", str(last.content))
            call = {"name": "summarize_transcript", "args": {"transcript": path[0] if path else ""}}
            reply = AIMessage(content="", tool_calls=[{**call, "id": "call_1"}])
        return ChatResult(generations=[ChatGeneration(message=reply)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("file", nargs="?", default=str(SEED))
    parser.add_argument("--model", help="provider:model for the agent (default: scripted)")
    args = parser.parse_args()

    tool = longsum.as_tool()
    if args.model:
        from longsum.agent.models import load_chat_model

        chat: Any = load_chat_model(args.model).bind_tools([tool])
    else:
        chat = ScriptedChatModel().bind_tools([tool])

    messages: list[BaseMessage] = [
        HumanMessage(f"What does the talk in {args.file} cover? Use your summarize tool.")
    ]
    for _ in range(5):  # a bound on the turns, so a confused model cannot loop forever
        ai = chat.invoke(messages)
        messages.append(ai)
        if not ai.tool_calls:
            break
        for call in ai.tool_calls:
            result = tool.invoke({**call, "type": "tool_call"})  # a ToolMessage
            print(f"[tool {call['name']}: {result.status}, {len(result.content)} chars]")
            messages.append(result)
    print(messages[-1].content)


if __name__ == "__main__":
    main()

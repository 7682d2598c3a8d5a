"""longsum as a LangChain tool, for other agents to call.

:func:`as_tool` wraps the whole summarization graph in a ``StructuredTool``. The tool's
content is the contract summary as JSON text (what a ``ToolMessage`` carries back to the
model); its artifact is the same summary as a dict, for code that wants it without parsing.
A transcript longsum cannot read becomes a tool error message the calling model can read
and act on (a wrong path, a transcript too short), not an exception that ends its loop.
Text and file paths are told apart by :func:`longsum.inputs.transcript_source`, as for
:func:`longsum.summarize`.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
from typing import TYPE_CHECKING, Any

from langchain_core.tools import StructuredTool, ToolException
from pydantic import BaseModel, Field

from longsum.errors import InputError
from longsum.inputs import transcript_source

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from longsum.graphs.services import Services

__all__ = ["SummarizeToolInput", "as_tool"]

DESCRIPTION = (
    "Summarize a long transcript (podcast, lecture, meeting, video captions) into one JSON "
    "object: an introduction, exactly 5 sections in order (each a title, 4 bullet points "
    "and 3 topics), 5 key topics, and 3 general computer-science fields with a complexity "
    "from 0 to 1. Give it the transcript text itself, or the path of a transcript file "
    "(plain text, [HH:MM:SS] lines, WebVTT, SRT or Whisper JSON)."
)


class SummarizeToolInput(BaseModel):
    """The tool's arguments."""

    transcript: str = Field(
        description="The transcript to summarize: either its full text, or the path of a "
        "transcript file (.txt, .vtt, .srt or Whisper .json) on this machine."
    )


def _tool_result(summary: Any) -> tuple[str, dict[str, Any]]:
    data: dict[str, Any] = summary.model_dump(mode="json", by_alias=True)
    return json.dumps(data, ensure_ascii=False), data


def as_tool(
    model: str | BaseChatModel | None = None,
    *,
    services: Services | None = None,
    name: str = "summarize_transcript",
    **options: Any,
) -> StructuredTool:
    """A LangChain tool that summarizes a transcript (its text, or a file path).

    ``model`` is a ``provider:model`` string or a chat model (None: ``LONGSUM_MODEL``, else
    the offline extractive engine); ``options`` are :class:`~longsum.settings.Settings`
    fields; ``services`` replaces both (tests pass fakes). The tool has a sync and an async
    implementation, returns ``(json_text, summary_dict)`` as content and artifact, and turns
    a longsum :class:`~longsum.errors.InputError` into an error ``ToolMessage``.
    Configuration errors are raised here, when the tool is built, not during a call.
    """
    from longsum.api import run_summary
    from longsum.graphs.services import build_services
    from longsum.settings import load_settings

    if services is None:
        services = build_services(load_settings(**options), model=model)
    bound = services

    async def _arun(transcript: str) -> tuple[str, dict[str, Any]]:
        try:
            result = await run_summary(transcript_source(transcript), services=bound)
        except InputError as exc:
            raise ToolException(f"longsum cannot summarize this input: {exc}") from exc
        return _tool_result(result.summary)

    def _run(transcript: str) -> tuple[str, dict[str, Any]]:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return asyncio.run(_arun(transcript))
        # Called synchronously from inside a running loop (a notebook, an async agent using
        # the sync API): asyncio.run would refuse, so run the graph on its own thread.
        with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(asyncio.run, _arun(transcript)).result()

    return StructuredTool.from_function(
        func=_run,
        coroutine=_arun,
        name=name,
        description=DESCRIPTION,
        args_schema=SummarizeToolInput,
        response_format="content_and_artifact",
        handle_tool_error=True,
    )

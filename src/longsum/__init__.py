"""longsum: structured summaries of long transcripts by a map-reduce over a LangGraph graph.

The public API is what ``__all__`` lists; everything else may change between releases.
"""

from typing import TYPE_CHECKING

from longsum.contract import GENERAL_TOPICS, GeneralTopic, Section, Summary, summary_json_schema
from longsum.errors import (
    ConfigError,
    InputError,
    LongsumError,
    ModelError,
    SummaryValidationError,
)
from longsum.settings import Settings, load_settings
from longsum.tools.chunking import Chunk, chunk_transcript
from longsum.tools.parsing import detect_format, parse_text, read_transcript
from longsum.tools.repair import RepairResult, repair_summary
from longsum.tools.tokens import Tokenizer, get_tokenizer
from longsum.tools.transcript import Transcript, TranscriptFormat, Utterance
from longsum.tools.validation import Violation, validate_summary

if TYPE_CHECKING:  # the lazy names below, typed for type checkers (loaded by __getattr__)
    from longsum.api import RunResult, asummarize, build_graph, run_summary, summarize
    from longsum.batch.run import batch
    from longsum.graphs.context import Context
    from longsum.tool import as_tool

__all__ = [
    "GENERAL_TOPICS",
    "Chunk",
    "ConfigError",
    "Context",
    "GeneralTopic",
    "InputError",
    "LongsumError",
    "ModelError",
    "RepairResult",
    "RunResult",
    "Section",
    "Settings",
    "Summary",
    "SummaryValidationError",
    "Tokenizer",
    "Transcript",
    "TranscriptFormat",
    "Utterance",
    "Violation",
    "as_tool",
    "asummarize",
    "batch",
    "build_graph",
    "chunk_transcript",
    "detect_format",
    "get_tokenizer",
    "load_settings",
    "parse_text",
    "read_transcript",
    "repair_summary",
    "run_summary",
    "summarize",
    "summary_json_schema",
    "validate_summary",
]

__version__ = "0.1.0"

_LAZY = {"RunResult", "asummarize", "build_graph", "run_summary", "summarize"}


def __getattr__(name: str) -> object:
    # The graph API pulls in langgraph; load it on first use, not on `import longsum`.
    if name in _LAZY:
        from longsum import api

        return getattr(api, name)
    if name == "Context":
        from longsum.graphs.context import Context

        return Context
    if name == "batch":  # the package, callable as longsum.batch.run.batch (see there)
        import importlib

        return importlib.import_module("longsum.batch")
    if name == "as_tool":
        from longsum.tool import as_tool

        return as_tool
    raise AttributeError(f"module 'longsum' has no attribute {name!r}")

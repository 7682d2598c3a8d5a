"""The baselines longsum is evaluated against, run with the same chat model.

:func:`run_single_pass` is the one-call few-shot prompt longsum replaces;
:func:`run_map_reduce` is the plain map-reduce of LangGraph's summarization tutorial. Both
return a :class:`BaselineRun`: the parsed answer (unvalidated), its text, and one record
per model call. :func:`context_tokens` reads a model's context window where it can.
"""

from __future__ import annotations

from longsum_eval.baselines.common import BaselineRun, context_tokens, parse_json_object
from longsum_eval.baselines.map_reduce import run_map_reduce
from longsum_eval.baselines.single_pass import run_single_pass

__all__ = [
    "BaselineRun",
    "context_tokens",
    "parse_json_object",
    "run_map_reduce",
    "run_single_pass",
]

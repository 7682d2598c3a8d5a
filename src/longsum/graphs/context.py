"""The run's context: what a run is given besides its input, the LangGraph way.

The graph declares :class:`Context` as its ``context_schema``; LangGraph hands it to every
node and router as ``runtime.context``, and :func:`services_of` turns it into the
:class:`~longsum.graphs.services.Services` the node calls out to. So a caller chooses the
model and settings per run (``graph.ainvoke(input, context=Context(model=...))``), a
LangGraph Server assistant or run does the same with a JSON object
(``{"model": "openai:gpt-4o-mini", "settings": {"max_repair_rounds": 1}}``), a parent graph
passes its context down, and a test passes fakes (``Context(services=...)``).
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from langgraph.config import get_config
from langgraph.runtime import Runtime

if TYPE_CHECKING:
    from longsum.graphs.services import Services

__all__ = ["DEFAULT_CONTEXT_KEY", "Context", "services_of"]

DEFAULT_CONTEXT_KEY = "longsum_context"
"""The ``configurable`` key under which a graph built with a model carries its default
context (used when a run passes none)."""

_BUILT: dict[str, Services] = {}
_LOCK = threading.Lock()


@dataclass
class Context:
    """Who writes and with which settings, for one run. Every field is optional: an empty
    context runs with the environment's settings (``LONGSUM_*``; no model: offline)."""

    model: str | None = None
    """The ``provider:model`` that writes every step (None: ``settings.model``, else the
    offline extractive engine)."""
    map_model: str | None = None
    """Another ``provider:model`` for the map step only (None: the same as ``model``)."""
    settings: dict[str, Any] = field(default_factory=dict)
    """:class:`~longsum.settings.Settings` fields for this run (e.g. ``{"concurrency": 4}``),
    over the environment's."""
    services: Any = None
    """Ready-made :class:`~longsum.graphs.services.Services` (a Python caller's, or a test's
    fakes); when given, the three fields above are not read. Typed ``Any`` so the context's
    JSON schema, which LangGraph Server shows, stays plain."""

    def resolve(self) -> Services:
        """The services this context asks for: its own, or built once per distinct
        (model, map model, settings) in this process and reused by later runs."""
        if self.services is not None:
            return self.services  # type: ignore[no-any-return]
        key = json.dumps([self.model, self.map_model, self.settings], sort_keys=True, default=str)
        with _LOCK:  # building loads the embedder: once, even when runs start together
            if key not in _BUILT:
                from longsum.graphs.services import build_services
                from longsum.settings import load_settings

                _BUILT[key] = build_services(
                    load_settings(**self.settings), model=self.model, map_model=self.map_model
                )
            return _BUILT[key]


def services_of(runtime: Runtime[Context]) -> Services:
    """The services of the running graph: from the run's context, else from the default
    context the graph was built with, else from the environment's settings."""
    context: Any = runtime.context
    # None given, a parent graph's own context, or an empty one: a LangGraph server builds
    # Context() from the context_schema for a run that passes none.
    if not isinstance(context, Context) or context == Context():
        context = (get_config().get("configurable") or {}).get(DEFAULT_CONTEXT_KEY)
    if isinstance(context, dict):
        context = Context(**context)
    return (context if isinstance(context, Context) else Context()).resolve()

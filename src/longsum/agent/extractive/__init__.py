"""The offline extractive engine: what runs when no chat model is configured.

:class:`~longsum.agent.extractive.engine.ExtractiveEngine` answers the graph's requests
(chunk notes, collapsed notes, a section, the overview) from the transcript itself, with
the run's embedder; see its module for how each piece is chosen.
"""

from longsum.agent.extractive.engine import ENGINE_ID, ExtractiveEngine

__all__ = ["ENGINE_ID", "ExtractiveEngine"]

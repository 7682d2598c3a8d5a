"""Fakes for tests: the scripted responder (:mod:`longsum_eval.scripted`, shared with the
benchmarks) and services that run the whole graph on it without a network."""

from __future__ import annotations

from longsum.agent.fake import FakeChatModel
from longsum.graphs.services import Services, build_services
from longsum.memory.embeddings import HashingEmbedder
from longsum.settings import Settings
from longsum.tools.tokens import get_tokenizer
from longsum_eval.scripted import GENERAL, ScriptedResponder

__all__ = ["GENERAL", "ScriptedResponder", "fake_services"]


def fake_services(
    settings: Settings, responder: ScriptedResponder, latency: float = 0.0
) -> Services:
    """Services for a run on fakes only: the scripted model (for map and reduce), the
    hashing embedder, the real tokenizer."""
    model = FakeChatModel(responder=responder, latency=latency)
    return build_services(
        settings,
        model=model,
        map_model=model,  # one model for both steps, whatever settings.map_model names
        embedder=HashingEmbedder(),
        tokenizer=get_tokenizer(),
    )

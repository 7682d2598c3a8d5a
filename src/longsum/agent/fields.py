"""The twelve general topics, described in words an embedding can match against a summary.

Used to list the fields in the order that best fits a transcript before a model picks three
(small models pick the first entries of a list), and by the offline engine to pick them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from longsum.contract import GENERAL_TOPICS

__all__ = ["FIELD_DESCRIPTIONS", "field_vectors", "rank_fields"]

FIELD_DESCRIPTIONS: dict[str, str] = {
    "Algorithms and Data Structures": "algorithms, data structures, sorting, graphs, trees, "
    "hash tables, complexity analysis, dynamic programming",
    "Artificial Intelligence (AI) and Machine Learning": "artificial intelligence, machine "
    "learning, neural networks, language models, training, AI agents, deep learning",
    "Computer Architecture": "processors, CPU, GPU, memory hierarchy, caches, hardware, "
    "instruction sets, chips",
    "Data Science and Analytics": "data analysis, statistics, datasets, analytics, "
    "visualizing data, metrics, experiments",
    "Database Systems and Management": "databases, SQL, queries, tables, indexes, "
    "transactions, storage engines, Redis, Postgres",
    "Human-Computer Interaction (HCI)": "user interface, user experience, usability, design of "
    "products, users, interaction, remote controls, buttons",
    "Programming Languages and Software Development": "programming languages, code, "
    "compilers, Rust, JavaScript, Python, TypeScript, writing software",
    "Software Engineering and System Design": "software engineering, system design, "
    "architecture, scalability, deployment, teams, product development, project management",
    "Web Development and Internet Technologies": "web development, websites, browsers, "
    "frontend, backend, React, HTTP, internet, startups online",
    "Computer Graphics and Visualization": "computer graphics, rendering, images, 3D, "
    "visualization, shaders, image generation",
    "Theoretical Computer Science": "theory of computation, computability, proofs, "
    "complexity theory, logic, mathematics, physics theory",
    "Quantum Computing": "quantum computing, qubits, quantum mechanics, quantum algorithms",
}


_VECTORS: dict[str, np.ndarray] = {}


def field_vectors(embedder: Any) -> np.ndarray:
    """Embeddings of the twelve fields' descriptions, in :data:`GENERAL_TOPICS` order.

    Computed once per embedder name (the name identifies the model, as it does for the
    vector index), so every part of a run, and every run of a process, shares them."""
    name = getattr(embedder, "name", None)
    cached = _VECTORS.get(name) if isinstance(name, str) else None
    if cached is None:
        cached = np.asarray(embedder.embed([FIELD_DESCRIPTIONS[n] for n in GENERAL_TOPICS]))
        if isinstance(name, str):
            _VECTORS[name] = cached
    return cached


def rank_fields(vector: np.ndarray, field_vectors: np.ndarray) -> list[str]:
    """The twelve fields, most similar to ``vector`` first (rows of ``field_vectors`` are the
    embeddings of :data:`FIELD_DESCRIPTIONS` in :data:`GENERAL_TOPICS` order)."""
    scores = field_vectors @ vector
    order: Sequence[int] = np.argsort(-scores, kind="stable").tolist()
    return [GENERAL_TOPICS[i] for i in order]

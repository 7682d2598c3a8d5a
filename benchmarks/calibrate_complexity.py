"""Re-derive the offline engine's complexity constants from SPEC.md's two reference answers.

For each reference in ``../shared/data/gold`` it reads the seed transcript of the same name,
computes the rare-word share and the MiniLM cosine of the transcript to each reference
field, then prints LEVEL_BASE and LEVEL_SLOPE (the line through the two (rare, mean
complexity) points) and FIELD_SLOPE (least squares through the origin of the within-answer
deviations), next to the values in ``longsum.agent.extractive.complexity``.

    .venv/bin/python benchmarks/calibrate_complexity.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from longsum.agent.extractive import complexity
from longsum.agent.extractive.select import unit
from longsum.agent.fields import field_vectors
from longsum.contract import GENERAL_TOPICS
from longsum.memory.embeddings import MiniLMEmbedder
from longsum.memory.span_embeddings import CachedEmbedder, SpanMeanEmbedder

DATA = Path(__file__).resolve().parents[2] / "shared/data"


def main() -> int:
    golds = sorted((DATA / "gold").glob("*.json"))
    if not golds:
        print(f"skipped: no reference answers in {DATA / 'gold'}")
        return 0
    base = CachedEmbedder(MiniLMEmbedder())
    spans, fields = SpanMeanEmbedder(base), field_vectors(base)
    points, dx, dy = [], [], []
    for gold in golds:
        answer = json.loads(gold.read_text())
        text = (DATA / "seed_transcripts" / f"{gold.stem}.txt").read_text()
        vector = unit(spans.embed([text])[0])
        chosen = answer["generalTopics"]
        sims = np.array([fields[GENERAL_TOPICS.index(g["name"])] @ vector for g in chosen])
        scores = np.array([float(g["complexity"]) for g in chosen])
        rare = complexity.rare_share(text)
        points.append((rare, scores.mean()))
        dx += list(sims - sims.mean())
        dy += list(scores - scores.mean())
        print(f"{gold.stem:14} rare {rare:.3f}  mean complexity {scores.mean():.3f}")
    (r0, c0), (r1, c1) = points[0], points[-1]
    slope = (c1 - c0) / (r1 - r0)
    x, y = np.array(dx), np.array(dy)
    print(f"LEVEL_SLOPE  {slope:.2f}   (module: {complexity.LEVEL_SLOPE})")
    print(f"LEVEL_BASE   {c0 - slope * r0:.3f}  (module: {complexity.LEVEL_BASE})")
    print(f"FIELD_SLOPE  {(x @ y) / (x @ x):.2f}   (module: {complexity.FIELD_SLOPE}),", end="")
    print(f" correlation {np.corrcoef(x, y)[0, 1]:.2f} on {len(x)} pairs")
    return 0


if __name__ == "__main__":
    sys.exit(main())

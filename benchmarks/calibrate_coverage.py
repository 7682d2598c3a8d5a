"""Re-derive ``longsum_eval.metrics.COVERAGE_THRESHOLD`` from the shared real/ dataset.

For every transcript of ``../shared/data/real`` with reference titles it makes (or reuses)
an offline summary with ``longsum summarize FILE --format json``, one at a time, kept in a
cache folder outside the repository (the data may not be copied into it). Then, for each
reference title, the best MiniLM cosine to the section titles and bullets of

* (a) the summary of the SAME transcript, and
* (b) the summary of each DIFFERENT transcript,

and prints both distributions and the threshold: the smallest cosine (rounded up to 0.01)
that at most 5% of the (b) pairs reach, i.e. a false-match rate of at most 5%, with the
share of (a) titles it accepts.

    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/calibrate_coverage.py [--summaries DIR]
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np

from longsum.memory.embeddings import MiniLMEmbedder
from longsum_eval.dataset import load_dataset
from longsum_eval.metrics import COVERAGE_THRESHOLD, coverage_candidates

DATA = Path(__file__).resolve().parents[2] / "shared/data/real"
CACHE = Path.home() / ".cache/longsum/eval-calibration"
FALSE_MATCH_RATE = 0.05


def summarize(transcript: Path, folder: Path) -> dict[str, Any]:
    """The offline summary of ``transcript``, made once and kept in ``folder``."""
    out = folder / f"{transcript.stem}.json"
    if not out.is_file():
        folder.mkdir(parents=True, exist_ok=True)
        longsum = Path(sys.executable).with_name("longsum")
        command = [str(longsum), "summarize", str(transcript), "--format", "json", "-o", str(out)]
        print(f"summarizing {transcript.name} ...", file=sys.stderr)
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode:
            raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr}")
    summary: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return summary


def describe(name: str, values: np.ndarray) -> None:
    qs = np.quantile(values, [0.05, 0.25, 0.5, 0.75, 0.95])
    print(
        f"{name:10} n={len(values):4}  mean {values.mean():.3f}  "
        + "  ".join(f"p{p} {q:.3f}" for p, q in zip((5, 25, 50, 75, 95), qs, strict=True))
    )


def histogram(same: np.ndarray, other: np.ndarray) -> None:
    print("cosine bin   same  different   (share of each distribution)")
    for low in np.arange(0.0, 1.0, 0.1):
        a = np.mean((same >= low) & (same < low + 0.1))
        b = np.mean((other >= low) & (other < low + 0.1))
        print(f"[{low:.1f}, {low + 0.1:.1f})  {a:5.2f}  {b:5.2f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DATA, help="dataset folder")
    parser.add_argument("--summaries", type=Path, default=CACHE, help="offline summary cache")
    args = parser.parse_args()
    if not args.data.is_dir():
        print(f"skipped: no dataset in {args.data}")
        return 0
    items = [i for i in load_dataset(args.data) if i.reference and i.reference.titles]
    embedder = MiniLMEmbedder()
    candidates = {}
    for item in items:
        texts = coverage_candidates(summarize(item.transcript, args.summaries))
        candidates[item.name] = embedder.embed(texts)
    same: list[float] = []
    other: list[float] = []
    for item in items:
        assert item.reference is not None
        titles = embedder.embed(item.reference.titles)
        own = (titles @ candidates[item.name].T).max(axis=1)
        same += own.tolist()
        for name, vectors in candidates.items():
            if name != item.name:
                other += (titles @ vectors.T).max(axis=1).tolist()
        print(f"{item.name:30} {len(titles):3} titles  same-summary mean best {own.mean():.3f}")
    a, b = np.array(same), np.array(other)
    describe("(a) same", a)
    describe("(b) other", b)
    histogram(a, b)
    # Smallest 0.01 step at which at most FALSE_MATCH_RATE of the (b) pairs still match.
    threshold = math.ceil(float(np.quantile(b, 1 - FALSE_MATCH_RATE)) * 100) / 100
    while np.mean(b >= threshold) > FALSE_MATCH_RATE:
        threshold += 0.01
    print(
        f"threshold {threshold:.2f}: false matches (b) {np.mean(b >= threshold):.3f}, "
        f"same-transcript titles matched (a) {np.mean(a >= threshold):.3f}"
    )
    for t in (0.3, 0.4, 0.5, 0.6):
        print(f"  at {t:.2f}: (b) {np.mean(b >= t):.3f}  (a) {np.mean(a >= t):.3f}")
    print(f"module COVERAGE_THRESHOLD = {COVERAGE_THRESHOLD}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

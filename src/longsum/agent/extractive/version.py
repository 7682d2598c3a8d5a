"""The offline engine's version, for the notes' cache key."""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

__all__ = ["engine_version"]


@functools.cache
def engine_version() -> str:
    """A digest of the engine's own code and the sentence tools it reads with: part of the
    notes' cache key, so notes cached by an older engine are never reused by a newer one
    (a hand-bumped number is forgotten exactly when it matters)."""
    from longsum.tools import sentences

    digest = hashlib.sha256()
    for path in [*sorted(Path(__file__).parent.glob("*.py")), Path(sentences.__file__)]:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]

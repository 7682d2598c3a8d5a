"""Bullets that say what another bullet already says: the same words, or nearly.

One judge for the eval's duplicate share, the reader's rule that repairs them, and the
section top-up that keeps a repaired section's bullets apart.
"""

from __future__ import annotations

from collections.abc import Sequence

from longsum.tools.prose import FUNCTION_WORDS, tokens
from longsum.tools.rules import Violation

__all__ = ["DUPLICATE_SHARE", "duplicate_flags", "repeated_bullets", "repeats"]

DUPLICATE_SHARE = 0.8
"""Share of a bullet's content words (3 or more) found in another that makes it a repeat:
"The manager proposes a whiteboard for sketches of the prototype" and "... of the final
product" are one point to a reader."""


def _content(text: str) -> set[str]:
    return {w for w in tokens(text) if w not in FUNCTION_WORDS}


def repeats(bullet: str, other: str) -> bool:
    """Whether ``bullet`` says what ``other`` says: the same words (case, punctuation and
    spacing aside), or :data:`DUPLICATE_SHARE` of its content words in ``other``."""
    mine, theirs = " ".join(tokens(bullet)), " ".join(tokens(other))
    if mine and mine == theirs:
        return True
    words = _content(bullet)
    return len(words) >= 3 and len(words & _content(other)) >= DUPLICATE_SHARE * len(words)


def duplicate_flags(bullets: Sequence[str]) -> list[bool]:
    """For each bullet, whether it repeats another (see :func:`repeats`). Of two bullets
    that repeat each other only the later is flagged; a bullet inside a longer later one
    is flagged itself."""
    flags = []
    for j, bullet in enumerate(bullets):
        earlier = any(repeats(bullet, bullets[i]) for i in range(j))
        inside_later = any(
            repeats(bullet, bullets[i]) and not repeats(bullets[i], bullet)
            for i in range(j + 1, len(bullets))
        )
        flags.append(earlier or inside_later)
    return flags


def repeated_bullets(data: object) -> list[Violation]:
    """A bullet that says what another bullet of the summary says (an exact repeat inside
    one section, and a section holding all of another's bullets, are the contract's own
    rules and reported there): a reader reads the point twice."""
    sections = data.get("sections") if isinstance(data, dict) else None
    placed: list[tuple[int, int, str]] = []
    wholes: set[tuple[str, ...]] = set()
    for i, section in enumerate(sections if isinstance(sections, list) else []):
        content = section.get("content") if isinstance(section, dict) else None
        bullets = [b for b in (content if isinstance(content, list) else [])]
        whole = tuple(sorted(" ".join(tokens(b)) for b in bullets if isinstance(b, str)))
        if whole in wholes:
            continue
        wholes.add(whole)
        placed += [(i, j, b) for j, b in enumerate(bullets) if isinstance(b, str) and b.strip()]
    found = []
    for n, (i, j, bullet) in enumerate(placed):
        earlier = [(k, b) for k, _, b in placed[:n] if repeats(bullet, b)]
        if not earlier:
            continue
        same = " ".join(tokens(bullet)) == " ".join(tokens(earlier[0][1]))
        if same and earlier[0][0] == i:
            continue  # the same words twice in one section: the contract reports it
        where = "this section" if earlier[0][0] == i else f"section {earlier[0][0] + 1}"
        message = f"repeats the point of a bullet of {where}: write another point"
        found.append(Violation(f"$.sections[{i}].content[{j}]", message, "duplicate"))
    return found

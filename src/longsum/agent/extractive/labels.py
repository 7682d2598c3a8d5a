"""Section titles from keyphrases: noun phrases that name a subject."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from longsum.agent.extractive.bullets import PROFANITY
from longsum.agent.extractive.select import unit
from longsum.embedding import Embedder
from longsum.tools.prose import AUXILIARIES

__all__ = ["RELATED_TITLE", "commonest_words", "names_a_subject", "section_title"]

RELATED_TITLE = 0.5
"""Similarity above which two keyphrases name one subject ("Pricing" and "Paid Tiers")."""
SECTION_TOPICS = 3


def names_a_subject(label: str) -> bool:
    """Whether a keyphrase can title a section: no swearing, no auxiliary or modal ("Canada
    cannot wait"), and not a lowercase verb before a name ("support Canadians", "including
    Quebec"), which is how a verb phrase shows in a transcript's own capitalisation."""
    words = label.split()
    if not words or PROFANITY.search(label) or any(w.casefold() in AUXILIARIES for w in words):
        return False
    return not (words[0][:1].islower() and any(w[:1].isupper() for w in words[1:]))


def section_title(labels: Sequence[str], embedder: Embedder) -> str:
    """A section's title, a noun phrase: the first of its top keyphrases that has two or
    three words ("Coworking Space"), else the first joined by "and" to the next only when
    the two are about one subject; never two unrelated phrases glued."""
    if not labels:
        return "Discussion"
    fuller = [label for label in labels[:SECTION_TOPICS] if len(label.split()) >= 2]
    if fuller:
        return fuller[0]
    if len(labels) > 1:
        first, second = unit(embedder.embed([labels[0], labels[1]]))
        # A bare acronym ("AI") is too thin a title on its own: it takes a second one.
        if float(first @ second) >= RELATED_TITLE or len(labels[0]) < 4:
            return f"{labels[0]} and {labels[1]}"
    return labels[0] if len(labels[0]) >= 4 else f"{labels[0]} Discussion"


def commonest_words(text: str, n: int) -> list[str]:
    """The ``n`` commonest words of three letters or more (of any script), or the text's
    first letters when it has no such word; a text without letters was refused on reading."""
    words = Counter(re.findall(r"[^\W\d_]{3,}", text.casefold())).most_common(n)
    return [w for w, _ in words] or re.findall(r"[^\W\d_]+", text)[:1] or ["-"]

"""The contract's cross-field rules, as defensive functions over raw JSON-like data.

Numbering, duplicates, template text and text copied from an example are checked here, on
whatever a model returned, so that the validator can report them even on a half-broken
candidate; :class:`longsum.contract.Summary` runs the same functions on every instance.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

__all__ = ["TITLE_PATTERN", "Violation", "contract_violations", "is_placeholder"]

TITLE_PATTERN = r"^Section [1-5]: [^ ].*$"
"""A section title: ``Section N: `` and a title (no ``\\S`` or ``(?:``: llama.cpp grammars)."""


@dataclass(frozen=True)
class Violation:
    """One broken rule: where (a JSON path such as ``$.sections[2].content``), what, which kind."""

    path: str
    message: str
    code: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


_TEMPLATE_WHOLE = re.compile(
    r"(bullet( point)?|key point|topic( name)?|descriptor|(section |short )?title|placeholder)"
    r"\s*#?\s*\d*|(point|item|section|text|content)\s*#?\s*\d+"
    r"|<[^<>]*>|high[- ]level synopsis.*|tb[ad]|todo|n/?a|none|null|x{3,}|etc\.?"
    r"|(insert|add|write|put|enter|your)\b.*\bhere\.?"
    r"|([\w-]+ ){0,3}(synopsis|summary|title|bullets?|topic|descriptor|text|introduction|"
    r"content|description) (goes )?here\.?",
    re.IGNORECASE,
)
_TEMPLATE_ANYWHERE = re.compile(
    r"lorem ipsum|<(short title|bullet \d+|topic \d+|descriptor \d+|one of the twelve[^>]*)>",
    re.IGNORECASE,
)
_TITLE_PREFIX = re.compile(r"^\s*section\s*\d+\s*[:.\-–—]?\s*", re.IGNORECASE)


def is_placeholder(text: str) -> bool:
    """True for template text such as ``Bullet point 1``, ``Topic2``, ``<short title>``,
    ``High level synopsis here``, ``Lorem ipsum``, ``...``, ``TBD`` or ``N/A``; real content
    that merely starts with such a word (``Topic modelling with LDA``) is not flagged."""
    text = text.strip()
    if not text:
        return False  # an empty string is reported as empty, not as a template
    if not any(ch.isalnum() for ch in text):
        return True
    return bool(_TEMPLATE_WHOLE.fullmatch(text) or _TEMPLATE_ANYWHERE.search(text))


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _norm(text: str) -> str:
    """Comparison form: case-folded, single spaces, no surrounding quotes or end punctuation."""
    return " ".join(text.split()).casefold().strip("\"'“”‘’ ").rstrip(".!?;:,… ")


def _items(path: str, value: object, key: str = "") -> list[tuple[str, str]]:
    """(path, text) of the strings in the list ``value`` (of ``value[*][key]`` with a key)."""
    pairs = [(f"{path}[{j}]", _dict(v).get(key) if key else v) for j, v in enumerate(_list(value))]
    return [(f"{p}.{key}" if key else p, t) for p, t in pairs if isinstance(t, str)]


def _string_lists(data: object) -> list[tuple[list[tuple[str, str]], str]]:
    """Every list of strings in the contract, with the noun for its items."""
    found = []
    for i, section in enumerate(_list(_dict(data).get("sections"))):
        found.append((_items(f"$.sections[{i}].content", _dict(section).get("content")), "bullet"))
        found.append((_items(f"$.sections[{i}].topics", _dict(section).get("topics")), "topic"))
    found.append((_items("$.topics", _dict(data).get("topics")), "topic"))
    return found


def _texts(data: object, *, prose_only: bool = False) -> list[tuple[str, str]]:
    """Introduction, titles (without ``Section N:``), bullets and, unless prose_only, topics."""
    intro = _dict(data).get("introduction")
    found = [("$.introduction", intro)] if isinstance(intro, str) else []
    titles = _items("$.sections", _dict(data).get("sections"), "title")
    found += [(path, _TITLE_PREFIX.sub("", title)) for path, title in titles]
    for items, noun in _string_lists(data):
        found += items if noun == "bullet" or not prose_only else []
    return found


def _numbering(data: object) -> Iterator[Violation]:
    for i, section in enumerate(_list(_dict(data).get("sections"))):
        title = str(_dict(section).get("title", "")).strip()
        if re.match(TITLE_PATTERN, title) and int(title[8]) != i + 1:
            message = f"is numbered {title[8]} but is section {i + 1}; start it 'Section {i + 1}: '"
            yield Violation(f"$.sections[{i}].title", message, "numbering")


def _repeats(items: list[tuple[str, str]], rule: str) -> Iterator[Violation]:
    seen: dict[str, str] = {}
    for path, text in items:
        first = seen.setdefault(_norm(text), path) if text.strip() else path
        if first != path:
            yield Violation(path, f"repeats {first} ({text.strip()!r}); {rule}", "duplicate")


def _duplicates(data: object) -> Iterator[Violation]:
    for items, noun in _string_lists(data):
        yield from _repeats(items, f"each {noun} in a list must be different")
    names = _items("$.generalTopics", _dict(data).get("generalTopics"), "name")
    yield from _repeats(names, "the 3 general topics need 3 different names")
    seen: dict[tuple[str, ...], int] = {}
    for i, section in enumerate(_list(_dict(data).get("sections"))):
        bullets = _items("", _dict(section).get("content"))
        key = tuple(sorted(_norm(text) for _, text in bullets if text.strip()))
        if key and seen.setdefault(key, i) != i:
            message = f"has the same bullets as $.sections[{seen[key]}].content; write its own"
            yield Violation(f"$.sections[{i}].content", message, "duplicate")


def contract_violations(data: object, *, forbidden_texts: Iterable[str] = ()) -> list[Violation]:
    """Every cross-field rule ``data`` breaks: numbering, duplicates, template text, text
    copied from ``forbidden_texts`` (compared case-, space- and end-punctuation-insensitively).
    ``data`` is any JSON-like value: parts that are missing or mistyped are skipped here, since
    :class:`Summary`'s field constraints report them."""
    found = [*_numbering(data), *_duplicates(data)]
    for path, text in _texts(data):
        if is_placeholder(text):
            message = f"is template text ({text.strip()!r}); write real content instead"
            found.append(Violation(path, message, "placeholder"))
    sources = [t for t in forbidden_texts if isinstance(t, str)]
    forbidden = {_norm(_TITLE_PREFIX.sub("", t)) for t in sources}
    forbidden.discard("")
    shingles = {s for t in sources for s in _shingles(t)}
    for path, text in _texts(data, prose_only=True):
        if _norm(text) in forbidden:
            message = f"copies the example's text ({text.strip()!r}); write it from this transcript"
            found.append(Violation(path, message, "copied"))
        elif len(_shingles(text) & shingles) >= COPIED_SHINGLES:
            message = "repeats the instructions' wording instead of saying what the transcript says"
            found.append(Violation(path, message, "copied"))
    return found


SHINGLE = 5
COPIED_SHINGLES = 2
"""A text that shares two runs of five words with the forbidden texts (the instructions a
model was given, an example it was shown) echoes them; one shared run may be chance."""


def _shingles(text: str) -> set[tuple[str, ...]]:
    words = re.findall(r"[a-z0-9']+", text.casefold())
    return {tuple(words[i : i + SHINGLE]) for i in range(len(words) - SHINGLE + 1)}

"""Deterministic repair of near-valid summaries: every fix that needs no model.

:func:`repair_summary` works on a deep copy and reports one plain-English line, with its
JSON path, per change. What it cannot fix without judgement (a missing bullet, a fourth
section topic, a three-word global topic, a complexity of 7, a field name far off the list)
stays a violation for the model-driven repair loop. Repairs, in order:

1. unwrap single outer keys (up to three levels) around an object holding contract keys
   (``{"summary": {...}}``, ``{"response": {"output": {...}}}``);
2. strip surrounding whitespace from every string;
3. rename keys that differ from a contract key only in case, ``_``/``-`` or a plural ``s``
   (``general_topics``, ``Sections``), plus ``bullets``/``bullet_points`` -> ``content``
   in a section and ``topic``/``title``/``field``/``category`` -> ``name`` in a general
   topic, when the right key is absent;
4. renumber section titles by position: ``Section 3: X``, ``Section One: X``,
   ``Section 1 - X``, ``1. X``, ``Chapter 1: X`` and a bare ``X`` all become
   ``Section N: X`` (a title with nothing after its prefix is left alone);
5. map a near-miss general-topic name to an allowed one (see :func:`closest_general_topic`);
6. parse a numeric complexity string (``"0.87"``, ``"87%"``) and round to two decimals;
   nothing is clamped;
7. drop exact duplicates within a list (bullets, topics, general-topic entries), which may
   leave a count violation;
8. drop unknown keys of an object only when all its required keys are present, so that a
   misspelt key is never silently deleted with its content.
"""

from __future__ import annotations

import copy
import math
import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Any

from longsum.contract import GENERAL_TOPICS

__all__ = ["RepairResult", "closest_general_topic", "repair_summary"]

_SUMMARY_KEYS = ("introduction", "sections", "topics", "generalTopics")
_SECTION_KEYS = ("title", "content", "topics")
_GENERAL_KEYS = ("name", "complexity")

_TITLE_PREFIX = re.compile(
    r"^(?:(?:section|chapter|part)\s*(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten"
    r"|[ivx]+)\b|(?:section|chapter|part)(?=\s*[:\-–—])|\d+(?=\s*[:.)\-–—]))\s*[:.)\-–—]*\s*",
    re.IGNORECASE,
)

_ALIASES_BY_TOPIC = {  # normalised short names; alternatives separated by "|"
    "Algorithms and Data Structures": "algorithms|data structures|dsa|data structures and "
    "algorithms",
    "Artificial Intelligence (AI) and Machine Learning": "ai|ml|ai ml|ai and ml|ml and ai|"
    "artificial intelligence|machine learning|ai and machine learning|machine learning and ai|"
    "artificial intelligence and ml|machine learning and artificial intelligence",
    "Data Science and Analytics": "data science|data analytics|analytics",
    "Database Systems and Management": "database|databases|database systems|database "
    "management|dbms",
    "Human-Computer Interaction (HCI)": "hci",
    "Programming Languages and Software Development": "programming|programming languages|"
    "software development",
    "Software Engineering and System Design": "software engineering|system design|systems design",
    "Web Development and Internet Technologies": "web|web development|web dev|internet "
    "technologies",
    "Computer Graphics and Visualization": "computer graphics|graphics|visualization|visualisation",
    "Theoretical Computer Science": "theory of computation|theoretical cs|computation theory",
    "Quantum Computing": "quantum|quantum computation",
}
_NAME_ALIASES = {
    alias: topic for topic, aliases in _ALIASES_BY_TOPIC.items() for alias in aliases.split("|")
}
_MIN_RATIO, _MIN_MARGIN = 0.85, 0.05


@dataclass(frozen=True)
class RepairResult:
    """The repaired JSON-like value and one ``path: what changed`` line per change."""

    data: object
    changes: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.changes)


def _normalise_name(name: str) -> str:
    """Lowercase, no parenthesised parts, ``&`` as ``and``, punctuation as single spaces."""
    name = re.sub(r"\([^)]*\)", " ", name.lower()).replace("&", " and ")
    return " ".join(re.sub(r"[^a-z0-9]+", " ", name).split())


_ALLOWED = {_normalise_name(topic): topic for topic in GENERAL_TOPICS}


def closest_general_topic(name: str) -> str | None:
    """The allowed general topic ``name`` clearly means, or None when it is not clear.

    Close enough means, after normalising both sides (lowercase, parenthesised parts such as
    ``(AI)`` dropped, ``&`` read as ``and``, punctuation and runs of spaces collapsed):
    an exact match (``Artificial Intelligence and Machine Learning``); or a known short
    alias (``AI``, ``ML``, ``HCI``, ``Machine Learning``, ``Data Science``, ``Databases``,
    ``Web Development``, ``Quantum``, ``Computer Graphics``, ...); or a difflib
    ``SequenceMatcher`` ratio of at least 0.85 with the best candidate and a margin of at
    least 0.05 over the second best (``Software Engineering & Systems Design``). Anything
    else (``Natural Language Processing``) is left for the model.
    """
    key = _normalise_name(name)
    if not key:
        return None
    if key in _ALLOWED or key in _NAME_ALIASES:
        return _ALLOWED.get(key) or _NAME_ALIASES[key]
    scores = sorted(
        ((SequenceMatcher(None, key, norm).ratio(), topic) for norm, topic in _ALLOWED.items()),
        reverse=True,
    )
    (best, topic), (second, _) = scores[0], scores[1]
    return topic if best >= _MIN_RATIO and best - second >= _MIN_MARGIN else None


def repair_summary(data: object) -> RepairResult:
    """Apply every deterministic repair (see the module docstring) to a copy of ``data``."""
    changes: list[str] = []
    fixed = _unwrap(copy.deepcopy(data), changes)
    if not isinstance(fixed, dict):
        return RepairResult(fixed, changes)
    _strip(fixed, "$", changes)
    _rename_keys(fixed, "$", _SUMMARY_KEYS, {}, changes)
    for i, section in enumerate(_list(fixed.get("sections"))):
        if isinstance(section, dict):
            path = f"$.sections[{i}]"
            bullets = {"bullet": "content", "bulletpoint": "content"}
            _rename_keys(section, path, _SECTION_KEYS, bullets, changes)
            _renumber(section, i, path, changes)
            _dedupe(section, "content", path, changes)
            _dedupe(section, "topics", path, changes)
            _drop_extras(section, path, _SECTION_KEYS, changes)
    _dedupe(fixed, "topics", "$", changes)
    names = dict.fromkeys(("topic", "title", "field", "category"), "name")
    for j, entry in enumerate(_list(fixed.get("generalTopics"))):
        if isinstance(entry, dict):
            path = f"$.generalTopics[{j}]"
            _rename_keys(entry, path, _GENERAL_KEYS, names, changes)
            _fix_name(entry, path, changes)
            _fix_complexity(entry, path, changes)
            _drop_extras(entry, path, _GENERAL_KEYS, changes)
    _dedupe(fixed, "generalTopics", "$", changes)
    _drop_extras(fixed, "$", _SUMMARY_KEYS, changes)
    return RepairResult(fixed, changes)


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _canon(key: object) -> str:
    """Key comparison form: lowercase letters only, without a plural ``s``."""
    return re.sub(r"[^a-z]", "", str(key).lower()).removesuffix("s")


def _unwrap(data: object, changes: list[str]) -> object:
    """The object inside a chain of single-key wrappers, if it holds contract keys."""
    contract = {_canon(key) for key in _SUMMARY_KEYS}
    inner: object = data
    keys: list[str] = []
    while isinstance(inner, dict) and len(inner) == 1 and len(keys) < 3:
        key, value = next(iter(inner.items()))
        if _canon(key) in contract or not isinstance(value, dict):
            break
        inner, keys = value, [*keys, key]
    if not keys or not any(_canon(k) in contract for k in _dict_keys(inner)):
        return data
    changes.append(
        f"$: unwrapped the summary from its outer key{'s' * (len(keys) > 1)} "
        + " > ".join(repr(k) for k in keys)
    )
    return inner


def _dict_keys(value: object) -> list[Any]:
    return list(value) if isinstance(value, dict) else []


def _strip(value: object, path: str, changes: list[str]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            value[key] = _stripped(item, f"{path}.{key}", changes)
    elif isinstance(value, list):
        for j, item in enumerate(value):
            value[j] = _stripped(item, f"{path}[{j}]", changes)


def _stripped(item: object, path: str, changes: list[str]) -> object:
    if isinstance(item, str) and item != item.strip():
        changes.append(f"{path}: stripped surrounding whitespace")
        return item.strip()
    _strip(item, path, changes)
    return item


def _rename_keys(
    obj: dict[Any, Any], path: str, keys: tuple[str, ...], extra: dict[str, str], changes: list[str]
) -> None:
    aliases = {_canon(key): key for key in keys} | extra
    for key in list(obj):
        target = aliases.get(_canon(key))
        if target is not None and key != target and target not in obj:
            renamed = [(target if k == key else k, v) for k, v in obj.items()]
            obj.clear()
            obj.update(renamed)
            changes.append(f"{path}: renamed key {key!r} to {target!r}")


def _renumber(section: dict[Any, Any], index: int, path: str, changes: list[str]) -> None:
    title = section.get("title")
    if not isinstance(title, str):
        return
    rest = _TITLE_PREFIX.sub("", title, count=1).strip()
    renamed = f"Section {index + 1}: {rest}"
    if rest and renamed != title:
        section["title"] = renamed
        changes.append(f"{path}.title: rewrote {title!r} as {renamed!r}")


def _fix_name(entry: dict[Any, Any], path: str, changes: list[str]) -> None:
    name = entry.get("name")
    if isinstance(name, str) and name not in GENERAL_TOPICS:
        match = closest_general_topic(name)
        if match is not None:
            entry["name"] = match
            changes.append(f"{path}.name: mapped {name!r} to {match!r}")


def _fix_complexity(entry: dict[Any, Any], path: str, changes: list[str]) -> None:
    value = entry.get("complexity")
    number: float | None = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str):
        text = value.strip()
        try:
            number = float(text.removesuffix("%")) / (100 if text.endswith("%") else 1)
        except ValueError:
            return
    if number is None or not math.isfinite(number):
        return
    rounded = round(number, 2)
    if isinstance(value, str) or rounded != value:
        entry["complexity"] = rounded
        verb = "parsed" if isinstance(value, str) else "rounded"
        changes.append(f"{path}.complexity: {verb} {value!r} to {rounded}")


def _dedupe(obj: dict[Any, Any], key: str, path: str, changes: list[str]) -> None:
    items = obj.get(key)
    if not isinstance(items, list):
        return
    kept: list[object] = []
    for j, item in enumerate(items):
        if isinstance(item, str | dict) and item in kept:
            first = items.index(item)
            changes.append(
                f"{path}.{key}[{j}]: dropped an exact duplicate of {path}.{key}[{first}]"
            )
        else:
            kept.append(item)
    if len(kept) != len(items):
        obj[key] = kept


def _drop_extras(obj: dict[Any, Any], path: str, keys: tuple[str, ...], changes: list[str]) -> None:
    if all(key in obj for key in keys):
        for key in [key for key in obj if key not in keys]:
            del obj[key]
            changes.append(f"{path}: dropped unexpected key {key!r}")

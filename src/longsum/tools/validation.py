"""Check a candidate summary against the contract and name every violation precisely.

:func:`validate_summary` returns *every* violation, each with a JSON path
(``$.sections[2].content``), a plain-English message and a short code, so that a repair
step, deterministic or a model, knows exactly what to fix. Shape problems come from
:class:`~longsum.contract.Summary`'s field constraints (pydantic errors, rewritten); the
cross-field rules come from :func:`~longsum.contract.contract_violations`, run on the raw
data so that they are reported even when the shape is partly broken.

Codes: ``count``, ``missing``, ``extra_key``, ``type``, ``empty``, ``format`` (a title
without ``Section N: ``), ``numbering``, ``words`` (a global topic of 3+ words),
``not_allowed`` (a general topic off the list), ``range``, ``decimals``, ``duplicate``,
``placeholder``, ``copied``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from typing import Annotated, Any

from pydantic import BaseModel, TypeAdapter, ValidationError
from pydantic_core import ErrorDetails

from longsum.contract import (
    BULLET_COUNT,
    GENERAL_TOPIC_COUNT,
    GENERAL_TOPICS,
    RULES_ERROR_TYPE,
    SECTION_COUNT,
    SECTION_TOPIC_COUNT,
    TOPIC_COUNT,
    GeneralTopic,
    Section,
    Summary,
    Violation,
    contract_violations,
)

__all__ = ["Violation", "format_violations", "is_valid", "validate_summary"]

Loc = tuple[int | str, ...]

_TYPE_ERRORS = {
    "type",
    "list_type",
    "string_type",
    "model_type",
    "model_attributes_type",
    "dict_type",
    "float_type",
    "float_parsing",
}
_KEY_RANK = {
    key: rank
    for rank, key in enumerate(
        ("introduction", "sections", "title", "content", "topics", "generalTopics", "name")
    )
}


def validate_summary(data: object, *, forbidden_texts: Iterable[str] = ()) -> list[Violation]:
    """Every way ``data`` (parsed JSON) breaks the contract; empty when it is valid.

    ``forbidden_texts`` are texts no introduction, title or bullet may repeat (e.g. the
    few-shot example's own bullets); they are compared ignoring case, spacing and end
    punctuation and reported with code ``copied``. Violations come in document order.
    """
    found: list[Violation] = []
    try:
        Summary.model_validate(data)
    except ValidationError as exc:
        # The model's own cross-field error is skipped: the rules run below on the raw data.
        errors = [*exc.errors(), *_hidden_errors(data)]
        found.extend(_from_pydantic(e) for e in errors if e["type"] != RULES_ERROR_TYPE)
    found.extend(contract_violations(data, forbidden_texts=list(forbidden_texts)))
    return sorted(dict.fromkeys(found), key=lambda v: _path_key(v.path))


def is_valid(data: object, *, forbidden_texts: Iterable[str] = ()) -> bool:
    """True when ``data`` obeys the whole contract."""
    return not validate_summary(data, forbidden_texts=forbidden_texts)


def format_violations(violations: Iterable[Violation]) -> str:
    """One ``path: message`` line per violation (for logs and repair prompts)."""
    return "\n".join(f"{v.path}: {v.message}" for v in violations)


def json_path(loc: Sequence[int | str]) -> str:
    """``('sections', 2, 'content')`` -> ``$.sections[2].content``."""
    parts = []
    for part in loc:
        if isinstance(part, int):
            parts.append(f"[{part}]")
        elif part.isidentifier():
            parts.append(f".{part}")
        else:
            parts.append(f"[{json.dumps(part)}]")
    return "$" + "".join(parts)


def _adapters(model: type[BaseModel], key: str) -> tuple[TypeAdapter[Any], TypeAdapter[Any]]:
    """Two checks of the list field ``model.key``: its length alone, its items alone."""
    info = model.model_fields[key]
    lengths: Any = Annotated[(list[Any], *info.metadata)]  # the field's own min/max length
    items: Any = info.annotation
    return TypeAdapter(lengths), TypeAdapter(items)


_LIST_CHECKS = {
    "sections": _adapters(Summary, "sections"),
    "content": _adapters(Section, "content"),
    "section topics": _adapters(Section, "topics"),
    "topics": _adapters(Summary, "topics"),
    "generalTopics": _adapters(Summary, "general_topics"),
}


def _hidden_errors(data: object) -> list[ErrorDetails]:
    """The errors pydantic leaves out: it skips a list's length check when one of its items
    fails, and its items' checks when the list is too long. Both are run here per list."""
    top: dict[str, Any] = data if isinstance(data, dict) else {}
    lists: list[tuple[Loc, object, str]] = [
        (("sections",), top.get("sections"), "sections"),
        (("topics",), top.get("topics"), "topics"),
        (("generalTopics",), top.get("generalTopics"), "generalTopics"),
    ]
    sections = top.get("sections")
    for i, section in enumerate(sections if isinstance(sections, list) else []):
        fields: dict[str, Any] = section if isinstance(section, dict) else {}
        lists.append((("sections", i, "content"), fields.get("content"), "content"))
        lists.append((("sections", i, "topics"), fields.get("topics"), "section topics"))
    errors: list[ErrorDetails] = []
    for loc, value, kind in lists:
        for adapter in _LIST_CHECKS[kind] if isinstance(value, list) else ():
            try:
                adapter.validate_python(value)
            except ValidationError as exc:
                for error in exc.errors():
                    error["loc"] = (*loc, *error["loc"])
                    errors.append(error)
    return errors


def _path_key(path: str) -> tuple[tuple[int, str], ...]:
    """Sort key putting paths in document order: introduction, sections, topics, ..."""
    tokens = re.findall(r"\.(\w+)|\[(\d+)\]|\[(\"[^\"]*\")\]", path)
    return tuple(
        (int(index), "") if index else (_KEY_RANK.get(key, len(_KEY_RANK)), key or quoted)
        for key, index, quoted in tokens
    )


def _show(value: object, limit: int = 80) -> str:
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _json_type(value: object) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "an array" if isinstance(value, list) else "an object"


def _model_at(loc: Loc) -> type[BaseModel]:
    """The model of the object at ``loc`` (the parent of a missing or extra key)."""
    if len(loc) == 2 and loc[0] == "sections":
        return Section
    if len(loc) == 2 and loc[0] == "generalTopics":
        return GeneralTopic
    return Summary


def _expected(loc: Loc) -> str:
    last = loc[-1] if loc else None
    if last is None:
        return "a JSON object with keys introduction, sections, topics, generalTopics"
    if last in ("sections", "content", "topics", "generalTopics"):
        return "an array"
    if isinstance(last, int) and len(loc) == 2 and loc[0] in ("sections", "generalTopics"):
        return "an object"
    return "a number from 0 to 1" if last == "complexity" else "a string"


def _count(loc: Loc) -> tuple[str, int]:
    """The plural noun for the items of the list at ``loc``, and how many it must hold."""
    if loc == ("sections",):
        return "sections", SECTION_COUNT
    if loc == ("generalTopics",):
        return "general topics", GENERAL_TOPIC_COUNT
    if loc == ("topics",):
        return "topics", TOPIC_COUNT
    return ("bullets", BULLET_COUNT) if loc[-1] == "content" else ("topics", SECTION_TOPIC_COUNT)


def _from_pydantic(error: ErrorDetails) -> Violation:
    """Rewrite one pydantic error as a violation with a JSON path and a plain message."""
    kind, loc, value = error["type"], tuple(error["loc"]), error.get("input")
    ctx: dict[str, Any] = dict(error.get("ctx") or {})
    path = json_path(loc)
    if kind in ("missing", "extra_forbidden"):
        key, parent = loc[-1], json_path(loc[:-1])
        if kind == "missing":
            return Violation(parent, f"missing required key '{key}'", "missing")
        model = _model_at(loc[:-1])
        allowed = ", ".join(f.alias or name for name, f in model.model_fields.items())
        message = f"unexpected key '{key}' (allowed: {allowed})"
        if model is GeneralTopic and isinstance(value, str) and value not in GENERAL_TOPICS:
            message += f"; its value {_show(value)} is not one of the twelve general topics either"
        return Violation(parent, message, "extra_key")
    if kind in ("too_short", "too_long"):
        noun, required = _count(loc)
        actual = ctx.get("actual_length", len(value) if isinstance(value, list) else "?")
        noun = noun[:-1] if actual == 1 else noun
        return Violation(path, f"has {actual} {noun}; exactly {required} are required", "count")
    if kind == "string_too_short":
        return Violation(path, "is empty; write the text it should hold", "empty")
    if kind == "string_pattern_mismatch" and loc[-1] == "title" and isinstance(loc[1], int):
        message = (
            f"must start with 'Section {loc[1] + 1}: ' and then a short title; got {_show(value)}"
        )
        return Violation(path, message, "format")
    if kind == "string_pattern_mismatch":
        words = len(str(value).split())
        detail = f"has {words} words" if words > 2 else "is not words separated by single spaces"
        return Violation(path, f"{_show(value)} {detail}; a global topic is 1 or 2 words", "words")
    if kind == "literal_error":
        return Violation(
            path, f"{_show(value)} is not one of the twelve general topics", "not_allowed"
        )
    if kind in ("greater_than_equal", "less_than_equal"):
        return Violation(path, f"is {_show(value)}; complexity must be from 0 to 1", "range")
    if kind == "decimals":
        message = f"has more than two decimals ({_show(value)}); round it, e.g. 0.87"
        return Violation(path, message, "decimals")
    if kind in _TYPE_ERRORS:
        got = f"{_json_type(value)} {_show(value, 40)}" if value is not None else "null"
        return Violation(path, f"must be {_expected(loc)}; got {got}", "type")
    return Violation(path, error["msg"], kind)

"""The summary contract of ``shared/SPEC.md``: pydantic models, JSON schema and rules.

Shape rules (counts, title pattern, allowed names, complexity, no extra keys, no empty
strings) are field constraints. Cross-field rules (numbering, duplicates, template or copied
text) are functions over raw JSON-like data, so the validator can run them on a half-broken
candidate; :class:`Summary` calls the same functions. Descriptions are instructions to a
model (they double as prompts under constrained decoding), and the schema keeps to what
llama.cpp grammars and OpenAI structured outputs accept: ``enum``, anchored ``pattern``
without ``(?:`` or ``\\S``, ``minItems``/``maxItems``, ``additionalProperties: false``.
Regenerate the committed schema file with :func:`write_schema` (``python -c "from
longsum.contract import write_schema; write_schema()"``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, Literal, Self, get_args

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from longsum.tools.rules import TITLE_PATTERN, Violation, contract_violations, is_placeholder

__all__ = [
    "BULLET_COUNT",
    "GENERAL_TOPICS",
    "GENERAL_TOPIC_COUNT",
    "RULES_ERROR_TYPE",
    "SCHEMA_PATH",
    "SECTION_COUNT",
    "SECTION_TOPIC_COUNT",
    "TITLE_PATTERN",
    "TOPIC_COUNT",
    "GeneralTopic",
    "GeneralTopicName",
    "Section",
    "Summary",
    "Violation",
    "contract_violations",
    "is_placeholder",
    "summary_json_schema",
    "write_schema",
]

GeneralTopicName = Literal[
    "Algorithms and Data Structures",
    "Artificial Intelligence (AI) and Machine Learning",
    "Computer Architecture",
    "Data Science and Analytics",
    "Database Systems and Management",
    "Human-Computer Interaction (HCI)",
    "Programming Languages and Software Development",
    "Software Engineering and System Design",
    "Web Development and Internet Technologies",
    "Computer Graphics and Visualization",
    "Theoretical Computer Science",
    "Quantum Computing",
]
GENERAL_TOPICS: tuple[str, ...] = get_args(GeneralTopicName)
"""The twelve allowed ``generalTopics[].name`` values, in SPEC.md order."""

SECTION_COUNT, BULLET_COUNT, SECTION_TOPIC_COUNT, TOPIC_COUNT, GENERAL_TOPIC_COUNT = 5, 4, 3, 5, 3
GLOBAL_TOPIC_PATTERN = r"^[^ ]+( [^ ]+)?$"
RULES_ERROR_TYPE = "contract_rules"
"""Pydantic error type raised by :class:`Summary` when a cross-field rule fails."""
SCHEMA_PATH = Path(__file__).parent / "schema" / "summary.schema.json"

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Title = Annotated[str, StringConstraints(strip_whitespace=True, pattern=TITLE_PATTERN)]
Bullet = Annotated[
    Text,
    Field(
        description="One complete sentence with the specific names, numbers and terms the "
        "speakers used; summarise in your own words, do not copy transcript text."
    ),
]
SectionTopic = Annotated[Text, Field(description="A short topic name taken from this section.")]
GlobalTopic = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, pattern=GLOBAL_TOPIC_PATTERN),
    Field(description="A key descriptor of the whole transcript, 1 or 2 words."),
]


class GeneralTopic(BaseModel):
    """One broad field of computer science the transcript belongs to, with its difficulty."""

    model_config = ConfigDict(extra="forbid")

    name: GeneralTopicName = Field(
        description="Exactly one of the twelve listed fields, copied character for character; "
        "pick the closest one when none fits perfectly."
    )
    complexity: float = Field(
        ge=0,
        le=1,
        description="How demanding the transcript is in this field: a number from 0 to 1 with "
        "two decimals. 0.00-0.09 elementary, 0.10-0.19 middle school, 0.20-0.29 high school, "
        "0.30-0.39 advanced high school, 0.40-0.49 introductory college, 0.50-0.59 average "
        "college lecture, 0.60-0.69 advanced college, 0.70-0.79 graduate level, 0.80-0.89 "
        "advanced graduate level, 0.90-1.00 PhD level lecture.",
    )

    @field_validator("complexity", mode="before")
    @classmethod
    def _parse_number(cls, value: object) -> object:
        """Accept a numeric string such as ``"0.87"``; reject booleans and other strings."""
        if isinstance(value, bool):
            raise PydanticCustomError("type", "must be a number from 0 to 1, not true/false")
        if isinstance(value, str):
            try:
                return float(value.strip())
            except ValueError:
                raise PydanticCustomError(
                    "type", "must be a number from 0 to 1 such as 0.87; got {got}", {"got": value}
                ) from None
        return value

    @field_validator("complexity")
    @classmethod
    def _two_decimals(cls, value: float) -> float:
        if abs(value * 100 - round(value * 100)) > 1e-6:
            raise PydanticCustomError(
                "decimals", "has more than two decimals ({got}); use e.g. 0.87", {"got": value}
            )
        return round(value, 2)


class Section(BaseModel):
    """One of the five consecutive parts of the transcript, in transcript order."""

    model_config = ConfigDict(extra="forbid")

    title: Title = Field(
        description="'Section N: ' (N is this section's position, 1 to 5) followed by a short "
        "descriptive title of what this part of the transcript covers."
    )
    content: list[Bullet] = Field(
        min_length=BULLET_COUNT,
        max_length=BULLET_COUNT,
        description="Exactly 4 different bullets covering what this section says.",
    )
    topics: list[SectionTopic] = Field(
        min_length=SECTION_TOPIC_COUNT,
        max_length=SECTION_TOPIC_COUNT,
        description="Exactly 3 different topics: the 3 most important in this section.",
    )


class Summary(BaseModel):
    """A structured summary of a whole transcript: the contract every output obeys."""

    model_config = ConfigDict(extra="forbid", serialize_by_alias=True)

    introduction: Text = Field(
        description="A prose synopsis of the whole transcript, from its beginning to its end, "
        "naming its subject, the speakers' main points and its conclusion."
    )
    sections: list[Section] = Field(
        min_length=SECTION_COUNT,
        max_length=SECTION_COUNT,
        description="Exactly 5 sections in the order the transcript covers them, together "
        "covering all of it; no two sections may have the same bullets.",
    )
    topics: list[GlobalTopic] = Field(
        min_length=TOPIC_COUNT,
        max_length=TOPIC_COUNT,
        description="Exactly 5 different key descriptors of the whole transcript.",
    )
    general_topics: list[GeneralTopic] = Field(
        alias="generalTopics",
        title="General Topics",
        min_length=GENERAL_TOPIC_COUNT,
        max_length=GENERAL_TOPIC_COUNT,
        description="Exactly 3 entries with 3 different names: the fields of computer science "
        "the transcript belongs to, most relevant first.",
    )

    @model_validator(mode="after")
    def _cross_field_rules(self, info: ValidationInfo) -> Self:
        """Run :func:`contract_violations`; ``context={"forbidden_texts": [...]}`` adds texts
        (e.g. a few-shot example's bullets) that must not be copied."""
        context = info.context if isinstance(info.context, dict) else {}
        found = contract_violations(
            self.model_dump(mode="json"), forbidden_texts=context.get("forbidden_texts", ())
        )
        if found:
            details = "; ".join(str(v) for v in found)
            raise PydanticCustomError(RULES_ERROR_TYPE, "{details}", {"details": details})
        return self


def summary_json_schema() -> dict[str, Any]:
    """The contract as JSON Schema (validation mode), for constrained decoding and prompts."""
    return Summary.model_json_schema(mode="validation")


def write_schema(path: str | Path = SCHEMA_PATH) -> None:
    """Write :func:`summary_json_schema` to ``path`` (default: the packaged schema file)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(summary_json_schema(), indent=2, ensure_ascii=False) + "\n"
    target.write_text(text, encoding="utf-8")

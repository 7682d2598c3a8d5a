"""What each LLM call is asked to return: one small, focused piece of the summary.

The contract itself is assembled in code from these pieces, so no call ever sees (or can
copy) a filled-in summary. Field descriptions are the instructions: they reach the model
through the JSON schema (constrained decoding, tool calling) and through the prompts.

The JSON schema asks for the contract's exact counts (4 bullets, 3 topics, ...), so that a
constrained decoder produces them; parsing is lenient about counts and names, so that a
near-miss answer is kept and reaches the validate-and-repair loop instead of being thrown
away and asked again from scratch.
"""

from __future__ import annotations

from pydantic import AliasChoices, BaseModel, ConfigDict, Field

from longsum.contract import GENERAL_TOPICS

__all__ = [
    "ChunkNotesDraft",
    "GeneralTopicDraft",
    "IntroDraft",
    "SectionDraft",
    "TopicsDraft",
    "schema_descriptions",
    "schema_text",
]

# The longest strings a grammar lets a model write in its notes: a full sentence of ~50
# words, a term or a name.
_POINT_CHARS = 320
_NAME_CHARS = 60


class ChunkNotesDraft(BaseModel):
    """Notes on one part of a transcript."""

    model_config = ConfigDict(extra="ignore")

    topic: str = Field(
        description="A label of 2 to 6 words for what this part is mostly about.",
        min_length=1,
        max_length=200,
        json_schema_extra={"maxLength": 60},
    )
    key_points: list[str] = Field(
        min_length=2,
        max_length=6,
        # Bounded strings let a grammar-constrained decoder that loops inside one point move
        # on, so the answer ends within its cap (see agent/partial_json.py).
        json_schema_extra={"items": {"type": "string", "maxLength": _POINT_CHARS}},
        description="2 to 6 complete sentences, each one specific point made in this part, "
        "with the names, numbers and terms the speakers used.",
    )
    terms: list[str] = Field(
        default_factory=list,
        max_length=8,
        json_schema_extra={"items": {"type": "string", "maxLength": _NAME_CHARS}},
        description="Up to 8 technical terms, products or concepts discussed, as short phrases.",
    )
    names: list[str] = Field(
        default_factory=list,
        max_length=8,
        json_schema_extra={"items": {"type": "string", "maxLength": _NAME_CHARS}},
        description="Up to 8 people, organisations or places named in this part.",
    )


class SectionDraft(BaseModel):
    """One section of the summary, written from its part of the transcript."""

    model_config = ConfigDict(extra="ignore")

    title: str = Field(
        min_length=3,
        max_length=200,
        json_schema_extra={"maxLength": 70},
        description="A short descriptive title of 3 to 8 words for this section, without any "
        "'Section N' prefix.",
    )
    bullets: list[str] = Field(
        min_length=1,
        max_length=12,
        json_schema_extra={"minItems": 4, "maxItems": 4},
        description="Exactly 4 different bullets, each one complete sentence in your own words "
        "about a distinct point of this section, naming the specific people, numbers and terms.",
    )
    topics: list[str] = Field(
        min_length=1,
        max_length=12,
        json_schema_extra={"minItems": 3, "maxItems": 3},
        description="Exactly 3 different short topic names (1 to 4 words): the 3 most important "
        "topics of this section.",
    )


class GeneralTopicDraft(BaseModel):
    """A field of computer science the transcript belongs to."""

    model_config = ConfigDict(extra="ignore")

    name: str = Field(
        validation_alias=AliasChoices("name", "topic", "field"),
        json_schema_extra={"enum": list(GENERAL_TOPICS)},
        description="Exactly one of the twelve listed fields.",
    )
    complexity: float = Field(
        json_schema_extra={"minimum": 0, "maximum": 1},
        description="How demanding the transcript is in this field, from 0 to 1 with two "
        "decimals, on the scale given.",
    )


class IntroDraft(BaseModel):
    """The introduction of the summary."""

    model_config = ConfigDict(extra="ignore")

    introduction: str = Field(
        min_length=40,
        max_length=2000,
        json_schema_extra={"maxLength": 700},
        description="3 to 5 sentences saying what the whole transcript is about, from its "
        "first section to its last, naming its people and its specific subjects.",
    )


class TopicsDraft(BaseModel):
    """The descriptors and fields of the whole transcript."""

    model_config = ConfigDict(extra="ignore")

    topics: list[str] = Field(
        min_length=1,
        max_length=12,
        json_schema_extra={
            "minItems": 5,
            "maxItems": 5,
            # 1 or 2 words, enforced by grammar-constrained decoders (llama.cpp).
            "items": {"type": "string", "pattern": "^[A-Za-z0-9+#.'-]+( [A-Za-z0-9+#.'-]+)?$"},
        },
        description="Exactly 5 different key descriptors of the whole transcript, each 1 or 2 "
        "words.",
    )
    general_topics: list[GeneralTopicDraft] = Field(
        min_length=1,
        max_length=6,
        validation_alias=AliasChoices("general_topics", "generalTopics"),
        json_schema_extra={"minItems": 3, "maxItems": 3},
        description="Exactly 3 different fields from the list, the most relevant first.",
    )


def schema_descriptions() -> list[str]:
    """Every field description of the drafts: texts a small model may echo instead of
    answering, so the validator rejects them as copied."""
    texts: list[str] = []
    for model in (ChunkNotesDraft, SectionDraft, IntroDraft, TopicsDraft, GeneralTopicDraft):
        texts.extend(f.description for f in model.model_fields.values() if f.description)
    return texts


def schema_text(schema: type[BaseModel]) -> str:
    """The answer's fields as a short list (name, size, description), for the prompt.

    Shorter than the full JSON schema (a provider without a prefix cache reads it once per
    chunk) and easier for a small model to follow; the exact schema still reaches providers
    that constrain decoding to it.
    """
    full = schema.model_json_schema()
    lines = []
    for name, prop in full["properties"].items():
        low, high = prop.get("minItems"), prop.get("maxItems")
        size = ""
        if prop.get("type") == "array":
            size = f" (list of exactly {low}" if low is not None and low == high else " (list"
            ref = prop.get("items", {}).get("$ref", "")
            if ref:
                item = full["$defs"][ref.rsplit("/", 1)[-1]]["properties"]
                size += " objects with " + " and ".join(f'"{key}"' for key in item)
            size += ")"
        lines.append(f'- "{name}"{size}: {prop.get("description", "")}')
    return "{\n" + "\n".join(lines) + "\n}"

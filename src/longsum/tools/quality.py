"""What a reader sees as a defect in a summary's text, beyond what the schema checks.

:func:`bullet_defects` names the defects of one bullet (codes in :data:`DEFECTS`): the eval
counts them all. :func:`reader_violations` turns the ones a repair can fix without the
transcript (a title for a bullet, prompt scaffolding, mark-up, a foreign script, a sentence
said twice, a placeholder number) into :class:`Violation`\\ s; questions, replies, fragments,
filler and length are how well an engine writes, not rules, so they stay out of it.

Heuristics without a tagger (word lists in :mod:`longsum.tools.prose`), calibrated on
``shared/data/gold`` (no defect) and the human references of ``shared/data/real`` (under 5%
of their sentences flagged, mostly for length). Known limits: a verb is a listed or ``-ed``
form, so a rare verb is missed; the gold bullets are verbless on purpose ("Comparison of X
to Y."), so a verbless bullet is title-like only when it is also title-shaped (Title Case
or no end punctuation); only English-looking Latin text is judged on verbs; a garbled but
fluent-looking sentence ("Here's what a linear predictor the function they will learn")
passes; "filler" also counts what speech leaves (hesitations, a word cut and restarted).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from longsum.tools.markup import SOUND_WORDS
from longsum.tools.prose import (
    ABBREVIATIONS,
    FUNCTION_WORDS,
    WORD,
    ends_clean,
    ends_cut_off,
    has_speech_marks,
    has_verb,
    is_backchannel,
    is_english,
    is_title_case,
    script_counts,
    scripts_of,
    sentences,
    speaker_label,
    tokens,
    word_count,
    word_set,
)
from longsum.tools.repeats import repeated_bullets
from longsum.tools.rules import Violation

__all__ = ["DEFECTS", "bullet_defects", "reader_violations", "scripts_of"]

DEFECTS: tuple[str, ...] = (
    "question", "backchannel", "fragment", "filler", "too_long", "title_like",
    "scaffold", "markup", "script", "placeholder_number", "duplicate",
)  # fmt: skip
"""Bullet defect codes; ``duplicate`` needs the whole summary, so no single bullet has it."""

MAX_WORDS, MIN_WORDS = 35, 5

_DANGLING = word_set(  # no "for", "with", "from": "what it's for." strands them correctly
    "the a an of to and or nor but because if than as what which whose my your our their",
    "his its we they i he she whether gonna wanna mr mrs ms dr hon",
)
_CONTINUATION_OPENERS = word_set("of or nor than which whereas whom")
_NO_SUBJECT = word_set("would will could should can might may must is are was were does did has")
_SUBJECTS = FUNCTION_WORDS | word_set("there anyone anybody everyone someone people any some all")
_LOWER_AFTER_STOP = re.compile(r"(\S+)[.!?]\s+[a-z]")
_FILLER_START = re.compile(
    r"^(?:anyways?\b|(?:so|well|okay|ok|alright|all right|yeah|yes|right|like|basically|oh"
    r"|you know|i mean)\s*[,.!])",
    re.IGNORECASE,
)
_FILLER_END = re.compile(
    r"(?:,\s*(?:you know|i mean|i guess|i think|right|okay|ok|yeah|sort of|kind of|like)"
    r"|\b(?:and stuff|and things like that|and everything|or whatever|or something"
    r"(?: like that)?|or anything|and all that))\W*$",
    re.IGNORECASE,
)
_QUESTION_OPENER = re.compile(
    r"^(?:(?:what|why|how|where|when|who|which)\s+)?(?:do|does|did|can|could|would|will"
    r"|should|shall|is|are|was|were|have|has|am|isn't|aren't|don't|doesn't|didn't|won't"
    r"|wouldn't|can't)\s+(?:you|we|i|they|he|she|it|this|that|there|anyone|anybody|people)\b",
    re.IGNORECASE,
)
_SCAFFOLD = re.compile(
    r"related notes|notes on (?:this|the) section|notes on part|transcript[ _]part"
    r"|\b(?:part|excerpt) \d+ of \d+\b|\bof a transcript\b|\bsection [1-9]\b(?![.,]?\d)"
    r"|working title|breaks these rules|the prompt's wording|instructions' wording"
    r"|^\W*key points\b|\bkey points\s*:",
    re.IGNORECASE,
)
_MARKUP = re.compile(
    r"\{[A-Za-z_ ]+\}|disfmarker|vocalsound|(?:^|(?<=[.!?]\s))>>|&(?:[a-z]+|#\d+|#x[0-9a-f]+);"
    r"|\b(?:[A-Za-z]_){2,}|(?<!\w)</?[A-Za-z_][\w-]{0,30}(?:\s[^<>]{0,40})?>|♪"
    r"|\w (?:'s|'re|'ve|'ll|'d|'m|n't)\b|[\[(]?\d{1,2}:\d{2}(?::\d{2})?[\])]?:\s"
    r"|[\[(]\s*([A-Za-z_ ]{2,30})\s*[\])]",
    re.IGNORECASE,
)
_NUMBER_WORDS = r"(?:years?|months?|weeks?|days?|hours?|minutes?|seconds?|percent|times)"
_PLACEHOLDER = re.compile(
    rf"(?<![\w$])(?:X+%|\$X+\b|[XN] {_NUMBER_WORDS}\b|XX+\b|N%)"
    r"|[\[<{]\s*(?:number|num|n|x|amount|percent(?:age)?|year|date|value|figure|count)\s*[\]>}]"
    r"|(?:^|\s)#(?=[\s.,;:!?]|$)",
)


def _is_fragment(text: str) -> bool:
    first = text.lstrip(" \"'“‘([")
    opener = tokens(first)[:2]
    if not opener or ends_cut_off(text):
        return bool(opener)
    word = WORD.match(first)
    lower_start = first[0].islower() and not (word and any(c.isupper() for c in word.group()))
    if lower_start or opener[0] in _CONTINUATION_OPENERS or opener == ["to", "the"]:
        return True
    second = WORD.findall(first)[1:2]  # "Would say it's..." lost its subject
    if opener[0] in _NO_SUBJECT and second and second[0].islower() and opener[1] not in _SUBJECTS:
        return True
    for found in _LOWER_AFTER_STOP.finditer(text):  # "... banana. so we're going ..."
        before = found.group(1).casefold()
        if "." not in before and len(before) > 1 and before not in ABBREVIATIONS:
            return True
    parts = sentences(text)
    for part in parts:
        words = tokens(part)
        if words and words[-1] in _DANGLING:
            return True  # "... the thing is that the."
        if len(parts) > 1 and not is_backchannel(part) and not has_verb(part, finite=False):
            return True  # "The generalization error." tacked onto a sentence
    return False


def _is_filler(text: str) -> bool:
    if is_backchannel(text):
        return False  # a bare reply is a backchannel, not filler around a point
    if has_speech_marks(text) or _FILLER_START.match(text.lstrip()) or _FILLER_END.search(text):
        return True
    parts = sentences(text)  # "Yeah." opening or closing a longer bullet
    return len(parts) > 1 and (is_backchannel(parts[0]) or is_backchannel(parts[-1]))


def _is_title_like(text: str) -> bool:
    if word_count(text) < MIN_WORDS:
        return True
    if is_title_case(text) and not ends_clean(text):
        return True  # "Marketing and User Interface Design": nouns a verb list takes for verbs
    shaped = is_title_case(text) or not ends_clean(text)
    return shaped and is_english(text) and not has_verb(text, finite=True)


def _is_question(text: str) -> bool:
    if re.search(r"\?[\"'”’)\]]*(\s|$)", text):
        return True
    return bool(_QUESTION_OPENER.match(text.lstrip(" \"'“‘(")))


def _scaffold_hit(text: str, scaffold: Sequence[str]) -> str | None:
    found = _SCAFFOLD.search(text)
    if found:
        return found.group(0).strip()
    flat = " ".join(text.replace("_", " ").casefold().split())
    for label in scaffold:
        wanted = " ".join(label.replace("_", " ").casefold().split())
        if wanted and re.search(rf"(?<!\w){re.escape(wanted)}(?!\w)", flat):
            return label
    return None


def _markup_hit(text: str) -> str | None:
    for found in _MARKUP.finditer(text):
        inside = found.group(1)  # a bracketed tag counts when it holds only sound words
        if inside is None or all(w in SOUND_WORDS for w in inside.casefold().split()):
            return found.group(0)
    return None


def _placeholder_hit(text: str) -> str | None:
    found = _PLACEHOLDER.search(text)
    return found.group(0).strip() if found else None


def _foreign(text: str, scripts: frozenset[str] | None) -> list[str]:
    if scripts is None:
        return []
    return sorted(set(script_counts(text)) - scripts)


def bullet_defects(
    bullet: str, *, scripts: frozenset[str] | None = None, scaffold: Sequence[str] = ()
) -> list[str]:
    """The :data:`DEFECTS` codes of one bullet, in that order (``duplicate`` excepted).

    ``scripts`` are the transcript's (see :func:`scripts_of`; None: scripts not judged);
    ``scaffold`` are the caller's prompt labels, matched case-insensitively with ``_`` as a
    space, on top of the built-in scaffolding phrases."""
    text = " ".join(bullet.split())
    said = speaker_label(text)[1]  # "Levels: I ship." is judged on what Levels said
    judged = {
        "question": _is_question(said),
        "backchannel": is_backchannel(said),
        "fragment": _is_fragment(said),
        "filler": _is_filler(said),
        "too_long": word_count(said) > MAX_WORDS,
        "title_like": _is_title_like(said),
        "scaffold": _scaffold_hit(text, scaffold) is not None,
        "markup": _markup_hit(text) is not None,
        "script": bool(_foreign(text, scripts)),
        "placeholder_number": _placeholder_hit(text) is not None,
    }
    return [code for code in DEFECTS if judged.get(code)]


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _texts(data: object) -> list[tuple[str, str, str]]:
    """(path, kind, text) of every string a reader reads; titles without ``Section N:``."""
    root = _dict(data)
    found = [("$.introduction", "introduction", root.get("introduction"))]
    for i, section in enumerate(_list(root.get("sections"))):
        title = _dict(section).get("title")
        if isinstance(title, str):
            title = re.sub(r"^\s*section\s*\d+\s*[:.\-–—]?\s*", "", title, flags=re.IGNORECASE)
        found.append((f"$.sections[{i}].title", "title", title))
        for key, kind in (("content", "bullet"), ("topics", "topic")):
            for j, text in enumerate(_list(_dict(section).get(key))):
                found.append((f"$.sections[{i}].{key}[{j}]", kind, text))
    for j, text in enumerate(_list(root.get("topics"))):
        found.append((f"$.topics[{j}]", "topic", text))
    return [(p, k, t) for p, k, t in found if isinstance(t, str) and t.strip()]


def _repeated_sentence(text: str) -> str | None:
    seen: set[str] = set()
    for sentence in sentences(text):
        key = " ".join(tokens(sentence))
        if len(key.split()) >= 3 and key in seen:
            return sentence
        seen.add(key)
    return None


def _complexities(data: object) -> Violation | None:
    values = []
    for entry in _list(_dict(data).get("generalTopics")):
        raw = _dict(entry).get("complexity")
        if isinstance(raw, bool) or not isinstance(raw, int | float | str):
            continue
        try:
            values.append(round(float(raw), 2))  # the contract reads "0.87" as 0.87
        except (TypeError, ValueError):
            continue
    if not values or len(set(values)) > 1 or (len(values) == 1 and values[0] != 0):
        return None  # one value is a placeholder only when it is 0.00
    message = (
        f"complexities are all {values[0]:.2f}, a placeholder: judge each field's complexity "
        "on the 0-1 scale on its own"
    )
    return Violation("$.generalTopics", message, "placeholder_number")


def reader_violations(
    data: object, *, scripts: frozenset[str] | None = None, scaffold: Sequence[str] = ()
) -> list[Violation]:
    """The reader's rules ``data`` breaks (missing or mistyped parts skipped: the schema
    reports them): a title for a bullet or keyphrases for a title, scaffolding echoed, mark-up,
    a foreign script, a sentence said twice, placeholder numbers, identical complexities."""
    found: list[Violation] = []
    for path, kind, raw in _texts(data):
        text = " ".join(raw.split())
        if kind == "title" and text.count(",") >= 2:
            message = f"lists keyphrases ({text!r}): name the section's subject in one phrase"
            found.append(Violation(path, message, "title_list"))
        said = speaker_label(text)[1]
        if kind == "bullet" and _is_question(said):
            message = f"is a question ({text!r}): state the point the speakers make instead"
            found.append(Violation(path, message, "question"))
        if kind == "bullet" and (n := word_count(said)) > MAX_WORDS:
            message = f"has {n} words: say its one point in at most {MAX_WORDS}"
            found.append(Violation(path, message, "too_long"))
        if kind == "bullet" and _is_fragment(said):
            message = f"is not a whole sentence ({text[:60]!r}): write it as one"
            found.append(Violation(path, message, "fragment"))
        if kind == "bullet" and _is_title_like(said):
            message = f"reads like a title ({text!r}): write one complete sentence with a verb"
            found.append(Violation(path, message + ", at least 5 words", "title_like"))
        if hit := _scaffold_hit(text, scaffold):
            message = f"echoes the prompt's wording ({hit!r}): say what the transcript says"
            found.append(Violation(path, message, "scaffold"))
        if hit := _markup_hit(text):
            message = f"holds transcript mark-up ({hit!r}): remove it, keep the plain words"
            found.append(Violation(path, message, "markup"))
        if foreign := _foreign(text, scripts):
            given = ", ".join(sorted(scripts or ()))
            message = f"has {'/'.join(foreign)} letters the transcript does not use: write it"
            message += f" in the transcript's script ({given})"
            found.append(Violation(path, message, "script"))
        if kind in ("introduction", "bullet") and (again := _repeated_sentence(text)):
            message = f"says the same sentence twice ({again!r}): say it once"
            found.append(Violation(path, message, "repeated_sentence"))
        if hit := _placeholder_hit(text):
            message = f"has a placeholder number ({hit!r}): write the speakers' number or none"
            found.append(Violation(path, message, "placeholder_number"))
    if (flat := _complexities(data)) is not None:
        found.append(flat)
    return found + repeated_bullets(data)

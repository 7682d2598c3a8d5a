"""A scripted responder that answers every longsum prompt plausibly, for tests and benchmarks.

It reads what each prompt asks for (chunk notes, a section, the overview, a repair) and
answers with JSON built from the words of the text it was given, so every answer is
distinct and traceable. ``faults`` makes it answer like a small model gone wrong. Give it
to :class:`~longsum.agent.fake.FakeChatModel` or to :class:`~longsum_eval.faults.FaultServer`.
"""

from __future__ import annotations

import json
import re
import threading
from collections import Counter
from collections.abc import Sequence
from typing import Any

from langchain_core.messages import BaseMessage

__all__ = ["GENERAL", "ScriptedResponder"]

GENERAL = "Artificial Intelligence (AI) and Machine Learning"
_STOP_WORDS = """
    the a an and or of to in is it that this we you i so for on with as are be was they
    what but at have not just like know can do if there about from by one all very
    really um uh yeah okay right going get got would could then them their our your he
    she its which when how more some out up also these those into than been were
    because section sections notes note part parts related elsewhere none transcript
    summary terms discusses length
"""
STOP = set(_STOP_WORDS.split())


def _words(text: str) -> list[str]:
    return [w for w in re.findall(r"[a-z][a-z']{3,}", text.lower()) if w not in STOP]


def _top(text: str, n: int) -> list[str]:
    return [w for w, _ in Counter(_words(text)).most_common(n)]


_SUBJECTS = [
    "Ada",
    "Lin",
    "Kim",
    "Omar",
    "Priya",
    "Sven",
    "Tomas",
    "Yara",
    "Zoe",
    "Femi",
    "Hana",
    "Ivo",
]
_VERBS = [
    "explains",
    "questions",
    "defends",
    "revisits",
    "measures",
    "doubts",
    "sketches",
    "praises",
    "ranks",
    "tests",
    "traces",
    "weighs",
]


_OBJECTS = [
    "cost",
    "limits",
    "history",
    "future",
    "design",
    "risks",
    "scale",
    "origin",
    "value",
    "pace",
    "use",
    "reach",
]


def _voice(n: int) -> str:
    """A subject, a verb and an object of its own for the ``n``-th point: two points with
    one subject differ in verb and object, so the scripted points never read as one point
    said twice."""
    return f"{_SUBJECTS[n % 12]} {_VERBS[(n // 12 + n) % 12]} the {_OBJECTS[(n // 12) % 12]}"


class ScriptedResponder:
    """Answers by prompt kind. ``faults``: "dpo" (first answers break the contract the way
    dpo_model_output.json does, repairs are right), "never" (every answer breaks it),
    "repeat" (every section, written or repaired, repeats its third bullet and its second
    topic), "copy" (every section after the first, written or repaired, answers the bullets
    it last gave the section before it, once it has answered that one), "title" (first
    answers end each section with a title for a bullet, repairs are right), "scaffold"
    (every section, written or repaired, holds the prompt's label as a bullet), "flat" (every
    topics answer, written or repaired, scores all three fields 0.0), "meta" (every
    introduction, written or repaired, is about its instructions), "twice" (every topics
    answer, written or repaired, names one global topic twice), "loop" (the notes on
    part 2 end with a point that repeats itself past any token cap), or None
    (always right). ``fail_chunks`` lists chunk numbers whose notes calls raise."""

    def __init__(self, faults: str | None = None, fail_chunks: Sequence[int] = ()) -> None:
        self.faults = faults
        self.fail_chunks = set(fail_chunks)
        self.kinds: Counter[str] = Counter()
        self.notes_parts: list[int] = []
        self.bullets: dict[int, list[str]] = {}  # the last bullets answered, by section
        self.repairs: list[str] = []  # the section repair prompts
        self._lock = threading.Lock()

    def __call__(self, messages: list[BaseMessage], schema: dict[str, Any] | None) -> str:
        prompt = str(messages[-1].content)
        if prompt.startswith("Excerpt "):
            return self._notes(prompt)
        if prompt.startswith("Notes on "):
            return self._collapse(prompt)
        if prompt.startswith("Section "):  # a repair opens as the section's prompt did
            return self._section(prompt, repair="It breaks these rules" in prompt)
        if "<sections>" in prompt:
            piece = prompt.split("</sections>", 1)[-1]
            repair = "breaks these rules" in piece
            if "Write the introduction" in piece or "The introduction of" in piece:
                return self._intro(prompt, repair=repair)
            if "key descriptors" in piece or "The topics of" in piece:
                return self._topics(prompt, repair=repair)
        raise AssertionError(f"unexpected prompt: {prompt[:80]!r}")

    def _count(self, kind: str) -> None:
        with self._lock:
            self.kinds[kind] += 1

    def _notes(self, prompt: str) -> str:
        number = int(re.search(r"[Ee]xcerpt (\d+) of", prompt).group(1))  # type: ignore[union-attr]
        self._count("notes")
        with self._lock:
            self.notes_parts.append(number)
        if number in self.fail_chunks:
            raise ConnectionError(f"scripted failure on part {number}")
        body = prompt.split("<excerpt>")[1].split("</excerpt>")[0]
        top = _top(body, 6) or [f"part{number}"]
        points = [
            f"Part {number} {_voice(number * 3 + i).lower()} {w}." for i, w in enumerate(top[:3])
        ]
        if self.faults == "loop" and number == 2:  # like the 0.5B model at temperature 0.2
            points.append("It says that " + "the model is good, " * 2000)
        return json.dumps(
            {"topic": f"{top[0]} in part {number}", "key_points": points, "terms": top[:4]}
        )

    def _collapse(self, prompt: str) -> str:
        self._count("collapse")
        body = prompt.split("<notes>")[1].split("</notes>")[0]
        top = _top(body, 4)
        return json.dumps(
            {
                "topic": "condensed " + " ".join(top[:2]),
                "key_points": [f"The stretch keeps returning to {w}." for w in top[:3]],
                "terms": top[:3],
                "names": [],
            }
        )

    def _section(self, prompt: str, *, repair: bool) -> str:
        number = int(re.search(r"[Ss]ection (\d+)", prompt).group(1))  # type: ignore[union-attr]
        self._count("repair_section" if repair else "section")
        if repair:
            with self._lock:
                self.repairs.append(prompt)
        top = _top(prompt.split("notes", 1)[-1], 8) or ["topic"]
        bullets = [  # four different points, in words a reader would not take for one
            f"{_voice(number * 4 + i)} of {w} closely." for i, w in enumerate((top * 4)[:4])
        ]
        topics = [f"{w.title()} {number}" for w in (top * 3)[:3]]
        broken = self.faults == "never" or (self.faults == "dpo" and not repair)
        if broken:  # like dpo_model_output.json: a bullet short, a topic too many
            bullets, topics = bullets[:3], [*topics, "Extra Topic"]
        if self.faults == "title" and not repair:  # like the 0.5B model: a label for a point
            bullets = [*bullets[:3], "Marketing and User Interface Design"]
        if self.faults == "scaffold":  # like the 0.5B model: the prompt's label, every time
            bullets = [*bullets[:3], "Related Notes from Elsewhere on this subject are useful."]
        if self.faults == "repeat":  # like the 0.5B model: one bullet twice, every time
            bullets = [*bullets[:3], bullets[2]]
            topics = [*topics[:2], topics[1]]
        with self._lock:
            if self.faults == "copy":  # like the 0.5B model: section 5 wrote section 4's
                bullets = list(self.bullets.get(number - 1, bullets))
            self.bullets[number] = bullets
        return json.dumps(
            {
                "title": f"Repaired {top[0]}" if repair else f"Section {number}: {top[0]} talk",
                "bullets": bullets,
                "topics": topics,
            }
        )

    def _intro(self, prompt: str, *, repair: bool) -> str:
        self._count("repair_intro" if repair else "intro")
        top = _top(prompt, 10) or ["talk"]
        if self.faults == "meta":  # like the 0.5B model: it writes about its instructions
            return json.dumps(
                {
                    "introduction": "The introduction of a transcript summary breaks these "
                    "rules by echoing the prompt's wording. The introduction of a transcript "
                    "summary breaks these rules by echoing the prompt's wording."
                }
            )
        return json.dumps(
            {
                "introduction": "This transcript covers " + ", ".join(top[:6]) + ", from the "
                "first part to the last, with the speakers' main points and their conclusion."
            }
        )

    def _topics(self, prompt: str, *, repair: bool) -> str:
        self._count("repair_topics" if repair else "topics")
        top = _top(prompt.split("<sections>")[-1].split("</sections>")[0], 10) or ["talk"]
        broken = self.faults == "never" or (self.faults == "dpo" and not repair)
        general = [
            {"name": GENERAL, "complexity": 0.62},
            {"name": "Software Engineering and System Design", "complexity": 0.48},
            {"name": "Data Science and Analytics", "complexity": 0.41},
        ]
        topics = [w.title() for w in (top * 5)[:5]]
        if self.faults == "flat":  # like the 0.5B model: complexity 0.0 for every field
            general = [{**g, "complexity": 0.0} for g in general]
        if broken:  # four three-word topics, "topic" for "name", a name off the list
            topics = [f"{w.title()} Big Idea" for w in top[:4]]
            general = [
                {"topic": "Artificial Intelligence and Machine Learning", "complexity": "0.75"},
                *general[1:],
            ]
        if self.faults == "twice":  # like the 0.5B model: one global topic twice, every time
            topics = [*topics[:4], topics[0]]
        return json.dumps({"topics": topics, "general_topics": general})

"""The offline engine's bullets: statements, not questions, back-channel or fragments;
cut at a clause; attributed to a named speaker; weighted toward whoever carries the talk."""

from __future__ import annotations

import pytest

from longsum.agent.extractive.bullets import (
    MAX_BULLET_WORDS,
    candidates,
    polish,
    short_name,
    speaker_weights,
)


@pytest.mark.parametrize(
    "span",
    [
        "What do you think about that?",
        "Yeah.",
        "Okay, right.",
        "And the thing is that the",
        "It was like, I mean … we went there … and then",
        "Chain of thought is this very simple idea where, instead of just training, what",
        "That is some crazy shit right there, honestly, man, it really is.",
        "Unless you like having a long conversation with your remote control.",
        "That we come up with interesting ideas we would not have thought of alone.",
    ],
)
def test_no_statement_gives_no_bullet(span: str) -> None:
    assert polish(span) == ""


@pytest.mark.parametrize(
    ("span", "bullet"),
    [
        (
            "All my great things started when I switched to Mac, which sounds dogmatic, right?",
            "All my great things started when I switched to Mac, which sounds dogmatic.",
        ),
        (
            "If you allow yourself the room to do that, you come up with really good ideas. Yeah.",
            "If you allow yourself the room to do that, you come up with really good ideas.",
        ),
        (
            "So, um, the data side matters for making the product beautiful and stuff.",
            "The data side matters for making the product beautiful.",
        ),
        (
            "Yeah. We shipped the first version in two weeks. Do you remember the launch?",
            "We shipped the first version in two weeks.",
        ),
    ],
)
def test_a_span_becomes_a_statement(span: str, bullet: str) -> None:
    assert polish(span) == bullet


def test_a_long_sentence_is_cut_at_a_clause_boundary() -> None:
    span = (
        "You build a prototype that works, launch it, see if people like it, and then you "
        "iterate on it for a long time because the first version is always terrible and "
        "nobody uses it, and that is fine because you learn a great deal from every user."
    )
    bullet = polish(span)
    assert len(bullet.split()) <= MAX_BULLET_WORDS
    assert bullet.endswith("nobody uses it.")  # the clause before ", and that is fine"


def test_a_long_sentence_without_a_clause_boundary_is_refused() -> None:
    span = " ".join(["the very long list of things we built"] * 6) + "."
    assert polish(span) == ""


def test_named_speakers_are_attributed_by_surname() -> None:
    text = (
        "[00:00:01] Lex Fridman: What was the first product you built?\n"
        "[00:00:05] Pieter Levels: I built a website for digital nomads that ranked cities "
        "by cost of living and internet speed.\n"
        "[00:00:20] Lex Fridman: Yeah.\n"
    )
    found = candidates(text)
    assert [c.text for c in found] == [
        "Levels: I built a website for digital nomads that ranked cities by cost of living "
        "and internet speed."
    ]
    assert found[0].speaker == "Pieter Levels"
    assert not found[0].body.startswith("Levels")


def test_diarizer_labels_and_unlabelled_lines_are_not_attributed() -> None:
    text = "SPEAKER_00: We measured the latency of every request in the cluster twice.\n"
    assert candidates(text)[0].text.startswith("We measured")
    assert candidates(text.removeprefix("SPEAKER_00: "))[0].text.startswith("We measured")


def test_a_host_alone_in_a_stretch_is_still_named() -> None:
    # The opening minutes of an interview: only the host speaks, and still says who.
    text = "[00:00:00] Lex Fridman: The following is a conversation with a physicist at Harvard.\n"
    assert candidates(text)[0].text.startswith("Fridman: The following is a conversation")


def test_roles_keep_their_whole_name() -> None:
    assert short_name("Project Manager") == "Project Manager"
    assert short_name("Pieter Levels") == "Levels"
    assert short_name("Naval") == "Naval"


def test_the_speaker_carrying_the_talk_weighs_most() -> None:
    text = "Host: Why?\nGuest: " + "word " * 80 + "\nHost: And then what happened next?\n"
    weights = speaker_weights(text)
    assert weights["Guest"] == 1.0
    assert weights["Host"] < 0.5


def test_that_opens_a_statement_when_it_is_its_subject() -> None:
    assert polish("That's the most interesting result of the whole study, I think.") == (
        "That's the most interesting result of the whole study."
    )


def test_said_is_the_statement_without_its_speaker() -> None:
    from longsum.agent.extractive.bullets import said

    assert said("Levels: I built a website for nomads.") == "I built a website for nomads."
    assert said("Project Manager: We need a dial.") == "We need a dial."
    assert said("说话人1：大家好。") == "大家好。"
    assert said("There are two kinds: a and b.") == "There are two kinds: a and b."

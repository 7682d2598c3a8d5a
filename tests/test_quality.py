"""What a reader sees as a defect: each code fires on an example and not on a near miss;
the gold answers and the human references of ../shared are clean."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from longsum.tools.quality import DEFECTS, bullet_defects, reader_violations, scripts_of

LATIN = frozenset({"Latin"})
CLEAN = "Levels ships products fast because he builds alone."


def test_defect_codes_are_the_published_ones() -> None:
    assert DEFECTS == (
        "question", "backchannel", "fragment", "filler", "too_long", "title_like",
        "scaffold", "markup", "script", "placeholder_number", "duplicate",
    )  # fmt: skip


def test_a_plain_sentence_has_no_defect() -> None:
    assert bullet_defects(CLEAN, scripts=LATIN) == []
    assert bullet_defects("Because users lose remotes, the team added a locator beep.") == []
    assert bullet_defects("Comparison of Mistral's architecture to vanilla transformers.") == []


@pytest.mark.parametrize(
    ("code", "fires", "near_miss"),
    [
        ("question", "What do you think about the budget?", "What they found was a budget gap."),
        ("question", "Can you have a conversation with Einstein.", "Anyone can talk to Einstein."),
        ("backchannel", "Yeah.", "Yes, the budget doubled to 2 million dollars."),
        ("backchannel", "Okay, right.", "The team agreed with the plan."),
        ("backchannel", "Exactly, yes.", "He agreed and moved on to pricing."),
        ("fragment", "And the thing is that the.", "And the thing is that the budget grew."),
        ("fragment", "Chain of thought is an idea where, instead of that, what.", CLEAN),
        ("fragment", "we need plastic with elasticity for the case.", CLEAN),
        ("fragment", "Of the remote controls, most are black.", "Most remote controls are black."),
        ("fragment", "The model overfits the training set. The generalization error.", CLEAN),
        ("fragment", "Search depends on the query category, and the", CLEAN),
        ("filler", "So, um, the budget was cut by half.", "So the budget was cut by half."),
        ("filler", "The team cut the budget, you know.", "The team cut the budget they knew."),
        ("filler", "Anyway, the team moved on to pricing.", "The team moved on to pricing."),
        ("filler", "They started businesses and stuff.", "They started three businesses."),
        ("filler", "The team chose plastic for the case. Yeah.", "The team chose plastic."),
        ("filler", "The th the person scrolls past stations.", "The person scrolls past stations."),
        ("filler", "It is not too s not too similar to a fruit.", "It is not similar to plan A."),
        ("filler", "They pay for it, but then yeah, it's fine.", "They pay for it, and it's fine."),
        ("filler", "The It now helps on the test set.", "The IT team now helps on the test set."),
        ("filler", "There should be some flexibility in t.", "It had had a flexible case."),
        (
            "fragment",
            "Would say it's an unbiased estimate of risk.",
            "Would you say it's unbiased?",
        ),
        ("fragment", "He is doing his job correctly, Mr.", "He thanked Mr. Rodriguez for it."),
        (
            "fragment",
            "Basis station is fine. so we're going for a banana.",
            "It is fine, e.g. a banana.",
        ),
        ("too_long", " ".join(["word"] * 36) + ".", " ".join(["word"] * 35) + "."),
        ("title_like", "Topic modelling with LDA", "Topic modelling with LDA finds the themes."),
        ("title_like", "Stable Diffusion And Photorealistic Photos Of Faces", CLEAN),
        ("scaffold", "Related Notes from Elsewhere", "Related work came from elsewhere in Europe."),
        ("scaffold", "Part 6 of 8 covers the budget.", "Part of the budget went to hiring."),
        ("scaffold", "Key points: the team cut the budget.", "The key point is that it grew."),
        ("markup", "Budget {disfmarker} talk", "Budget talk went on for an hour."),
        ("markup", "They met at 9 &amp; talked.", "They met at 9 and talked."),
        ("markup", "The L_C_D_ screen was too costly.", "The LCD screen was too costly."),
        ("markup", "[Music] The host welcomed the guest.", "The host [a physicist] welcomed them."),
        ("markup", "They 're going to ship it in May.", "They're going to ship it in May."),
        ("markup", "Reganti: (00:49:59): You apply fixes.", "The fix shipped at 00:49:59 today."),
        ("markup", ">> The host welcomed the guest.", "The code computes x >> 2 to halve it."),
        ("scaffold", "As Section 3 said, it grew.", "Section 230 of the act shields hosts."),
        ("script", "The 模型 is trained on web text.", "The model is trained on web text."),
        ("placeholder_number", "Revenue grew X% in N years.", "Revenue grew 40% in 3 years."),
        ("placeholder_number", "It costs $X per seat.", "It costs $20 per seat in C#."),
        ("placeholder_number", "They hired [number] engineers.", "They hired 12 engineers."),
    ],
)
def test_each_code_fires_and_its_near_miss_does_not(code: str, fires: str, near_miss: str) -> None:
    assert code in bullet_defects(fires, scripts=LATIN), fires
    assert code not in bullet_defects(near_miss, scripts=LATIN), near_miss


def test_a_speaker_label_is_not_part_of_what_is_judged() -> None:
    assert bullet_defects("Levels: Yeah.") == ["backchannel", "title_like"]
    said = "Hon. Chrystia Freeland: Chair, I'm delighted to share what our government does."
    assert bullet_defects(said) == []
    assert bullet_defects("The plan is simple: ship weekly and measure.") == []


def test_scripts_are_judged_only_when_the_transcript_scripts_are_given() -> None:
    bullet = "The 模型 is trained on web text."
    assert "script" not in bullet_defects(bullet)
    assert "script" not in bullet_defects(bullet, scripts=frozenset({"Latin", "Han"}))


def test_caller_labels_are_scaffold_matched_without_case_or_underscores() -> None:
    bullet = "The transcript excerpt shows the budget grew."
    assert "scaffold" not in bullet_defects(bullet)
    assert "scaffold" in bullet_defects(bullet, scaffold=["TRANSCRIPT_EXCERPT"])
    assert "scaffold" not in bullet_defects("An excerpt grew.", scaffold=["excerpt_x"])


def test_a_verbless_bullet_outside_english_is_not_judged_on_verbs() -> None:
    assert "title_like" not in bullet_defects("Die Katze schläft auf dem Sofa im Haus")
    assert "title_like" in bullet_defects("猫が寝る")  # two words' worth of letters


def test_scripts_of_ignores_a_stray_handful() -> None:
    assert scripts_of("Plain English text about models.") == LATIN
    assert scripts_of("日本語のテキストです。" * 5) == {"Han", "Hiragana", "Katakana"}
    english = "word " * 2000 + "Ελλάδα"  # six Greek letters among 8,000 Latin ones
    assert scripts_of(english) == LATIN
    assert scripts_of("") == frozenset()


NOUNS = [
    "budget",
    "hiring",
    "pricing",
    "growth",
    "roadmap",
    "security",
    "testing",
    "latency",
    "billing",
    "onboarding",
    "support",
    "marketing",
    "analytics",
    "licensing",
    "compliance",
    "recruiting",
    "training",
    "documentation",
    "deployment",
    "monitoring",
]


def _summary() -> dict[str, Any]:
    return {
        "introduction": "The hosts discuss budgets. They agree on a plan for the year.",
        "sections": [
            {
                "title": f"Section {i + 1}: Budget planning for year {i + 1}",
                "content": [
                    f"The team discussed the {NOUNS[i * 4 + j]} for a while." for j in range(4)
                ],
                "topics": ["Budget", "Planning", "Hiring"],
            }
            for i in range(5)
        ],
        "topics": ["Budget", "Planning", "Hiring", "Pricing", "Growth"],
        "generalTopics": [
            {"name": "Data Science and Analytics", "complexity": 0.41},
            {"name": "Software Engineering and System Design", "complexity": 0.37},
            {"name": "Database Systems and Management", "complexity": 0.3},
        ],
    }


def test_a_clean_summary_breaks_no_reader_rule() -> None:
    assert reader_violations(_summary(), scripts=LATIN) == []


def test_reader_violations_name_the_path_and_code() -> None:
    data = _summary()
    data["introduction"] = "The hosts discuss budgets. The hosts discuss budgets."
    data["sections"][0]["title"] = "Section 1: Notes on this section"
    data["sections"][1]["content"][2] = "Budget planning overview"
    data["sections"][2]["content"][0] = "The team discussed the {vocalsound} budget."
    data["sections"][3]["topics"][1] = "预算"
    data["sections"][4]["content"][3] = "Revenue grew XX% over the year."
    data["generalTopics"] = [dict(g, complexity=0.5) for g in data["generalTopics"]]
    found = {(v.path, v.code) for v in reader_violations(data, scripts=LATIN)}
    assert found == {
        ("$.introduction", "repeated_sentence"),
        ("$.sections[0].title", "scaffold"),
        ("$.sections[1].content[2]", "title_like"),
        ("$.sections[2].content[0]", "markup"),
        ("$.sections[3].topics[1]", "script"),
        ("$.sections[4].content[3]", "placeholder_number"),
        ("$.generalTopics", "placeholder_number"),
    }
    assert all("\n" not in v.message and ":" in v.message for v in reader_violations(data))


def test_reader_violations_leave_writing_quality_to_the_eval() -> None:
    data = _summary()
    data["sections"][0]["content"] = ["Yeah.", "What about it?", "So, um, the.", "x " * 40]
    codes = {v.code for v in reader_violations(data, scripts=LATIN)}
    # "Yeah." is a title-length bullet, a question is no point, "So, um, the." no sentence,
    # forty words too many for one point; filler is how well an engine writes, measured by
    # the eval, not repaired.
    assert codes == {"title_like", "question", "fragment", "too_long"}


def test_all_zero_complexities_are_placeholders_even_alone() -> None:
    data = _summary()
    data["generalTopics"] = [{"name": "Data Science and Analytics", "complexity": "0.0"}]
    assert [v.code for v in reader_violations(data)] == ["placeholder_number"]


def test_a_bullet_another_section_has_is_a_duplicate() -> None:
    data = _summary()
    data["sections"][3]["content"][2] = data["sections"][1]["content"][0].upper()
    found = [(v.path, v.code) for v in reader_violations(data)]
    assert found == [("$.sections[3].content[2]", "duplicate")]


@pytest.mark.parametrize(
    "broken",
    [None, [], "text", {"sections": "x"}, {"sections": [None, {"content": [1, None]}]},
     {"generalTopics": [{"complexity": True}, {"complexity": "high"}, None]}],
)  # fmt: skip
def test_half_broken_data_is_skipped_not_an_error(broken: object) -> None:
    assert reader_violations(broken) == []


def _gold(shared_dir: Path) -> list[dict[str, Any]]:
    files = sorted((shared_dir / "data" / "gold").glob("*.json"))
    if not files:
        pytest.skip("no gold answers in the shared data")
    return [json.loads(f.read_text(encoding="utf-8")) for f in files]


def test_the_gold_answers_break_no_reader_rule_and_have_no_defect(shared_dir: Path) -> None:
    for data in _gold(shared_dir):
        assert reader_violations(copy.deepcopy(data), scripts=LATIN) == []
        for section in data["sections"]:
            for bullet in section["content"]:
                assert bullet_defects(bullet, scripts=LATIN) == [], bullet


def test_human_reference_sentences_are_nearly_clean(shared_dir: Path) -> None:
    from longsum.tools.prose import sentences

    texts: list[str] = []
    for path in sorted((shared_dir / "data" / "real").glob("*.ref.json")):
        reference = json.loads(path.read_text(encoding="utf-8")).get("reference", {})
        prose = [a["answer"] for a in reference.get("general_summaries", [])]
        prose += [a["answer"] for a in reference.get("specific_queries", [])]
        prose += [reference[k] for k in ("abstract", "full_description") if k in reference]
        texts += [s for p in prose for s in sentences(p)] + reference.get("key_topics", [])
    if not texts:
        pytest.skip("no human-written references in the shared data")
    flagged = [t for t in texts if set(bullet_defects(t)) - {"too_long"}]
    assert len(flagged) <= 0.05 * len(texts), flagged


def test_a_title_that_lists_keyphrases_is_a_violation() -> None:
    data = _summary()
    data["sections"][0]["title"] = "Section 1: LCD screen, remote control, Marketing"
    found = [(v.path, v.code) for v in reader_violations(data)]
    assert found == [("$.sections[0].title", "title_list")]
    data["sections"][0]["title"] = "Section 1: Pricing, Tiers and Discounts"
    assert reader_violations(data) == [], "one comma and an 'and' name one subject"


def test_a_bullet_that_says_what_another_says_is_a_duplicate() -> None:
    data = _summary()
    data["sections"][4]["content"][3] = "The project manager proposes a whiteboard for sketches."
    data["sections"][4]["content"][1] = (
        "The project manager proposes a whiteboard for sketches too."
    )
    found = [(v.path, v.code) for v in reader_violations(data)]
    assert found == [("$.sections[4].content[3]", "duplicate")]
    data["sections"][4]["content"][1] = "The project manager proposes a budget for the launch."
    assert reader_violations(data) == [], "a shared subject is not a shared point"

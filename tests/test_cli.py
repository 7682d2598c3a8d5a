"""The command line: what it prints where, and its exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from longsum.cli import app

runner = CliRunner()

VTT = """WEBVTT

00:00:00.000 --> 00:00:05.000
<v Ada>Hash tables map keys to buckets.

00:00:05.000 --> 00:00:09.000
<v Grace>Collisions are chained or probed.
"""


@pytest.fixture
def vtt(tmp_path: Path) -> Path:
    path = tmp_path / "talk.vtt"
    path.write_text(VTT, encoding="utf-8")
    return path


def test_chunk_prints_the_chunk_table(vtt: Path) -> None:
    result = runner.invoke(app, ["chunk", str(vtt)])
    assert result.exit_code == 0, result.output
    assert "talk.vtt: vtt, 2 utterances, 1 chunks" in result.stdout
    assert "Ada, Grace" in result.stdout
    assert "00:00:09" in result.stdout


def test_chunk_json_lines_respect_max_tokens(tmp_path: Path) -> None:
    cues = [
        f"00:00:{i:02d}.000 --> 00:00:{i + 1:02d}.000\n<v S{i % 3}>Cue {i} says a few words."
        for i in range(40)
    ]
    path = tmp_path / "many.vtt"
    path.write_text("WEBVTT\n\n" + "\n\n".join(cues) + "\n", encoding="utf-8")
    result = runner.invoke(
        app, ["chunk", str(path), "--json", "--max-tokens", "64", "--overlap", "8"]
    )
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) > 4
    assert all(r["token_count"] <= 64 for r in records)
    assert [r["id"] for r in records[:2]] == ["c000", "c001"]
    assert records[1]["start"] > records[0]["start"]
    assert records[1]["overlap_chars"] > 0


def test_chunk_reads_stdin() -> None:
    result = runner.invoke(app, ["chunk", "-", "--json"], input="[00:00:01] Ann: Hello there.\n")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["source"] == "<stdin>"


def test_several_files_give_a_row_each_and_a_bad_one_does_not_stop_the_rest(
    vtt: Path, tmp_path: Path
) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n", encoding="utf-8")
    result = runner.invoke(app, ["chunk", str(vtt), str(empty), str(vtt)])
    assert result.exit_code == 3
    assert result.stdout.count("talk.vtt") == 2
    assert result.stderr.strip().splitlines() == [
        f"longsum: error: {empty} is empty: no transcript text to summarize"
    ]


@pytest.mark.parametrize(
    ("args", "code", "fragment"),
    [
        (["chunk", "/no/such/file.txt"], 3, "does not exist"),
        (["chunk", "{vtt}", "--input-format", "pdf"], 3, "unknown transcript format"),
        (["chunk", "{vtt}", "--max-tokens", "100", "--overlap", "90"], 2, "at most half"),
    ],
)
def test_errors_are_one_line_with_their_exit_code(
    vtt: Path, args: list[str], code: int, fragment: str
) -> None:
    result = runner.invoke(app, [a.format(vtt=vtt) for a in args])
    assert result.exit_code == code
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("longsum: error:") and fragment in lines[0]
    assert "Traceback" not in result.output


def test_validate_names_violations_and_exits_5(shared_dir: Path) -> None:
    result = runner.invoke(
        app, ["validate", str(shared_dir / "data/invalid/dpo_model_output.json")]
    )
    assert result.exit_code == 5
    assert "$.sections[2].content: has 3 bullets; exactly 4 are required" in result.stdout
    assert "$.generalTopics[0]: unexpected key 'topic'" in result.stdout
    # the name off the list is named even though it sits under the wrong key
    general = [line for line in result.stdout.splitlines() if "not one of the twelve" in line]
    assert [line.split(":")[0] for line in general] == ["$.generalTopics[0]"]


def test_validate_repair_writes_the_repaired_summary(shared_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "fixed.json"
    source = shared_dir / "data/invalid/dpo_model_output.json"
    result = runner.invoke(app, ["validate", str(source), "--repair", "-o", str(out)])
    assert result.exit_code == 5  # what needs a model is left
    assert "renamed key 'topic' to 'name'" in result.stderr
    fixed = json.loads(out.read_text(encoding="utf-8"))
    assert fixed["generalTopics"][0]["name"] == "Artificial Intelligence (AI) and Machine Learning"
    assert "unexpected key 'topic'" not in result.stdout


def test_validate_accepts_gold_and_rejects_non_json(shared_dir: Path, tmp_path: Path) -> None:
    ok = runner.invoke(app, ["validate", str(shared_dir / "data/gold/mixtral8x7b.json")])
    assert ok.exit_code == 0 and ok.stdout == ""
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    result = runner.invoke(app, ["validate", str(bad)])
    assert result.exit_code == 3 and "not JSON" in result.stderr


def test_schema_is_the_contract_schema() -> None:
    result = runner.invoke(app, ["schema"])
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    assert schema["properties"]["sections"]["minItems"] == 5
    assert schema["additionalProperties"] is False


def test_summarize_of_a_too_short_transcript_is_one_line_even_offline(
    vtt: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No model: the offline engine would run, but its notice waits for a readable transcript.
    monkeypatch.delenv("LONGSUM_MODEL", raising=False)
    monkeypatch.setenv("LONGSUM_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("LONGSUM_EMBEDDER", "hashing")
    monkeypatch.setenv("LONGSUM_VECTOR_STORE", "memory")
    result = runner.invoke(app, ["summarize", str(vtt)])
    assert result.exit_code == 3
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "too short to summarize" in lines[0]

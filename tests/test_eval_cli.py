"""``longsum eval`` end to end on a small dataset built in the test (offline engine, fakes)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from longsum.cli import app
from longsum.errors import ConfigError
from longsum_eval import runner as eval_runner
from longsum_eval.runner import plan_systems

cli = CliRunner()


pytestmark = pytest.mark.usefixtures("isolated_cli")


@pytest.fixture
def dataset(tmp_path: Path, shared_dir: Path) -> Path:
    """Two timed transcripts made of seed text, with chapters and a written summary."""
    folder = tmp_path / "data"
    folder.mkdir()
    for name in ("zig", "rust"):
        words = (shared_dir / f"data/seed_transcripts/{name}.txt").read_text().split()
        lines = [
            f"[00:{i // 60:02d}:{i % 60:02d}] Host: {' '.join(words[i : i + 20])}"
            for i in range(0, len(words), 20)
        ]
        (folder / f"{name}.txt").write_text("\n".join(lines) + "\n")
        half = len(lines) // 2
        reference = {
            "chapters": [
                {"title": f"What {name} is", "start": 0},
                {"title": f"Writing {name} code", "start": half * 20},
            ],
            "summaries": [" ".join(words[:60])],
        }
        (folder / f"{name}.ref.json").write_text(json.dumps({"reference": reference}))
    return folder


def test_offline_eval_prints_both_tables_and_writes_json_and_chart(
    dataset: Path, tmp_path: Path
) -> None:
    out = tmp_path / "results"
    result = cli.invoke(app, ["eval", str(dataset), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "quality, means over 2 transcript(s)" in result.stdout
    assert "cost, per transcript" in result.stdout
    assert "readability, means over 2 transcript(s)" in result.stdout
    data = json.loads((out / "eval.json").read_text())
    assert {r["item"] for r in data["rows"]} == {"zig", "rust"}
    for row in data["rows"]:
        assert row["system"] == "offline" and row["valid_final"] == 1.0
        assert 0 <= row["boundary_mean"] <= row["boundary_worst"] <= 1
        assert 0 <= row["coverage"] <= 1 and 0 < row["rouge1"] <= 1
        assert row["invented_times"] == 0 and row["llm_calls"] == 0
        assert row["bullets"] == 20 and 0 <= row["defects"] <= 1
        assert 0 <= row["speaker_attribution"] <= row["speaker_named"] <= 1  # "Host:" lines
    assert (out / "eval.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_second_eval_reads_every_output_from_the_cache(
    dataset: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = cli.invoke(app, ["eval", str(dataset), "-o", str(tmp_path / "a")])
    assert first.exit_code == 0, first.output

    async def no_run(*_: Any, **__: Any) -> Any:
        raise AssertionError("cached outputs must not be produced again")

    monkeypatch.setattr(eval_runner, "_run_graph", no_run)
    second = cli.invoke(app, ["eval", str(dataset), "-o", str(tmp_path / "b")])
    assert second.exit_code == 0, second.output
    rows = [json.loads((tmp_path / d / "eval.json").read_text())["rows"] for d in "ab"]
    assert [r["rouge1"] for r in rows[0]] == [r["rouge1"] for r in rows[1]]


def test_limit_takes_the_shortest_transcript(dataset: Path, tmp_path: Path) -> None:
    result = cli.invoke(app, ["eval", str(dataset), "--limit", "1", "-o", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    rows = json.loads((tmp_path / "r/eval.json").read_text())["rows"]
    sizes = {p.stem: len(p.read_text().split()) for p in dataset.glob("*.txt")}
    assert [r["item"] for r in rows] == [min(sizes, key=sizes.__getitem__)]


def test_baselines_without_a_model_are_a_one_line_error(dataset: Path) -> None:
    result = cli.invoke(app, ["eval", str(dataset), "--baselines", "single-pass"])
    assert result.exit_code == 2
    assert "pass --model too" in result.stderr


def test_a_folder_without_transcripts_is_a_one_line_error(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = cli.invoke(app, ["eval", str(tmp_path / "empty")])
    assert result.exit_code in (2, 3)
    assert result.stderr.count("\n") == 1 and "transcript" in result.stderr


def test_plan_systems_orders_and_checks_them() -> None:
    assert plan_systems("openai:m", ["map-reduce"], True) == ["longsum", "offline", "map-reduce"]
    assert plan_systems(None, [], True) == ["offline"]
    with pytest.raises(ConfigError, match="unknown baseline"):
        plan_systems("openai:m", ["three-pass"], True)

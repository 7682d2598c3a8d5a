"""The eval is an extra: longsum never imports it (nor matplotlib, rouge-score), and
``longsum eval`` without it is one error line, exit code 2; its own options."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from longsum.cli import app
from longsum.errors import ConfigError
from longsum.settings import Settings
from longsum_eval.cli import EXTRA_HINT
from longsum_eval.settings import EvalSettings, load_eval_settings

cli = CliRunner()

pytestmark = pytest.mark.usefixtures("isolated_cli")  # also the environment of subprocesses

EVAL_ONLY = ("matplotlib", "rouge_score")
"""Modules that only ``longsum eval`` may load (its command, ``longsum_eval.cli``, is
registered on longsum's CLI through an entry point, and imports neither)."""

_REPORT = f"""
import json, sys
print(json.dumps(sorted(m for m in {EVAL_ONLY!r} if m in sys.modules)))
"""


def _loaded_after(code: str) -> list[str]:
    """Which of :data:`EVAL_ONLY` a fresh interpreter holds after running ``code``."""
    done = subprocess.run(
        [sys.executable, "-c", code + _REPORT],
        capture_output=True,
        text=True,
        timeout=300,
        env=dict(os.environ),
        check=False,
    )
    assert done.returncode == 0, done.stderr
    loaded: list[str] = json.loads(done.stdout.strip().splitlines()[-1])
    return loaded


def test_importing_longsum_loads_nothing_of_the_eval() -> None:
    code = "import longsum\nlongsum.summarize\nimport longsum.api\nimport longsum.cli\n"
    assert _loaded_after(code) == []
    library = "import sys, longsum, longsum.api\nlongsum.summarize\n"
    library += "assert 'longsum_eval' not in sys.modules\n"
    assert _loaded_after(library) == []


def test_longsum_summarize_loads_nothing_of_the_eval(shared_dir: Path, tmp_path: Path) -> None:
    transcript = shared_dir / "data/seed_transcripts/zig.txt"
    code = (
        "from longsum.cli import main\n"
        "import sys\n"
        f"sys.argv = ['longsum', 'summarize', {str(transcript)!r}, '-o', "
        f"{str(tmp_path / 'out.json')!r}]\n"
        "try:\n    main()\nexcept SystemExit as exc:\n    assert not exc.code, exc.code\n"
    )
    assert _loaded_after(code) == []
    assert json.loads((tmp_path / "out.json").read_text())["sections"]


@pytest.mark.parametrize(
    "missing",
    [("matplotlib",), ("rouge_score",)],
    ids=["matplotlib", "rouge_score"],
)
def test_eval_without_the_extra_is_one_error_line(
    missing: tuple[str, ...], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in missing:  # None in sys.modules: importing it raises ModuleNotFoundError
        monkeypatch.setitem(sys.modules, name, None)
    result = cli.invoke(app, ["eval", str(tmp_path), "--limit", "1"])
    assert result.exit_code == 2
    assert result.stderr == f"longsum: error: {EXTRA_HINT}\n"
    assert 'pip install -e ".[eval]"' in result.stderr
    assert "Traceback" not in result.output


def test_help_lists_eval_and_eval_help_lists_its_options() -> None:
    listed = cli.invoke(app, ["--help"])
    assert listed.exit_code == 0 and "eval" in listed.stdout
    own = cli.invoke(app, ["eval", "--help"])
    assert own.exit_code == 0, own.output
    assert "--context-tokens" in own.stdout and "--shots-dir" in own.stdout


def test_eval_options_left_longsums_settings() -> None:
    assert not [name for name in Settings.model_fields if name.startswith("eval")]


def test_eval_settings_read_their_documented_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("LONGSUM_EVAL_CONTEXT_TOKENS", "32768")
    monkeypatch.setenv("LONGSUM_EVAL_SHOTS_DIR", str(tmp_path))
    chosen = load_eval_settings()
    assert (chosen.context_tokens, chosen.shots_dir) == (32768, tmp_path)
    assert load_eval_settings(context_tokens=4096, shots_dir=None).context_tokens == 4096
    monkeypatch.delenv("LONGSUM_EVAL_CONTEXT_TOKENS")
    assert EvalSettings().context_tokens == 8192


def test_a_bad_eval_option_is_a_one_line_config_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with pytest.raises(ConfigError, match="context_tokens") as caught:
        load_eval_settings(context_tokens=10)
    assert "\n" not in str(caught.value)
    result = cli.invoke(app, ["eval", str(tmp_path), "--context-tokens", "10"])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "context_tokens" in result.stderr

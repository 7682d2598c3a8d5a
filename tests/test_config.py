"""The user's config file: argument > environment > file > default, and ``longsum config``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from longsum.cli import app
from longsum.errors import ConfigError
from longsum.settings import load_settings
from longsum.settings_file import config_path

runner = CliRunner()


@pytest.fixture
def config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A config file named by LONGSUM_CONFIG, with no LONGSUM_* values from the machine."""
    for name in ("MODEL", "MAP_MODEL", "CONCURRENCY", "OUTPUT_FORMAT", "CACHE_DIR"):
        monkeypatch.delenv(f"LONGSUM_{name}", raising=False)
    path = tmp_path / "config.toml"
    path.write_text(
        'model = "file:m"\nmap_model = "file:map"\nconcurrency = 7\n'
        f'output_format = "markdown"\ncache_dir = "{tmp_path / "cache"}"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("LONGSUM_CONFIG", str(path))
    return path


def test_argument_beats_environment_beats_file_beats_default(
    config_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LONGSUM_MAP_MODEL", "env:map")
    monkeypatch.setenv("LONGSUM_MODEL", "env:m")
    settings = load_settings(model="arg:m")
    assert settings.model == "arg:m"
    assert settings.map_model == "env:map"
    assert settings.concurrency == 7
    assert settings.output_format == "markdown"
    assert settings.cache_dir == tmp_path / "cache"
    assert settings.max_tokens == 3000


def test_config_command_says_where_each_value_came_from(
    config_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LONGSUM_MAP_MODEL", "env:map")
    result = runner.invoke(app, ["config", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    found = payload["settings"]
    assert payload["config_file"] == str(config_file)
    assert found["map_model"] == {"value": "env:map", "from": "env"}
    assert found["model"] == {"value": "file:m", "from": "file"}
    assert found["concurrency"] == {"value": 7, "from": "file"}
    assert found["max_tokens"] == {"value": 3000, "from": "default"}
    table = runner.invoke(app, ["config"]).stdout
    assert any(
        "concurrency" in line and "7" in line and "file" in line for line in table.splitlines()
    )


def test_bad_toml_is_one_line_naming_the_file_and_line(
    config_file: Path,
) -> None:
    config_file.write_text('model = "a"\nconcurrency = \n', encoding="utf-8")
    with pytest.raises(ConfigError, match=rf"{config_file}.*line 2"):
        load_settings()
    result = runner.invoke(app, ["config"])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert str(config_file) in result.stderr and "line 2" in result.stderr


def test_the_file_lives_in_the_xdg_config_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LONGSUM_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert config_path() == tmp_path / "longsum" / "config.toml"
    monkeypatch.delenv("XDG_CONFIG_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert config_path() == tmp_path / "home" / ".config" / "longsum" / "config.toml"


def test_summarize_takes_its_format_from_the_file(
    config_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config_file.write_text('output_format = "yaml"\n', encoding="utf-8")
    path = tmp_path / "t.txt"
    path.write_text("Ada: hello there.\n", encoding="utf-8")
    result = runner.invoke(app, ["summarize", str(path)])
    assert result.exit_code == 2
    assert "unknown --format 'yaml'" in result.stderr

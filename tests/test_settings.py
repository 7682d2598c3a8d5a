"""Settings: one precedence order (argument, environment, default) and one-line errors."""

from __future__ import annotations

import socket

import pytest

from longsum.errors import ConfigError
from longsum.settings import Settings, load_settings


def test_default_when_nothing_is_given(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LONGSUM_MAX_TOKENS", raising=False)
    assert load_settings().max_tokens == Settings.model_fields["max_tokens"].default == 3000


def test_environment_beats_default_and_argument_beats_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LONGSUM_MAX_TOKENS", "2000")
    monkeypatch.setenv("LONGSUM_OVERLAP_TOKENS", "50")
    assert load_settings().max_tokens == 2000
    chosen = load_settings(max_tokens=1200, overlap_tokens=None)
    assert (chosen.max_tokens, chosen.overlap_tokens) == (1200, 50)


@pytest.mark.parametrize(
    ("env", "overrides", "fragment"),
    [
        ({"LONGSUM_MAX_TOKENS": "many"}, {}, "max_tokens"),
        ({}, {"max_tokens": 100, "overlap_tokens": 80}, "at most half"),
        ({}, {"max_input_mb": -1}, "max_input_mb"),
    ],
)
def test_bad_values_are_one_line_config_errors(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], overrides: dict[str, int], fragment: str
) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(ConfigError, match=fragment) as caught:
        load_settings(**overrides)
    assert "\n" not in str(caught.value)


def test_unknown_setting_is_refused() -> None:
    with pytest.raises(ConfigError, match="no_such_knob"):
        load_settings(no_such_knob=1)


def test_the_network_guard_blocks_outside_hosts() -> None:
    with socket.socket() as sock, pytest.raises(RuntimeError, match="may not connect"):
        sock.connect(("203.0.113.7", 443))

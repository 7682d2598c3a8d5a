"""The user's config file, the settings source between the environment and the defaults.

It is ``$LONGSUM_CONFIG``, else ``$XDG_CONFIG_HOME/longsum/config.toml`` (by default
``~/.config/longsum/config.toml``), read by pydantic-settings' own TOML source. Its keys are
:class:`~longsum.settings.Settings` fields, for instance::

    model = "openai:gpt-4o-mini"
    map_model = "ollama:qwen2.5:1.5b"
    concurrency = 8
    output_format = "markdown"
    cache_dir = "/data/longsum-cache"

A value is taken from the first of: argument, environment (``LONGSUM_*``), this file, default.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, TomlConfigSettingsSource

from longsum.errors import ConfigError

__all__ = ["CONFIG_ENV", "Origin", "config_path", "customise_sources", "origins", "read_config"]

CONFIG_ENV = "LONGSUM_CONFIG"
"""The environment variable naming the config file (overrides the XDG location)."""
ENV_PREFIX = "LONGSUM_"

Origin = Literal["argument", "env", "file", "default"]


def config_path() -> Path:
    """The config file's path, whether or not it exists."""
    if given := os.environ.get(CONFIG_ENV):
        return Path(given).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base).expanduser() / "longsum" / "config.toml"


def _bad_toml(path: Path, exc: tomllib.TOMLDecodeError) -> ConfigError:
    # tomllib's message ends with "(at line L, column C)": the file and line in one line.
    return ConfigError(f"config file {path} is not valid TOML: {exc}")


def read_config(path: Path | None = None) -> dict[str, Any]:
    """The config file's keys and values ({} when there is no file).

    Raises :class:`~longsum.errors.ConfigError` naming the file (and the line) when it is
    not TOML or cannot be read.
    """
    path = config_path() if path is None else path
    if not path.is_file():
        return {}
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise _bad_toml(path, exc) from None
    except OSError as exc:
        raise ConfigError(f"config file {path}: cannot read: {exc.strerror or exc}") from None


def customise_sources(
    settings_cls: type[BaseSettings],
    init_settings: PydanticBaseSettingsSource,
    env_settings: PydanticBaseSettingsSource,
    dotenv_settings: PydanticBaseSettingsSource,
    file_secret_settings: PydanticBaseSettingsSource,
) -> tuple[PydanticBaseSettingsSource, ...]:
    """The settings sources, first wins: argument, environment, config file (then defaults)."""
    path = config_path()
    try:
        toml = TomlConfigSettingsSource(settings_cls, toml_file=path)
    except tomllib.TOMLDecodeError as exc:
        raise _bad_toml(path, exc) from None
    except OSError as exc:
        raise ConfigError(f"config file {path}: cannot read: {exc.strerror or exc}") from None
    return init_settings, env_settings, toml


def origins(fields: Mapping[str, Any], arguments: Mapping[str, Any]) -> dict[str, Origin]:
    """Where each of ``fields`` gets its value from, given the ``arguments`` passed (``None``
    means not given), in the order :func:`customise_sources` sets."""
    environ = {name.upper() for name in os.environ}
    in_file = {key.lower() for key in read_config()}
    found: dict[str, Origin] = {}
    for name in fields:
        if arguments.get(name) is not None:
            found[name] = "argument"
        elif f"{ENV_PREFIX}{name}".upper() in environ:
            found[name] = "env"
        elif name in in_file:
            found[name] = "file"
        else:
            found[name] = "default"
    return found

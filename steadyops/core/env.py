"""Typed readers for settings that come from environment variables.

Each reader fails loudly, naming the variable and the values it accepts, so a
typo in a deployment stops start-up instead of silently picking a default.
"""

import os
from pathlib import Path


class ConfigError(Exception):
    """A setting from the environment has a value steadyops cannot use."""


def _raw(name: str) -> str | None:
    """The value of NAME, or of the file named by NAME_FILE (for secrets)."""
    value = os.environ.get(name)
    file_name = os.environ.get(f"{name}_FILE")
    if value is not None and file_name is not None:
        raise ConfigError(f"{name} and {name}_FILE are both set; set only one of them.")
    if file_name is not None:
        try:
            return Path(file_name).read_text().strip()
        except OSError as exc:
            raise ConfigError(f"{name}_FILE={file_name!r} cannot be read: {exc.strerror}.") from exc
    return value


def env_str(name: str, default: str = "") -> str:
    value = _raw(name)
    return default if value is None else value


def env_bool(name: str, default: bool) -> bool:
    value = _raw(name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in ("true", "1", "yes", "on"):
        return True
    if lowered in ("false", "0", "no", "off"):
        return False
    raise ConfigError(f"{name}={value!r} is not a yes/no value; use one of: true, false, 1, 0, yes, no, on, off.")


def env_int(name: str, default: int, *, minimum: int | None = None, maximum: int | None = None) -> int:
    value = _raw(name)
    if value is None:
        return default
    try:
        number = int(value.strip())
    except ValueError:
        accepted = ""
        if minimum is not None and maximum is not None:
            accepted = f"; use a whole number from {minimum} to {maximum}"
        elif minimum is not None:
            accepted = f"; use a whole number of at least {minimum}"
        raise ConfigError(f"{name}={value!r} is not a whole number{accepted}.") from None
    if minimum is not None and number < minimum:
        raise ConfigError(f"{name}={number} is too small; the smallest accepted value is {minimum}.")
    if maximum is not None and number > maximum:
        raise ConfigError(f"{name}={number} is too large; the largest accepted value is {maximum}.")
    return number


def env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    value = _raw(name)
    if value is None:
        return default
    if value not in choices:
        raise ConfigError(f"{name}={value!r} is not accepted; use one of: {', '.join(choices)}.")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    value = _raw(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]

"""The hub's settings: defaults <- OURMONEY_HUB_* environment <- command-line flags."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

from hub.errors import HubError

ENV_PREFIX = "OURMONEY_HUB_"


def _whole(low: int, high: int) -> Callable[[str], int]:
    """Return a reader of a whole number within bounds."""
    def read(text: str) -> int:
        number = int(text)
        if not low <= number <= high:
            raise ValueError(f"use a whole number from {low} to {high}")
        return number
    return read


def _log_level(text: str) -> str:
    level = text.strip().upper()
    if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        raise ValueError("use DEBUG, INFO, WARNING or ERROR")
    return level


@dataclass(frozen=True)
class HubSettings:
    """Resolved settings for one hub process."""

    database: str = ""
    host: str = "127.0.0.1"
    port: int = 8700
    threads: int = 8
    pool_size: int = 10
    trusted_proxies: int = 0
    requests_per_minute: int = 600
    sign_in_failures: int = 10
    log_level: str = "INFO"


READERS: dict[str, Callable[[str], Any]] = {
    "database": str, "host": str, "port": _whole(0, 65535), "threads": _whole(1, 64),
    "pool_size": _whole(1, 100), "trusted_proxies": _whole(0, 5),
    "requests_per_minute": _whole(1, 1_000_000), "sign_in_failures": _whole(1, 1000),
    "log_level": _log_level,
}


def load(flags: Mapping[str, Any] | None = None,
         environ: Mapping[str, str] | None = None) -> HubSettings:
    """Return the settings from the environment, overridden by flags that were given."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for item in fields(HubSettings):
        text = environ.get(ENV_PREFIX + item.name.upper())
        if text is not None and text != "":
            try:
                values[item.name] = READERS[item.name](text)
            except ValueError as error:
                raise HubError(f"{ENV_PREFIX}{item.name.upper()}: {error}") from None
    settings = replace(HubSettings(), **values)
    given = {k: v for k, v in (flags or {}).items() if v is not None}
    settings = replace(settings, **given)
    if not settings.database:
        raise HubError("no database: give --database postgresql://... or set "
                       f"{ENV_PREFIX}DATABASE")
    return settings

"""One registry of settings: defaults <- config file <- OURMONEY_* environment <- CLI flags."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

from ourmoney.errors import InvalidInput


@dataclass(frozen=True)
class Setting:
    """One documented setting with its default and how to read it from text."""

    name: str
    default: Any
    parse: Callable[[str], Any]
    help: str


def _port(text: str) -> int:
    port = int(text)
    if not 0 <= port <= 65535:
        raise ValueError("port must be between 0 and 65535")
    return port


def _flag(text: str) -> bool:
    """Read a yes/no value, refusing words that are neither."""
    word = text.strip().lower()
    if word not in {"1", "true", "yes", "on", "0", "false", "no", "off"}:
        raise ValueError("use true or false")
    return word in {"1", "true", "yes", "on"}


def _log_level(text: str) -> str:
    """Read a logging level name."""
    level = text.strip().upper()
    if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
        raise ValueError("use DEBUG, INFO, WARNING, ERROR or CRITICAL")
    return level


def _page_size(text: str) -> int:
    """Read a page size the lists can serve."""
    size = int(text)
    if not 1 <= size <= 500:
        raise ValueError("page size must be between 1 and 500")
    return size


REGISTRY: tuple[Setting, ...] = (
    Setting("data_dir", None, str, "Folder holding the database and secrets "
            "(default: the platform's user data folder)."),
    Setting("host", "127.0.0.1", str, "Address the server listens on."),
    Setting("port", 8421, _port, "Port the server listens on; 0 picks any free port."),
    Setting("open_browser", False, _flag, "Open the system browser once the server runs."),
    Setting("log_level", "WARNING", _log_level, "How much the server logs (DEBUG, INFO, WARNING)."),
    Setting("page_size", 50, _page_size, "Transactions per page in lists and the API."),
    Setting("discovery", True, _flag, "Announce this device on the network it listens on "
            "and look for other OurMoney devices (zeroconf)."),
    Setting("auto_sync", True, _flag, "Sync with paired devices in the background: after "
            "changes, every minute, and again after a failure (waiting longer each time)."),
    Setting("lan", False, _flag, "Phone access for this run: listen on the local network "
            "(every IPv4 address) instead of 127.0.0.1 only."),
    Setting("loopback_is_lan", False, _flag, "For tests only: treat browsers on this computer "
            "as phones on the network, so they must sign in."),
)
NAMES = frozenset(setting.name for setting in REGISTRY)


@dataclass(frozen=True)
class Settings:
    """Resolved settings for one run of the app."""

    values: Mapping[str, Any] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        if name in NAMES:
            return self.values[name]
        raise AttributeError(name)

    @property
    def data_path(self) -> Path:
        """Return the data folder, created on first use."""
        path = Path(self.values["data_dir"]).expanduser()
        path.mkdir(parents=True, exist_ok=True)
        return path

    @property
    def database_path(self) -> Path:
        """Return the SQLite file holding the ledger."""
        return self.data_path / "ourmoney.sqlite3"


def default_data_dir() -> str:
    """Return the platform's per-user data folder for OurMoney."""
    return platformdirs.user_data_dir("OurMoney", appauthor=False)


def load(overrides: Mapping[str, Any] | None = None,
         environ: Mapping[str, str] | None = None) -> Settings:
    """Resolve every setting from defaults, the config file, the environment and overrides."""
    environ = os.environ if environ is None else environ
    given = {k: v for k, v in (overrides or {}).items() if v is not None}
    unknown = set(given) - NAMES
    if unknown:
        raise InvalidInput(f"Unknown setting: {sorted(unknown)[0]}")
    values: dict[str, Any] = {s.name: s.default for s in REGISTRY}
    values["data_dir"] = (given.get("data_dir") or environ.get("OURMONEY_HOME")
                          or environ.get("OURMONEY_DATA_DIR") or default_data_dir())
    values.update(_from_file(Path(values["data_dir"]).expanduser() / "config.toml"))
    values.update(_from_environ(environ))
    values.update(given)
    return Settings(values)


def _from_file(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise InvalidInput(f"{path}: not valid TOML ({error})") from None
    return {name: _parse(name, str(value), str(path)) for name, value in raw.items()
            if name in NAMES - {"data_dir"}}


def _from_environ(environ: Mapping[str, str]) -> dict[str, Any]:
    found = {}
    for setting in REGISTRY:
        key = "OURMONEY_" + setting.name.upper()
        if key in environ and setting.name != "data_dir":
            found[setting.name] = _parse(setting.name, environ[key], key)
    return found


def _parse(name: str, text: str, where: str) -> Any:
    setting = next(s for s in REGISTRY if s.name == name)
    try:
        return setting.parse(text)
    except ValueError as error:
        raise InvalidInput(f"{where}: {name} = {text!r} is not valid ({error})") from None

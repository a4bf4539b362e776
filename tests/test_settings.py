"""ourmoney.settings: one registry, resolved default <- config file <- environment <- overrides."""

from __future__ import annotations

from pathlib import Path

import pytest

from ourmoney.errors import InvalidInput
from ourmoney.settings import NAMES, REGISTRY, default_data_dir, load


def write_config(data_dir: Path, text: str) -> Path:
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults(tmp_path: Path) -> None:
    settings = load({"data_dir": str(tmp_path)}, environ={})
    assert dict(settings.values) == {"data_dir": str(tmp_path), "host": "127.0.0.1",
                                     "port": 8421, "open_browser": False,
                                     "log_level": "WARNING", "page_size": 50, "discovery": True,
                                     "auto_sync": True, "lan": False,
                                     "loopback_is_lan": False}
    assert settings.port == 8421
    assert settings.database_path == tmp_path / "ourmoney.sqlite3"


def test_every_setting_is_documented() -> None:
    assert {"data_dir", "host", "port", "open_browser", "log_level", "page_size", "discovery",
            "auto_sync", "lan", "loopback_is_lan"} == NAMES
    assert all(setting.help.endswith(".") for setting in REGISTRY)


def test_data_dir_defaults_to_the_platform_folder() -> None:
    assert load(environ={}).data_dir == default_data_dir()
    assert "OurMoney" in default_data_dir()


def test_ourmoney_home_sets_the_data_dir(tmp_path: Path) -> None:
    assert load(environ={"OURMONEY_HOME": str(tmp_path)}).data_dir == str(tmp_path)
    flag = tmp_path / "flag"
    assert load({"data_dir": str(flag)}, environ={"OURMONEY_HOME": str(tmp_path)}).data_dir \
        == str(flag)


def test_data_path_is_created_on_use(tmp_path: Path) -> None:
    settings = load({"data_dir": str(tmp_path / "a" / "b")}, environ={})
    assert settings.data_path == tmp_path / "a" / "b"
    assert (tmp_path / "a" / "b").is_dir()


def test_precedence(tmp_path: Path) -> None:
    write_config(tmp_path, 'port = 9000\nhost = "0.0.0.0"\npage_size = 20\nopen_browser = true\n')
    environ = {"OURMONEY_HOME": str(tmp_path), "OURMONEY_PORT": "9100",
               "OURMONEY_LOG_LEVEL": "info"}
    settings = load({"page_size": 10}, environ=environ)
    assert settings.host == "0.0.0.0"  # config file over default
    assert settings.open_browser is True
    assert settings.port == 9100  # environment over config file
    assert settings.log_level == "INFO"
    assert settings.page_size == 10  # override over everything
    assert load({"port": 9200, "host": None}, environ=environ).port == 9200  # None: not given


def test_config_file_cannot_move_the_data_dir(tmp_path: Path) -> None:
    write_config(tmp_path, f'data_dir = "{tmp_path / "elsewhere"}"\n')
    assert load(environ={"OURMONEY_HOME": str(tmp_path)}).data_dir == str(tmp_path)


def test_unknown_override_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput) as error:
        load({"prot": 1}, environ={"OURMONEY_HOME": str(tmp_path)})
    assert error.value.message == "Unknown setting: prot"


@pytest.mark.parametrize(("key", "value", "message"), [
    ("OURMONEY_PORT", "abc",
     "OURMONEY_PORT: port = 'abc' is not valid (invalid literal for int() with base 10: 'abc')"),
    ("OURMONEY_PORT", "70000",
     "OURMONEY_PORT: port = '70000' is not valid (port must be between 0 and 65535)"),
    ("OURMONEY_OPEN_BROWSER", "maybe",
     "OURMONEY_OPEN_BROWSER: open_browser = 'maybe' is not valid (use true or false)"),
    ("OURMONEY_LOG_LEVEL", "loud",
     "OURMONEY_LOG_LEVEL: log_level = 'loud' is not valid"
     " (use DEBUG, INFO, WARNING, ERROR or CRITICAL)"),
    ("OURMONEY_PAGE_SIZE", "0",
     "OURMONEY_PAGE_SIZE: page_size = '0' is not valid (page size must be between 1 and 500)"),
])
def test_invalid_environment_names_where(tmp_path: Path, key: str, value: str,
                                         message: str) -> None:
    with pytest.raises(InvalidInput) as error:
        load(environ={"OURMONEY_HOME": str(tmp_path), key: value})
    assert error.value.message == message


@pytest.mark.parametrize(("value", "expected"), [
    ("1", True), ("yes", True), ("ON", True), (" true ", True),
    ("0", False), ("no", False), ("off", False), ("False", False),
])
def test_flags(tmp_path: Path, value: str, expected: bool) -> None:
    environ = {"OURMONEY_HOME": str(tmp_path), "OURMONEY_OPEN_BROWSER": value}
    assert load(environ=environ).open_browser is expected


def test_invalid_config_value_names_the_file(tmp_path: Path) -> None:
    path = write_config(tmp_path, "port = -1\n")
    with pytest.raises(InvalidInput) as error:
        load(environ={"OURMONEY_HOME": str(tmp_path)})
    assert error.value.message == (
        f"{path}: port = '-1' is not valid (port must be between 0 and 65535)")


def test_broken_config_file_names_the_file(tmp_path: Path) -> None:
    path = write_config(tmp_path, "port = \n")
    with pytest.raises(InvalidInput) as error:
        load(environ={"OURMONEY_HOME": str(tmp_path)})
    assert error.value.message.startswith(f"{path}: not valid TOML (")


def test_unknown_attribute(tmp_path: Path) -> None:
    settings = load({"data_dir": str(tmp_path)}, environ={})
    with pytest.raises(AttributeError):
        _ = settings.colour


def test_auto_sync_is_read_from_the_environment_and_refuses_other_words(tmp_path: Path) -> None:
    assert load({"data_dir": str(tmp_path)}, environ={"OURMONEY_AUTO_SYNC": "off"}).auto_sync \
        is False
    with pytest.raises(InvalidInput, match="auto_sync = 'sometimes' is not valid"):
        load({"data_dir": str(tmp_path)}, environ={"OURMONEY_AUTO_SYNC": "sometimes"})

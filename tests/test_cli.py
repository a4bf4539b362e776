"""The `ourmoney` command: version, serve, demo, and clear one-line errors."""

from __future__ import annotations

import json
import os
import re
import socket
import sqlite3
import stat
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from ourmoney import __version__
from ourmoney.cli import main
from tests.support.server import start_process, start_server


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run `python -m ourmoney ARGS` in a real process."""
    return subprocess.run([sys.executable, "-m", "ourmoney", *args], capture_output=True,
                          text=True, timeout=120, env=env, check=False)


def count(data_dir: Path) -> int:
    """Count live transactions in a ledger folder."""
    with sqlite3.connect(data_dir / "ourmoney.sqlite3") as connection:
        return int(connection.execute(
            "SELECT count(*) FROM transactions WHERE deleted = 0").fetchone()[0])


def test_version_prints_the_package_version() -> None:
    result = run("--version")
    assert (result.returncode, result.stdout) == (0, f"ourmoney {__version__}\n")


def test_help_lists_every_command_also_those_imported_when_used() -> None:
    result = CliRunner().invoke(main, ["--help"])
    listed = re.findall(r"^  (\w+) ", result.output.split("Commands:")[1], re.MULTILINE)
    assert (result.exit_code, listed) == (0, ["demo", "devices", "export", "hub", "import",
                                              "pair", "report", "serve", "sync"])


def test_an_unknown_command_is_refused_with_exit_code_2() -> None:
    result = CliRunner().invoke(main, ["imports"])
    assert result.exit_code == 2
    assert "No such command 'imports'." in result.output


def test_serve_prints_one_line_with_the_real_port_and_answers(tmp_path: Path) -> None:
    with start_server(tmp_path / "data") as server:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/", server.url)
        with urllib.request.urlopen(server.url + "api/v1/health", timeout=10) as response:
            assert json.load(response) == {"status": "ok", "version": __version__}
        assert server.output().count("OurMoney running at") == 1
    assert (tmp_path / "data" / "ourmoney.sqlite3").is_file()


def test_serve_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    server = start_server(tmp_path / "data")
    assert server.stop() == 0


def test_the_data_dir_comes_from_ourmoney_home(tmp_path: Path) -> None:
    env = {**os.environ, "OURMONEY_HOME": str(tmp_path / "home")}
    result = run("demo", "--transactions", "40", env=env)
    assert result.returncode == 0, result.stderr
    assert count(tmp_path / "home") == 40


def test_a_port_in_use_is_one_clear_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run("serve", "--port", str(port), "--data-dir", str(tmp_path))
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"Error: Cannot listen on 127.0.0.1:{port}: Address already in use. "
        "Choose another --port, or --port 0 for any free one."]


@pytest.mark.parametrize("port", ["-1", "70000", "abc"])
def test_a_bad_port_is_refused_with_exit_code_2(tmp_path: Path, port: str) -> None:
    result = CliRunner().invoke(main, ["serve", "--port", port, "--data-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert "Invalid value for '--port'" in result.output


def test_a_bad_setting_in_the_environment_names_where_it_came_from(tmp_path: Path) -> None:
    env = {**os.environ, "OURMONEY_PORT": "lots"}
    result = run("serve", "--data-dir", str(tmp_path), env=env)
    assert result.returncode == 2
    assert "OURMONEY_PORT" in result.stderr and "lots" in result.stderr


def test_demo_fills_an_empty_ledger_and_refuses_a_second_time(tmp_path: Path) -> None:
    first = run("demo", "--transactions", "500", "--data-dir", str(tmp_path))
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("created 500 transactions from ")
    assert count(tmp_path) == 500
    again = run("demo", "--transactions", "10", "--data-dir", str(tmp_path))
    assert again.returncode == 1
    assert again.stderr.strip().splitlines()[-1] == (
        "Error: This ledger already has transactions; use an empty --data-dir for the demo.")
    assert count(tmp_path) == 500


@pytest.mark.parametrize("bad", ["0", "-5", "abc"])
def test_demo_refuses_a_bad_count(tmp_path: Path, bad: str) -> None:
    result = run("demo", "--transactions", bad, "--data-dir", str(tmp_path))
    assert result.returncode in (1, 2)
    assert "transactions" in result.stderr.lower()


def test_plain_ourmoney_without_a_display_serves_and_opens_the_browser(tmp_path: Path) -> None:
    opened = tmp_path / "opened.txt"
    browser = tmp_path / "browser.sh"
    browser.write_text(f'#!/bin/sh\necho "$1" > {opened}\n')
    browser.chmod(browser.stat().st_mode | stat.S_IEXEC)
    env = {**os.environ, "BROWSER": str(browser), "OURMONEY_HOME": str(tmp_path / "data"),
           "DISPLAY": "", "WAYLAND_DISPLAY": ""}  # no window here: see tests/desktop
    opened_line = re.compile(r"opened (http://127\.0\.0\.1:\d+/) in your browser")
    process, ready = start_process([sys.executable, "-m", "ourmoney"], opened_line, env=env)
    with process:
        deadline = time.monotonic() + 10
        while not (opened.exists() and opened.read_text().strip()) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert opened.read_text().strip() == ready.group(1)

"""Pairing two real `ourmoney serve` processes with the CLI, and finding each other by zeroconf."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.support.server import RunningServer, start_server

CODE = re.compile(r"^[A-Z2-9]{4}-[A-Z2-9]{4}$")
DEVICE_ID = re.compile(r"\(([0-9a-f]{16})\)$")


def ourmoney(*args: str) -> subprocess.CompletedProcess[str]:
    """Run the CLI to completion and return what it printed."""
    return subprocess.run([sys.executable, "-m", "ourmoney", *args], capture_output=True,
                          text=True, timeout=60, check=False)


def new_code(data_dir: Path) -> str:
    done = ourmoney("pair", "--new-code", "--data-dir", str(data_dir))
    assert done.returncode == 0, done.stderr
    code = done.stdout.strip()
    assert CODE.fullmatch(code)
    return code


def listed(data_dir: Path) -> list[list[str]]:
    done = ourmoney("devices", "--data-dir", str(data_dir))
    assert done.returncode == 0, done.stderr
    return [line.split("\t") for line in done.stdout.splitlines()]


def info(server: RunningServer) -> dict[str, str]:
    found: dict[str, str] = requests.get(server.url + "sync/v1/info", timeout=5).json()
    return found


def wait_for(check: object, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return True
        time.sleep(0.3)
    return False


def test_two_servers_pair_with_the_cli_and_list_each_other(tmp_path: Path) -> None:
    a_dir, b_dir = tmp_path / "a", tmp_path / "b"
    with start_server(a_dir) as a, start_server(b_dir) as b:
        a_info, b_info = info(a), info(b)
        code = new_code(a_dir)
        done = ourmoney("pair", a.url, code, "--data-dir", str(b_dir))
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == f"paired with {a_info['name']} ({a_info['device_id']})"
        [on_a], [on_b] = listed(a_dir), listed(b_dir)
        assert on_a[:3] == [b_info["name"], b_info["device_id"], b.url]
        assert on_b[:3] == [a_info["name"], a_info["device_id"], a.url]
        assert on_a[3:] == on_b[3:] == ["last sync: never", "last error: -", "active"]

        again = ourmoney("pair", a.url, code, "--data-dir", str(b_dir))
        assert (again.returncode, again.stdout) == (1, "")
        assert again.stderr.strip() == (f"Error: {a.url}sync/v1/pair refused: That code is"
                                        " wrong, expired or already used.")


def test_cli_errors_are_one_line(tmp_path: Path) -> None:
    unreachable = ourmoney("pair", "http://127.0.0.1:9/", "ABCD-EFGH", "--data-dir",
                           str(tmp_path))
    assert unreachable.returncode == 1
    assert re.fullmatch(r"Error: Cannot reach http://127\.0\.0\.1:9/sync/v1/info \(.+\)\.\n",
                        unreachable.stderr)
    bad_code = ourmoney("pair", "http://127.0.0.1:9/", "ABC", "--data-dir", str(tmp_path))
    assert (bad_code.returncode, bad_code.stderr) == (
        1, "Error: A pairing code has 8 letters and digits, such as ABCD-EFGH.\n")
    both = ourmoney("pair", "--new-code", "http://x/", "--data-dir", str(tmp_path))
    assert both.returncode == 2 and "Give either --new-code" in both.stderr
    assert listed(tmp_path) == [["no paired devices"]]


def test_twenty_wrong_codes_then_the_cli_is_told_to_wait(tmp_path: Path) -> None:
    a_dir = tmp_path / "a"
    with start_server(a_dir) as a:
        code = new_code(a_dir)
        for _ in range(20):
            wrong = requests.post(a.url + "sync/v1/pair", timeout=5, json={
                "code": "WRNG-CDEX", "device_id": "0123456789abcdef", "name": "Guess",
                "token": "t" * 43})
            assert wrong.status_code == 403
        done = ourmoney("pair", a.url, code, "--data-dir", str(tmp_path / "b"))
        assert done.returncode == 1
        assert done.stderr.strip().endswith(
            "refused: Too many wrong codes were tried; wait 15 minutes and try again.")
        assert listed(a_dir) == [["no paired devices"]]


def nearby_ids(server: RunningServer) -> set[str]:
    page = requests.get(server.url + "devices", timeout=5).text
    section = page.split('id="nearby"', 1)[1]
    return set(re.findall(r'data-device-id="([0-9a-f]{16})"', section))


@pytest.mark.timeout(120)
def test_servers_find_each_other_and_a_moved_peer_is_found_again(tmp_path: Path) -> None:
    a_dir, b_dir = tmp_path / "a", tmp_path / "b"
    with start_server(a_dir) as a, start_server(b_dir) as b:
        a_id, b_id = info(a)["device_id"], info(b)["device_id"]
        assert wait_for(lambda: b_id in nearby_ids(a) and a_id in nearby_ids(b)), (
            nearby_ids(a), nearby_ids(b))
        assert a_id not in nearby_ids(a)  # never itself
        assert ourmoney("pair", a.url, new_code(a_dir), "--data-dir", str(b_dir)).returncode == 0
        old_url = a.url
        a.stop()
        with start_server(a_dir) as moved:  # same device, another port: as if its IP changed
            assert moved.url != old_url
            assert wait_for(lambda: listed(b_dir)[0][2] == moved.url), listed(b_dir)


def test_discovery_can_be_turned_off(tmp_path: Path) -> None:
    with start_server(tmp_path / "a", env={"OURMONEY_DISCOVERY": "false"}) as a, \
            start_server(tmp_path / "b") as b:
        time.sleep(3)
        assert info(a)["device_id"] not in nearby_ids(b)
        assert nearby_ids(a) == set()


def test_sync_progress_on_a_terminal_says_which_way_and_how_far() -> None:
    from ourmoney.cli_devices import progress_line

    assert progress_line("pull", 1500, 200000) == "Pulling changes: 1,500 of 200,000"
    assert progress_line("push", 0, 3) == "Pushing changes: 0 of 3"

"""Two real `ourmoney serve` processes on loopback: pair, sync both ways, survive a kill -9."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import requests

from ourmoney.services.book import open_book
from tests.support.server import RunningServer, start_server
from tests.support.sync import held, state
from tests.test_cli_devices import new_code, ourmoney

DEMO_ROWS = 60_000  # 12 pages: the sync is still running when the test kills the server


def api(server: RunningServer, method: str, path: str, **body: Any) -> Any:
    """Call a server's JSON API from loopback (the desktop) and return its answer."""
    response = requests.request(method, f"{server.url}api/v1/{path}", json=body or None,
                                timeout=10)
    assert response.status_code < 300, response.text
    return response.json()


def pair(a: RunningServer, b_dir: Path) -> None:
    done = ourmoney("pair", a.url, new_code(a.data_dir), "--data-dir", str(b_dir))
    assert done.returncode == 0, done.stderr


def sync(data_dir: Path) -> subprocess.CompletedProcess[str]:
    return ourmoney("sync", "--data-dir", str(data_dir))


def database(data_dir: Path) -> Path:
    return data_dir / "ourmoney.sqlite3"


def snapshot(data_dir: Path) -> tuple[dict[str, Any], set[str]]:
    """Return a ledger's synced state and the change clocks it holds."""
    book = open_book(database(data_dir))
    try:
        found = state(book)
        return {k: v for k, v in found.items() if "transactions" in k}, held(book)
    finally:
        book.close()


def test_two_servers_sync_both_ways_and_concurrent_edits_of_two_fields_both_survive(
        tmp_path: Path) -> None:
    a_dir, b_dir = tmp_path / "a", tmp_path / "b"
    with start_server(a_dir) as a, start_server(b_dir) as b:
        pair(a, b_dir)
        lunch = api(a, "POST", "transactions", description="Lunch", amount="12.50")
        first = sync(b_dir)
        # Each server added its user as a member at start: the same name, so the same row.
        assert (first.returncode, first.stdout) == (0, "pushed 1, pulled 2\n"), first.stderr
        assert api(b, "GET", f"transactions/{lunch['id']}")["description"] == "Lunch"
        assert len(api(a, "GET", "members")) == len(api(b, "GET", "members")) == 1

        api(a, "PATCH", f"transactions/{lunch['id']}", description="Team lunch")
        api(b, "PATCH", f"transactions/{lunch['id']}", amount="30.00")
        api(b, "POST", "transactions", description="Taxi", amount="9.00")
        second = sync(b_dir)
        assert (second.returncode, second.stdout) == (0, "pushed 2, pulled 1\n"), second.stderr
        for server in (a, b):
            found = api(server, "GET", f"transactions/{lunch['id']}")
            assert (found["description"], found["amount"]) == ("Team lunch", "30.00")
            assert {t["description"] for t in api(server, "GET", "transactions")["items"]} == \
                {"Team lunch", "Taxi"}
        assert sync(b_dir).stdout == "pushed 0, pulled 0\n"
    assert snapshot(a_dir) == snapshot(b_dir)


def test_a_server_killed_mid_sync_and_restarted_loses_nothing(tmp_path: Path) -> None:
    a_dir, b_dir = tmp_path / "a", tmp_path / "b"
    made = ourmoney("demo", "--transactions", str(DEMO_ROWS), "--data-dir", str(a_dir))
    assert made.returncode == 0, made.stderr
    with start_server(b_dir):
        a = start_server(a_dir)
        port = a.port
        try:
            pair(a, b_dir)
            running = subprocess.Popen(
                [sys.executable, "-m", "ourmoney", "sync", "--data-dir", str(b_dir)],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            assert wait_until_pulling(b_dir), "the sync never started pulling"
            a.process.kill()  # kill -9, in the middle of the pages
            _out, err = running.communicate(timeout=60)
            assert running.returncode == 1, err
            assert "Cannot reach" in err or "cut short" in err, err  # between pages or in one
        finally:
            a.stop()
        partly = pulled_seq(b_dir)
        assert partly > 0, "nothing was pulled before the kill"
        with start_server(a_dir, "--port", str(port)):
            done = sync(b_dir)
            assert done.returncode == 0, done.stderr
    a_state, a_held = snapshot(a_dir)
    b_state, b_held = snapshot(b_dir)
    assert len(a_state["transactions"]) == DEMO_ROWS + 0
    assert a_state == b_state
    assert a_held <= b_held


def pulled_seq(data_dir: Path) -> int:
    book = open_book(database(data_dir))
    try:
        return int(book.store.value("SELECT coalesce(max(pulled_seq), 0) FROM peer") or 0)
    finally:
        book.close()


def wait_until_pulling(data_dir: Path, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pulled_seq(data_dir) > 0:
            return True
        time.sleep(0.01)
    return False

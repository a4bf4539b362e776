"""Faults: PostgreSQL restarting mid-run, a hub killed mid-push, answers lost on the way back.

After recovery nothing is lost and nothing is stored twice. These tests run their own
PostgreSQL cluster (initdb in a temporary folder), so they can stop and restart it.
"""

from __future__ import annotations

import http.client
import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from typing import TypeVar
from urllib.parse import urlsplit

import psycopg2
import pytest
import requests

from ourmoney.errors import OurMoneyError
from ourmoney.services.sync.http import HttpPeer
from ourmoney.sync.protocol import Change
from tests.hub.conftest import join
from tests.hub.test_api import body, change, stored
from tests.support.hub import (
    EDITOR,
    OWNER,
    PrivatePostgres,
    RunningHub,
    add_household,
    hub_cli,
    private_postgres,
    start_hub,
)

T = TypeVar("T")


@pytest.fixture(scope="module")
def cluster() -> Iterator[PrivatePostgres]:
    """A private PostgreSQL with an initialised hub database and household Home."""
    with private_postgres() as pg:
        hub_cli("init-db", "--database", pg.dsn)
        add_household(pg.dsn)
        yield pg


def retried(work: Callable[[], T], seconds: float = 60) -> T:
    """Run `work` until it stops failing the way an unreachable hub fails (as devices do)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            return work()
        except OurMoneyError:
            if time.monotonic() > deadline:
                raise
            time.sleep(random.uniform(0.05, 0.3))


def test_health_and_pushes_say_503_while_postgresql_is_down_then_recover(
        cluster: PrivatePostgres) -> None:
    with start_hub(cluster.dsn) as hub:
        token = join(hub, device="5555555555555555")
        cluster.stop()
        try:
            health = requests.get(hub.url + "health", timeout=30)
            assert (health.status_code, health.json()["database"]) == (503, "down")
            push = requests.post(hub.url + "sync/v1/changes", timeout=30,
                                 data=body(change("5555555555555555")),
                                 headers={"Authorization": f"Bearer {token}",
                                          "Content-Type": "application/x-ndjson"})
            assert push.status_code == 503
            assert push.headers["Retry-After"] == "5"
            assert push.json()["error"] == ("the hub's database is not answering;"
                                            " try again shortly")
        finally:
            cluster.start()
        assert requests.get(hub.url + "health", timeout=30).status_code == 200
        answer = HttpPeer(hub.url, token).push([change("5555555555555555").line()], 0)
        assert answer.accepted == 1
        assert any('"logger": "hub.db"' in line and "reconnecting" in line
                   for line in hub.stderr_lines), hub.output()


class Device:
    """A device that keeps pushing and pulling, retrying like the app does when the hub fails."""

    def __init__(self, device_id: str, peer: HttpPeer) -> None:
        self.id, self.peer = device_id, peer
        self.pushed: list[str] = []
        self.received: list[str] = []
        self.cursor = 0

    def pull_all(self) -> None:
        while True:
            page = retried(lambda: self.peer.pull(self.cursor, 25))
            self.received.extend(c.hlc for c in page.changes)
            self.cursor = page.next
            if not page.more:
                return

    def run(self, rounds: int, errors: list[BaseException]) -> None:
        try:
            for n in range(rounds):
                made = [change(self.id, f"{self.id}-{n}-{k}") for k in range(10)]
                lines = [c.line() for c in made]
                retried(lambda: self.peer.push(lines, self.cursor))  # noqa: B023
                self.pushed.extend(c.hlc for c in made)
                self.pull_all()
                time.sleep(0.02)
        except BaseException as error:  # checked by the test
            errors.append(error)


def test_postgresql_restarted_mid_run_loses_and_doubles_nothing(
        cluster: PrivatePostgres) -> None:
    before = len(stored(cluster.dsn))
    with start_hub(cluster.dsn) as hub:
        devices = [Device(f"{n:016x}", HttpPeer(hub.url, "")) for n in (0xA1, 0xA2, 0xA3)]
        for device, who in zip(devices, (OWNER, EDITOR, OWNER), strict=True):
            device.peer.token = join(hub, who, device=device.id)
            device.cursor = before
        errors: list[BaseException] = []
        threads = [threading.Thread(target=d.run, args=(40, errors)) for d in devices]
        for thread in threads:
            thread.start()
        time.sleep(1.0)
        cluster.restart()
        time.sleep(0.5)
        cluster.restart()
        for thread in threads:
            thread.join(timeout=180)
        assert not errors
        for device in devices:
            device.pull_all()
    rows = stored(cluster.dsn)
    everything = {hlc for d in devices for hlc in d.pushed}
    assert [seq for seq, _ in rows] == list(range(1, len(rows) + 1))
    assert {hlc for _, hlc in rows[before:]} == everything and len(rows) - before == len(
        everything)
    for device in devices:
        assert max(Counter(device.received).values()) == 1
        assert set(device.received) == everything - set(device.pushed)


def test_a_hub_killed_mid_push_commits_nothing_and_the_retry_stores_it_once(
        cluster: PrivatePostgres) -> None:
    made = [change("6666666666666666", f"killed-{n}") for n in range(50)]
    before = stored(cluster.dsn)
    blocker = psycopg2.connect(cluster.dsn)
    hub = start_hub(cluster.dsn)
    try:
        token = join(hub, device="6666666666666666")
        with blocker.cursor() as cur:  # hold the household's lock: the push waits inside it
            cur.execute("SELECT last_seq FROM household WHERE name = 'Home' FOR UPDATE")
        failed: list[BaseException] = []
        pushing = threading.Thread(target=_push_expecting_failure,
                                   args=(hub, token, made, failed))
        pushing.start()
        _wait_for_lock_waiter(cluster.dsn)
        hub.process.kill()
        hub.stop()
        pushing.join(timeout=60)
        assert failed, "the push should have failed with the hub killed"
    finally:
        blocker.rollback()
        blocker.close()
        hub.stop()
    time.sleep(0.5)
    assert stored(cluster.dsn) == before
    with start_hub(cluster.dsn) as again:
        answer = HttpPeer(again.url, token).push([c.line() for c in made], 0)
        assert (answer.accepted, answer.duplicates) == (50, 0)
        assert HttpPeer(again.url, token).push([c.line() for c in made], 0).duplicates == 50
    assert len(stored(cluster.dsn)) == len(before) + 50


def _push_expecting_failure(hub: RunningHub, token: str, made: list[Change],
                            failed: list[BaseException]) -> None:
    try:
        HttpPeer(hub.url, token, timeout=60).push([c.line() for c in made], 0)
    except OurMoneyError as error:
        failed.append(error)


def _wait_for_lock_waiter(dsn: str) -> None:
    """Wait until a hub connection is waiting for a lock (its push is inside the transaction)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with psycopg2.connect(dsn) as conn, conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name ="
                        " 'ourmoney-hub' AND wait_event_type = 'Lock'")
            row = cur.fetchone()
        conn.close()
        if row and row[0]:
            return
        time.sleep(0.05)
    raise AssertionError("the hub's push never waited for the household's lock")


def test_answers_lost_on_the_way_back_leave_each_change_stored_once(
        cluster: PrivatePostgres) -> None:
    made = [change("7777777777777777", f"lost-{n}") for n in range(30)]
    with start_hub(cluster.dsn) as hub:
        token = join(hub, device="7777777777777777")
        before = len(stored(cluster.dsn))
        for _ in range(3):  # the device sends, the answer never reaches it, so it sends again
            _send_and_hang_up(hub, token, body(*made))
        time.sleep(1.0)
        answer = HttpPeer(hub.url, token).push([c.line() for c in made], 0)
        assert (answer.accepted, answer.duplicates) == (0, 30)
    rows = stored(cluster.dsn)
    assert len(rows) == before + 30
    assert [seq for seq, _ in rows] == list(range(1, len(rows) + 1))


def _send_and_hang_up(hub: RunningHub, token: str, data: bytes) -> None:
    """Send a push and close the connection before reading the answer (a dropped response)."""
    where = urlsplit(hub.url)
    conn = http.client.HTTPConnection(where.hostname or "127.0.0.1", where.port, timeout=10)
    conn.request("POST", "/sync/v1/changes", body=data, headers={
        "Authorization": f"Bearer {token}", "Content-Type": "application/x-ndjson"})
    conn.close()
